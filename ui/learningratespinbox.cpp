#include "learningratespinbox.h"

#include <QLocale>
#include <QRegularExpression>

#include <cmath>

namespace {

constexpr double kMantissas[] = {1.0, 2.0, 5.0};
constexpr double kSlack = 1e-9; // 2e-4 is on the ladder even after rounding

// Ladder value number `index`: 1, 2, 5 times 10^(index / 3), rounding the division down.
double ladderValue(int index)
{
    const int decade = index >= 0 ? index / 3 : -((2 - index) / 3);
    return kMantissas[index - 3 * decade] * std::pow(10.0, decade);
}

// Index of the largest ladder value not above `value` (> 0).
int ladderIndexAtOrBelow(double value)
{
    int index = 3 * static_cast<int>(std::floor(std::log10(value)));
    while (ladderValue(index + 1) <= value * (1 + kSlack)) {
        ++index;
    }
    while (ladderValue(index) > value * (1 + kSlack)) {
        --index;
    }
    return index;
}

} // namespace

LearningRateSpinBox::LearningRateSpinBox(QWidget* parent) : QDoubleSpinBox(parent)
{
    setLocale(QLocale::c());
    setDecimals(40); // no rounding: textFromValue formats the value
    setRange(1e-6, 1e30);
    setKeyboardTracking(false);
    connect(this, &QAbstractSpinBox::editingFinished, this, &LearningRateSpinBox::reportRefusal);
    // A refusal noted by an edit that did not end (an arrow step) is outdated by a new value.
    connect(this, &QDoubleSpinBox::valueChanged, this, [this] { m_refused.clear(); });
}

void LearningRateSpinBox::stepBy(int steps)
{
    const int below = ladderIndexAtOrBelow(value());
    const bool onLadder = ladderValue(below) >= value() * (1 - kSlack);
    const int target = steps > 0 || onLadder ? below + steps : below + steps + 1;
    setValue(ladderValue(target));
    selectAll();
}

// Small and large rates in short scientific notation ("1e-4", "2.5e-5"), others as decimals.
QString LearningRateSpinBox::textFromValue(double value) const
{
    if (value != 0 && (std::abs(value) < 1e-2 || std::abs(value) >= 1e4)) {
        QString text = QString::number(value, 'e', 3);
        text.replace(QRegularExpression(QStringLiteral("\\.?0+e")), QStringLiteral("e"));
        text.replace(QRegularExpression(QStringLiteral("e\\+?(-?)0*(\\d)")),
                     QStringLiteral("e\\1\\2"));
        return text;
    }
    return QString::number(value, 'g', 6);
}

double LearningRateSpinBox::valueFromText(const QString& text) const
{
    return QLocale::c().toDouble(text.trimmed());
}

QValidator::State LearningRateSpinBox::validate(QString& text, int& pos) const
{
    Q_UNUSED(pos);
    bool ok = false;
    const double v = QLocale::c().toDouble(text.trimmed(), &ok);
    if (ok && v >= minimum() && v <= maximum()) {
        return QValidator::Acceptable;
    }
    static const QRegularExpression partial(QStringLiteral("^\\s*[0-9.]*([eE][-+]?[0-9]*)?\\s*$"));
    return partial.match(text).hasMatch() ? QValidator::Intermediate : QValidator::Invalid;
}

void LearningRateSpinBox::fixup(QString& text) const
{
    if (!text.trimmed().isEmpty()) {
        m_refused = text.trimmed();
    }
    text = textFromValue(value());
}

void LearningRateSpinBox::reportRefusal()
{
    if (m_refused.isEmpty()) {
        return;
    }
    const QString text = m_refused;
    m_refused.clear();
    emit refused(text);
}
