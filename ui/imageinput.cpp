// The rule of imageinput.h in passes: gray over white, inversion, fit. Values stay in double
// until the end, so that an 8-bit gray value v comes out as exactly v / 255 in float and a
// 16-bit one keeps its 16 bits, scaled or not. The scaling is our own (separable, area mean or
// linear) rather than QImage::scaled, whose fixed-point smooth scaling moves a uniform 16-bit
// value by a few units.
#include "imageinput.h"

#include <errors.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QRgba64>
#include <QStringList>

#include <algorithm>
#include <utility>
#include <vector>

namespace {

constexpr int kMaxModelSide = 4096;
// Enough to decode a kMaxUserImageSide square at 4 bytes per pixel.
constexpr int kAllocationLimitMiB = 1024;

QString tr(const char* text)
{
    return QCoreApplication::translate("ImageInput", text);
}

[[noreturn]] void refuse(const QString& what, const QString& fault)
{
    throw attnlab::InputError(QStringLiteral("%1: %2").arg(what, fault).toStdString());
}

QString sizeText(int width, int height)
{
    return QStringLiteral("%1×%2").arg(width).arg(height);
}

// A gray image of doubles in [0, 1], row-major.
struct Gray
{
    int width = 0;
    int height = 0;
    std::vector<double> values; // height × width

    double at(int x, int y) const { return values[size_t(y) * size_t(width) + size_t(x)]; }
};

// Steps 1 and 2: BT.601 luma of the stored values, composited over white.
double grayOverWhite(QRgba64 p)
{
    const double luma = (299.0 * p.red() + 587.0 * p.green() + 114.0 * p.blue()) / 1000.0;
    const double alpha = p.alpha() / 65535.0;
    return alpha * (luma / 65535.0) + (1.0 - alpha);
}

// A band of rows at a time is converted to 16 bits a channel, so that no 8-byte-a-pixel copy of
// the whole image is ever made.
Gray toGray(const QImage& image)
{
    constexpr int kBand = 256;
    Gray gray{image.width(), image.height(), {}};
    gray.values.reserve(size_t(gray.width) * size_t(gray.height));
    for (int top = 0; top < gray.height; top += kBand) {
        const QImage rgba = image.copy(0, top, gray.width, std::min(kBand, gray.height - top))
                                .convertToFormat(QImage::Format_RGBA64);
        for (int y = 0; y < rgba.height(); ++y) {
            const auto* line = reinterpret_cast<const QRgba64*>(rgba.constScanLine(y));
            for (int x = 0; x < gray.width; ++x) {
                gray.values.push_back(grayOverWhite(line[x]));
            }
        }
    }
    return gray;
}

// The mean of the first and last row and column, each pixel counted once.
double borderMean(const Gray& gray)
{
    double sum = 0;
    int count = 0;
    for (int y = 0; y < gray.height; ++y) {
        const bool edgeRow = y == 0 || y == gray.height - 1;
        const int step = edgeRow ? 1 : std::max(1, gray.width - 1);
        for (int x = 0; x < gray.width; x += step) {
            sum += gray.at(x, y);
            ++count;
        }
    }
    return sum / count;
}

// The largest size with the image's aspect ratio that fits in cols × rows, rounded.
QSize fittedSize(int width, int height, int cols, int rows)
{
    const qint64 w = width, h = height;
    if (qint64(cols) * h <= qint64(rows) * w) { // the width is the limit
        return {cols, int(std::clamp<qint64>((2 * h * cols + w) / (2 * w), 1, rows))};
    }
    return {int(std::clamp<qint64>((2 * w * rows + h) / (2 * h), 1, cols)), rows};
}

// One axis of a resampling from n to m samples: for each output sample, the source samples
// and their weights, which sum to 1.
using Taps = std::vector<std::vector<std::pair<int, double>>>;

// Shrinking: the mean over the output sample's footprint, each source sample weighted by
// how much of it lies inside.
std::vector<std::pair<int, double>> areaTaps(int n, int m, int i)
{
    const double lo = double(i) * n / m;
    const double hi = std::min(double(n), double(i + 1) * n / m);
    std::vector<std::pair<int, double>> taps;
    double total = 0;
    for (int j = int(lo); j < n && j < hi; ++j) {
        const double w = std::min(hi, j + 1.0) - std::max(lo, double(j));
        if (w > 0) {
            taps.emplace_back(j, w);
            total += w;
        }
    }
    for (auto& tap : taps) {
        tap.second /= total;
    }
    return taps;
}

// Enlarging: linear between the two nearest source centres, clamped at the edges.
std::vector<std::pair<int, double>> linearTaps(int n, int m, int i)
{
    const double c = std::clamp((i + 0.5) * n / m - 0.5, 0.0, n - 1.0);
    const int j = std::min(int(c), n - 1);
    const double f = c - j;
    if (f <= 0 || j + 1 >= n) {
        return {{j, 1.0}};
    }
    return {{j, 1.0 - f}, {j + 1, f}};
}

Taps resampleTaps(int n, int m)
{
    Taps taps(static_cast<size_t>(m));
    for (int i = 0; i < m; ++i) {
        taps[size_t(i)] = n >= m ? areaTaps(n, m, i) : linearTaps(n, m, i);
    }
    return taps;
}

// Step 4's scaling: each axis separately, in double precision.
Gray scaled(const Gray& gray, QSize size)
{
    const Taps across = resampleTaps(gray.width, size.width());
    const Taps down = resampleTaps(gray.height, size.height());
    Gray wide{size.width(), gray.height, {}};
    for (int y = 0; y < gray.height; ++y) {
        for (const auto& taps : across) {
            double v = 0;
            for (const auto& [x, w] : taps) {
                v += w * gray.at(x, y);
            }
            wide.values.push_back(v);
        }
    }
    Gray out{size.width(), size.height(), {}};
    for (const auto& taps : down) {
        for (int x = 0; x < out.width; ++x) {
            double v = 0;
            for (const auto& [y, w] : taps) {
                v += w * wide.at(x, y);
            }
            out.values.push_back(v);
        }
    }
    return out;
}

// Step 4's padding: the image centred on a black canvas.
std::vector<float> centred(const Gray& gray, int rows, int cols)
{
    std::vector<float> pixels(size_t(rows) * size_t(cols), 0.0f);
    const int top = (rows - gray.height) / 2;
    const int left = (cols - gray.width) / 2;
    for (int y = 0; y < gray.height; ++y) {
        for (int x = 0; x < gray.width; ++x) {
            pixels[size_t(top + y) * size_t(cols) + size_t(left + x)] =
                float(std::clamp(gray.at(x, y), 0.0, 1.0));
        }
    }
    return pixels;
}

QString fitNote(const QString& name, QSize from, QSize to, int rows, int cols)
{
    const bool scaledToo = from != to;
    const bool padded = to != QSize(cols, rows);
    const QString is = tr("%1 is %2 pixels").arg(name, sizeText(from.width(), from.height()));
    if (scaledToo && padded) {
        return tr("%1; scaled to %2 and padded to %3")
            .arg(is, sizeText(to.width(), to.height()), sizeText(cols, rows));
    }
    if (scaledToo) {
        return tr("%1; scaled to %2").arg(is, sizeText(to.width(), to.height()));
    }
    return padded ? tr("%1; padded to %2").arg(is, sizeText(cols, rows)) : QString();
}

QString inversionNote(const QString& name, double mean)
{
    return tr("%1 has a light background (its border averages %2), so it was inverted: the "
              "model expects a light garment on black, as in Fashion-MNIST")
        .arg(name)
        .arg(mean, 0, 'f', 2);
}

QString joined(const QString& first, const QString& second)
{
    if (first.isEmpty() || second.isEmpty()) {
        return first + second;
    }
    return first + QStringLiteral(". ") + second;
}

void checkSize(const QString& name, QSize size)
{
    if (size.width() > kMaxUserImageSide || size.height() > kMaxUserImageSide) {
        refuse(name, tr("the image is %1 pixels; at most %2 are accepted")
                         .arg(sizeText(size.width(), size.height()),
                              sizeText(kMaxUserImageSide, kMaxUserImageSide)));
    }
    const qint64 pixels = qint64(size.width()) * qint64(size.height());
    if (pixels > kMaxUserImagePixels) {
        refuse(name, tr("the image is %1 pixels, %2 in all; at most %3 are accepted")
                         .arg(sizeText(size.width(), size.height()))
                         .arg(pixels)
                         .arg(kMaxUserImagePixels));
    }
}

QString readableFormats()
{
    QStringList formats;
    for (const QByteArray& format : QImageReader::supportedImageFormats()) {
        formats << QString::fromLatin1(format);
    }
    return formats.join(QStringLiteral(", "));
}

[[noreturn]] void refuseFormat(const QString& shown, const QString& path)
{
    const QString suffix = QFileInfo(path).suffix();
    const QString format = suffix.isEmpty()
                               ? tr("its format is not one Qt can read")
                               : tr("the format .%1 is not one Qt can read").arg(suffix);
    refuse(shown, tr("%1 (readable formats: %2)").arg(format, readableFormats()));
}

} // namespace

QImage loadUserImage(const QString& path)
{
    const QString shown = QDir::toNativeSeparators(path);
    const QFileInfo info(path);
    if (!info.exists()) {
        refuse(shown, tr("no such file"));
    }
    if (info.isDir()) {
        refuse(shown, tr("is a folder, not an image"));
    }
    QImageReader reader(path);
    reader.setAutoTransform(true);
    reader.setAllocationLimit(kAllocationLimitMiB);
    if (!reader.canRead()) {
        if (reader.error() == QImageReader::UnsupportedFormatError) {
            refuseFormat(shown, path);
        }
        refuse(shown, tr("cannot be read (%1)").arg(reader.errorString()));
    }
    checkSize(shown, reader.size());
    QImage image = reader.read();
    if (image.isNull()) {
        refuse(shown, tr("cannot be read (%1)").arg(reader.errorString()));
    }
    return image;
}

ModelImage toModelImage(const QImage& image, const QString& name, int rows, int cols)
{
    if (rows < 1 || cols < 1 || rows > kMaxModelSide || cols > kMaxModelSide) {
        refuse(name, tr("the model's image size %1 is not from 1×1 to %2")
                         .arg(sizeText(cols, rows), sizeText(kMaxModelSide, kMaxModelSide)));
    }
    if (image.isNull()) {
        refuse(name, tr("the image is empty"));
    }
    checkSize(name, image.size());

    // Steps 1 and 2: gray over white.
    Gray gray = toGray(image);

    // Step 3: a light border means a light background.
    const double mean = borderMean(gray);
    const bool invert = mean > 0.5;
    if (invert) {
        std::transform(gray.values.begin(), gray.values.end(), gray.values.begin(),
                       [](double v) { return 1.0 - v; });
    }

    // Step 4: fit, keeping the aspect ratio, then centre.
    const QSize from(gray.width, gray.height);
    const QSize to = fittedSize(gray.width, gray.height, cols, rows);
    if (to != from) {
        gray = scaled(gray, to);
    }
    ModelImage out{centred(gray, rows, cols), rows, cols, fitNote(name, from, to, rows, cols)};
    if (invert) {
        out.note = joined(out.note, inversionNote(name, mean));
    }
    return out;
}
