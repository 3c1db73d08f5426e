#include "sessionio.h"

#include "errors.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>

#include <fcntl.h>
#include <unistd.h>

namespace attnlab {

namespace {

constexpr long long kMaxCount = 10'000'000; // entries of one list or matrix
constexpr SessionKind kKinds[] = {SessionKind::SingleHead, SessionKind::TransformerPair,
                                  SessionKind::VisionTransformer};

template <typename T> void appendValue(std::string& out, T value)
{
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

// Reads the kind line; a later format is refused before it, in Reader::header.
SessionKind readKind(sessionio::Reader& in)
{
    const std::string_view word = in.keyword("kind");
    for (SessionKind kind : kKinds) {
        if (word == sessionKindName(kind)) {
            return kind;
        }
    }
    in.fail("the session kind \"" + std::string(word.substr(0, 40)) +
            "\" is unknown; this AttnLab reads single-head, transformer-pair and "
            "vision-transformer sessions");
}

void readFormat(sessionio::Reader& in)
{
    const int format = in.number<int>(in.keyword("attnlab-session"), "the format version");
    if (format > kSessionFormat) {
        in.fail("this session was written by a later AttnLab (format " + std::to_string(format) +
                "); this one reads format " + std::to_string(kSessionFormat) + " and older");
    }
    if (format < 1) {
        in.fail("the format version " + std::to_string(format) + " does not exist");
    }
}

[[noreturn]] void cannotSave(const std::string& path, const char* what,
                             const std::string& temporary)
{
    const std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    throw InputError(path + ": the session cannot be saved (" + what + ": " + reason + ")");
}

void writeAll(int fd, const std::string& text, const std::string& path,
              const std::string& temporary)
{
    size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int error = errno;
            ::close(fd);
            errno = error;
            cannotSave(path, "writing", temporary);
        }
        written += static_cast<size_t>(n);
    }
}

} // namespace

const char* sessionKindName(SessionKind kind)
{
    switch (kind) {
    case SessionKind::SingleHead:
        return "single-head";
    case SessionKind::TransformerPair:
        return "transformer-pair";
    case SessionKind::VisionTransformer:
        return "vision-transformer";
    }
    return "single-head";
}

const char* sessionKindTab(SessionKind kind)
{
    switch (kind) {
    case SessionKind::SingleHead:
        return "Single head";
    case SessionKind::TransformerPair:
        return "Transformer: masked against unmasked";
    case SessionKind::VisionTransformer:
        return "Vision Transformer";
    }
    return "Single head";
}

SessionKind sessionKind(std::string_view text, std::string_view source)
{
    sessionio::Reader in(text, source);
    readFormat(in);
    return readKind(in);
}

SessionKind sessionFileKind(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw InputError(path + ": the session cannot be opened (" + std::strerror(errno) + ")");
    }
    // The two header lines are short: a few hundred bytes hold them, or it is no session.
    std::string head(512, '\0');
    file.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(file.gcount()));
    return sessionKind(head, path);
}

std::string readSessionFile(const std::string& path)
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
    return text;
}

void writeSessionFile(const std::string& text, const std::string& path)
{
    const std::string temporary = path + ".saving";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        const std::string reason = std::strerror(errno);
        throw InputError(path + ": the session cannot be saved (" + reason + ")");
    }
    writeAll(fd, text, path, temporary);
    if (::fsync(fd) != 0) {
        const int error = errno;
        ::close(fd);
        errno = error;
        cannotSave(path, "flushing", temporary);
    }
    if (::close(fd) != 0) {
        cannotSave(path, "closing", temporary);
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        cannotSave(path, "renaming", temporary);
    }
}

std::vector<std::string> sessionSentences(const Corpus& corpus)
{
    std::vector<std::string> out;
    for (size_t i = 0; i < corpus.sentences.size(); ++i) {
        std::string text;
        const std::vector<std::string> words = corpus.words(static_cast<int>(i));
        for (size_t w = 1; w < words.size(); ++w) { // words[0] is <start>
            text += (w > 1 ? " " : "") + words[w];
        }
        out.push_back(std::move(text));
    }
    return out;
}

Corpus sessionCorpus(const std::vector<std::string>& vocabulary,
                     const std::vector<std::string>& sentences)
{
    Corpus corpus;
    if (vocabulary.empty() || vocabulary.front() != kStartToken) {
        throw InputError("the session's vocabulary does not start with <start>");
    }
    for (size_t i = 1; i < vocabulary.size(); ++i) {
        if (corpus.vocab.find(vocabulary[i])) {
            throw InputError("the session's vocabulary has \"" + vocabulary[i] + "\" twice");
        }
        corpus.vocab.add(vocabulary[i]);
    }
    for (size_t i = 0; i < sentences.size(); ++i) {
        try {
            corpus.sentences.push_back(encodeSentence(corpus.vocab, sentences[i]));
        } catch (const InputError& e) {
            throw InputError("sentence " + std::to_string(i + 1) + " of the session: " + e.what());
        }
        if (corpus.sentences.back().size() < 2) {
            throw InputError("sentence " + std::to_string(i + 1) + " of the session is empty");
        }
    }
    return corpus;
}

namespace sessionio {

void appendNumber(std::string& out, double value)
{
    appendValue(out, value);
}

void appendNumber(std::string& out, float value)
{
    appendValue(out, value);
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
            appendValue(out, m(r, c));
        }
        out += '\n';
    }
}

void appendList(std::string& out, const char* keyword, const std::vector<double>& values)
{
    out += std::string(keyword) + " " + std::to_string(values.size()) + "\n";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            out += ' ';
        }
        appendValue(out, values[i]);
    }
    out += '\n';
}

void appendOrder(std::string& out, const std::vector<int>& order)
{
    out += "order " + std::to_string(order.size()) + "\n";
    for (size_t i = 0; i < order.size(); ++i) {
        if (i > 0) {
            out += ' ';
        }
        appendValue(out, order[i]);
    }
    out += '\n';
}

void appendRng(std::string& out, const char* name, const Rng::State& state)
{
    out += std::string("rng ") + name + " " + std::to_string(state.index) + " " +
           (state.hasSpare ? "1 " : "0 ");
    appendValue(out, state.spare);
    out += '\n';
    for (size_t i = 0; i < state.words.size(); ++i) {
        if (i > 0) {
            out += ' ';
        }
        appendValue(out, state.words[i]);
    }
    out += '\n';
}

void appendAdam(std::string& out, long step, const std::vector<Matrix>& m,
                const std::vector<Matrix>& v)
{
    out += "adam " + std::to_string(step) + " " + std::to_string(m.size()) + "\n";
    for (const auto& [letter, moments] : {std::pair{'m', &m}, std::pair{'v', &v}}) {
        for (size_t i = 0; i < moments->size(); ++i) {
            appendMatrix(out, letter + std::to_string(i), (*moments)[i]);
        }
    }
}

void appendProgress(std::string& out, double epochSum, bool diverged, const std::string& message)
{
    out += "epoch-sum ";
    appendNumber(out, epochSum);
    out += diverged ? "\ndiverged 1\n" : "\ndiverged 0\n";
    appendText(out, "message", message);
}

void appendWeights(std::string& out, const std::vector<std::string>& names,
                   const std::vector<const Matrix*>& params)
{
    for (size_t i = 0; i < params.size(); ++i) {
        appendMatrix(out, names[i], *params[i]);
    }
}

void appendText(std::string& out, const char* keyword, const std::string& text)
{
    std::string line = text;
    for (char& ch : line) {
        ch = ch == '\n' || ch == '\r' ? ' ' : ch;
    }
    out += std::string(keyword) + " " + line + "\n";
}

void appendViewAndEnd(std::string& out, const std::map<std::string, std::string>& view)
{
    for (const auto& [key, value] : view) {
        appendText(out, "view", key + " " + value);
    }
    out += "end\n";
}

void appendSettings(std::string& out, const std::vector<Setting>& settings)
{
    for (const Setting& s : settings) {
        out += std::string("setting ") + s.name + " ";
        std::visit(
            [&](auto* value) {
                using T = std::remove_pointer_t<decltype(value)>;
                if constexpr (std::is_same_v<T, bool>) {
                    out += *value ? "1" : "0";
                } else {
                    appendValue(out, *value);
                }
            },
            s.ref);
        out += '\n';
    }
}

void Reader::fail(const std::string& what) const
{
    throw InputError(std::string(m_source) + ", line " + std::to_string(m_line) + ": " + what);
}

std::string_view Reader::line()
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

std::string_view Reader::peek() const
{
    if (atEnd()) {
        return {};
    }
    const std::string_view rest = m_text.substr(m_pos);
    return rest.substr(0, rest.find_first_of(" \r\n"));
}

std::string_view Reader::keyword(std::string_view expected)
{
    const std::string_view l = line();
    const size_t space = l.find(' ');
    const std::string_view word = l.substr(0, space);
    if (word != expected) {
        fail("expected \"" + std::string(expected) + "\", found \"" + std::string(l.substr(0, 40)) +
             "\"");
    }
    return space == std::string_view::npos ? std::string_view() : l.substr(space + 1);
}

void Reader::header(SessionKind expected)
{
    readFormat(*this);
    const SessionKind kind = readKind(*this);
    if (kind != expected) {
        fail(std::string("this is a session of the ") + sessionKindTab(kind) + " tab (kind " +
             sessionKindName(kind) + "); open it on that tab, not on the " +
             sessionKindTab(expected) + " tab");
    }
}

template <typename T> T Reader::number(std::string_view text, const char* what)
{
    T value{};
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
        fail(std::string(what) + " is not a number: \"" + std::string(text.substr(0, 40)) + "\"");
    }
    return value;
}

template <typename T> T Reader::finite(std::string_view text, const char* what)
{
    const T value = number<T>(text, what);
    if (!std::isfinite(value)) {
        fail(std::string(what) + " is \"" + std::string(text.substr(0, 40)) +
             "\", not a finite number");
    }
    return value;
}

template int Reader::number<int>(std::string_view, const char*);
template long long Reader::number<long long>(std::string_view, const char*);
template std::uint64_t Reader::number<std::uint64_t>(std::string_view, const char*);
template double Reader::number<double>(std::string_view, const char*);
template float Reader::finite<float>(std::string_view, const char*);
template double Reader::finite<double>(std::string_view, const char*);

long long Reader::count(std::string_view text, const char* what, long long most)
{
    const long long n = number<long long>(text, what);
    if (n < 0 || n > most) {
        fail(std::string(what) + " " + std::to_string(n) + " is out of range (0 to " +
             std::to_string(most) + ")");
    }
    return n;
}

bool Reader::flag(std::string_view text, const char* what)
{
    if (text != "0" && text != "1") {
        fail(std::string(what) + " is 0 or 1, not \"" + std::string(text.substr(0, 40)) + "\"");
    }
    return text == "1";
}

std::vector<std::string_view> Reader::fields(std::string_view l)
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

void Reader::needs(long long count, long long bytesEach, const std::string& what)
{
    const auto left = static_cast<long long>(m_text.size() - std::min(m_pos, m_text.size()));
    if (count > left / bytesEach) {
        fail(what + " needs more than the " + std::to_string(left) + " bytes left in the file");
    }
}

std::vector<std::string> Reader::lines(const char* key, const char* what, long long most)
{
    const long long n = count(keyword(key), what, most);
    needs(n, 1, std::string(key) + " " + std::to_string(n));
    std::vector<std::string> out;
    out.reserve(static_cast<size_t>(n));
    for (long long i = 0; i < n; ++i) {
        out.emplace_back(line());
    }
    return out;
}

void Reader::progress(double& epochSum, bool& diverged, std::string& message)
{
    epochSum = finite<double>(keyword("epoch-sum"), "the epoch sum");
    diverged = flag(keyword("diverged"), "diverged");
    message = std::string(keyword("message"));
}

void Reader::weights(const std::vector<std::string>& names, const std::vector<Matrix*>& params)
{
    for (size_t i = 0; i < params.size(); ++i) {
        *params[i] = matrix(names[i]);
    }
}

Matrix Reader::matrix(const std::string& name)
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
    needs(rows * cols, 2, "the matrix " + name);
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

std::vector<double> Reader::list(const char* key, const char* what)
{
    const long long n =
        count(keyword(key), (std::string("the number of ") + key).c_str(), kMaxCount);
    needs(n, 2, std::string(key) + " " + std::to_string(n));
    const std::vector<std::string_view> values = fields(line());
    if (static_cast<long long>(values.size()) != n) {
        fail("there are " + std::to_string(values.size()) + " " + key + "; expected " +
             std::to_string(n));
    }
    std::vector<double> out;
    out.reserve(values.size());
    for (std::string_view v : values) {
        out.push_back(finite<double>(v, what));
    }
    return out;
}

std::vector<int> Reader::order(long long most)
{
    const long long n = count(keyword("order"), "the length of the order", most);
    needs(n, 2, "an order of " + std::to_string(n));
    const std::vector<std::string_view> values = fields(line());
    if (static_cast<long long>(values.size()) != n) {
        fail("the order has " + std::to_string(values.size()) + " entries; expected " +
             std::to_string(n));
    }
    std::vector<int> out;
    out.reserve(values.size());
    for (std::string_view v : values) {
        out.push_back(static_cast<int>(count(v, "an entry of the order", most)));
    }
    return out;
}

Rng::State Reader::rng(const char* name)
{
    const std::vector<std::string_view> f = fields(keyword("rng"));
    if (f.size() != 4 || f[0] != name) {
        fail(std::string("expected \"rng ") + name + " <index> <has-spare> <spare>\"");
    }
    Rng::State s;
    s.index = static_cast<int>(count(f[1], "the generator's position", Rng::kStateWords));
    s.hasSpare = flag(f[2], "the generator's spare flag");
    s.spare = finite<double>(f[3], "the generator's spare normal");
    const std::vector<std::string_view> words = fields(line());
    if (words.size() != s.words.size()) {
        fail("the generator " + std::string(name) + " has " + std::to_string(words.size()) +
             " words; expected " + std::to_string(s.words.size()));
    }
    for (size_t i = 0; i < words.size(); ++i) {
        s.words[i] = number<std::uint64_t>(words[i], "a word of the generator");
    }
    return s;
}

void Reader::adam(size_t weights, long& step, std::vector<Matrix>& m, std::vector<Matrix>& v)
{
    const std::vector<std::string_view> f = fields(keyword("adam"));
    if (f.size() != 2) {
        fail("expected \"adam <step> <moments>\"");
    }
    step = static_cast<long>(count(f[0], "Adam's step", 1LL << 40));
    const auto expected = static_cast<long long>(weights);
    const long long moments = count(f[1], "the number of moments", expected);
    if (moments != 0 && moments != expected) {
        fail("Adam has 0 or " + std::to_string(expected) + " moments, not " +
             std::to_string(moments));
    }
    for (char letter : {'m', 'v'}) {
        for (long long i = 0; i < moments; ++i) {
            (letter == 'm' ? m : v).push_back(matrix(letter + std::to_string(i)));
        }
    }
}

void Reader::setting(const Setting& s, std::string_view value)
{
    std::visit(
        [&](auto* target) {
            using T = std::remove_pointer_t<decltype(target)>;
            if constexpr (std::is_same_v<T, bool>) {
                *target = flag(value, s.name);
            } else {
                *target = number<T>(value, s.name);
            }
        },
        s.ref);
}

void Reader::settings(const std::vector<Setting>& table)
{
    std::set<std::string_view> seen;
    while (peek() == "setting") {
        const std::vector<std::string_view> f = fields(keyword("setting"));
        if (f.size() != 2) {
            fail("expected \"setting <name> <value>\"");
        }
        const auto known = std::find_if(table.begin(), table.end(),
                                        [&](const Setting& s) { return f[0] == s.name; });
        if (known == table.end()) {
            fail("unknown setting \"" + std::string(f[0].substr(0, 40)) + "\"");
        }
        if (!seen.insert(known->name).second) {
            fail("the setting " + std::string(known->name) + " is given twice");
        }
        setting(*known, f[1]);
    }
    for (const Setting& s : table) {
        if (!seen.contains(s.name)) {
            fail("the setting " + std::string(s.name) + " is missing");
        }
    }
}

std::map<std::string, std::string> Reader::viewAndEnd()
{
    std::map<std::string, std::string> view;
    for (;;) {
        const std::string_view l = line();
        if (l == "end") {
            return view;
        }
        if (l.substr(0, 5) != "view ") {
            fail("expected \"view <key> <value>\" or \"end\", found \"" +
                 std::string(l.substr(0, 40)) + "\"");
        }
        const std::string_view rest = l.substr(5);
        const size_t space = rest.find(' ');
        view[std::string(rest.substr(0, space))] =
            space == std::string_view::npos ? std::string() : std::string(rest.substr(space + 1));
    }
}

} // namespace sessionio

} // namespace attnlab
