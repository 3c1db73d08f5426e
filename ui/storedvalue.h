// Settings read back from QSettings. A file edited by hand, or written by another version, may
// hold anything under a key: a value is used only when it has the right type and lies in the
// range the widget takes; otherwise the widget keeps the value it has (its default), so that a
// bad value can never build a model the panels would refuse.
//
// Whole numbers are read from their text ("12"; not "12.5", "true" or "1e3"), numbers in the
// C locale, flags only from a boolean or the text "true" or "false". A combo box stores the
// data of its item, as text, and takes back only the data of an item it has.
#pragma once

#include <QAnyStringView>
#include <QList>
#include <QVariant>

#include <map>
#include <optional>
#include <string>
#include <utility>

class HeatmapView;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSettings;
class QSpinBox;

namespace StoredValue {

std::optional<int> wholeNumber(const QVariant& value, int low, int high);
// A session's view map (key to text) read like settings: the value of a key, or an invalid
// QVariant when the map lacks it.
QVariant viewValue(const std::map<std::string, std::string>& view, QLatin1StringView key);
// The entry of a view map for a key and a whole number.
std::pair<std::string, std::string> viewEntry(QLatin1StringView key, int value);
std::optional<double> number(const QVariant& value, double low, double high);
std::optional<bool> flag(const QVariant& value);

// Each sets the widget from `key` when the stored value is valid for it (emitting the
// widget's signals as a change by hand would) and says whether it did.
bool restore(const QSettings& settings, QAnyStringView key, QSpinBox* box);
bool restore(const QSettings& settings, QAnyStringView key, QDoubleSpinBox* box);
bool restore(const QSettings& settings, QAnyStringView key, QCheckBox* box);
bool restore(const QSettings& settings, QAnyStringView key, QComboBox* box);

void store(QSettings& settings, QAnyStringView key, const QSpinBox* box);
void store(QSettings& settings, QAnyStringView key, const QDoubleSpinBox* box);
void store(QSettings& settings, QAnyStringView key, const QCheckBox* box);
void store(QSettings& settings, QAnyStringView key, const QComboBox* box);

// The colour map, numbers and precision of each view, by its object name, as a list of
// "name,map,numbers,precision" (map by its number in ColorMap::allKinds(), numbers 0 or 1,
// precision 0 to HeatmapMenu::kMaxPrecision). An entry that does not parse is left out.
void storeStyles(QSettings& settings, QAnyStringView key, const QList<HeatmapView*>& views);
void restoreStyles(const QSettings& settings, QAnyStringView key, const QList<HeatmapView*>& views);

} // namespace StoredValue
