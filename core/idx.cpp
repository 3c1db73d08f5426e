// Reading IDX files: a byte stream that hides gzip, a header check, then the data.
//
// The one design decision: never trust a size before the file has shown it. The headers of
// both files are read and checked first (magic, limits, image count against label count); the
// data is then read in chunks, so memory grows with what the file really holds and never
// beyond what the header declares. A raw file's size is known up front and checked before
// any data is read; a gzip file's decompressed size is only known by decompressing it.
#include "idx.h"

#include "errors.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

namespace attnlab {

namespace {

using Bytes = std::vector<unsigned char>;
namespace fs = std::filesystem;

constexpr std::uint32_t kImagesMagic = 0x00000803;
constexpr std::uint32_t kLabelsMagic = 0x00000801;
constexpr size_t kChunk = size_t(1) << 20;

std::string hex32(std::uint32_t value)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(value));
    return text;
}

struct FileCloser
{
    void operator()(std::FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

FilePtr openFile(const std::string& path)
{
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status)) {
        throw InputError(path + ": no such file");
    }
    if (fs::is_directory(status)) {
        throw InputError(path + ": is a folder, not a file");
    }
    FilePtr file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        throw InputError(path + ": cannot be opened (" + std::strerror(errno) + ")");
    }
    return file;
}

// The bytes of a file in order, decompressed when the file starts with the gzip magic 1f 8b.
// Never reads past the end of the file. Gzip data that stops before its end reads as a short
// stream with truncated() set; damaged gzip data or a failed read throws InputError naming the
// file.
class ByteStream
{
public:
    explicit ByteStream(const std::string& path);
    ~ByteStream();
    ByteStream(const ByteStream&) = delete;
    ByteStream& operator=(const ByteStream&) = delete;

    // Reads up to n bytes into `out`; fewer only at the end of the data.
    size_t read(unsigned char* out, size_t n);
    const std::string& path() const { return m_path; }
    bool compressed() const { return m_gzip; }
    // Whether the file ended inside the gzip data.
    bool truncated() const { return m_truncated; }
    // The size of a raw file in bytes; nothing for a gzip file.
    std::optional<std::int64_t> rawSize() const;

private:
    bool refill();
    size_t readRaw(unsigned char* out, size_t n);
    size_t readGzip(unsigned char* out, size_t n);
    void inflateStep();

    std::string m_path;
    FilePtr m_file;
    std::vector<unsigned char> m_in = std::vector<unsigned char>(size_t(1) << 16);
    size_t m_inPos = 0;
    size_t m_inLen = 0;
    bool m_gzip = false;
    bool m_finished = false;  // the last gzip member ended and no input follows
    bool m_truncated = false; // the file ended inside a gzip member
    z_stream m_zs{};
};

ByteStream::ByteStream(const std::string& path) : m_path(path), m_file(openFile(path))
{
    refill();
    m_gzip = m_inLen >= 2 && m_in[0] == 0x1f && m_in[1] == 0x8b;
    if (m_gzip && inflateInit2(&m_zs, 16 + MAX_WBITS) != Z_OK) {
        throw InputError(path + ": cannot start decompressing (out of memory)");
    }
}

ByteStream::~ByteStream()
{
    if (m_gzip) {
        inflateEnd(&m_zs);
    }
}

std::optional<std::int64_t> ByteStream::rawSize() const
{
    std::error_code ec;
    const auto size = fs::file_size(m_path, ec);
    if (m_gzip || ec) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(size);
}

// Fills the input buffer from the file when it is empty; false at the end of the file.
bool ByteStream::refill()
{
    if (m_inPos < m_inLen) {
        return true;
    }
    m_inPos = 0;
    m_inLen = std::fread(m_in.data(), 1, m_in.size(), m_file.get());
    if (m_inLen == 0 && std::ferror(m_file.get())) {
        throw InputError(m_path + ": reading failed (" + std::strerror(errno) + ")");
    }
    return m_inLen > 0;
}

size_t ByteStream::read(unsigned char* out, size_t n)
{
    return m_gzip ? readGzip(out, n) : readRaw(out, n);
}

size_t ByteStream::readRaw(unsigned char* out, size_t n)
{
    size_t done = 0;
    while (done < n && refill()) {
        const size_t take = std::min(n - done, m_inLen - m_inPos);
        std::memcpy(out + done, m_in.data() + m_inPos, take);
        m_inPos += take;
        done += take;
    }
    return done;
}

size_t ByteStream::readGzip(unsigned char* out, size_t n)
{
    n = std::min<size_t>(n, std::numeric_limits<uInt>::max());
    m_zs.next_out = out;
    m_zs.avail_out = static_cast<uInt>(n);
    while (m_zs.avail_out > 0 && !m_finished) {
        inflateStep();
    }
    return n - m_zs.avail_out;
}

// One call of inflate on what input there is; a member that ends is followed by the next one
// when more input follows (concatenated gzip members are one stream).
void ByteStream::inflateStep()
{
    if (!refill()) {
        m_truncated = m_finished = true;
        return;
    }
    m_zs.next_in = m_in.data() + m_inPos;
    m_zs.avail_in = static_cast<uInt>(m_inLen - m_inPos);
    const int status = inflate(&m_zs, Z_NO_FLUSH);
    m_inPos = m_inLen - m_zs.avail_in;
    if (status == Z_STREAM_END) {
        m_finished = !refill();
        if (!m_finished) {
            inflateReset(&m_zs);
        }
    } else if (status != Z_OK && status != Z_BUF_ERROR) {
        const std::string reason = m_zs.msg ? m_zs.msg : "zlib error " + std::to_string(status);
        throw InputError(m_path + ": the gzip data is damaged (" + reason + ")");
    }
}

std::uint32_t bigEndian32(const unsigned char* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           std::uint32_t(p[3]);
}

// What one IDX file declares. Images: count, rows, cols; labels: count, rows = cols = 1.
struct IdxHeader
{
    std::int64_t count = 0;
    std::int64_t rows = 1;
    std::int64_t cols = 1;
    bool images = true;

    std::int64_t bytes() const { return count * rows * cols; }
    std::string items() const { return images ? "images" : "labels"; }
    std::string declared() const;
};

std::string IdxHeader::declared() const
{
    std::string text = std::to_string(count) + " " + items();
    if (images) {
        text += " of " + std::to_string(rows) + "×" + std::to_string(cols);
    }
    return text + " (" + std::to_string(bytes()) + " bytes)";
}

[[noreturn]] void throwTooShort(const ByteStream& stream, size_t got, bool images)
{
    const std::string held = stream.compressed()
                                 ? "the file decompresses to " + std::to_string(got) + " bytes,"
                                 : "a " + std::to_string(got) + "-byte file is";
    throw InputError(stream.path() + ": " + held + " too short for an IDX " +
                     (images ? "image header of 16" : "label header of 8") + " bytes");
}

void checkMagic(const ByteStream& stream, const Bytes& head, bool images)
{
    const std::uint32_t want = images ? kImagesMagic : kLabelsMagic;
    const std::uint32_t other = images ? kLabelsMagic : kImagesMagic;
    const std::string kind = images ? "image" : "label";
    if (head.size() < 4) {
        throwTooShort(stream, head.size(), images);
    }
    const std::uint32_t found = bigEndian32(head.data());
    if (found != want) {
        throw InputError(stream.path() + ": not an IDX " + kind + " file: expected the magic " +
                         "number " + hex32(want) + " (unsigned bytes, " + (images ? "3" : "1") +
                         (images ? " dimensions" : " dimension") + ") but found " + hex32(found) +
                         (found == other ? (images ? " (a label file)" : " (an image file)") : ""));
    }
}

void checkLimits(const ByteStream& stream, const IdxHeader& h)
{
    const std::string at = stream.path() + ": the header declares ";
    if (h.count < 1 || h.count > kMaxIdxImages) {
        throw InputError(at + std::to_string(h.count) + " " + h.items() + "; expected from 1 to " +
                         std::to_string(kMaxIdxImages));
    }
    if (h.rows < 1 || h.cols < 1 || h.rows > kMaxIdxSide || h.cols > kMaxIdxSide) {
        throw InputError(at + "images of " + std::to_string(h.rows) + "×" + std::to_string(h.cols) +
                         " pixels; expected each side from 1 to " + std::to_string(kMaxIdxSide));
    }
    if (h.bytes() > kMaxIdxPixels) {
        throw InputError(at + h.declared() + "; expected at most " + std::to_string(kMaxIdxPixels) +
                         " pixels in all");
    }
}

IdxHeader readHeader(ByteStream& stream, bool images)
{
    const size_t size = images ? 16 : 8;
    Bytes head(size);
    head.resize(stream.read(head.data(), size));
    if (stream.truncated()) {
        throw InputError(stream.path() + ": the gzip data ends early, after " +
                         std::to_string(head.size()) + " bytes, inside the IDX header of " +
                         std::to_string(size) + " bytes: the file is truncated");
    }
    checkMagic(stream, head, images);
    if (head.size() < size) {
        throwTooShort(stream, head.size(), images);
    }
    IdxHeader h;
    h.images = images;
    h.count = bigEndian32(head.data() + 4);
    if (images) {
        h.rows = bigEndian32(head.data() + 8);
        h.cols = bigEndian32(head.data() + 12);
    }
    checkLimits(stream, h);
    return h;
}

[[noreturn]] void throwWrongSize(const ByteStream& stream, const IdxHeader& h,
                                 const std::string& held)
{
    throw InputError(stream.path() + ": the header declares " + h.declared() + " but the file " +
                     (stream.compressed() ? "decompresses to " : "holds ") + held + " bytes of " +
                     (h.images ? "pixels" : "labels"));
}

[[noreturn]] void throwTruncated(const ByteStream& stream, const IdxHeader& h, size_t got)
{
    const std::string where =
        std::int64_t(got) < h.bytes()
            ? "after " + std::to_string(got) + " bytes of " + (h.images ? "pixels" : "labels")
            : "after all of them, before the gzip checksum";
    throw InputError(stream.path() + ": the header declares " + h.declared() +
                     " but the gzip data ends early, " + where + ": the file is truncated");
}

// The bytes that follow the data in a gzip file, counted up to a cap; the count, with "more
// than" when the cap was reached.
std::string countExtra(ByteStream& stream, std::int64_t counted)
{
    std::array<unsigned char, 1 << 16> scratch;
    std::int64_t extra = 0;
    size_t got = 0;
    while ((got = stream.read(scratch.data(), scratch.size())) > 0 && extra < kMaxIdxPixels) {
        extra += static_cast<std::int64_t>(got);
    }
    const std::string total = std::to_string(counted + extra);
    return got > 0 ? "more than " + total : total;
}

// A raw file's size against its header, before any data is read.
void checkRawSize(const ByteStream& stream, const IdxHeader& h)
{
    const std::int64_t headerBytes = h.images ? 16 : 8;
    if (const auto size = stream.rawSize(); size && *size - headerBytes != h.bytes()) {
        throwWrongSize(stream, h, std::to_string(*size - headerBytes));
    }
}

// The data the header declares, read in chunks so that memory follows what the file holds.
Bytes readData(ByteStream& stream, const IdxHeader& h)
{
    checkRawSize(stream, h);
    const auto want = static_cast<size_t>(h.bytes());
    Bytes data;
    while (data.size() < want) {
        const size_t old = data.size();
        const size_t ask = std::min(kChunk, want - old);
        data.resize(old + ask);
        data.resize(old + stream.read(data.data() + old, ask));
        if (data.size() < old + ask) {
            stream.truncated() ? throwTruncated(stream, h, data.size())
                               : throwWrongSize(stream, h, std::to_string(data.size()));
        }
    }
    unsigned char probe = 0;
    const size_t more = stream.read(&probe, 1);
    if (stream.truncated()) {
        throwTruncated(stream, h, data.size());
    }
    if (more > 0) {
        throwWrongSize(stream, h, countExtra(stream, h.bytes() + 1));
    }
    return data;
}

void checkLabels(const std::string& path, const Bytes& labels, int classes)
{
    const auto bad =
        std::find_if(labels.begin(), labels.end(), [&](unsigned char l) { return l >= classes; });
    if (bad != labels.end()) {
        throw InputError(path + ": item " + std::to_string(bad - labels.begin()) +
                         " (counting from 0) has the label " + std::to_string(*bad) +
                         ", but with " + std::to_string(classes) +
                         " classes a label must be from 0 to " + std::to_string(classes - 1));
    }
}

ImageSet toImageSet(const IdxHeader& h, const Bytes& pixels, const Bytes& labels)
{
    ImageSet set;
    set.rows = static_cast<int>(h.rows);
    set.cols = static_cast<int>(h.cols);
    set.pixels.resize(pixels.size());
    std::transform(pixels.begin(), pixels.end(), set.pixels.begin(),
                   [](unsigned char v) { return static_cast<float>(v) / 255.0f; });
    set.labels.assign(labels.begin(), labels.end());
    return set;
}

// The four files, each raw or gzip.
constexpr std::array<const char*, 4> kFashionFiles = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte"};

// The path of one of the four files in `folder`, raw first, or nothing when neither exists.
std::optional<std::string> fashionFile(const std::string& folder, const std::string& name)
{
    for (const std::string& candidate : {name, name + ".gz"}) {
        std::error_code ec;
        const fs::path path = fs::path(folder) / candidate;
        if (fs::is_regular_file(path, ec)) {
            return path.string();
        }
    }
    return std::nullopt;
}

std::string fashionPath(const std::string& folder, const std::string& name)
{
    return fashionFile(folder, name).value_or((fs::path(folder) / name).string());
}

// The folder to look in and where that choice came from.
std::pair<std::string, std::string> fashionFolder(const std::string& folder)
{
    if (!folder.empty()) {
        return {folder, "the folder given"};
    }
    const char* variable = std::getenv(kFashionMnistVariable);
    if (variable && *variable) {
        return {variable, std::string("from $") + kFashionMnistVariable};
    }
    return {kFashionMnistDebianFolder, "where Debian's package installs them"};
}

} // namespace

ImageSet readIdxImages(const std::string& imagesPath, const std::string& labelsPath, int classes)
{
    requireRange("number of classes", classes, 1, 256);

    // Both headers first: nothing large is read before the two files agree.
    ByteStream images(imagesPath);
    const IdxHeader ih = readHeader(images, true);
    ByteStream labels(labelsPath);
    const IdxHeader lh = readHeader(labels, false);
    if (ih.count != lh.count) {
        throw InputError(imagesPath + " has " + std::to_string(ih.count) + " images but " +
                         labelsPath + " has " + std::to_string(lh.count) + " labels");
    }

    // Then the labels (small), then the pixels.
    const Bytes labelBytes = readData(labels, lh);
    checkLabels(labelsPath, labelBytes, classes);
    const Bytes pixelBytes = readData(images, ih);
    return toImageSet(ih, pixelBytes, labelBytes);
}

std::string findFashionMnist(const std::string& folder)
{
    const auto [where, origin] = fashionFolder(folder);
    const std::string advice = "; install the package dataset-fashion-mnist, or give the folder "
                               "that holds the four files (or set $" +
                               std::string(kFashionMnistVariable) + ")";
    std::error_code ec;
    if (!fs::is_directory(where, ec)) {
        throw InputError("the Fashion-MNIST folder " + where + " (" + origin + ") does not exist" +
                         advice);
    }
    std::string missing;
    for (const char* name : kFashionFiles) {
        if (!fashionFile(where, name)) {
            missing += (missing.empty() ? "" : ", ") + std::string(name) + "(.gz)";
        }
    }
    if (!missing.empty()) {
        throw InputError("the Fashion-MNIST folder " + where + " (" + origin + ") lacks " +
                         missing + advice);
    }
    return where;
}

FashionMnist loadFashionMnist(const std::string& folder)
{
    FashionMnist data;
    data.folder = findFashionMnist(folder);
    data.train = readIdxImages(fashionPath(data.folder, kFashionFiles[0]),
                               fashionPath(data.folder, kFashionFiles[1]), 10);
    data.test = readIdxImages(fashionPath(data.folder, kFashionFiles[2]),
                              fashionPath(data.folder, kFashionFiles[3]), 10);
    if (data.test.rows != data.train.rows || data.test.cols != data.train.cols) {
        throw InputError(fashionPath(data.folder, kFashionFiles[2]) + ": the test images are " +
                         std::to_string(data.test.rows) + "×" + std::to_string(data.test.cols) +
                         " but the training images are " + std::to_string(data.train.rows) + "×" +
                         std::to_string(data.train.cols));
    }
    return data;
}

} // namespace attnlab
