// Fuzzes the tokenizer and the UTF-8 it rests on. tokenizeLine's precondition is valid UTF-8
// (its callers check it with firstInvalidByte first), so invalid input stops at that check.
//
// Properties beyond "no crash": decoding valid UTF-8 and encoding it again gives the same bytes;
// no word is empty, every word is valid UTF-8 made of word characters, already lower case; and
// tokenizing the words joined by spaces gives the same words.
#include "fuzzsupport.h"

#include <corpus.h>
#include <utf8.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

void checkRoundTrip(std::string_view text)
{
    std::string again;
    for (size_t pos = 0; pos < text.size();) {
        const size_t before = pos;
        attnlab::utf8::append(again, attnlab::utf8::next(text, pos));
        fuzz::check(pos > before && pos <= text.size(), "decoding moves forward within the text");
    }
    fuzz::check(again == text, "valid UTF-8 decodes and encodes back to the same bytes");
}

void checkWord(const std::string& word)
{
    fuzz::check(!word.empty(), "no word is empty");
    fuzz::check(!attnlab::utf8::firstInvalidByte(word), "every word is valid UTF-8");
    for (size_t pos = 0; pos < word.size();) {
        const char32_t c = attnlab::utf8::next(word, pos);
        fuzz::check(attnlab::utf8::isWordCharacter(c), "a word holds word characters only");
        fuzz::check(attnlab::utf8::toLower(c) == c, "a word is lower case");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (const auto bad = attnlab::utf8::firstInvalidByte(text)) {
        fuzz::check(*bad < text.size(), "the first invalid byte lies inside the text");
        return 0;
    }
    checkRoundTrip(text);
    const std::vector<std::string> words = attnlab::tokenizeLine(text);
    std::string joined;
    for (const std::string& word : words) {
        checkWord(word);
        joined += (joined.empty() ? "" : " ") + word;
    }
    fuzz::check(attnlab::tokenizeLine(joined) == words, "tokenizing the words again keeps them");
    return 0;
}
