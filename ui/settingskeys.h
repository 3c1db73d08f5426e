// Every QSettings key the application reads or writes, kept in one place.
#pragma once

#include <QLatin1StringView>

namespace SettingsKeys {

// The main window's geometry, its docks and the sizes of its splitter, restored at start.
inline constexpr QLatin1StringView windowGeometry{"mainWindow/geometry"};
inline constexpr QLatin1StringView windowState{"mainWindow/state"};
inline constexpr QLatin1StringView viewSplitter{"mainWindow/viewSplitter"};

} // namespace SettingsKeys
