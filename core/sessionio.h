// What the session files of every kind share (session.h: the single head; textsession.h: the
// transformer pair; vitsession.h: the Vision Transformer): the header that says the format and
// the kind, the line reader that names the line of a fault, the writers of numbers, matrices,
// lists, generator states and the view, and reading and writing whole files.
//
// A session file is text, one item per line, numbers in the shortest form that reads back to
// the same value. It opens with two lines, "attnlab-session <format>" and "kind <kind>", and
// ends with "view <key> <value>" lines and "end". The pieces:
//
//   matrix <name> <rows> <cols>, then one line per row
//   losses <count>, then the numbers on one line (any list of numbers: losses, accuracies)
//   order <count>, then the indices on one line
//   rng <name> <index> <has-spare> <spare>, then the 312 words of the generator on one line
//   adam <step> <moments>          moments is 0 or the number of weights, then matrices
//                                  m0 … and v0 … in the order of the weights
//   setting <name> <value>         each of a kind's settings once, in any order
//   view <key> <value to the end of the line>
//
// The reader checks every count and size against what is left of the text before it
// allocates, refuses a weight, moment or loss that is not a finite number, and names the
// source, the line and the fault in every InputError.
#pragma once

#include "corpus.h"
#include "matrix.h"
#include "random.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace attnlab {

// The format every kind is written in. A file of a later format is refused, saying so.
inline constexpr int kSessionFormat = 1;
// The largest session file read: the lesson's is a few kilobytes, a Vision Transformer's a few
// megabytes.
inline constexpr long long kMaxSessionBytes = 256LL * 1024 * 1024;

enum class SessionKind
{
    SingleHead,       // "single-head": the lesson's one head (session.h)
    TransformerPair,  // "transformer-pair": masked against unmasked (textsession.h)
    VisionTransformer // "vision-transformer" (vitsession.h)
};

// The word on the kind line: "single-head", "transformer-pair", "vision-transformer".
const char* sessionKindName(SessionKind kind);
// The window's tab that opens it: "Single head", "Transformer: masked against unmasked",
// "Vision Transformer".
const char* sessionKindTab(SessionKind kind);

// The kind of a session from its first two lines. Throws InputError naming `source`, the line
// and the fault when the text is not a session, is of a later format or of an unknown kind.
SessionKind sessionKind(std::string_view text, std::string_view source);
// The same for a file; reads only its first lines. Throws InputError naming the path.
SessionKind sessionFileKind(const std::string& path);

// The whole file. Throws InputError naming the path when it cannot be read or is larger than
// kMaxSessionBytes.
std::string readSessionFile(const std::string& path);
// Writes atomically: a temporary file beside `path`, flushed to the disk, renamed over it; the
// old file or the new one is there, whole, whatever happens in between. Throws InputError
// naming the path and the reason; the old file, if any, is then untouched.
void writeSessionFile(const std::string& text, const std::string& path);

// The sentences of a corpus as a session stores them: words joined by spaces, without <start>.
std::vector<std::string> sessionSentences(const Corpus& corpus);
// The corpus back from its vocabulary (<start> first) and sentences. Throws InputError naming
// the sentence with a word the vocabulary lacks, an empty one, or a token given twice.
Corpus sessionCorpus(const std::vector<std::string>& vocabulary,
                     const std::vector<std::string>& sentences);

namespace sessionio {

// Writers: each appends whole lines.
void appendNumber(std::string& out, double value);
void appendNumber(std::string& out, float value);
void appendMatrix(std::string& out, const std::string& name, const Matrix& m);
void appendList(std::string& out, const char* keyword, const std::vector<double>& values);
void appendOrder(std::string& out, const std::vector<int>& order);
void appendRng(std::string& out, const char* name, const Rng::State& state);
void appendAdam(std::string& out, long step, const std::vector<Matrix>& m,
                const std::vector<Matrix>& v);
void appendText(std::string& out, const char* keyword, const std::string& text);
// "epoch-sum", "diverged" (0 or 1) and "message" lines: how the epoch under way stands.
void appendProgress(std::string& out, double epochSum, bool diverged, const std::string& message);
// A "matrix" line and its rows for each weight, names[i] naming params[i].
void appendWeights(std::string& out, const std::vector<std::string>& names,
                   const std::vector<const Matrix*>& params);
// The view lines, then "end".
void appendViewAndEnd(std::string& out, const std::map<std::string, std::string>& view);

// A setting a table names: a kind lists its settings as (name, member) pairs, and one writer
// and one reader serve them all. Booleans are written 0 or 1.
using SettingRef = std::variant<int*, double*, bool*, std::uint64_t*>;
struct Setting
{
    const char* name;
    SettingRef ref;
};
void appendSettings(std::string& out, const std::vector<Setting>& settings);

// Reads the text line by line and says where a fault is.
class Reader
{
public:
    Reader(std::string_view text, std::string_view source) : m_text(text), m_source(source) {}

    [[noreturn]] void fail(const std::string& what) const;
    bool atEnd() const { return m_pos >= m_text.size(); }
    std::string_view line();
    // The first word of the next line, without taking it; empty at the end.
    std::string_view peek() const;
    // A line "<keyword> <rest>"; returns the rest.
    std::string_view keyword(std::string_view expected);
    // "attnlab-session <format>" and "kind <kind>"; refuses a later format and any other kind,
    // naming the tab that opens it.
    void header(SessionKind expected);

    template <typename T> T number(std::string_view text, const char* what);
    // A number that must be finite: weights, moments and losses are, in every file written.
    template <typename T> T finite(std::string_view text, const char* what);
    long long count(std::string_view text, const char* what, long long most);
    bool flag(std::string_view text, const char* what);
    // Space-separated fields of a line.
    static std::vector<std::string_view> fields(std::string_view l);
    // "<keyword> <count>", then `count` lines (at most `most`).
    std::vector<std::string> lines(const char* keyword, const char* what, long long most);

    Matrix matrix(const std::string& name);
    // What appendProgress wrote; the epoch sum must be finite.
    void progress(double& epochSum, bool& diverged, std::string& message);
    // What appendWeights wrote, in that order, into params.
    void weights(const std::vector<std::string>& names, const std::vector<Matrix*>& params);
    // "<keyword> <count>" then the finite numbers on one line.
    std::vector<double> list(const char* keyword, const char* what);
    std::vector<int> order(long long most);
    Rng::State rng(const char* name);
    // Adam's step count and moments for `weights` weight matrices.
    void adam(size_t weights, long& step, std::vector<Matrix>& m, std::vector<Matrix>& v);
    // Every setting of the table once, in any order; the names as in the table.
    void settings(const std::vector<Setting>& settings);
    // View lines up to "end".
    std::map<std::string, std::string> viewAndEnd();

private:
    void setting(const Setting& setting, std::string_view value);
    // Refuses `count` items of at least `bytesEach` characters when the text has not that much
    // left, before anything is allocated for them.
    void needs(long long count, long long bytesEach, const std::string& what);

    std::string_view m_text;
    std::string_view m_source;
    size_t m_pos = 0;
    int m_line = 0;
};

} // namespace sessionio

} // namespace attnlab
