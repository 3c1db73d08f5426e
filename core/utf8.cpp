#include "utf8.h"

namespace attnlab::utf8 {

namespace {

bool isContinuation(unsigned char b)
{
    return (b & 0xC0) == 0x80;
}

// Length of the sequence a lead byte starts, or 0 for a byte that cannot lead.
int sequenceLength(unsigned char b)
{
    if (b < 0x80) {
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        return 2;
    }
    if (b >= 0xE0 && b <= 0xEF) {
        return 3;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        return 4;
    }
    return 0;
}

char32_t decodeAt(std::string_view text, size_t pos, int length)
{
    const auto lead = static_cast<unsigned char>(text[pos]);
    char32_t c = length == 1 ? lead : lead & (0x7F >> length);
    for (int i = 1; i < length; ++i) {
        c = (c << 6) | (static_cast<unsigned char>(text[pos + size_t(i)]) & 0x3F);
    }
    return c;
}

bool validAt(std::string_view text, size_t pos, int length)
{
    if (length == 0 || pos + size_t(length) > text.size()) {
        return false;
    }
    for (int i = 1; i < length; ++i) {
        if (!isContinuation(static_cast<unsigned char>(text[pos + size_t(i)]))) {
            return false;
        }
    }
    const char32_t c = decodeAt(text, pos, length);
    const char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    return c >= least[length] && !(c >= 0xD800 && c <= 0xDFFF) && c <= 0x10FFFF;
}

} // namespace

std::optional<size_t> firstInvalidByte(std::string_view text)
{
    size_t pos = 0;
    while (pos < text.size()) {
        const int length = sequenceLength(static_cast<unsigned char>(text[pos]));
        if (!validAt(text, pos, length)) {
            return pos;
        }
        pos += size_t(length);
    }
    return std::nullopt;
}

char32_t next(std::string_view text, size_t& pos)
{
    const int length = sequenceLength(static_cast<unsigned char>(text[pos]));
    const char32_t c = decodeAt(text, pos, length == 0 ? 1 : length);
    pos += size_t(length == 0 ? 1 : length);
    return c;
}

void append(std::string& out, char32_t c)
{
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

bool isWordCharacter(char32_t c)
{
    if (c < 0x80) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '\'';
    }
    const bool invisible = c < 0xA0 || c == 0xA0 || c == 0xAD || c == 0x1680 ||
                           (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
                           (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF;
    return !invisible;
}

char32_t toLower(char32_t c)
{
    const bool upperAscii = c >= 'A' && c <= 'Z';
    const bool upperLatin1 = c >= 0xC0 && c <= 0xDE && c != 0xD7;
    const bool upperGreek = c >= 0x391 && c <= 0x3A9 && c != 0x3A2;
    const bool upperCyrillic = c >= 0x410 && c <= 0x42F;
    if (upperAscii || upperLatin1 || upperGreek || upperCyrillic) {
        return c + 0x20;
    }
    if (c >= 0x400 && c <= 0x40F) {
        return c + 0x50;
    }
    return c;
}

} // namespace attnlab::utf8
