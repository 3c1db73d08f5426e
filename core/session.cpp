#include "session.h"

#include "errors.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace attnlab {

namespace {

constexpr long long kMaxCount = 10'000'000; // entries of one list or matrix
constexpr const char* kMatrixNames[] = {"tok", "pos", "wq", "wk", "wv"};

template <typename T> void appendNumber(std::string& out, T value)
{
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

void appendMatrix(std::string& out, const std::string& name, const Matrix& m)
{
    out +=
        "matrix " + name + " " + std::to_string(m.rows()) + " " + std::to_string(m.cols()) + "\n";
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        for (Eigen::Index c = 0; c < m.cols(); ++c) {
            if (c > 0) {
                out += ' ';
            }
            appendNumber(out, m(r, c));
        }
        out += '\n';
    }
}

const char* outputName(OutputKind kind)
{
    return kind == OutputKind::Softmax ? "softmax" : "sigmoid";
}

// Reads the text line by line and says where a fault is.
class Reader
{
public:
    Reader(std::string_view text, std::string_view source) : m_text(text), m_source(source) {}

    [[noreturn]] void fail(const std::string& what) const
    {
        throw InputError(std::string(m_source) + ", line " + std::to_string(m_line) + ": " + what);
    }

    bool atEnd() const { return m_pos >= m_text.size(); }

    std::string_view line()
    {
        if (atEnd()) {
            ++m_line;
            fail("the file ends too early");
        }
        const size_t end = m_text.find('\n', m_pos);
        const size_t stop = end == std::string_view::npos ? m_text.size() : end;
        std::string_view l = m_text.substr(m_pos, stop - m_pos);
        m_pos = stop + 1;
        ++m_line;
        if (!l.empty() && l.back() == '\r') {
            l.remove_suffix(1);
        }
        return l;
    }

    // A line "<keyword> <rest>"; returns the rest.
    std::string_view keyword(std::string_view expected)
    {
        const std::string_view l = line();
        const size_t space = l.find(' ');
        const std::string_view word = l.substr(0, space);
        if (word != expected) {
            fail("expected \"" + std::string(expected) + "\", found \"" +
                 std::string(l.substr(0, 40)) + "\"");
        }
        return space == std::string_view::npos ? std::string_view() : l.substr(space + 1);
    }

    template <typename T> T number(std::string_view text, const char* what)
    {
        T value{};
        const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
        if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
            fail(std::string(what) + " is not a number: \"" + std::string(text.substr(0, 40)) +
                 "\"");
        }
        return value;
    }

    // A number that must be finite: weights, moments and losses are, in every file written.
    template <typename T> T finite(std::string_view text, const char* what)
    {
        const T value = number<T>(text, what);
        if (!std::isfinite(value)) {
            fail(std::string(what) + " is \"" + std::string(text.substr(0, 40)) +
                 "\", not a finite number");
        }
        return value;
    }

    // Space-separated fields of a line.
    static std::vector<std::string_view> fields(std::string_view l)
    {
        std::vector<std::string_view> out;
        size_t pos = 0;
        while (pos < l.size()) {
            const size_t space = l.find(' ', pos);
            const size_t stop = space == std::string_view::npos ? l.size() : space;
            if (stop > pos) {
                out.push_back(l.substr(pos, stop - pos));
            }
            pos = stop + 1;
        }
        return out;
    }

    long long count(std::string_view text, const char* what, long long most)
    {
        const long long n = number<long long>(text, what);
        if (n < 0 || n > most) {
            fail(std::string(what) + " " + std::to_string(n) + " is out of range (0 to " +
                 std::to_string(most) + ")");
        }
        return n;
    }

    Matrix matrix(const std::string& name)
    {
        const std::vector<std::string_view> f = fields(keyword("matrix"));
        if (f.size() != 3 || f[0] != name) {
            fail("expected \"matrix " + name + " <rows> <cols>\"");
        }
        const long long rows = count(f[1], "the number of rows", kMaxCount);
        const long long cols = count(f[2], "the number of columns", kMaxCount);
        if (rows * cols > kMaxCount) {
            fail("the matrix " + name + " is too large (" + std::to_string(rows) + "×" +
                 std::to_string(cols) + ")");
        }
        Matrix m(rows, cols);
        for (long long r = 0; r < rows; ++r) {
            const std::vector<std::string_view> values = fields(line());
            if (static_cast<long long>(values.size()) != cols) {
                fail("row " + std::to_string(r + 1) + " of " + name + " has " +
                     std::to_string(values.size()) + " numbers; expected " + std::to_string(cols));
            }
            for (long long c = 0; c < cols; ++c) {
                m(r, c) = finite<float>(values[size_t(c)], "a weight");
            }
        }
        return m;
    }

private:
    std::string_view m_text;
    std::string_view m_source;
    size_t m_pos = 0;
    int m_line = 0;
};

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

} // namespace

ToySession sessionOf(const ToyTrainer& trainer, std::map<std::string, std::string> view)
{
    ToySession s;
    const Corpus& corpus = trainer.corpus();
    s.vocabulary = corpus.vocab.tokens();
    for (size_t i = 0; i < corpus.sentences.size(); ++i) {
        std::string text;
        const std::vector<std::string> words = corpus.words(static_cast<int>(i));
        for (size_t w = 1; w < words.size(); ++w) { // words[0] is <start>
            text += (w > 1 ? " " : "") + words[w];
        }
        s.sentences.push_back(std::move(text));
    }
    s.config = trainer.config();
    s.checkpoint = trainer.checkpoint();
    s.view = std::move(view);
    return s;
}

Corpus corpusOf(const ToySession& session)
{
    Corpus corpus;
    if (session.vocabulary.empty() || session.vocabulary.front() != "<start>") {
        throw InputError("the session's vocabulary does not start with <start>");
    }
    for (size_t i = 1; i < session.vocabulary.size(); ++i) {
        if (corpus.vocab.find(session.vocabulary[i])) {
            throw InputError("the session's vocabulary has \"" + session.vocabulary[i] +
                             "\" twice");
        }
        corpus.vocab.add(session.vocabulary[i]);
    }
    for (size_t i = 0; i < session.sentences.size(); ++i) {
        try {
            corpus.sentences.push_back(encodeSentence(corpus.vocab, session.sentences[i]));
        } catch (const InputError& e) {
            throw InputError("sentence " + std::to_string(i + 1) + " of the session: " + e.what());
        }
        if (corpus.sentences.back().size() < 2) {
            throw InputError("sentence " + std::to_string(i + 1) + " of the session is empty");
        }
    }
    return corpus;
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
    out += "epoch-sum ";
    appendNumber(out, k.epochSum);
    out += "\ndiverged " + std::to_string(k.diverged ? 1 : 0) + "\n";
    std::string message = k.message;
    for (char& ch : message) {
        ch = ch == '\n' || ch == '\r' ? ' ' : ch;
    }
    out += "message " + message + "\n";
    out += "losses " + std::to_string(k.epochLosses.size()) + "\n";
    for (size_t i = 0; i < k.epochLosses.size(); ++i) {
        if (i > 0) {
            out += ' ';
        }
        appendNumber(out, k.epochLosses[i]);
    }
    out += "\n";
    const std::vector<const Matrix*> params = k.params.all();
    for (size_t i = 0; i < params.size(); ++i) {
        appendMatrix(out, kMatrixNames[i], *params[i]);
    }
    out += "adam " + std::to_string(k.adamStep) + " " + std::to_string(k.adamM.size()) + "\n";
    for (const auto& [letter, moments] : {std::pair{'m', &k.adamM}, std::pair{'v', &k.adamV}}) {
        for (size_t i = 0; i < moments->size(); ++i) {
            std::string name(1, letter);
            name += std::to_string(i);
            appendMatrix(out, name, (*moments)[i]);
        }
    }
    for (const auto& [key, value] : s.view) {
        out += "view " + key + " " + value + "\n";
    }
    out += "end\n";
    return out;
}

ToySession parseSession(std::string_view text, std::string_view source)
{
    Reader in(text, source);
    ToySession s;
    {
        const std::string_view version = in.keyword("attnlab-session");
        const int format = in.number<int>(version, "the format version");
        if (format > kSessionFormat) {
            in.fail("this session was written by a later AttnLab (format " +
                    std::to_string(format) + "); this one reads format " +
                    std::to_string(kSessionFormat) + " and older");
        }
        if (format < 1) {
            in.fail("the format version " + std::to_string(format) + " does not exist");
        }
    }
    if (in.keyword("kind") != "single-head") {
        in.fail("this version reads sessions of the single-head lesson only");
    }
    for (int i = 0; i < 8; ++i) {
        readSetting(in, s.config);
    }
    const long long tokens = in.count(in.keyword("vocabulary"), "the vocabulary size", kMaxCount);
    for (long long i = 0; i < tokens; ++i) {
        s.vocabulary.emplace_back(in.line());
    }
    const long long sentences = in.count(in.keyword("sentences"), "the number of sentences",
                                         static_cast<long long>(kMaxSentences));
    for (long long i = 0; i < sentences; ++i) {
        s.sentences.emplace_back(in.line());
    }
    ToyCheckpoint& k = s.checkpoint;
    {
        const std::vector<std::string_view> f = Reader::fields(in.keyword("position"));
        if (f.size() != 3) {
            in.fail("expected \"position <epoch> <steps> <sentence>\"");
        }
        k.epoch = static_cast<int>(in.count(f[0], "the epoch", 100000000));
        k.steps = static_cast<long>(in.count(f[1], "the step count", 1LL << 40));
        k.sentence = static_cast<int>(in.count(f[2], "the sentence", kMaxCount));
    }
    k.epochSum = in.finite<double>(in.keyword("epoch-sum"), "the epoch sum");
    k.diverged = in.number<int>(in.keyword("diverged"), "diverged") != 0;
    k.message = std::string(in.keyword("message"));
    const long long losses = in.count(in.keyword("losses"), "the number of losses", kMaxCount);
    const std::vector<std::string_view> values = Reader::fields(in.line());
    if (static_cast<long long>(values.size()) != losses) {
        in.fail("there are " + std::to_string(values.size()) + " losses; expected " +
                std::to_string(losses));
    }
    for (std::string_view v : values) {
        k.epochLosses.push_back(in.finite<double>(v, "a loss"));
    }
    k.params.tok = in.matrix("tok");
    k.params.pos = in.matrix("pos");
    k.params.wq = in.matrix("wq");
    k.params.wk = in.matrix("wk");
    k.params.wv = in.matrix("wv");
    {
        const std::vector<std::string_view> f = Reader::fields(in.keyword("adam"));
        if (f.size() != 2) {
            in.fail("expected \"adam <step> <moments>\"");
        }
        k.adamStep = static_cast<long>(in.count(f[0], "Adam's step", 1LL << 40));
        const long long moments = in.count(f[1], "the number of moments", 5);
        if (moments != 0 && moments != 5) {
            in.fail("Adam has 0 or 5 moments, not " + std::to_string(moments));
        }
        for (char letter : {'m', 'v'}) {
            for (long long i = 0; i < moments; ++i) {
                std::string name(1, letter);
                name += std::to_string(i);
                (letter == 'm' ? k.adamM : k.adamV).push_back(in.matrix(name));
            }
        }
    }
    for (;;) {
        const std::string_view l = in.line();
        if (l == "end") {
            break;
        }
        if (l.substr(0, 5) != "view ") {
            in.fail("expected \"view <key> <value>\" or \"end\", found \"" +
                    std::string(l.substr(0, 40)) + "\"");
        }
        const std::string_view rest = l.substr(5);
        const size_t space = rest.find(' ');
        s.view[std::string(rest.substr(0, space))] =
            space == std::string_view::npos ? std::string() : std::string(rest.substr(space + 1));
    }
    return s;
}

void saveSession(const ToySession& session, const std::string& path)
{
    const std::string text = writeSession(session);
    const std::string temporary = path + ".saving";
    const auto fail = [&](const char* what) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        throw InputError(path + ": the session cannot be saved (" + what + ": " + reason + ")");
    };
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        const std::string reason = std::strerror(errno);
        throw InputError(path + ": the session cannot be saved (" + reason + ")");
    }
    size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            ::close(fd);
            fail("writing");
        }
        written += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        fail("flushing");
    }
    if (::close(fd) != 0) {
        fail("closing");
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        fail("renaming");
    }
}

ToySession loadSession(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw InputError(path + ": the session cannot be opened (" + std::strerror(errno) + ")");
    }
    file.seekg(0, std::ios::end);
    const std::streamoff size = file.tellg();
    if (size < 0) {
        throw InputError(path + ": the session cannot be read");
    }
    if (size > kMaxSessionBytes) {
        throw InputError(path + ": " + std::to_string(size) +
                         " bytes is more than a session can be (256 MiB)");
    }
    file.seekg(0);
    std::string text(static_cast<size_t>(size), '\0');
    if (!file.read(text.data(), size)) {
        throw InputError(path + ": the session cannot be read");
    }
    return parseSession(text, path);
}

} // namespace attnlab
