#include "cli.h"

#include <corpus.h>
#include <device.h>
#include <errors.h>
#include <trainer.h>
#include <weightsio.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>

#include <chrono>
#include <cstdio>
#include <string>

using namespace attnlab;

namespace {

enum Exit
{
    Success = 0,
    BadInput = 1,
    BadUsage = 2,
    Diverged = 3
};

constexpr qint64 kMaxCorpusBytes = 16 * 1024 * 1024;

struct UsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

const char* kDescription =
    "Trains the lesson's attention head (or one on your sentences) without a display and\n"
    "prints its predictions, attention weights and values, like the reference notebook.\n"
    "\n"
    "Commands:\n"
    "  train    train a model and print its tables\n"
    "\n"
    "Exit status: 0 success, 1 bad input (file, text, setting), 2 bad usage,\n"
    "3 training stopped at a non-finite loss (the tables show the last finite weights).";

void addOptions(QCommandLineParser& parser)
{
    parser.setApplicationDescription(kDescription);
    parser.addHelpOption();
    parser.addPositionalArgument("command", "train");
    parser.addOptions({
        {"lesson", "Train on the lesson's two sentences (the default)."},
        {"corpus", "Train on the sentences of FILE, one per line (UTF-8).", "FILE"},
        {"head-size", "Query/key width H (default 20).", "H"},
        {"learning-rate", "Adam's learning rate (default 1e-4).", "LR"},
        {"epochs", "Epochs; each takes one step per sentence (default 5000).", "N"},
        {"seed", "Seed of the initial weights (default 83).", "S"},
        {"context", "Longest sentence in tokens, <start> included (default: the longest).", "T"},
        {"no-mask", "Let every token attend to every other (no causal mask)."},
        {"no-skip", "Leave out the skip connection (probs = softmax(weights·values))."},
        {"output", "Output function: softmax (default) or sigmoid.", "KIND"},
        {"init", "Start from weights in the reference's text format.", "FILE"},
        {"log-every", "Print the mean loss every N epochs (default 500; 0: never).", "N"},
        {"predict", "After training, show the model's tables for SENTENCE.", "SENTENCE"},
        {"device", "auto, cpu or gpu (default auto).", "DEVICE"},
    });
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

QByteArray readCorpusFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        throw InputError(path.toStdString() + ": cannot be read (" +
                         file.errorString().toStdString() + ")");
    }
    if (file.size() > kMaxCorpusBytes) {
        throw InputError(path.toStdString() + ": " + std::to_string(file.size()) +
                         " bytes is more than the limit of 16 MiB for a corpus");
    }
    return file.readAll();
}

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

ToyConfig configFrom(const QCommandLineParser& p, const Corpus& corpus)
{
    ToyConfig c;
    c.headSize = static_cast<int>(integerOption(p, "head-size", c.headSize));
    c.learningRate = numberOption(p, "learning-rate", c.learningRate);
    c.epochs = static_cast<int>(integerOption(p, "epochs", c.epochs));
    c.seed = static_cast<std::uint64_t>(integerOption(p, "seed", static_cast<long>(c.seed)));
    c.context = static_cast<int>(integerOption(p, "context", corpus.longest()));
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

void printSentence(const SentenceSnapshot& s, const std::vector<std::string>& vocab,
                   const std::string& title)
{
    std::printf("\n-- %s: %s   (loss %.4f)\n", title.c_str(), joined(s.tokens).c_str(), s.loss);
    std::printf("predictions (rows: input position, cols: vocabulary)\n");
    printTable(s.probs, s.tokens, vocab);
    std::printf("attention weights (rows: query position, cols: key position)\n");
    printTable(s.weights, s.tokens, s.tokens);
    std::printf("values (rows: input position, cols: vocabulary)\n");
    printTable(s.values, s.tokens, vocab);
}

void train(ToyTrainer& trainer, long logEvery)
{
    const auto start = std::chrono::steady_clock::now();
    while (trainer.runEpoch()) {
        const int e = trainer.epoch();
        if (logEvery > 0 && (e == 1 || e % logEvery == 0)) {
            std::printf("  epoch %5d   mean loss %.4f\n", e, trainer.epochLosses().back());
        }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long steps = std::max(trainer.stepCount(), 1L);
    std::printf("  %ld optimizer steps in %.3f s = %.2f us per step\n", trainer.stepCount(), secs,
                1e6 * secs / static_cast<double>(steps));
}

void printHeader(const ToyTrainer& t, const DeviceReport& device)
{
    const ToyConfig& c = t.config();
    std::printf("device %s, seed %llu, epochs %d, learning rate %g, head size %d, context %d, "
                "%s, %s, %s output\n",
                device.description.c_str(), static_cast<unsigned long long>(c.seed), c.epochs,
                c.learningRate, c.headSize, c.context, c.causal ? "causal mask" : "no mask",
                c.skip ? "skip connection" : "no skip connection",
                c.output == OutputKind::Softmax ? "softmax" : "sigmoid");
    if (!device.note.empty()) {
        std::fprintf(stderr, "attnlab-cli: %s\n", device.note.c_str());
    }
    std::printf("vocabulary: %s\n", joined(t.corpus().vocab.tokens()).c_str());
}

int trainCommand(const QCommandLineParser& p)
{
    const DeviceReport device = chooseDevice(
        p.value("device").isEmpty() ? std::string("auto") : p.value("device").toStdString());
    Corpus corpus = loadCorpus(p);
    const ToyConfig config = configFrom(p, corpus);
    const long logEvery = integerOption(p, "log-every", 500);
    ToyTrainer trainer = makeTrainer(p, std::move(corpus), config);
    printHeader(trainer, device);
    train(trainer, logEvery);

    const Snapshot snap = trainer.snapshot();
    for (size_t s = 0; s < snap.sentences.size(); ++s) {
        printSentence(snap.sentences[s], snap.vocab, "sentence " + std::to_string(s + 1));
    }
    if (p.isSet("predict")) {
        const auto ids = encodeSentence(trainer.corpus().vocab, p.value("predict").toStdString());
        printSentence(trainer.evaluate(ids), snap.vocab, "your sentence");
    }
    std::printf("\nfinal loss %.4f\n", snap.epochLosses.empty() ? 0.0 : snap.epochLosses.back());
    if (trainer.state() == TrainState::Diverged) {
        std::fprintf(stderr, "attnlab-cli: %s\n", trainer.message().c_str());
        return Diverged;
    }
    return Success;
}

int dispatch(QCommandLineParser& parser, const QStringList& args)
{
    parser.process(args);
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        throw UsageError("no command given; try: attnlab-cli train --lesson");
    }
    if (positional.first() != "train" || positional.size() > 1) {
        throw UsageError("unknown command \"" + positional.join(' ').toStdString() +
                         "\"; the command is: train");
    }
    return trainCommand(parser);
}

} // namespace

int runCli(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("attnlab-cli");
    QCommandLineParser parser;
    addOptions(parser);
    try {
        return dispatch(parser, QCoreApplication::arguments());
    } catch (const UsageError& e) {
        std::fprintf(stderr, "attnlab-cli: %s\nSee attnlab-cli --help.\n", e.what());
        return BadUsage;
    } catch (const InputError& e) {
        std::fprintf(stderr, "attnlab-cli: error: %s\n", e.what());
        return BadInput;
    }
}
