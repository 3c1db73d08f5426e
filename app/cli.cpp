#include "cli.h"

#include "cliexport.h"
#include "clitraining.h"
#include "clitransformer.h"
#include "clivit.h"

#include <corpus.h>
#include <errors.h>
#include <gpubackend.h>
#include <trainer.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>
#include <memory>
#include <string>

using namespace attnlab;
using namespace cli;

namespace {

const char* kDescription =
    "Trains the lesson's attention head (or one on your sentences) without a display and\n"
    "prints its predictions, attention weights and values, like the reference notebook,\n"
    "or writes them as figures and data.\n"
    "\n"
    "Commands:\n"
    "  train    train a model and print its tables\n"
    "  export   train a model like train (or not, with --epochs 0) and write its figures and\n"
    "           data into the folder --out DIR, without a display: for each sentence N and\n"
    "           view, sentence<N>-<view>.png, .svg, .pdf, .csv, .npy (with .npy.json labels),\n"
    "           and loss.png, .svg, .pdf, .csv (epoch,loss), .npy for the loss curve.\n"
    "           Views: attention, values, predictions, queries, keys, bigram, loss.\n"
    "           Example: attnlab-cli export --out figures --sentence 1 --views attention\n"
    "  transformer  train the transformer of the window's Transformer page (options marked\n"
    "           transformer:, and --lesson, --corpus, --head-size (default 16),\n"
    "           --learning-rate (3e-3), --epochs (300), --seed (5), --context, --no-skip,\n"
    "           --log-every (50)) and print its predictions and attention per layer.\n"
    "           Example: attnlab-cli transformer --preset agreement --layers 2 --heads 4\n"
    "  vit      train the Vision Transformer on Fashion-MNIST (options marked vit:, and\n"
    "           --embed (64), --heads (4), --head-size (64), --layers (2), --mlp-width (128),\n"
    "           --batch (64), --learning-rate (1e-3), --epochs (3), --seed (1), --dropout,\n"
    "           --no-mlp, --no-layer-norm, --no-skip); prints time, images/s, loss and test\n"
    "           accuracy per epoch. Example: attnlab-cli vit --limit 5000 --epochs 1\n"
    "\n"
    "Exit status: 0 success, 1 bad input (file, text, setting, a folder that cannot be\n"
    "written), 2 bad usage, 3 training stopped at a non-finite loss (the tables and files\n"
    "show the last finite weights).";

void addOptions(QCommandLineParser& parser)
{
    parser.setApplicationDescription(kDescription);
    parser.addHelpOption();
    parser.addPositionalArgument("command", "train, export, transformer or vit");
    parser.addOptions(trainingOptions());
    parser.addOption(
        {"predict", "train: after training, show the model's tables for SENTENCE.", "SENTENCE"});
    parser.addOptions(exportOptions());
    parser.addOptions(transformerOptions());
    parser.addOptions(vitOptions());
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

int trainCommand(const QCommandLineParser& p)
{
    Training training = setUpTraining(p, false);
    runTraining(training);
    const ToyTrainer& trainer = training.trainer;
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

// An unknown option or a missing value is bad usage (exit 2), like a wrong command.
void parseArguments(QCommandLineParser& parser, const QStringList& args)
{
    if (!parser.parse(args)) {
        throw UsageError(parser.errorText().toStdString());
    }
    if (parser.isSet("help") || parser.isSet("help-all")) {
        parser.showHelp(Success);
    }
}

QString commandIn(const QCommandLineParser& parser)
{
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        throw UsageError("no command given; try: attnlab-cli train --lesson");
    }
    if (positional.size() > 1 ||
        (positional.first() != "train" && positional.first() != "export" &&
         positional.first() != "transformer" && positional.first() != "vit")) {
        throw UsageError("unknown command \"" + positional.join(' ').toStdString() +
                         "\"; the commands are: train, export, transformer, vit");
    }
    return positional.first();
}

int dispatch(QCommandLineParser& parser, const QStringList& args)
{
    parseArguments(parser, args);
    const QString command = commandIn(parser);
    if (command == "transformer") {
        refuseOptions(parser, toyOnlyOptions() + exportOnlyOptions() + vitOnlyOptions(), command);
        return transformerCommand(parser);
    }
    if (command == "vit") {
        refuseOptions(parser, toyOnlyOptions() + exportOnlyOptions() + textOnlyOptions(), command);
        return vitCommand(parser);
    }
    refuseOptions(parser, transformerOnlyOptions() + vitOnlyOptions(), command);
    if (command == "export") {
        refuseOptions(parser, {"predict"}, command);
        return exportCommand(parser);
    }
    refuseOptions(parser, exportOnlyOptions(), command);
    return trainCommand(parser);
}

// The command the arguments name, read before an application exists: export draws figures,
// the loss curve with Qt Charts, which needs a QApplication; train needs no GUI at all.
QString commandOf(int argc, char** argv)
{
    QStringList args;
    for (int i = 0; i < argc; ++i) {
        args << QString::fromLocal8Bit(argv[i]);
    }
    QCommandLineParser parser;
    addOptions(parser);
    parser.parse(args);
    return parser.positionalArguments().value(0);
}

// Figures are drawn without a display: the offscreen platform, unless one was chosen.
std::unique_ptr<QCoreApplication> makeApplication(int& argc, char** argv)
{
    if (commandOf(argc, argv) != QLatin1String("export")) {
        return std::make_unique<QCoreApplication>(argc, argv);
    }
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    return std::make_unique<QApplication>(argc, argv);
}

} // namespace

int runCli(int argc, char** argv)
{
    const std::unique_ptr<QCoreApplication> app = makeApplication(argc, argv);
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
    } catch (const gpu::GpuError& e) {
        std::fprintf(stderr,
                     "attnlab-cli: error: the GPU failed: %s; --device cpu computes on "
                     "the CPU\n",
                     e.what());
        return BadInput;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "attnlab-cli: error: out of memory: use a smaller corpus, "
                             "vocabulary or model\n");
        return BadInput;
    }
}
