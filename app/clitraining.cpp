#include "clitraining.h"

#include <corpus.h>
#include <errors.h>
#include <session.h>
#include <weightsio.h>

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

using namespace attnlab;

namespace cli {

namespace {

constexpr qint64 kMaxCorpusBytes = 16 * 1024 * 1024;

QByteArray readCorpusFile(const QString& path)
{
    QFile file(path);
    if (QFileInfo(path).isDir()) {
        throw InputError(path.toStdString() + ": is a folder, not a text file");
    }
    if (!file.open(QIODevice::ReadOnly)) {
        throw InputError(path.toStdString() + ": cannot be read (" +
                         file.errorString().toStdString() + ")");
    }
    // Read one byte past the limit: a pipe or a device reports no size in advance.
    const QByteArray text = file.read(kMaxCorpusBytes + 1);
    if (text.size() > kMaxCorpusBytes) {
        throw InputError(path.toStdString() +
                         ": more than the limit of 16 MiB for a corpus of sentences");
    }
    return text;
}

OutputKind outputOption(const QCommandLineParser& p)
{
    const QString kind = p.value("output");
    if (kind.isEmpty() || kind == "softmax") {
        return OutputKind::Softmax;
    }
    if (kind == "sigmoid") {
        return OutputKind::Sigmoid;
    }
    throw InputError("--output expects softmax or sigmoid, not \"" + kind.toStdString() + "\"");
}

// An untrained model is validated as if it trained one epoch: it never takes a step.
ToyConfig configFrom(const QCommandLineParser& p, const Corpus& corpus, bool untrained)
{
    ToyConfig c;
    c.headSize = static_cast<int>(integerOption(p, "head-size", c.headSize));
    c.learningRate = numberOption(p, "learning-rate", c.learningRate);
    c.epochs = untrained ? 1 : static_cast<int>(integerOption(p, "epochs", c.epochs));
    c.seed = static_cast<std::uint64_t>(integerOption(p, "seed", static_cast<long>(c.seed)));
    // The window's default context is 5; a longer corpus needs its longest sentence.
    c.context = static_cast<int>(integerOption(p, "context", std::max(5, corpus.longest())));
    c.causal = !p.isSet("no-mask");
    c.skip = !p.isSet("no-skip");
    c.output = outputOption(p);
    if (integerOption(p, "seed", 0) < 0) {
        throw InputError("--seed expects a whole number of 0 or more");
    }
    validate(c);
    return c;
}

ToyTrainer makeTrainer(const QCommandLineParser& p, Corpus corpus, const ToyConfig& config)
{
    if (!p.isSet("init")) {
        return ToyTrainer(std::move(corpus), config);
    }
    const std::string path = p.value("init").toStdString();
    ToyTrainer trainer(std::move(corpus), config, toyParamsFrom(readNamedMatrices(path), path));
    return trainer;
}

void printHeader(const Training& t)
{
    const ToyConfig& c = t.trainer.config();
    std::printf("device %s, seed %llu, epochs %d, learning rate %g, head size %d, context %d, "
                "%s, %s, %s output\n",
                t.device.description.c_str(), static_cast<unsigned long long>(c.seed), t.epochs,
                c.learningRate, c.headSize, c.context, c.causal ? "causal mask" : "no mask",
                c.skip ? "skip connection" : "no skip connection",
                c.output == OutputKind::Softmax ? "softmax" : "sigmoid");
    if (!t.device.note.empty()) {
        std::fprintf(stderr, "attnlab-cli: %s\n", t.device.note.c_str());
    }
    std::printf("vocabulary: %s\n", joined(t.trainer.corpus().vocab.tokens()).c_str());
}

void save(const Training& t)
{
    saveSession(sessionOf(t.trainer), t.savePath);
}

void train(Training& t)
{
    ToyTrainer& trainer = t.trainer;
    const long before = trainer.stepCount();
    const auto start = std::chrono::steady_clock::now();
    while (trainer.runEpoch()) {
        const int e = trainer.epoch();
        if (t.logEvery > 0 && (e == 1 || e % t.logEvery == 0)) {
            std::printf("  epoch %5d   mean loss %.4f\n", e, trainer.epochLosses().back());
        }
        if (t.saveEvery > 0 && e % t.saveEvery == 0 && !t.savePath.empty()) {
            save(t);
        }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long steps = trainer.stepCount() - before;
    std::printf("  %ld optimizer steps in %.3f s = %.2f us per step\n", steps, secs,
                1e6 * secs / static_cast<double>(std::max(steps, 1L)));
}

// The options a session brings along and so does not take. (The option is --load-session, not
// --session: a Qt GUI application, which export creates, takes -session for itself.)
const QStringList kSessionFixes = {"lesson", "corpus",  "init",    "head-size", "context",
                                   "seed",   "no-mask", "no-skip", "output"};

ToyTrainer trainerFromSession(const QCommandLineParser& p, bool untrained)
{
    for (const QString& name : kSessionFixes) {
        if (p.isSet(name)) {
            throw UsageError("--" + name.toStdString() +
                             " cannot change a saved session (--load-session): its sentences and "
                             "settings come with it");
        }
    }
    ToySession session = loadSession(p.value("load-session").toStdString());
    if (p.isSet("epochs") && !untrained) {
        session.config.epochs = static_cast<int>(integerOption(p, "epochs", 1));
    }
    session.config.learningRate = numberOption(p, "learning-rate", session.config.learningRate);
    validate(session.config);
    return trainerOf(session);
}

} // namespace

Corpus loadCorpus(const QCommandLineParser& p)
{
    if (p.isSet("corpus") && p.isSet("lesson")) {
        throw UsageError("--lesson and --corpus exclude each other");
    }
    if (!p.isSet("corpus")) {
        return lessonCorpus();
    }
    const QString path = p.value("corpus");
    const QByteArray text = readCorpusFile(path);
    return parseCorpusKeepingLessonOrder(text.toStdString(), path.toStdString());
}

TrainingDevice deviceFrom(const QCommandLineParser& p)
{
    const QString request = p.value("device");
    return chooseTrainingDevice(request.isEmpty() ? std::string("auto") : request.toStdString());
}

void printDevice(const DeviceReport& device)
{
    std::printf("device %s\n", device.description.c_str());
    if (!device.note.empty()) {
        std::fprintf(stderr, "attnlab-cli: %s\n", device.note.c_str());
    }
}

QList<QCommandLineOption> trainingOptions()
{
    return {
        {"lesson", "Train on the lesson's two sentences (the default)."},
        {"corpus", "Train on the sentences of FILE, one per line (UTF-8).", "FILE"},
        {"head-size", "Query/key width H (default 20).", "H"},
        {"learning-rate", "Adam's learning rate (default 1e-4).", "LR"},
        {"epochs",
         "Epochs; each takes one step per sentence (default 5000). export: 0 exports the "
         "untrained model.",
         "N"},
        {"seed", "Seed of the initial weights (default 83).", "S"},
        {"context",
         "Longest sentence in tokens, <start> included (default: 5, or the longest sentence "
         "when that is longer).",
         "T"},
        {"no-mask", "Let every token attend to every other (no causal mask)."},
        {"no-skip", "Leave out the skip connection (probs = softmax(weights·values))."},
        {"output", "Output function: softmax (default) or sigmoid.", "KIND"},
        {"init", "Start from weights in the reference's text format.", "FILE"},
        {"log-every", "Print the mean loss every N epochs (default 500; 0: never).", "N"},
        {"device", "auto, cpu or gpu (default auto).", "DEVICE"},
        {"load-session",
         "Go on from a saved session (its sentences or images, settings, weights and "
         "optimizer); --epochs and --learning-rate may change. train and export: a Single head "
         "session; transformer: the Transformer tab's pair; vit: a Vision Transformer session.",
         "FILE"},
        {"save-session",
         "Save the session to FILE when training ends. transformer: saves the Transformer tab's "
         "pair (left causal, right --objective, default unmasked), training both.",
         "FILE"},
        {"save-every", "With --save-session, also save every N epochs.", "N"},
    };
}

long integerOption(const QCommandLineParser& p, const QString& name, long fallback)
{
    if (!p.isSet(name)) {
        return fallback;
    }
    bool ok = false;
    const long value = p.value(name).toLong(&ok);
    if (!ok || value < -1'000'000'000L || value > 1'000'000'000L) {
        throw InputError("--" + name.toStdString() + " expects a whole number, not \"" +
                         p.value(name).toStdString() + "\"");
    }
    return value;
}

double numberOption(const QCommandLineParser& p, const QString& name, double fallback)
{
    if (!p.isSet(name)) {
        return fallback;
    }
    bool ok = false;
    const double value = p.value(name).toDouble(&ok);
    if (!ok) {
        throw InputError("--" + name.toStdString() + " expects a number, not \"" +
                         p.value(name).toStdString() + "\"");
    }
    return value;
}

void refuseOptions(const QCommandLineParser& p, const QStringList& names, const QString& command)
{
    for (const QString& name : names) {
        if (p.isSet(name)) {
            throw UsageError("--" + name.toStdString() + " is not an option of the " +
                             command.toStdString() + " command");
        }
    }
}

Training setUpTraining(const QCommandLineParser& p, bool allowUntrained)
{
    const TrainingDevice device = deviceFrom(p);
    const bool untrained =
        allowUntrained && p.isSet("epochs") && integerOption(p, "epochs", 1) == 0;
    const long logEvery = integerOption(p, "log-every", 500);
    const long saveEvery = integerOption(p, "save-every", 0);
    if (saveEvery < 0) {
        throw InputError("--save-every expects a whole number of 0 or more");
    }
    if (p.isSet("save-every") && !p.isSet("save-session")) {
        throw UsageError("--save-every needs --save-session FILE");
    }
    const std::string savePath = p.value("save-session").toStdString();
    if (p.isSet("load-session")) {
        ToyTrainer trainer = trainerFromSession(p, untrained);
        const int epochs = untrained ? 0 : trainer.config().epochs;
        DeviceReport report = placed(trainer, device);
        return Training{std::move(report), std::move(trainer), epochs,
                        logEvery,          savePath,           saveEvery};
    }
    Corpus corpus = loadCorpus(p);
    const ToyConfig config = configFrom(p, corpus, untrained);
    ToyTrainer trainer = makeTrainer(p, std::move(corpus), config);
    DeviceReport report = placed(trainer, device);
    return Training{std::move(report), std::move(trainer), untrained ? 0 : config.epochs,
                    logEvery,          savePath,           saveEvery};
}

void runTraining(Training& training)
{
    printHeader(training);
    if (training.epochs == 0) {
        std::printf("  no training (--epochs 0): the model as initialized\n");
    } else {
        if (training.trainer.stepCount() > 0) {
            std::printf("  going on from epoch %d (step %ld) of the saved session\n",
                        training.trainer.epoch(), training.trainer.stepCount());
        }
        train(training);
    }
    if (!training.savePath.empty()) {
        save(training);
        std::printf("saved the session to %s\n", training.savePath.c_str());
    }
}

void printTable(const Matrix& m, const std::vector<std::string>& rows,
                const std::vector<std::string>& cols)
{
    std::printf("%10s", "");
    for (const std::string& c : cols) {
        std::printf("%8s", c.c_str());
    }
    std::printf("\n");
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        std::printf("%10s", rows[static_cast<size_t>(r)].c_str());
        for (Eigen::Index c = 0; c < m.cols(); ++c) {
            std::printf("%8.2f", static_cast<double>(m(r, c)));
        }
        std::printf("\n");
    }
}

std::string joined(const std::vector<std::string>& words)
{
    std::string out;
    for (const std::string& w : words) {
        out += (out.empty() ? "" : " ") + w;
    }
    return out;
}

} // namespace cli
