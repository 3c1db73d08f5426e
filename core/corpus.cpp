#include "corpus.h"

#include "errors.h"
#include "utf8.h"

#include <algorithm>

namespace attnlab {

namespace {

// Splits text into lines, accepting \n, \r\n and \r.
std::vector<std::string_view> splitLines(std::string_view text)
{
    std::vector<std::string_view> lines;
    size_t begin = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '\n' || text[i] == '\r') {
            lines.push_back(text.substr(begin, i - begin));
            if (i + 1 < text.size() && text[i] == '\r' && text[i + 1] == '\n') {
                ++i;
            }
            begin = i + 1;
        }
    }
    return lines;
}

bool isBlank(std::string_view line)
{
    return std::all_of(line.begin(), line.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; });
}

// Drops a literal "<start>" at the front of a line, so typing it does not double it.
std::string_view withoutLeadingStart(std::string_view line)
{
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    line.remove_prefix(first);
    if (line.substr(0, kStartToken.size()) == kStartToken) {
        line.remove_prefix(kStartToken.size());
    }
    return line;
}

const std::vector<std::string>& lessonVocab()
{
    static const std::vector<std::string> tokens{"<start>", "the",   "man", "chicken",
                                                 "ordered", "woman", "beef"};
    return tokens;
}

// The text in quotes, cut to its first 40 bytes (at a character boundary) when longer.
std::string quoted(std::string_view text)
{
    std::string out = "\"";
    size_t pos = 0;
    while (pos < text.size() && pos < 40) {
        utf8::append(out, utf8::next(text, pos));
    }
    out += pos < text.size() ? "…\"" : "\"";
    return out;
}

std::string where(std::string_view source, int line)
{
    std::string out(source);
    out += ", line ";
    out += std::to_string(line);
    return out;
}

// Refuses text that is not UTF-8, naming the line and the byte.
void requireUtf8(std::string_view line, std::string_view source, int number)
{
    if (const auto bad = utf8::firstInvalidByte(line)) {
        throw InputError(where(source, number) + ": byte " + std::to_string(*bad + 1) +
                         " is not valid UTF-8; save the text as UTF-8");
    }
}

void requireShortWords(const std::vector<std::string>& words, std::string_view source, int number)
{
    for (const std::string& w : words) {
        if (w.size() > kMaxWordBytes) {
            throw InputError(where(source, number) + ": the word " + quoted(w) + " is " +
                             std::to_string(w.size()) + " bytes long; a word may have at most " +
                             std::to_string(kMaxWordBytes));
        }
    }
}

} // namespace

std::vector<std::string> tokenizeLine(std::string_view line)
{
    std::vector<std::string> words;
    std::string word;
    for (size_t pos = 0; pos < line.size();) {
        const char32_t c = utf8::next(line, pos);
        if (utf8::isWordCharacter(c)) {
            utf8::append(word, utf8::toLower(c));
        } else if (!word.empty()) {
            words.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty()) {
        words.push_back(std::move(word));
    }
    return words;
}

Vocab::Vocab() : m_tokens{std::string(kStartToken)}, m_ids{{std::string(kStartToken), 0}} {}

Vocab::Vocab(std::vector<std::string> tokens) : m_tokens(std::move(tokens))
{
    if (m_tokens.empty() || m_tokens.front() != kStartToken) {
        throw InputError("a vocabulary must begin with the token <start>");
    }
    for (size_t id = 0; id < m_tokens.size(); ++id) {
        const std::string& token = m_tokens[id];
        if (token.empty() || !m_ids.emplace(token, static_cast<int>(id)).second) {
            throw InputError("the vocabulary holds an empty or repeated token " + quoted(token));
        }
    }
}

std::optional<int> Vocab::find(std::string_view word) const
{
    const auto it = m_ids.find(std::string(word));
    if (it == m_ids.end()) {
        return std::nullopt;
    }
    return it->second;
}

int Vocab::add(const std::string& word)
{
    const auto [it, added] = m_ids.emplace(word, size());
    if (added) {
        m_tokens.push_back(word);
    }
    return it->second;
}

int Corpus::longest() const
{
    size_t best = 0;
    for (const auto& s : sentences) {
        best = std::max(best, s.size());
    }
    return static_cast<int>(best);
}

std::vector<std::string> Corpus::words(int sentence) const
{
    std::vector<std::string> out;
    for (int id : sentences.at(static_cast<size_t>(sentence))) {
        out.push_back(vocab.token(id));
    }
    return out;
}

Corpus parseCorpus(std::string_view text, std::string_view source)
{
    Corpus corpus;
    int lineNumber = 0;
    for (std::string_view line : splitLines(text)) {
        ++lineNumber;
        requireUtf8(line, source, lineNumber);
        if (isBlank(line)) {
            continue;
        }
        const std::vector<std::string> words = tokenizeLine(withoutLeadingStart(line));
        requireShortWords(words, source, lineNumber);
        if (words.empty()) {
            throw InputError(std::string(source) + ", line " + std::to_string(lineNumber) + ": " +
                             quoted(line) +
                             " has no word after <start>; a sentence needs at least one word "
                             "to predict");
        }
        std::vector<int> ids{0};
        for (const std::string& word : words) {
            ids.push_back(corpus.vocab.add(word));
        }
        corpus.sentences.push_back(std::move(ids));
        if (corpus.sentences.size() > kMaxSentences) {
            throw InputError(where(source, lineNumber) + ": more than " +
                             std::to_string(kMaxSentences) + " sentences; use fewer");
        }
    }
    if (corpus.sentences.empty()) {
        throw InputError("there is no sentence in " + std::string(source) +
                         ": type at least one sentence, one per line");
    }
    return corpus;
}

void checkContext(const Corpus& corpus, int context)
{
    for (size_t s = 0; s < corpus.sentences.size(); ++s) {
        const size_t length = corpus.sentences[s].size();
        if (length > static_cast<size_t>(context)) {
            throw InputError(
                "sentence " + std::to_string(s + 1) + " has " + std::to_string(length) +
                " tokens (<start> included) but the "
                "context is " +
                std::to_string(context) + ": raise the context or shorten the sentence");
        }
    }
}

std::vector<int> encodeSentence(const Vocab& vocab, std::string_view sentence)
{
    requireUtf8(sentence, "the sentence", 1);
    std::vector<int> ids{0};
    for (const std::string& word : tokenizeLine(withoutLeadingStart(sentence))) {
        const auto id = vocab.find(word);
        if (!id) {
            throw InputError("the word " + quoted(word) +
                             " is not in the vocabulary; the model knows only the words of "
                             "its training sentences");
        }
        ids.push_back(*id);
    }
    return ids;
}

std::string lessonText()
{
    return std::string(kLessonText);
}

Corpus lessonCorpus()
{
    return parseCorpusKeepingLessonOrder(lessonText(), "the lesson");
}

Corpus parseCorpusKeepingLessonOrder(std::string_view text, std::string_view source)
{
    Corpus corpus = parseCorpus(text, source);
    std::vector<std::string> sorted = corpus.vocab.tokens();
    std::vector<std::string> lesson = lessonVocab();
    std::sort(sorted.begin(), sorted.end());
    std::sort(lesson.begin(), lesson.end());
    if (sorted != lesson) {
        return corpus;
    }
    Corpus reordered{Vocab(lessonVocab()), {}};
    for (const auto& ids : corpus.sentences) {
        std::vector<int> mapped;
        for (int id : ids) {
            mapped.push_back(*reordered.vocab.find(corpus.vocab.token(id)));
        }
        reordered.sentences.push_back(std::move(mapped));
    }
    return reordered;
}

std::vector<int> nextTokenTargets(std::span<const int> ids)
{
    std::vector<int> targets(ids.begin(), ids.end());
    if (!targets.empty()) {
        std::rotate(targets.begin(), targets.begin() + 1, targets.end());
    }
    return targets;
}

} // namespace attnlab
