#include "shortcutsdialog.h"

#include <QAbstractButton>
#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QRegularExpression>
#include <QTableWidget>
#include <QVBoxLayout>

namespace {

QString plainText(QString text)
{
    text.remove(QRegularExpression(QStringLiteral("&(?!&)")));
    text.replace(QStringLiteral("&&"), QStringLiteral("&"));
    text.remove(QChar(u'…'));
    return text.trimmed();
}

void addMenu(QList<ShortcutsDialog::Entry>& entries, const QMenu* menu)
{
    for (const QAction* action : menu->actions()) {
        if (action->menu()) {
            addMenu(entries, action->menu());
        } else if (!action->shortcuts().isEmpty()) {
            entries.append({plainText(action->text()), action->shortcuts()});
        }
    }
}

QString keysText(const QList<QKeySequence>& keys)
{
    QStringList texts;
    for (const QKeySequence& key : keys) {
        texts << key.toString(QKeySequence::NativeText);
    }
    return texts.join(ShortcutsDialog::tr(" or "));
}

} // namespace

ShortcutsDialog::ShortcutsDialog(QWidget* window) : QDialog(window)
{
    setWindowTitle(tr("Keyboard Shortcuts"));
    setObjectName(QStringLiteral("shortcutsDialog"));
    const QList<Entry> entries = entriesOf(window);
    m_table = new QTableWidget(int(entries.size()), 2, this);
    m_table->setHorizontalHeaderLabels({tr("Action"), tr("Shortcut")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    for (int row = 0; row < entries.size(); ++row) {
        m_table->setItem(row, 0, new QTableWidgetItem(entries[row].what));
        m_table->setItem(row, 1, new QTableWidgetItem(keysText(entries[row].keys)));
    }
    m_table->resizeColumnsToContents();
    m_table->horizontalHeader()->setStretchLastSection(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_table);
    layout->addWidget(buttons);
    resize(m_table->horizontalHeader()->length() + 60, m_table->verticalHeader()->length() + 120);
}

QList<ShortcutsDialog::Entry> ShortcutsDialog::entriesOf(const QWidget* window)
{
    QList<Entry> entries;
    if (const auto* main = qobject_cast<const QMainWindow*>(window)) {
        for (const QAction* action : main->menuBar()->actions()) {
            if (action->menu()) {
                addMenu(entries, action->menu());
            }
        }
    }
    for (const QAbstractButton* button : window->findChildren<QAbstractButton*>()) {
        if (!button->shortcut().isEmpty()) {
            entries.append({plainText(button->text()), {button->shortcut()}});
        }
    }
    return entries;
}
