#include "session.h"

#include "errors.h"
#include "sessionio.h"

#include <utility>

namespace attnlab {

namespace {

using sessionio::appendNumber;
using sessionio::Reader;

constexpr long long kMaxTokens = 10'000'000;
constexpr const char* kMatrixNames[] = {"tok", "pos", "wq", "wk", "wv"};

const char* outputName(OutputKind kind)
{
    return kind == OutputKind::Softmax ? "softmax" : "sigmoid";
}

void readSetting(Reader& in, ToyConfig& c)
{
    const std::vector<std::string_view> f = Reader::fields(in.keyword("setting"));
    if (f.size() != 2) {
        in.fail("expected \"setting <name> <value>\"");
    }
    const std::string_view name = f[0], value = f[1];
    if (name == "head-size") {
        c.headSize = in.number<int>(value, "the head size");
    } else if (name == "context") {
        c.context = in.number<int>(value, "the context");
    } else if (name == "learning-rate") {
        c.learningRate = in.number<double>(value, "the learning rate");
    } else if (name == "epochs") {
        c.epochs = in.number<int>(value, "the number of epochs");
    } else if (name == "seed") {
        c.seed = in.number<std::uint64_t>(value, "the seed");
    } else if (name == "causal" || name == "skip") {
        const int on = in.number<int>(value, name == "causal" ? "causal" : "skip");
        (name == "causal" ? c.causal : c.skip) = on != 0;
    } else if (name == "output") {
        if (value != "softmax" && value != "sigmoid") {
            in.fail("the output is softmax or sigmoid, not \"" + std::string(value) + "\"");
        }
        c.output = value == "softmax" ? OutputKind::Softmax : OutputKind::Sigmoid;
    } else {
        in.fail("unknown setting \"" + std::string(name) + "\"");
    }
}

// The position, the epoch sum, the divergence and the losses, as the writer puts them.
void readProgress(Reader& in, ToyCheckpoint& k)
{
    const std::vector<std::string_view> f = Reader::fields(in.keyword("position"));
    if (f.size() != 3) {
        in.fail("expected \"position <epoch> <steps> <sentence>\"");
    }
    k.epoch = static_cast<int>(in.count(f[0], "the epoch", 100000000));
    k.steps = static_cast<long>(in.count(f[1], "the step count", 1LL << 40));
    k.sentence = static_cast<int>(in.count(f[2], "the sentence", kMaxTokens));
    k.epochSum = in.finite<double>(in.keyword("epoch-sum"), "the epoch sum");
    k.diverged = in.number<int>(in.keyword("diverged"), "diverged") != 0;
    k.message = std::string(in.keyword("message"));
    k.epochLosses = in.list("losses", "a loss");
}

} // namespace

ToySession sessionOf(const ToyTrainer& trainer, std::map<std::string, std::string> view)
{
    ToySession s;
    s.vocabulary = trainer.corpus().vocab.tokens();
    s.sentences = sessionSentences(trainer.corpus());
    s.config = trainer.config();
    s.checkpoint = trainer.checkpoint();
    s.view = std::move(view);
    return s;
}

Corpus corpusOf(const ToySession& session)
{
    return sessionCorpus(session.vocabulary, session.sentences);
}

ToyTrainer trainerOf(const ToySession& session)
{
    ToyTrainer trainer(corpusOf(session), session.config, session.checkpoint);
    const ToyConfig& c = trainer.config();
    if (c.headSize != session.config.headSize || c.context != session.config.context) {
        throw InputError("the session's weights are for head size " + std::to_string(c.headSize) +
                         " and context " + std::to_string(c.context) + ", its settings say " +
                         std::to_string(session.config.headSize) + " and " +
                         std::to_string(session.config.context));
    }
    return trainer;
}

std::string writeSession(const ToySession& s)
{
    std::string out = "attnlab-session " + std::to_string(kSessionFormat) + "\nkind single-head\n";
    const ToyConfig& c = s.config;
    out += "setting head-size " + std::to_string(c.headSize) + "\n";
    out += "setting context " + std::to_string(c.context) + "\n";
    out += "setting learning-rate ";
    appendNumber(out, c.learningRate);
    out += "\nsetting epochs " + std::to_string(c.epochs) + "\n";
    out += "setting seed " + std::to_string(c.seed) + "\n";
    out += "setting causal " + std::to_string(c.causal ? 1 : 0) + "\n";
    out += "setting skip " + std::to_string(c.skip ? 1 : 0) + "\n";
    out += std::string("setting output ") + outputName(c.output) + "\n";
    out += "vocabulary " + std::to_string(s.vocabulary.size()) + "\n";
    for (const std::string& token : s.vocabulary) {
        out += token + "\n";
    }
    out += "sentences " + std::to_string(s.sentences.size()) + "\n";
    for (const std::string& sentence : s.sentences) {
        out += sentence + "\n";
    }
    const ToyCheckpoint& k = s.checkpoint;
    out += "position " + std::to_string(k.epoch) + " " + std::to_string(k.steps) + " " +
           std::to_string(k.sentence) + "\n";
    sessionio::appendProgress(out, k.epochSum, k.diverged, k.message);
    sessionio::appendList(out, "losses", k.epochLosses);
    const std::vector<const Matrix*> params = k.params.all();
    for (size_t i = 0; i < params.size(); ++i) {
        sessionio::appendMatrix(out, kMatrixNames[i], *params[i]);
    }
    sessionio::appendAdam(out, k.adamStep, k.adamM, k.adamV);
    sessionio::appendViewAndEnd(out, s.view);
    return out;
}

ToySession parseSession(std::string_view text, std::string_view source)
{
    Reader in(text, source);
    in.header(SessionKind::SingleHead);
    ToySession s;
    for (int i = 0; i < 8; ++i) {
        readSetting(in, s.config);
    }
    s.vocabulary = in.lines("vocabulary", "the vocabulary size", kMaxTokens);
    s.sentences =
        in.lines("sentences", "the number of sentences", static_cast<long long>(kMaxSentences));
    ToyCheckpoint& k = s.checkpoint;
    readProgress(in, k);
    const std::vector<Matrix*> params = k.params.all();
    for (size_t i = 0; i < params.size(); ++i) {
        *params[i] = in.matrix(kMatrixNames[i]);
    }
    in.adam(params.size(), k.adamStep, k.adamM, k.adamV);
    s.view = in.viewAndEnd();
    return s;
}

void saveSession(const ToySession& session, const std::string& path)
{
    writeSessionFile(writeSession(session), path);
}

ToySession loadSession(const std::string& path)
{
    return parseSession(readSessionFile(path), path);
}

} // namespace attnlab
