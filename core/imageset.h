// A set of gray images with labels, as the Vision Transformer trains on them: the pixels of
// image i are rows × cols floats in [0, 1] (0 black, 1 white), row-major, from
// pixels[i·rows·cols]. Fashion-MNIST stores 0 as the background and 255 as the garment; the
// reader keeps that (value / 255).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

namespace attnlab {

struct ImageSet
{
    int rows = 28;
    int cols = 28;
    std::vector<float> pixels; // count() · rows · cols
    std::vector<int> labels;   // count(), each in [0, classes)

    int count() const { return static_cast<int>(labels.size()); }
    const float* image(int i) const
    {
        return pixels.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(rows * cols);
    }
};

// The ten classes of Fashion-MNIST, in label order.
inline constexpr std::array<std::string_view, 10> kFashionClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

} // namespace attnlab
