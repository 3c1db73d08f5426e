// Fuzzes the IDX reader through real files, as it is used: the input is split into an image file
// and a label file (raw or gzip, whatever the bytes are), written to a scratch folder and read
// with readIdxImages.
//
// Input layout: byte 0 is the number of classes minus 1; bytes 1 to 4, little-endian, the length
// of the image file (cut to what follows); then the image file; the rest is the label file.
//
// Properties beyond "no crash": an accepted set has a pixel for each row, column and image, its
// pixels in [0, 1] and its labels below the number of classes.
#include "fuzzsupport.h"

#include <errors.h>
#include <idx.h>

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace {

void checkSet(const attnlab::ImageSet& set, int classes)
{
    fuzz::check(set.rows >= 1 && set.cols >= 1 && set.count() >= 1, "a set has an image");
    const auto expected = size_t(set.count()) * size_t(set.rows) * size_t(set.cols);
    fuzz::check(set.pixels.size() == expected, "a set has count × rows × cols pixels");
    for (float p : set.pixels) {
        fuzz::check(p >= 0.0f && p <= 1.0f, "a pixel lies in [0, 1]");
    }
    for (int label : set.labels) {
        fuzz::check(label >= 0 && label < classes, "a label is below the number of classes");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size)
{
    if (size < 5) {
        return 0;
    }
    const int classes = int(data[0]) + 1;
    const size_t declared =
        size_t(data[1]) | size_t(data[2]) << 8 | size_t(data[3]) << 16 | size_t(data[4]) << 24;
    const std::string_view rest(reinterpret_cast<const char*>(data) + 5, size - 5);
    const size_t split = std::min(declared, rest.size());
    const std::string images = fuzz::writeScratch("images-idx3-ubyte", rest.substr(0, split));
    const std::string labels = fuzz::writeScratch("labels-idx1-ubyte", rest.substr(split));
    try {
        checkSet(attnlab::readIdxImages(images, labels, classes), classes);
    } catch (const attnlab::InputError&) {
        // Refused, naming the file and the fault: what a reader should do.
    }
    return 0;
}
