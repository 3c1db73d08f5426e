#include "cliexport.h"

#include "clitraining.h"

#include <figureexport.h>
#include <losschart.h>
#include <sentenceheatmaps.h>

#include <errors.h>
#include <matrixexport.h>
#include <trainer.h>

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QSizeF>
#include <QTemporaryFile>

#include <algorithm>
#include <cstdio>
#include <numeric>

using namespace attnlab;

namespace cli {

namespace {

const QStringList kViews{"attention", "values", "predictions", "queries", "keys", "bigram", "loss"};
const QStringList kFormats{"png", "svg", "pdf", "csv", "npy"};
constexpr double kMaxInches = 100;
constexpr double kMinDpi = 10;
constexpr double kMaxDpi = 2400;
constexpr double kMaxPngSide = 20000; // pixels: 1.6 GB of image at most

// What to write and where, from the options.
struct ExportRequest
{
    QStringList views;   // in kViews' order, no repeats
    QStringList formats; // file suffixes, in kFormats' order, no repeats
    QSizeF inches;
    double dpi = 150;
    QString folder;
};

[[noreturn]] void refuse(const QString& option, const QString& value, const QString& fault)
{
    throw InputError(QStringLiteral("--%1 \"%2\": %3").arg(option, value, fault).toStdString());
}

QStringList trimmedNames(const QString& list)
{
    QStringList names;
    for (const QString& name : list.split(QLatin1Char(','))) {
        names << name.trimmed().toLower();
    }
    return names;
}

// The names a list option chooses, in the order of `known`; all of them when it is not given.
QStringList chosenNames(const QCommandLineParser& p, const QString& option,
                        const QStringList& known)
{
    if (!p.isSet(option)) {
        return known;
    }
    const QStringList names = trimmedNames(p.value(option));
    for (const QString& name : names) {
        if (!known.contains(name)) {
            refuse(option, p.value(option),
                   QStringLiteral("\"%1\" is not one of %2").arg(name, known.join(", ")));
        }
    }
    QStringList chosen = known;
    chosen.removeIf([&names](const QString& name) { return !names.contains(name); });
    return chosen;
}

double inchesOption(const QCommandLineParser& p, const QString& name, double fallback)
{
    const double value = numberOption(p, name, fallback);
    if (!(value > 0 && value <= kMaxInches)) {
        const QString fault = QStringLiteral("a size in inches must be more than 0, at most %1");
        refuse(name, p.value(name), fault.arg(kMaxInches));
    }
    return value;
}

double dpiOption(const QCommandLineParser& p)
{
    const double value = numberOption(p, "dpi", 150);
    if (!(value >= kMinDpi && value <= kMaxDpi)) {
        const QString fault = QStringLiteral("the resolution must be from %1 to %2 DPI");
        refuse("dpi", p.value("dpi"), fault.arg(kMinDpi).arg(kMaxDpi));
    }
    return value;
}

// A PNG is held in memory whole while it is drawn.
void checkPngSize(const ExportRequest& r)
{
    const double side = std::max(r.inches.width(), r.inches.height()) * r.dpi;
    if (r.formats.contains("png") && side > kMaxPngSide) {
        refuse("dpi", QString::number(r.dpi),
               QStringLiteral("a PNG of %1 × %2 inches would be %3 pixels across; at most %4")
                   .arg(r.inches.width())
                   .arg(r.inches.height())
                   .arg(std::lround(side))
                   .arg(kMaxPngSide));
    }
}

QString outFolder(const QCommandLineParser& p)
{
    if (p.value("out").isEmpty()) {
        throw UsageError("export needs --out DIR, the folder to write the files into");
    }
    return p.value("out");
}

ExportRequest exportRequest(const QCommandLineParser& p)
{
    ExportRequest r;
    r.folder = outFolder(p);
    r.views = chosenNames(p, "views", kViews);
    r.formats = chosenNames(p, "formats", kFormats);
    r.inches = QSizeF(inchesOption(p, "width", 6), inchesOption(p, "height", 4.5));
    r.dpi = dpiOption(p);
    checkPngSize(r);
    return r;
}

// Corpus sentences to export, 0-based.
QList<int> chosenSentences(const QCommandLineParser& p, int count)
{
    if (!p.isSet("sentence")) {
        QList<int> all(count);
        std::iota(all.begin(), all.end(), 0);
        return all;
    }
    const long n = integerOption(p, "sentence", 1);
    if (n < 1 || n > count) {
        refuse("sentence", p.value("sentence"),
               QStringLiteral("the corpus has %1 sentences: choose one from 1 to %1").arg(count));
    }
    return {int(n - 1)};
}

// Creates the folder and tries a temporary file in it, so that a folder that cannot be written
// is refused before training.
void prepareFolder(const QString& folder)
{
    const QFileInfo info(folder);
    if (info.exists() && !info.isDir()) {
        refuse("out", folder, QStringLiteral("this is a file, not a folder"));
    }
    if (!QDir().mkpath(folder)) {
        refuse("out", folder, QStringLiteral("the folder cannot be created"));
    }
    QTemporaryFile probe(QDir(folder).filePath(QStringLiteral(".attnlab-XXXXXX")));
    if (!probe.open()) {
        refuse("out", folder,
               QStringLiteral("the folder cannot be written (%1)").arg(probe.errorString()));
    }
}

void report(const QString& path)
{
    std::printf("wrote %s\n", qPrintable(QDir::toNativeSeparators(path)));
    std::fflush(stdout);
}

bool isFigure(const QString& format)
{
    return FigureExport::isFigureFormat(FigureExport::formatOf("figure." + format));
}

QString pathOf(const ExportRequest& r, const QString& base, const QString& format)
{
    return QDir(r.folder).filePath(base + QLatin1Char('.') + format);
}

void writeFigures(const ExportRequest& r, const QString& base, const FigureExport::Painter& paint,
                  const QString& title)
{
    for (const QString& format : r.formats) {
        if (isFigure(format)) {
            const QString path = pathOf(r, base, format);
            FigureExport::saveFigure(path, paint, r.inches, r.dpi, title);
            report(path);
        }
    }
}

// .csv, and .npy with its .npy.json side file of labels.
void writeHeatmapData(const ExportRequest& r, const QString& base, const HeatmapData& data)
{
    for (const QString& format : r.formats) {
        if (!isFigure(format)) {
            const QString path = pathOf(r, base, format);
            FigureExport::saveData(path, data);
            report(path);
            if (format == QLatin1String("npy")) {
                report(path + QStringLiteral(".json"));
            }
        }
    }
}

void writeHeatmap(const ExportRequest& r, const QString& base,
                  const SentenceHeatmaps::NamedHeatmap& heatmap)
{
    HeatmapFigure figure;
    figure.setData(heatmap.data);
    figure.setStyle(heatmap.style);
    writeFigures(r, base, FigureExport::heatmapPainter(figure), heatmap.data.title);
    writeHeatmapData(r, base, heatmap.data);
}

void writeSentence(const ExportRequest& r, const Snapshot& snap, const Corpus& corpus, int sentence)
{
    for (const auto& heatmap : SentenceHeatmaps::forSentence(snap, corpus, sentence)) {
        if (r.views.contains(heatmap.name)) {
            writeHeatmap(r, QStringLiteral("sentence%1-%2").arg(sentence + 1).arg(heatmap.name),
                         heatmap);
        }
    }
}

QByteArray lossNpy(const std::vector<double>& losses)
{
    Matrix row(1, Eigen::Index(losses.size()));
    for (size_t i = 0; i < losses.size(); ++i) {
        row(0, Eigen::Index(i)) = float(losses[i]);
    }
    return QByteArray::fromStdString(npyBytes(row, true));
}

// The loss chart of the window, never shown, draws the figure and writes the CSV.
void writeLoss(const ExportRequest& r, const std::vector<double>& losses)
{
    LossChart chart(nullptr);
    chart.setLosses(losses);
    const FigureSource source = chart.figureSource();
    writeFigures(r, QStringLiteral("loss"), source.paint, source.title);
    for (const QString& format : r.formats) {
        if (!isFigure(format)) {
            const QString path = pathOf(r, QStringLiteral("loss"), format);
            FigureExport::saveBytes(path, format == "csv" ? chart.csv() : lossNpy(losses));
            report(path);
        }
    }
}

void writeViews(const ExportRequest& r, const ToyTrainer& trainer, const QList<int>& sentences)
{
    const Snapshot snap = trainer.snapshot();
    for (int sentence : sentences) {
        writeSentence(r, snap, trainer.corpus(), sentence);
    }
    if (r.views.contains("loss")) {
        writeLoss(r, snap.epochLosses);
    }
}

} // namespace

QList<QCommandLineOption> exportOptions()
{
    return {
        {"sentence", "export: only sentence N of the corpus, from 1 (default: every one).", "N"},
        {"views",
         "export: comma-separated views, from attention, values, predictions, queries, keys, "
         "bigram, loss (default: all).",
         "LIST"},
        {"formats", "export: comma-separated formats, from png, svg, pdf, csv, npy (default: all).",
         "LIST"},
        {"out", "export: the folder to write into; created when missing.", "DIR"},
        {"width", "export: figure width in inches, up to 100 (default 6).", "IN"},
        {"height", "export: figure height in inches, up to 100 (default 4.5).", "IN"},
        {"dpi", "export: PNG resolution in dots per inch, 10 to 2400 (default 150).", "DPI"},
    };
}

QStringList exportOnlyOptions()
{
    QStringList names;
    for (const QCommandLineOption& option : exportOptions()) {
        names << option.names();
    }
    return names;
}

int exportCommand(const QCommandLineParser& p)
{
    const ExportRequest request = exportRequest(p);
    Training training = setUpTraining(p, true);
    const QList<int> sentences =
        chosenSentences(p, int(training.trainer.corpus().sentences.size()));
    prepareFolder(request.folder);
    runTraining(training);
    writeViews(request, training.trainer, sentences);
    if (training.trainer.state() == TrainState::Diverged) {
        std::fprintf(stderr, "attnlab-cli: %s\n", training.trainer.message().c_str());
        return Diverged;
    }
    return Success;
}

} // namespace cli
