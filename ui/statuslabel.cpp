#include "statuslabel.h"

#include <QLabel>

#include <algorithm>

StatusLabel::StatusLabel(QWidget* parent) : QWidget(parent), m_label(new QLabel(this))
{
    m_label->setTextFormat(Qt::PlainText);
    m_label->setWordWrap(true);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    fit();
}

void StatusLabel::setText(const QString& text)
{
    if (text == m_label->text()) {
        return;
    }
    m_label->setText(text);
    fit();
}

QString StatusLabel::text() const
{
    return m_label->text();
}

void StatusLabel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    fit();
}

void StatusLabel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    fit();
}

// The label fills the widget, which is as high as the lines the text needs at this width.
// Before the widget is laid out its width means nothing: one line until then.
void StatusLabel::fit()
{
    const int width = std::max(1, this->width());
    const int oneLine =
        std::max(m_label->heightForWidth(QWIDGETSIZE_MAX), m_label->fontMetrics().height());
    const int lines = isVisible() ? m_label->heightForWidth(width) : oneLine;
    const int height = std::max(oneLine, lines);
    if (minimumHeight() != height || maximumHeight() != height) {
        setFixedHeight(height);
    }
    m_label->setGeometry(0, 0, width, height);
}
