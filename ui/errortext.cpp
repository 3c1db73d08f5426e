#include "errortext.h"

#include "figurelook.h"

#include <QApplication>
#include <QEvent>
#include <QLabel>

namespace ErrorText {

namespace {

const char* const kFilterName = "errorTextFilter";

// The application's palette: the label's own is the style sheet's, made from the palette the
// label had when the sheet was first set.
QString styleSheetFor(bool bold)
{
    const bool dark = FigureLook::isDark(QApplication::palette());
    return QStringLiteral("color: %1;%2")
        .arg(dark ? QStringLiteral("#ff8a80") : QStringLiteral("#c62828"),
             bold ? QStringLiteral(" font-weight: bold;") : QString());
}

// Lives on the label while it is marked and watches the application's palette: a label with a
// style sheet hears of no palette change itself. The sheet is set only when it changes.
class Filter : public QObject
{
public:
    Filter(QLabel* label, bool bold) : QObject(label), m_label(label), m_bold(bold)
    {
        setObjectName(QLatin1String(kFilterName));
        qApp->installEventFilter(this);
        apply();
    }

    void setBold(bool bold)
    {
        m_bold = bold;
        apply();
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (watched == qApp && event->type() == QEvent::ApplicationPaletteChange) {
            apply();
        }
        return false;
    }

private:
    void apply()
    {
        const QString sheet = styleSheetFor(m_bold);
        if (m_label->styleSheet() != sheet) {
            m_label->setStyleSheet(sheet);
        }
    }

    QLabel* m_label;
    bool m_bold;
};

Filter* filterOf(const QLabel* label)
{
    return label->findChild<Filter*>(QLatin1String(kFilterName), Qt::FindDirectChildrenOnly);
}

} // namespace

void mark(QLabel* label, bool bold)
{
    if (Filter* filter = filterOf(label)) {
        filter->setBold(bold);
        return;
    }
    new Filter(label, bold);
}

void unmark(QLabel* label)
{
    delete filterOf(label);
    label->setStyleSheet(QString());
}

} // namespace ErrorText
