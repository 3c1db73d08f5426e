// What the export dialogs remember between exports and sessions: the folder, the DPI of a
// PNG and the figure format last used. Read and written through QSettings.
#pragma once

#include "figureexport.h"

#include <QString>

namespace ExportSettings {

inline constexpr int kMinDpi = 72;
inline constexpr int kMaxDpi = 1200;
inline constexpr int kDefaultDpi = 150;

// The last folder exported to while it still exists; otherwise the Pictures folder, or home.
QString folder();
void setFolder(const QString& folder);
// The last DPI, within [kMinDpi, kMaxDpi]; kDefaultDpi at first.
int dpi();
void setDpi(int dpi);
// The last figure format (PNG, SVG or PDF); PNG at first.
FigureExport::Format figureFormat();
void setFigureFormat(FigureExport::Format format);

} // namespace ExportSettings
