#include "weightsio.h"

#include "errors.h"
#include "toymodel.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace attnlab {

namespace {

constexpr long kMaxEntries = 10'000'000;
constexpr std::streamsize kMaxFileBytes = 256 * 1024 * 1024;

struct LineReader
{
    std::string_view text;
    std::string_view source;
    size_t pos = 0;
    int number = 0;

    bool next(std::string_view& line)
    {
        if (pos >= text.size()) {
            return false;
        }
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        pos = end + 1;
        ++number;
        return true;
    }

    [[noreturn]] void fail(const std::string& fault) const
    {
        throw InputError(std::string(source) + ", line " + std::to_string(number) + ": " + fault);
    }
};

std::vector<std::string> fields(std::string_view line)
{
    std::istringstream in{std::string(line)};
    std::vector<std::string> out;
    for (std::string word; in >> word;) {
        out.push_back(word);
    }
    return out;
}

double parseNumber(const std::string& word, const LineReader& reader)
{
    double value = 0;
    const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (ec == std::errc::result_out_of_range) {
        reader.fail("\"" + word + "\" is out of the range of a double");
    }
    if (ec != std::errc() || end != word.data() + word.size()) {
        reader.fail("\"" + word + "\" is not a number");
    }
    if (!std::isfinite(value)) {
        reader.fail("\"" + word + "\" is not a finite number");
    }
    return value;
}

long parseCount(const std::string& word, const LineReader& reader)
{
    long value = -1;
    const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (ec != std::errc() || end != word.data() + word.size() || value < 1 || value > kMaxEntries) {
        reader.fail("\"" + word + "\" is not a size from 1 to " + std::to_string(kMaxEntries));
    }
    return value;
}

MatrixD readBlock(LineReader& reader, long rows, long cols)
{
    if (rows * cols > kMaxEntries) {
        reader.fail("a matrix of " + std::to_string(rows) + "×" + std::to_string(cols) +
                    " is larger than the limit of " + std::to_string(kMaxEntries) + " numbers");
    }
    MatrixD m(rows, cols);
    for (long r = 0; r < rows; ++r) {
        std::string_view line;
        if (!reader.next(line)) {
            reader.fail("the file ends before row " + std::to_string(r + 1) + " of " +
                        std::to_string(rows));
        }
        const std::vector<std::string> words = fields(line);
        if (static_cast<long>(words.size()) != cols) {
            reader.fail("expected " + std::to_string(cols) + " numbers, found " +
                        std::to_string(words.size()));
        }
        for (long c = 0; c < cols; ++c) {
            m(r, c) = parseNumber(words[static_cast<size_t>(c)], reader);
        }
    }
    return m;
}

} // namespace

NamedMatrices parseNamedMatrices(std::string_view text, std::string_view source)
{
    NamedMatrices out;
    LineReader reader{text, source};
    std::string_view line;
    while (reader.next(line)) {
        const std::vector<std::string> header = fields(line);
        if (header.empty()) {
            continue;
        }
        if (header.size() != 3) {
            reader.fail("expected a header \"name rows cols\"");
        }
        const long rows = parseCount(header[1], reader);
        const long cols = parseCount(header[2], reader);
        if (out.count(header[0]) != 0) {
            reader.fail("the matrix \"" + header[0] + "\" appears a second time");
        }
        out[header[0]] = readBlock(reader, rows, cols);
    }
    return out;
}

NamedMatrices readNamedMatrices(const std::string& path)
{
    if (std::filesystem::is_directory(path)) {
        throw InputError(path + ": is a folder, not a weights file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw InputError(path + ": cannot be opened for reading");
    }
    // Read one byte past the limit: a pipe or a device reports no size in advance.
    std::string text;
    std::string chunk(1 << 20, '\0');
    while (in && static_cast<std::streamsize>(text.size()) <= kMaxFileBytes) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        text.append(chunk.data(), static_cast<size_t>(in.gcount()));
    }
    if (static_cast<std::streamsize>(text.size()) > kMaxFileBytes) {
        throw InputError(path + ": larger than the limit of 256 MiB for a weights file");
    }
    return parseNamedMatrices(text, path);
}

ToyParams<float> toyParamsFrom(const NamedMatrices& named, std::string_view source)
{
    auto get = [&](const char* name) -> Matrix {
        const auto it = named.find(name);
        if (it == named.end()) {
            throw InputError(std::string(source) + ": the matrix \"" + name + "\" is missing");
        }
        const double largest = it->second.cwiseAbs().maxCoeff();
        if (largest > std::numeric_limits<float>::max()) {
            throw InputError(std::string(source) + ": the matrix \"" + name + "\" holds " +
                             formatNumber(largest) + ", beyond the range of the model's " +
                             "32-bit floats (" + formatNumber(std::numeric_limits<float>::max()) +
                             ")");
        }
        return it->second.cast<float>();
    };
    ToyParams<float> p;
    p.tok = get("tok");
    p.pos = get("pos");
    p.wq = get("wq");
    p.wk = get("wk");
    p.wv = get("wv");
    return p;
}

} // namespace attnlab
