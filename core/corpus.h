// Text in, token ids out: the tokenizer, the vocabulary and a corpus of sentences.
//
// Tokenizing a line (UTF-8): letters, digits and apostrophes make words; white space,
// ASCII punctuation and the invisible characters (no-break and typographic spaces, byte-order
// mark, zero-width and direction marks) separate them and are dropped. Letters are
// lower-cased for ASCII, Latin-1, Greek and Cyrillic; other characters are kept as they are.
// The literal word "<start>" at the start of a line is accepted and not doubled.
//
// A corpus holds one sentence per non-empty line. Every sentence begins with the token
// <start> (id 0). The vocabulary lists words in order of first appearance, after <start>;
// the built-in lesson instead keeps the deck's order so its tables match the slides.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attnlab {

inline constexpr std::string_view kStartToken = "<start>";
// Limits that keep a pasted text from exhausting memory or the screen.
inline constexpr size_t kMaxWordBytes = 64;
inline constexpr size_t kMaxSentences = 10000;

// The words of one line, lower-cased, without <start>. Never returns an empty word.
// Precondition: valid UTF-8.
std::vector<std::string> tokenizeLine(std::string_view line);

class Vocab
{
public:
    // A vocabulary holding only <start>.
    Vocab();
    // The given tokens in this order; the first must be <start>, none may repeat.
    explicit Vocab(std::vector<std::string> tokens);

    int size() const { return static_cast<int>(m_tokens.size()); }
    const std::string& token(int id) const { return m_tokens.at(static_cast<size_t>(id)); }
    const std::vector<std::string>& tokens() const { return m_tokens; }

    // The id of a word, or nothing when the vocabulary lacks it.
    std::optional<int> find(std::string_view word) const;
    // Adds a word if new; returns its id.
    int add(const std::string& word);

private:
    std::vector<std::string> m_tokens;
    // Each token's id, so that finding a word costs the same in a vocabulary of any size.
    std::unordered_map<std::string, int> m_ids;
};

struct Corpus
{
    Vocab vocab;
    // Token ids of each sentence, <start> first; every sentence has at least 2 tokens.
    std::vector<std::vector<int>> sentences;

    int longest() const;
    std::vector<std::string> words(int sentence) const;
};

// Parses text with one sentence per line. Blank lines are skipped.
// Throws InputError naming `source`, the line and the fault when the text has no sentence, a
// line holds only <start>, is not UTF-8 or has a word longer than kMaxWordBytes, or there
// are more than kMaxSentences sentences. Does not check lengths against a context: see
// checkContext().
Corpus parseCorpus(std::string_view text, std::string_view source = "the sentences");

// Throws InputError when a sentence is longer (in tokens, <start> included) than `context`;
// the message names the sentence (1-based line among the sentences), its length and the limit.
void checkContext(const Corpus& corpus, int context);

// Token ids of one sentence in an existing vocabulary, <start> first.
// Throws InputError naming the first word the vocabulary lacks.
std::vector<int> encodeSentence(const Vocab& vocab, std::string_view sentence);

// The lesson: "man ordered the chicken" and "woman ordered the beef", with the deck's
// vocabulary order <start> the man chicken ordered woman beef.
inline constexpr std::string_view kLessonText = "man ordered the chicken\nwoman ordered the beef\n";
std::string lessonText();
Corpus lessonCorpus();
// Parses text; when its words are exactly the lesson's, the deck's vocabulary order is used.
Corpus parseCorpusKeepingLessonOrder(std::string_view text, std::string_view source);

// Next-token targets of a sentence: each token predicts the one after it, and the last one
// wraps round to the first (<start>). Same length as `ids`.
std::vector<int> nextTokenTargets(std::span<const int> ids);

} // namespace attnlab
