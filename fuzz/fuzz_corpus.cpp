// Fuzzes the corpus reader: parseCorpus and parseCorpusKeepingLessonOrder on any bytes (a text
// file of sentences, pasted text), then checkContext, and encodeSentence on each line as "Try a
// sentence" does.
//
// Properties beyond "no crash": every sentence starts with <start>, has a word after it and only
// ids of the vocabulary; every token is non-empty and at most kMaxWordBytes long.
#include "fuzzsupport.h"

#include <corpus.h>
#include <errors.h>

#include <cstdint>
#include <string_view>

namespace {

void checkCorpus(const attnlab::Corpus& corpus)
{
    const attnlab::Vocab& vocab = corpus.vocab;
    fuzz::check(vocab.size() >= 2 && vocab.token(0) == attnlab::kStartToken,
                "the vocabulary starts with <start> and has a word");
    for (int id = 1; id < vocab.size(); ++id) {
        const std::string& token = vocab.token(id);
        fuzz::check(!token.empty() && token.size() <= attnlab::kMaxWordBytes,
                    "a token is not empty and not too long");
    }
    fuzz::check(!corpus.sentences.empty() && corpus.sentences.size() <= attnlab::kMaxSentences,
                "a corpus has from 1 to kMaxSentences sentences");
    for (const std::vector<int>& ids : corpus.sentences) {
        fuzz::check(ids.size() >= 2 && ids[0] == 0, "a sentence is <start> and a word or more");
        for (int id : ids) {
            fuzz::check(id >= 0 && id < vocab.size(), "a sentence holds vocabulary ids only");
        }
    }
}

void tryContext(const attnlab::Corpus& corpus)
{
    try {
        attnlab::checkContext(corpus, 5);
    } catch (const attnlab::InputError&) {
    }
}

// Each line through encodeSentence in the corpus's own vocabulary, as the window does with a
// typed sentence; a word it lacks is refused.
void tryEncode(const attnlab::Corpus& corpus, std::string_view text)
{
    for (size_t begin = 0; begin <= text.size();) {
        const size_t end = std::min(text.find('\n', begin), text.size());
        try {
            const std::vector<int> ids =
                attnlab::encodeSentence(corpus.vocab, text.substr(begin, end - begin));
            fuzz::check(!ids.empty() && ids[0] == 0, "an encoded sentence starts with <start>");
        } catch (const attnlab::InputError&) {
        }
        begin = end + 1;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const attnlab::Corpus corpus = attnlab::parseCorpus(text, "fuzz.txt");
        checkCorpus(corpus);
        tryContext(corpus);
        tryEncode(corpus, text);
        const attnlab::Corpus kept = attnlab::parseCorpusKeepingLessonOrder(text, "fuzz.txt");
        checkCorpus(kept);
        fuzz::check(kept.sentences.size() == corpus.sentences.size(),
                    "keeping the lesson's order keeps every sentence");
    } catch (const attnlab::InputError&) {
        // Refused, naming the input and the fault: what a reader should do.
    }
    return 0;
}
