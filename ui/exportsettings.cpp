#include "exportsettings.h"

#include "settingskeys.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

#include <algorithm>

namespace ExportSettings {

namespace {

QString defaultFolder()
{
    const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    return QFileInfo(pictures).isDir() ? pictures : QDir::homePath();
}

} // namespace

QString folder()
{
    const QString last = QSettings().value(SettingsKeys::exportFolder).toString();
    return !last.isEmpty() && QFileInfo(last).isDir() ? last : defaultFolder();
}

void setFolder(const QString& folder)
{
    QSettings().setValue(SettingsKeys::exportFolder, folder);
}

int dpi()
{
    const int value = QSettings().value(SettingsKeys::exportDpi, kDefaultDpi).toInt();
    return std::clamp(value, kMinDpi, kMaxDpi);
}

void setDpi(int dpi)
{
    QSettings().setValue(SettingsKeys::exportDpi, std::clamp(dpi, kMinDpi, kMaxDpi));
}

FigureExport::Format figureFormat()
{
    const QString suffix = QSettings().value(SettingsKeys::exportFigureFormat).toString();
    for (FigureExport::Format format :
         {FigureExport::Format::Png, FigureExport::Format::Svg, FigureExport::Format::Pdf}) {
        if (suffix == FigureExport::suffix(format)) {
            return format;
        }
    }
    return FigureExport::Format::Png;
}

void setFigureFormat(FigureExport::Format format)
{
    if (FigureExport::isFigureFormat(format)) {
        QSettings().setValue(SettingsKeys::exportFigureFormat, FigureExport::suffix(format));
    }
}

} // namespace ExportSettings
