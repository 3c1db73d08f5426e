#include "matrixexport.h"

#include "errors.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace attnlab {

namespace {

bool needsQuotes(const std::string& s)
{
    return s.empty() || s.find_first_of(",\"\r\n") != std::string::npos || s.front() == ' ' ||
           s.back() == ' ';
}

std::string csvField(const std::string& s)
{
    if (!needsQuotes(s)) {
        return s;
    }
    std::string out = "\"";
    for (char c : s) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    out += '"';
    return out;
}

std::string npyHeader(const Matrix& m, bool asVector)
{
    const bool vector = asVector && (m.rows() == 1 || m.cols() == 1);
    std::string shape = "(";
    if (vector) {
        shape += std::to_string(m.size());
        shape += ",)";
    } else {
        shape += std::to_string(m.rows());
        shape += ", ";
        shape += std::to_string(m.cols());
        shape += ')';
    }
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    // magic (6) + version (2) + header length (2) + dict + padding + '\n' = multiple of 64
    const size_t unpadded = 10 + dict.size() + 1;
    dict.append((64 - unpadded % 64) % 64, ' ');
    return dict + '\n';
}

void appendLittleEndian(std::string& out, float value)
{
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    for (int i = 0; i < 4; ++i) {
        out += static_cast<char>((bits >> (8 * i)) & 0xffu);
    }
}

std::string temporaryName(const std::filesystem::path& target)
{
    std::random_device rd;
    return target.string() + ".tmp-" + std::to_string(rd() % 1000000);
}

} // namespace

std::string formatFloat(float value)
{
    if (std::isnan(value)) {
        return "nan";
    }
    if (std::isinf(value)) {
        return value > 0 ? "inf" : "-inf";
    }
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, value);
    return std::string(text, result.ptr);
}

std::string csvText(const Matrix& m, const std::vector<std::string>& rowLabels,
                    const std::vector<std::string>& colLabels)
{
    std::string out;
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
        out += ',';
        out += csvField(colLabels.at(static_cast<size_t>(c)));
    }
    out += "\n";
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        out += csvField(rowLabels.at(static_cast<size_t>(r)));
        for (Eigen::Index c = 0; c < m.cols(); ++c) {
            out += ',';
            out += formatFloat(m(r, c));
        }
        out += "\n";
    }
    return out;
}

std::string npyBytes(const Matrix& m, bool asVector)
{
    const std::string header = npyHeader(m, asVector);
    std::string out = "\x93NUMPY";
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>((header.size() >> 8) & 0xff);
    out += header;
    out.reserve(out.size() + 4 * static_cast<size_t>(m.size()));
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        appendLittleEndian(out, m.data()[i]); // row-major storage: C order
    }
    return out;
}

void saveFileAtomically(const std::string& path, std::string_view bytes)
{
    const std::filesystem::path target(path);
    const std::string temp = temporaryName(target);
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) {
            throw InputError(path + ": cannot be written (" + std::strerror(errno) + ")");
        }
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) {
            const std::string reason = std::strerror(errno);
            out.close();
            std::remove(temp.c_str());
            throw InputError(path + ": writing failed (" + reason + ")");
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, target, ec);
    if (ec) {
        std::remove(temp.c_str());
        throw InputError(path + ": cannot be replaced (" + ec.message() + ")");
    }
}

} // namespace attnlab
