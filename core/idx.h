// IDX files in, an ImageSet out: the format of MNIST and Fashion-MNIST.
//
// An IDX file is a big-endian header followed by the data, row-major:
//   images  magic 0x00000803 (unsigned bytes, 3 dimensions), then count, rows, cols as 32-bit
//           counts: 16 bytes; then count · rows · cols pixels, one byte each
//   labels  magic 0x00000801 (unsigned bytes, 1 dimension), then count: 8 bytes; then count
//           labels, one byte each
// A file may be gzip-compressed. Compression is recognised by the gzip magic bytes 1f 8b at the
// start of the file, never by the name; anything else is read as a raw IDX file.
//
// What the reader guarantees:
// - Every check comes before the data is read or memory is allocated for it: the magic, the
//   sizes in the header against the limits below, the image count against the label count, then
//   the size the header declares against what the file really holds. Nothing is read past the
//   end of a file, and a file holding more bytes than its header declares is refused too.
// - Decompression streams through zlib with its output capped at the size the header declares,
//   so a gzip bomb (or a header that claims a huge size) cannot exhaust memory; a truncated or
//   damaged gzip stream is refused.
// - Every refusal throws InputError; its message starts with the path as the caller gave it,
//   then says what was expected and what was found, e.g. "train-images-idx3-ubyte.gz: the
//   header declares 60000 images of 28×28 (47040000 bytes) but the file holds 7840 bytes of
//   pixels".
// - Loading is a pure function: it returns a new set, and a load that fails leaves whatever
//   the caller already holds untouched.
//
// Cost: one pass over each file; memory for the pixel bytes plus the floats of the result.
#pragma once

#include "imageset.h"

#include <cstdint>
#include <string>

namespace attnlab {

// Limits that keep a wrong or hostile file from exhausting memory.
inline constexpr std::int64_t kMaxIdxImages = 1'000'000;
inline constexpr std::int64_t kMaxIdxSide = 4096; // rows and cols each
// All the pixels of one file together: 1 GiB of bytes, 4 GiB as floats.
inline constexpr std::int64_t kMaxIdxPixels = std::int64_t(1) << 30;

// Reads an image file and its label file (raw or gzip). Pixels become value / 255 (0 black,
// 1 white), labels are kept as they are.
// Throws InputError naming the file and the fault when a file cannot be opened, is not an
// IDX file of the right kind (wrong magic), is too short for its header, declares no image,
// more than kMaxIdxImages images, a side longer than kMaxIdxSide or more than kMaxIdxPixels
// pixels, holds fewer or more bytes than it declares, when the two files disagree on the number
// of items, when a label is not below `classes`, or when `classes` is not from 1 to 256.
ImageSet readIdxImages(const std::string& imagesPath, const std::string& labelsPath,
                       int classes = 10);

// The environment variable that points at a Fashion-MNIST folder, and where Debian's
// dataset-fashion-mnist package installs the files.
inline constexpr const char* kFashionMnistVariable = "ATTNLAB_FASHION_MNIST";
inline constexpr const char* kFashionMnistDebianFolder = "/usr/share/datasets/fashion-mnist";

// The folder holding the four Fashion-MNIST files train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each raw or with
// the suffix .gz (the raw one is taken when both exist). The folder looked at is `folder` when
// it is not empty, else $ATTNLAB_FASHION_MNIST when set and not empty, else
// kFashionMnistDebianFolder; only that one is looked at, so a folder the user named is never
// silently replaced by another. Checks that the files exist, not what they hold.
// Throws InputError naming the folder, where it came from and the missing files, and saying to
// install dataset-fashion-mnist or to give the folder.
std::string findFashionMnist(const std::string& folder = "");

struct FashionMnist
{
    ImageSet train;     // 60000 images of 28×28 in the published set
    ImageSet test;      // 10000 images of 28×28 in the published set
    std::string folder; // where they were read from
};

// Finds the folder (see findFashionMnist) and reads both sets with 10 classes. Pure, like
// readIdxImages: a failed load changes nothing the caller holds. Throws InputError as
// findFashionMnist and readIdxImages do, and when the test images differ in size from the
// training images.
FashionMnist loadFashionMnist(const std::string& folder = "");

} // namespace attnlab
