#include "storedvalue.h"

#include "heatmapmenu.h"
#include "heatmapview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSettings>
#include <QSpinBox>

#include <cmath>

namespace StoredValue {

namespace {

bool isText(const QVariant& value)
{
    return value.typeId() == QMetaType::QString || value.typeId() == QMetaType::QByteArray;
}

bool isNumber(const QVariant& value)
{
    switch (value.typeId()) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Double:
    case QMetaType::Float:
        return true;
    default:
        return false;
    }
}

} // namespace

std::optional<int> wholeNumber(const QVariant& value, int low, int high)
{
    if (!isText(value) && !isNumber(value)) {
        return std::nullopt;
    }
    bool ok = false;
    const qlonglong n = value.toString().trimmed().toLongLong(&ok);
    if (!ok || n < low || n > high) {
        return std::nullopt;
    }
    return int(n);
}

QVariant viewValue(const std::map<std::string, std::string>& view, QLatin1StringView key)
{
    const auto it = view.find(std::string(key.data(), size_t(key.size())));
    return it == view.end() ? QVariant() : QVariant(QString::fromStdString(it->second));
}

std::pair<std::string, std::string> viewEntry(QLatin1StringView key, int value)
{
    return {std::string(key.data(), size_t(key.size())), std::to_string(value)};
}

std::optional<double> number(const QVariant& value, double low, double high)
{
    if (!isText(value) && !isNumber(value)) {
        return std::nullopt;
    }
    bool ok = false;
    const double x = value.toString().trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(x) || x < low || x > high) {
        return std::nullopt;
    }
    return x;
}

std::optional<bool> flag(const QVariant& value)
{
    if (value.typeId() == QMetaType::Bool) {
        return value.toBool();
    }
    if (!isText(value)) {
        return std::nullopt;
    }
    const QString text = value.toString().trimmed();
    if (text == QLatin1String("true") || text == QLatin1String("false")) {
        return text == QLatin1String("true");
    }
    return std::nullopt;
}

bool restore(const QSettings& settings, QAnyStringView key, QSpinBox* box)
{
    const auto n = wholeNumber(settings.value(key), box->minimum(), box->maximum());
    if (n) {
        box->setValue(*n);
    }
    return n.has_value();
}

bool restore(const QSettings& settings, QAnyStringView key, QDoubleSpinBox* box)
{
    const auto x = number(settings.value(key), box->minimum(), box->maximum());
    if (x) {
        box->setValue(*x);
    }
    return x.has_value();
}

bool restore(const QSettings& settings, QAnyStringView key, QCheckBox* box)
{
    const auto on = flag(settings.value(key));
    if (on) {
        box->setChecked(*on);
    }
    return on.has_value();
}

bool restore(const QSettings& settings, QAnyStringView key, QComboBox* box)
{
    const QVariant value = settings.value(key);
    if (!isText(value) && !isNumber(value)) {
        return false;
    }
    for (int i = 0; i < box->count(); ++i) {
        if (box->itemData(i).toString() == value.toString()) {
            box->setCurrentIndex(i);
            return true;
        }
    }
    return false;
}

void store(QSettings& settings, QAnyStringView key, const QSpinBox* box)
{
    settings.setValue(key, box->value());
}

void store(QSettings& settings, QAnyStringView key, const QDoubleSpinBox* box)
{
    settings.setValue(key, box->value());
}

void store(QSettings& settings, QAnyStringView key, const QCheckBox* box)
{
    settings.setValue(key, box->isChecked());
}

void store(QSettings& settings, QAnyStringView key, const QComboBox* box)
{
    settings.setValue(key, box->currentData().toString());
}

void storeStyles(QSettings& settings, QAnyStringView key, const QList<HeatmapView*>& views)
{
    const QList<ColorMap::Kind> kinds = ColorMap::allKinds();
    QStringList entries;
    for (const HeatmapView* view : views) {
        const HeatmapStyle& style = view->style();
        entries << QStringLiteral("%1,%2,%3,%4")
                       .arg(view->objectName())
                       .arg(kinds.indexOf(style.colorMap))
                       .arg(style.annotate ? 1 : 0)
                       .arg(style.precision);
    }
    settings.setValue(key, entries);
}

void restoreStyles(const QSettings& settings, QAnyStringView key, const QList<HeatmapView*>& views)
{
    const QVariant value = settings.value(key);
    if (value.typeId() != QMetaType::QStringList && !isText(value)) {
        return;
    }
    const QList<ColorMap::Kind> kinds = ColorMap::allKinds();
    for (const QString& entry : value.toStringList()) {
        const QStringList f = entry.split(u',');
        if (f.size() != 4) {
            continue;
        }
        const auto map = wholeNumber(f[1], 0, int(kinds.size()) - 1);
        const auto numbers = wholeNumber(f[2], 0, 1);
        const auto precision = wholeNumber(f[3], 0, HeatmapMenu::kMaxPrecision);
        for (HeatmapView* view : views) {
            if (view->objectName() == f[0] && map && numbers && precision) {
                HeatmapStyle style = view->style();
                style.colorMap = kinds[*map];
                style.annotate = *numbers == 1;
                style.precision = *precision;
                view->setStyle(style);
            }
        }
    }
}

} // namespace StoredValue
