#include "figureexport.h"

#include <errors.h>
#include <matrixexport.h>

#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QImageWriter>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSvgGenerator>

#include <cmath>

namespace FigureExport {

namespace {

// PDF device units per inch: ten per logical pixel, so coordinates stay exact.
constexpr int kPdfResolution = 960;

[[noreturn]] void fail(const QString& path, const QString& fault)
{
    throw attnlab::InputError(QStringLiteral("%1: %2").arg(path, fault).toStdString());
}

QSize pixelSize(QSizeF inches, double dpi)
{
    return QSize(int(std::lround(inches.width() * dpi)), int(std::lround(inches.height() * dpi)));
}

QRectF logicalRect(QSizeF inches)
{
    return QRectF(0, 0, inches.width() * kLogicalDpi, inches.height() * kLogicalDpi);
}

void checkSize(QSizeF inches, double dpi)
{
    if (!(inches.width() > 0) || !(inches.height() > 0) || !(dpi > 0) ||
        pixelSize(inches, dpi).isEmpty()) {
        throw attnlab::InputError(
            QStringLiteral("a figure of %1 × %2 inches at %3 DPI has no pixels")
                .arg(inches.width())
                .arg(inches.height())
                .arg(dpi)
                .toStdString());
    }
}

// QSvgGenerator writes the root's width and height in millimetres; make them the pixels the
// viewBox states, so that every renderer gives the same size as the PNG at 96 DPI.
QByteArray withPixelSize(QByteArray svg, QSize size)
{
    const qsizetype start = svg.indexOf("<svg");
    const qsizetype end = svg.indexOf('>', start);
    QString root = QString::fromUtf8(svg.mid(start, end - start));
    root.replace(QRegularExpression(QStringLiteral(R"(\swidth="[^"]*")")),
                 QStringLiteral(" width=\"%1\"").arg(size.width()));
    root.replace(QRegularExpression(QStringLiteral(R"(\sheight="[^"]*")")),
                 QStringLiteral(" height=\"%1\"").arg(size.height()));
    return svg.left(start) + root.toUtf8() + svg.mid(end);
}

QJsonArray jsonStrings(const QStringList& list)
{
    QJsonArray array;
    for (const QString& s : list) {
        array.append(s);
    }
    return array;
}

QByteArray labelsJson(const HeatmapData& data)
{
    QJsonObject o;
    o.insert(QStringLiteral("title"), data.title);
    o.insert(QStringLiteral("rows"), jsonStrings(data.rowLabels));
    o.insert(QStringLiteral("cols"), jsonStrings(data.colLabels));
    o.insert(QStringLiteral("row_axis"), data.rowAxisTitle);
    o.insert(QStringLiteral("col_axis"), data.colAxisTitle);
    o.insert(QStringLiteral("shape"),
             QJsonArray{qint64(data.values.rows()), qint64(data.values.cols())});
    return QJsonDocument(o).toJson();
}

std::vector<std::string> stdStrings(const QStringList& list, qsizetype count)
{
    std::vector<std::string> out;
    for (qsizetype i = 0; i < count; ++i) {
        out.push_back(i < list.size() ? list[i].toStdString() : std::to_string(i));
    }
    return out;
}

const attnlab::Matrix& exportedValues(const HeatmapData& data)
{
    return data.dataValues.size() > 0 ? data.dataValues : data.values;
}

QByteArray csvBytes(const HeatmapData& data)
{
    const attnlab::Matrix& values = exportedValues(data);
    const std::string text = attnlab::csvText(values, stdStrings(data.rowLabels, values.rows()),
                                              stdStrings(data.colLabels, values.cols()));
    return QByteArray::fromStdString(text);
}

} // namespace

Format formatOf(const QString& path)
{
    const QString ext = QFileInfo(path).suffix().toLower();
    for (Format f : {Format::Png, Format::Svg, Format::Pdf, Format::Csv, Format::Npy}) {
        if (ext == suffix(f)) {
            return f;
        }
    }
    fail(path, QStringLiteral("the file name must end in .png, .svg, .pdf, .csv or .npy"));
}

QString suffix(Format format)
{
    switch (format) {
    case Format::Png:
        return QStringLiteral("png");
    case Format::Svg:
        return QStringLiteral("svg");
    case Format::Pdf:
        return QStringLiteral("pdf");
    case Format::Csv:
        return QStringLiteral("csv");
    case Format::Npy:
        return QStringLiteral("npy");
    }
    return {};
}

bool isFigureFormat(Format format)
{
    return format == Format::Png || format == Format::Svg || format == Format::Pdf;
}

QImage renderImage(const Painter& paint, QSizeF inches, double dpi)
{
    checkSize(inches, dpi);
    QImage image(pixelSize(inches, dpi), QImage::Format_ARGB32_Premultiplied);
    const int dotsPerMeter = int(std::lround(dpi / 0.0254));
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.scale(dpi / kLogicalDpi, dpi / kLogicalDpi);
    paint(painter, logicalRect(inches));
    return image;
}

QByteArray pngBytes(const Painter& paint, QSizeF inches, double dpi)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "png");
    writer.write(renderImage(paint, inches, dpi));
    return bytes;
}

QByteArray svgBytes(const Painter& paint, QSizeF inches, const QString& title)
{
    checkSize(inches, kLogicalDpi);
    const QSize size = pixelSize(inches, kLogicalDpi);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    QSvgGenerator generator;
    generator.setOutputDevice(&buffer);
    generator.setSize(size);
    generator.setViewBox(QRect(QPoint(0, 0), size));
    generator.setResolution(int(kLogicalDpi));
    generator.setTitle(title.toHtmlEscaped()); // the generator writes it unescaped
    generator.setDescription(QStringLiteral("AttnLab figure"));
    {
        QPainter painter(&generator);
        painter.fillRect(QRect(QPoint(0, 0), size), Qt::white);
        paint(painter, QRectF(QPointF(0, 0), QSizeF(size)));
    }
    return withPixelSize(bytes, size);
}

QByteArray pdfBytes(const Painter& paint, QSizeF inches, const QString& title)
{
    checkSize(inches, kPdfResolution);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QPdfWriter writer(&buffer);
    writer.setResolution(kPdfResolution);
    writer.setPageSize(QPageSize(inches, QPageSize::Inch, title, QPageSize::ExactMatch));
    writer.setPageMargins(QMarginsF(0, 0, 0, 0));
    writer.setTitle(title);
    writer.setCreator(QStringLiteral("AttnLab"));
    {
        QPainter painter(&writer);
        painter.scale(kPdfResolution / kLogicalDpi, kPdfResolution / kLogicalDpi);
        painter.fillRect(logicalRect(inches), Qt::white);
        paint(painter, logicalRect(inches));
    }
    return bytes;
}

void saveBytes(const QString& path, const QByteArray& bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        fail(path, QStringLiteral("cannot be written (%1)").arg(file.errorString()));
    }
    if (file.write(bytes) != bytes.size() || !file.commit()) {
        fail(path, QStringLiteral("writing failed (%1)").arg(file.errorString()));
    }
}

void saveFigure(const QString& path, const Painter& paint, QSizeF inches, double dpi,
                const QString& title)
{
    switch (formatOf(path)) {
    case Format::Png:
        saveBytes(path, pngBytes(paint, inches, dpi));
        return;
    case Format::Svg:
        saveBytes(path, svgBytes(paint, inches, title));
        return;
    case Format::Pdf:
        saveBytes(path, pdfBytes(paint, inches, title));
        return;
    default:
        fail(path, QStringLiteral("a figure is saved as .png, .svg or .pdf"));
    }
}

void saveData(const QString& path, const HeatmapData& data)
{
    switch (formatOf(path)) {
    case Format::Csv:
        saveBytes(path, csvBytes(data));
        return;
    case Format::Npy:
        saveBytes(path, QByteArray::fromStdString(attnlab::npyBytes(exportedValues(data))));
        saveBytes(path + QStringLiteral(".json"), labelsJson(data));
        return;
    default:
        fail(path, QStringLiteral("data is saved as .csv or .npy"));
    }
}

Painter heatmapPainter(const HeatmapFigure& figure)
{
    HeatmapFigure exported = figure;
    HeatmapStyle style = figure.style();
    style.colorBar = true;
    exported.setStyle(style);
    exported.setLook(FigureLook::print());
    return [exported](QPainter& painter, const QRectF& target) { exported.paint(painter, target); };
}

QStringList exportAll(const QString& folder, const QString& name, const HeatmapFigure& figure,
                      QSizeF inches, double dpi)
{
    if (!QDir().mkpath(folder)) {
        fail(folder, QStringLiteral("the folder cannot be created"));
    }
    const QDir dir(folder);
    QStringList written;
    const Painter paint = heatmapPainter(figure);
    for (Format f : {Format::Png, Format::Svg, Format::Pdf}) {
        written << dir.filePath(name + '.' + suffix(f));
        saveFigure(written.back(), paint, inches, dpi, figure.data().title);
    }
    for (Format f : {Format::Csv, Format::Npy}) {
        written << dir.filePath(name + '.' + suffix(f));
        saveData(written.back(), figure.data());
    }
    written << written.back() + QStringLiteral(".json");
    return written;
}

} // namespace FigureExport
