// A line of text that changes at display rate, such as where training stands, without laying
// out the window again.
//
// A QLabel's new text asks its parent's layout to run again, and from there every layout up to
// the main window; a QTabWidget on the way repaints its whole page. StatusLabel keeps its
// QLabel in a widget without a layout, so a new text repaints the label and nothing else. Its
// own height is fixed at what the text needs, word-wrapped at the width it has: it changes,
// with one layout pass, only when the text needs another number of lines.
#pragma once

#include <QWidget>

class QLabel;

class StatusLabel : public QWidget
{
    Q_OBJECT
public:
    explicit StatusLabel(QWidget* parent);

    void setText(const QString& text);
    QString text() const;
    // The label inside, for its font, palette and alignment; its text goes through setText().
    QLabel* label() const { return m_label; }

protected:
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void fit();

    QLabel* m_label = nullptr;
};
