// Every QSettings key the application reads or writes, kept in one place.
#pragma once

#include <QLatin1StringView>

namespace SettingsKeys {

// The main window's geometry, its docks and the sizes of its splitter, restored at start.
inline constexpr QLatin1StringView windowGeometry{"mainWindow/geometry"};
inline constexpr QLatin1StringView windowState{"mainWindow/state"};
inline constexpr QLatin1StringView viewSplitter{"mainWindow/viewSplitter"};

// Where figures and data were last exported, at what DPI and in which figure format.
inline constexpr QLatin1StringView exportFolder{"export/folder"};
inline constexpr QLatin1StringView exportDpi{"export/dpi"};
inline constexpr QLatin1StringView exportFigureFormat{"export/figureFormat"};

// The session files opened or saved last, most recent first (absolute paths).
inline constexpr QLatin1StringView recentSessions{"sessions/recent"};

} // namespace SettingsKeys
