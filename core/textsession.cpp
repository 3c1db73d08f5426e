#include "textsession.h"

#include "checkpoint.h"
#include "errors.h"

#include <utility>

namespace attnlab {

namespace {

using sessionio::Reader;
using sessionio::Setting;

constexpr long long kMaxTokens = 10'000'000;
constexpr const char* kSides[] = {"left", "right"};

std::vector<Setting> settingsOf(TextConfig& c)
{
    TransformerConfig& m = c.model;
    return {{"embed", &m.embed},
            {"heads", &m.heads},
            {"head-size", &m.headSize},
            {"layers", &m.layers},
            {"context", &m.context},
            {"mlp-width", &m.mlpWidth},
            {"mlp", &m.mlp},
            {"layer-norm", &m.layerNorm},
            {"residual", &m.residual},
            {"dropout", &m.dropout},
            {"seed", &m.seed},
            {"mask-fraction", &c.maskFraction},
            {"batch-size", &c.batchSize},
            {"shuffle", &c.shuffle},
            {"learning-rate", &c.learningRate},
            {"epochs", &c.epochs}};
}

void appendModel(std::string& out, const char* side, TextConfig c, const TextCheckpoint& k)
{
    out += std::string("model ") + side + "\nobjective " + objectiveName(c.objective) + "\n";
    sessionio::appendSettings(out, settingsOf(c));
    out += "position " + std::to_string(k.epoch) + " " + std::to_string(k.steps) + " " +
           std::to_string(k.next) + " " + std::to_string(k.epochBatches) + "\n";
    sessionio::appendOrder(out, k.order);
    sessionio::appendProgress(out, k.epochSum, k.diverged, k.message);
    sessionio::appendList(out, "losses", k.epochLosses);
    sessionio::appendRng(out, "dropout", k.dropoutRng);
    sessionio::appendRng(out, "mask", k.maskRng);
    sessionio::appendRng(out, "order", k.orderRng);
    sessionio::appendWeights(out, k.params.names(), k.params.all());
    sessionio::appendAdam(out, k.adamStep, k.adamM, k.adamV);
}

TextConfig readConfig(Reader& in)
{
    TextConfig c;
    const std::string_view objective = in.keyword("objective");
    const std::optional<Objective> o = parseObjective(objective);
    if (!o) {
        in.fail("the objective is causal, unmasked or masked, not \"" +
                std::string(objective.substr(0, 40)) + "\"");
    }
    c.objective = *o;
    in.settings(settingsOf(c));
    try {
        validate(c);
    } catch (const InputError& e) {
        in.fail(e.what());
    }
    return c;
}

void readProgress(Reader& in, TextCheckpoint& k)
{
    const std::vector<std::string_view> f = Reader::fields(in.keyword("position"));
    if (f.size() != 4) {
        in.fail("expected \"position <epoch> <steps> <next> <epoch-batches>\"");
    }
    k.epoch = static_cast<int>(in.count(f[0], "the epoch", 100000000));
    k.steps = static_cast<long>(in.count(f[1], "the step count", 1LL << 40));
    k.next = static_cast<int>(in.count(f[2], "the next sentence", kMaxSentences));
    k.epochBatches = static_cast<int>(in.count(f[3], "the batches of the epoch", kMaxSentences));
    k.order = in.order(static_cast<long long>(kMaxSentences));
    in.progress(k.epochSum, k.diverged, k.message);
    k.epochLosses = in.list("losses", "a loss");
}

void readModel(Reader& in, const char* side, TextConfig& c, TextCheckpoint& k)
{
    if (in.keyword("model") != side) {
        in.fail(std::string("expected \"model ") + side + "\"");
    }
    c = readConfig(in);
    readProgress(in, k);
    k.dropoutRng = in.rng("dropout");
    k.maskRng = in.rng("mask");
    k.orderRng = in.rng("order");
    k.params.blocks.resize(static_cast<size_t>(c.model.layers));
    const std::vector<Matrix*> params = k.params.all();
    in.weights(k.params.names(), params);
    in.adam(params.size(), k.adamStep, k.adamM, k.adamV);
}

} // namespace

TextPairSession sessionOf(const TextTrainer& left, const TextTrainer& right, std::string preset,
                          std::map<std::string, std::string> view)
{
    const Corpus& corpus = left.corpus();
    if (right.corpus().vocab.tokens() != corpus.vocab.tokens() ||
        right.corpus().sentences != corpus.sentences) {
        throw InputError("the two models do not train on the same sentences");
    }
    TextPairSession s;
    s.preset = std::move(preset);
    s.vocabulary = corpus.vocab.tokens();
    s.sentences = sessionSentences(corpus);
    s.configs = {left.config(), right.config()};
    s.checkpoints = {left.checkpoint(), right.checkpoint()};
    s.view = std::move(view);
    return s;
}

Corpus corpusOf(const TextPairSession& session)
{
    return sessionCorpus(session.vocabulary, session.sentences);
}

TextTrainerPair trainersOf(const TextPairSession& session)
{
    const Corpus corpus = corpusOf(session);
    TextTrainerPair pair;
    for (size_t i = 0; i < pair.size(); ++i) {
        const TextConfig& config = session.configs[i];
        const TextCheckpoint& k = session.checkpoints[i];
        try {
            // Before a model of the size the settings say is made: they could say any size.
            checkWeights(k.params.names(), parameterShapes(modelConfig(config, corpus)),
                         k.params.all());
            pair[i] = std::make_unique<TextTrainer>(corpus, config, k);
        } catch (const InputError& e) {
            throw InputError(std::string("the ") + kSides[i] + " model: " + e.what());
        }
    }
    return pair;
}

std::string writeSession(const TextPairSession& s)
{
    std::string out = "attnlab-session " + std::to_string(kSessionFormat) + "\nkind " +
                      sessionKindName(SessionKind::TransformerPair) + "\n";
    sessionio::appendText(out, "preset", s.preset);
    out += "vocabulary " + std::to_string(s.vocabulary.size()) + "\n";
    for (const std::string& token : s.vocabulary) {
        out += token + "\n";
    }
    out += "sentences " + std::to_string(s.sentences.size()) + "\n";
    for (const std::string& sentence : s.sentences) {
        out += sentence + "\n";
    }
    for (size_t i = 0; i < s.configs.size(); ++i) {
        appendModel(out, kSides[i], s.configs[i], s.checkpoints[i]);
    }
    sessionio::appendViewAndEnd(out, s.view);
    return out;
}

TextPairSession parseTextPairSession(std::string_view text, std::string_view source)
{
    Reader in(text, source);
    in.header(SessionKind::TransformerPair);
    TextPairSession s;
    s.preset = std::string(in.keyword("preset"));
    s.vocabulary = in.lines("vocabulary", "the vocabulary size", kMaxTokens);
    s.sentences =
        in.lines("sentences", "the number of sentences", static_cast<long long>(kMaxSentences));
    for (size_t i = 0; i < s.configs.size(); ++i) {
        readModel(in, kSides[i], s.configs[i], s.checkpoints[i]);
    }
    s.view = in.viewAndEnd();
    return s;
}

void saveSession(const TextPairSession& session, const std::string& path)
{
    writeSessionFile(writeSession(session), path);
}

TextPairSession loadTextPairSession(const std::string& path)
{
    return parseTextPairSession(readSessionFile(path), path);
}

} // namespace attnlab
