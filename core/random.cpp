#include "random.h"

#include <cmath>
#include <numbers>

namespace attnlab {

double Rng::uniform()
{
    return static_cast<double>(m_engine() >> 11) * 0x1.0p-53;
}

double Rng::normal()
{
    if (m_hasSpare) {
        m_hasSpare = false;
        return m_spare;
    }
    // Box-Muller: 1 - u lies in (0, 1], so the logarithm is finite.
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
    const double angle = 2.0 * std::numbers::pi * uniform();
    m_spare = radius * std::sin(angle);
    m_hasSpare = true;
    return radius * std::cos(angle);
}

std::uint64_t Rng::below(std::uint64_t n)
{
    // Rejection keeps the result unbiased for any n.
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t r = m_engine();
    while (r >= limit) {
        r = m_engine();
    }
    return r % n;
}

} // namespace attnlab
