#include "clitransformer.h"

#include "clitraining.h"

#include <corpus.h>
#include <errors.h>
#include <presets.h>
#include <textsession.h>
#include <texttrainer.h>

#include <QCommandLineParser>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>

using namespace attnlab;

namespace cli {

namespace {

constexpr size_t kSentencesShown = 5;

Corpus corpusFrom(const QCommandLineParser& p)
{
    if (!p.isSet("preset")) {
        return loadCorpus(p);
    }
    if (p.isSet("corpus") || p.isSet("lesson")) {
        throw UsageError("--preset excludes --lesson and --corpus");
    }
    const std::string name = p.value("preset").toStdString();
    const Preset* preset = findPreset(name);
    if (!preset) {
        throw InputError("--preset: there is no preset \"" + name + "\"; the presets are " +
                         presetNames());
    }
    return presetCorpus(*preset);
}

Objective objectiveFrom(const QCommandLineParser& p)
{
    if (!p.isSet("objective")) {
        return Objective::Causal;
    }
    const std::string name = p.value("objective").toStdString();
    const std::optional<Objective> objective = parseObjective(name);
    if (!objective) {
        throw InputError("--objective expects causal, unmasked or masked, not \"" + name + "\"");
    }
    return *objective;
}

// The defaults of the Transformer page, with the context fitted to the longest sentence.
TextConfig configFrom(const QCommandLineParser& p, const Corpus& corpus)
{
    TextConfig c;
    c.model.layers = int(integerOption(p, "layers", 1));
    c.model.heads = int(integerOption(p, "heads", 2));
    c.model.embed = int(integerOption(p, "embed", 16));
    c.model.headSize = int(integerOption(p, "head-size", 16));
    c.model.mlpWidth = int(integerOption(p, "mlp-width", 32));
    c.model.context = int(integerOption(p, "context", std::max(8, corpus.longest())));
    c.model.dropout = numberOption(p, "dropout", 0.0);
    c.model.mlp = !p.isSet("no-mlp");
    c.model.layerNorm = !p.isSet("no-layer-norm");
    c.model.residual = !p.isSet("no-skip");
    const long seed = integerOption(p, "seed", 5);
    if (seed < 0) {
        throw InputError("--seed expects a whole number of 0 or more");
    }
    c.model.seed = std::uint64_t(seed);
    c.objective = objectiveFrom(p);
    c.maskFraction = numberOption(p, "mask-fraction", c.maskFraction);
    c.batchSize = int(integerOption(p, "batch", 2));
    c.shuffle = true;
    c.learningRate = numberOption(p, "learning-rate", 3e-3);
    c.epochs = int(integerOption(p, "epochs", 300));
    validate(c);
    return c;
}

void printSentence(const TextSentenceSnapshot& s, const std::vector<std::string>& vocab,
                   size_t number)
{
    std::printf("\n-- sentence %zu: %s   (loss %.4f)\n", number, joined(s.tokens).c_str(), s.loss);
    std::printf("predictions (rows: input position, cols: vocabulary)\n");
    printTable(s.probs, s.tokens, vocab);
    for (size_t l = 0; l < s.meanWeights.size(); ++l) {
        std::printf("attention of layer %zu, mean of heads (rows: query, cols: key)\n", l + 1);
        printTable(s.meanWeights[l], s.tokens, s.tokens);
    }
}

void train(TextTrainer& trainer, long logEvery)
{
    if (trainer.stepCount() > 0) {
        std::printf("  going on from epoch %d (step %ld) of the saved session\n", trainer.epoch(),
                    trainer.stepCount());
    }
    const long before = trainer.stepCount();
    const auto start = std::chrono::steady_clock::now();
    while (!trainer.done()) {
        trainer.runEpoch();
        const int e = trainer.epoch();
        if (logEvery > 0 && !trainer.epochLosses().empty() && (e == 1 || e % logEvery == 0)) {
            std::printf("  epoch %5d   mean loss %.4f\n", e, trainer.epochLosses().back());
        }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long steps = trainer.stepCount() - before;
    std::printf("  %ld optimizer steps in %.3f s = %.1f steps per second\n", steps, secs,
                double(std::max(steps, 1L)) / std::max(secs, 1e-9));
}

void printSettings(const TextTrainer& trainer)
{
    const TextConfig& c = trainer.config();
    const TransformerConfig& m = c.model;
    std::printf("transformer: %s; seed %llu, epochs %d, batch %d, learning rate %g; L %d, N %d, "
                "E %d, H %d, F %d, context %d; %s, %s, %s, dropout %g\n",
                objectiveTitle(c.objective), static_cast<unsigned long long>(m.seed), c.epochs,
                c.batchSize, c.learningRate, m.layers, m.heads, m.embed, m.headSize, m.mlpWidth,
                m.context, m.mlp ? "MLP" : "no MLP", m.layerNorm ? "layer norm" : "no layer norm",
                m.residual ? "skip-add" : "no skip-add", m.dropout);
}

// Trains to the end and prints the model's sentences; returns the exit status.
int trainAndReport(TextTrainer& trainer, long logEvery)
{
    train(trainer, logEvery);
    const TextSnapshot snap = trainer.snapshot();
    for (size_t s = 0; s < std::min(snap.sentences.size(), kSentencesShown); ++s) {
        printSentence(snap.sentences[s], snap.vocab, s + 1);
    }
    if (snap.sentences.size() > kSentencesShown) {
        std::printf("\n(%zu more sentences not shown)\n", snap.sentences.size() - kSentencesShown);
    }
    std::printf("\nfinal loss %.4f\n", snap.epochLosses.empty() ? 0.0 : snap.epochLosses.back());
    if (trainer.state() == TrainState::Diverged) {
        std::fprintf(stderr, "attnlab-cli: %s\n", trainer.message().c_str());
        return Diverged;
    }
    return Success;
}

// The options a pair session brings along and so does not take.
const QStringList kPairSessionFixes = {
    "preset", "lesson",        "corpus",    "objective", "layers",  "heads",
    "embed",  "head-size",     "mlp-width", "batch",     "dropout", "mask-fraction",
    "no-mlp", "no-layer-norm", "no-skip",   "context",   "seed"};

TextTrainerPair pairFromSession(const QCommandLineParser& p, std::string& preset,
                                std::map<std::string, std::string>& view)
{
    for (const QString& name : kPairSessionFixes) {
        if (p.isSet(name)) {
            throw UsageError("--" + name.toStdString() +
                             " cannot change a saved session (--load-session): its sentences and "
                             "settings come with it");
        }
    }
    TextPairSession session = loadTextPairSession(p.value("load-session").toStdString());
    for (TextConfig& c : session.configs) {
        c.epochs = int(integerOption(p, "epochs", c.epochs));
        c.learningRate = numberOption(p, "learning-rate", c.learningRate);
        validate(c);
    }
    preset = session.preset;
    view = session.view;
    return trainersOf(session);
}

// The window's pair from the options: the left model causal, the right one --objective
// (default unmasked), from the same seed.
TextTrainerPair pairFromOptions(const QCommandLineParser& p, std::string& preset)
{
    Corpus corpus = corpusFrom(p);
    TextConfig left = configFrom(p, corpus);
    TextConfig right = left;
    left.objective = Objective::Causal;
    right.objective = p.isSet("objective") ? objectiveFrom(p) : Objective::Unmasked;
    if (right.objective == Objective::Causal) {
        throw UsageError("--save-session saves the Transformer tab's pair, whose left model is "
                         "the causal one: --objective causal cannot be its right model (give "
                         "unmasked or masked)");
    }
    preset = p.value("preset").toStdString();
    return {std::make_unique<TextTrainer>(corpus, left),
            std::make_unique<TextTrainer>(std::move(corpus), right)};
}

// Both models of the pair, one after the other, then the session saved when asked.
int pairCommand(const QCommandLineParser& p)
{
    const long logEvery = integerOption(p, "log-every", 50);
    const TrainingDevice device = deviceFrom(p);
    std::string preset;
    std::map<std::string, std::string> view;
    TextTrainerPair pair =
        p.isSet("load-session") ? pairFromSession(p, preset, view) : pairFromOptions(p, preset);
    DeviceReport report = placed(*pair[0], device);
    if (report.device == Device::Cuda) {
        report = placed(*pair[1], device);
    }
    printDevice(report);
    std::printf("the Transformer tab's pair: %zu sentences; vocabulary: %s\n",
                pair[0]->corpus().sentences.size(), joined(pair[0]->vocab().tokens()).c_str());
    int status = Success;
    for (size_t side = 0; side < pair.size(); ++side) {
        std::printf("\n== %s model: %s\n", side == 0 ? "left" : "right",
                    objectiveTitle(pair[side]->config().objective));
        printSettings(*pair[side]);
        status = std::max(status, trainAndReport(*pair[side], logEvery));
    }
    if (p.isSet("save-session")) {
        const std::string path = p.value("save-session").toStdString();
        saveSession(sessionOf(*pair[0], *pair[1], preset, view), path);
        std::printf("saved the session to %s\n", path.c_str());
    }
    return status;
}
} // namespace

QList<QCommandLineOption> transformerOptions()
{
    return {
        {"preset",
         "transformer: train on a preset text: " + QString::fromStdString(presetNames()) + ".",
         "NAME"},
        {"objective",
         "transformer: causal (next token, GPT; the default), unmasked (next token with no "
         "mask) or masked (masked tokens, BERT).",
         "KIND"},
        {"layers", "transformer: blocks L (default 1).", "L"},
        {"heads", "transformer: heads N per block; H must be a multiple (default 2).", "N"},
        {"embed", "transformer: embedding width E (default 16).", "E"},
        {"mlp-width", "transformer: hidden width F of the MLP (default 32).", "F"},
        {"batch", "transformer: sentences per step (default 2).", "B"},
        {"dropout", "transformer: dropout while training, 0 to below 1 (default 0).", "P"},
        {"mask-fraction",
         "transformer, masked: share of tokens replaced by [MASK] (default 0.15, at least one "
         "per sentence).",
         "F"},
        {"no-mlp", "transformer: leave out the MLP."},
        {"no-layer-norm", "transformer: leave out layer normalization."},
    };
}

QStringList transformerOnlyOptions()
{
    QStringList names;
    for (const QCommandLineOption& option : transformerOptions()) {
        names << option.names();
    }
    return names;
}

QStringList toyOnlyOptions()
{
    return {"no-mask", "output", "init", "predict", "save-every"};
}

int transformerCommand(const QCommandLineParser& p)
{
    if (p.isSet("load-session") || p.isSet("save-session")) {
        return pairCommand(p);
    }
    const TrainingDevice device = deviceFrom(p);
    Corpus corpus = corpusFrom(p);
    const TextConfig config = configFrom(p, corpus);
    const long logEvery = integerOption(p, "log-every", 50);
    TextTrainer trainer(std::move(corpus), config);
    printDevice(placed(trainer, device));
    printSettings(trainer);
    std::printf("%zu sentences; vocabulary: %s\n", trainer.corpus().sentences.size(),
                joined(trainer.vocab().tokens()).c_str());
    return trainAndReport(trainer, logEvery);
}

} // namespace cli
