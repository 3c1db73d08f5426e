#include "heatmapmenu.h"

#include "figureactions.h"
#include "heatmapview.h"

#include <QActionGroup>

HeatmapMenu::HeatmapMenu(HeatmapView* view)
    : QMenu(view), m_view(view),
      m_actions(new FigureActions(view, [view] { return view->figureSource(); }))
{
    setObjectName(QStringLiteral("heatmapMenu"));
    addAction(m_actions->exportFigureAction());
    addAction(m_actions->exportDataAction());
    addAction(m_actions->copyImageAction());
    addAction(m_actions->exportAllAction());
    addSeparator();
    addColorMaps();
    m_numbers = addAction(tr("Numbers in cells"));
    m_numbers->setCheckable(true);
    m_numbers->setStatusTip(tr("Print each value in its cell, where the cell is large enough"));
    connect(m_numbers, &QAction::toggled, this, &HeatmapMenu::setNumbersShown);
    addPrecisions();
    connect(this, &QMenu::aboutToShow, this, &HeatmapMenu::showStyle);
    showStyle();
}

void HeatmapMenu::addColorMaps()
{
    QMenu* maps = addMenu(tr("Colour map"));
    maps->setObjectName(QStringLiteral("colorMapMenu"));
    m_colorMaps = new QActionGroup(this);
    for (ColorMap::Kind kind : ColorMap::allKinds()) {
        QAction* action = maps->addAction(ColorMap::name(kind));
        action->setCheckable(true);
        action->setData(static_cast<int>(kind));
        m_colorMaps->addAction(action);
        connect(action, &QAction::triggered, this, [this, kind] { setColorMap(kind); });
    }
}

void HeatmapMenu::addPrecisions()
{
    QMenu* precision = addMenu(tr("Precision"));
    precision->setObjectName(QStringLiteral("precisionMenu"));
    m_precisions = new QActionGroup(this);
    for (int digits = 0; digits <= kMaxPrecision; ++digits) {
        const QString text = digits == 1 ? tr("1 digit") : tr("%1 digits").arg(digits);
        QAction* action = precision->addAction(text);
        action->setCheckable(true);
        action->setData(digits);
        m_precisions->addAction(action);
        connect(action, &QAction::triggered, this, [this, digits] { setPrecision(digits); });
    }
}

QAction* HeatmapMenu::colorMapAction(ColorMap::Kind kind) const
{
    for (QAction* action : m_colorMaps->actions()) {
        if (action->data().toInt() == static_cast<int>(kind)) {
            return action;
        }
    }
    return nullptr;
}

QAction* HeatmapMenu::precisionAction(int digits) const
{
    const QList<QAction*> actions = m_precisions->actions();
    return digits >= 0 && digits < actions.size() ? actions[digits] : nullptr;
}

void HeatmapMenu::showStyle()
{
    const HeatmapStyle& style = m_view->style();
    if (QAction* map = colorMapAction(style.colorMap)) {
        map->setChecked(true);
    }
    if (QAction* digits = precisionAction(style.precision)) {
        digits->setChecked(true);
    }
    const QSignalBlocker blocker(m_numbers);
    m_numbers->setChecked(style.annotate);
    m_numbers->setText(numbersDoNotFit() ? tr("Numbers in cells (too small to show now)")
                                         : tr("Numbers in cells"));
}

bool HeatmapMenu::numbersDoNotFit() const
{
    const HeatmapLayout& shown = m_view->renderedLayout();
    const bool rendered = !m_view->renderedImage().isNull() && !shown.empty;
    return rendered && m_view->style().annotate && !shown.numbersShown;
}

void HeatmapMenu::setColorMap(ColorMap::Kind kind)
{
    HeatmapStyle style = m_view->style();
    style.colorMap = kind;
    applyStyle(style);
}

void HeatmapMenu::setNumbersShown(bool shown)
{
    HeatmapStyle style = m_view->style();
    style.annotate = shown;
    applyStyle(style);
}

void HeatmapMenu::setPrecision(int digits)
{
    HeatmapStyle style = m_view->style();
    style.precision = digits;
    applyStyle(style);
}

void HeatmapMenu::applyStyle(const HeatmapStyle& style)
{
    m_view->setStyle(style);
    if (numbersDoNotFit()) {
        m_actions->report(tr("The numbers of “%1” do not fit in its cells at this size: make "
                             "the view larger (F9 hides the side panel) or choose fewer digits.")
                              .arg(m_view->data().title));
    }
}
