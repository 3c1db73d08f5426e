// The little UTF-8 the tokenizer needs: decoding with validation, which characters separate
// words, and lower-casing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace attnlab::utf8 {

// The offset of the first byte that is not part of a valid UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF are invalid), or nothing when all of `text` is.
std::optional<size_t> firstInvalidByte(std::string_view text);

// Decodes the code point starting at `pos` of valid UTF-8 and advances `pos` past it.
char32_t next(std::string_view text, size_t& pos);

void append(std::string& out, char32_t c);

// Letters, digits and the apostrophe make words. Everything else separates them: ASCII
// punctuation and control characters, and the invisible or spacing characters that look
// like nothing in a vocabulary list (no-break space, byte-order mark, zero-width and
// direction marks, the typographic spaces). Other non-ASCII characters count as letters.
bool isWordCharacter(char32_t c);

// Lower case for ASCII, Latin-1, Greek and Cyrillic capitals; other characters unchanged.
char32_t toLower(char32_t c);

} // namespace attnlab::utf8
