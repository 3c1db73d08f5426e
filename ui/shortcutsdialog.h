// Help ▸ Keyboard Shortcuts: every shortcut of a window in a table, read from the window's own
// actions and buttons when the dialog opens, so that the list is never out of date.
#pragma once

#include <QDialog>
#include <QKeySequence>
#include <QList>
#include <QString>

class QTableWidget;

class ShortcutsDialog : public QDialog
{
    Q_OBJECT
public:
    struct Entry
    {
        QString what; // the action's text without its mnemonic, e.g. "Save Session"
        QList<QKeySequence> keys;
    };

    // Lists the shortcuts of `window`'s menus and buttons.
    explicit ShortcutsDialog(QWidget* window);

    // Every action in `window`'s menu bar and every button under it that has a shortcut, in
    // menu order, then the buttons.
    static QList<Entry> entriesOf(const QWidget* window);
    QTableWidget* table() const { return m_table; }

private:
    QTableWidget* m_table = nullptr;
};
