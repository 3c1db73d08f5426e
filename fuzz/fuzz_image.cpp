// Fuzzes the reading of a user's picture, as dropping or opening one does: the bytes are written
// to a scratch file (no suffix: the format is found from the content), read with loadUserImage,
// then turned into the model's input with toModelImage, at 28×28 and at a size taken from the
// first byte.
//
// Properties beyond "no crash": the model image has rows × cols pixels, each in [0, 1].
#include "fuzzsupport.h"

#include <errors.h>
#include <imageinput.h>

#include <cmath>
#include <cstdint>
#include <string_view>

namespace {

void checkModelImage(const ModelImage& image, int rows, int cols)
{
    fuzz::check(image.rows == rows && image.cols == cols, "the model image has the size asked");
    fuzz::check(image.pixels.size() == size_t(rows) * size_t(cols), "it has rows × cols pixels");
    for (float p : image.pixels) {
        fuzz::check(std::isfinite(p) && p >= 0.0f && p <= 1.0f, "a pixel lies in [0, 1]");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const int side = 1 + data[0] % 40;
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    const QString path = QString::fromStdString(fuzz::writeScratch("picture", bytes));
    try {
        const QImage image = loadUserImage(path);
        checkModelImage(toModelImage(image, QStringLiteral("picture")), 28, 28);
        checkModelImage(toModelImage(image, QStringLiteral("picture"), side, 41 - side), side,
                        41 - side);
    } catch (const attnlab::InputError&) {
        // Refused, naming the file and the fault: what a reader should do.
    }
    return 0;
}
