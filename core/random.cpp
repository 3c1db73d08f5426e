#include "random.h"

#include "errors.h"

#include <cmath>
#include <numbers>
#include <string>

namespace attnlab {

namespace {

// The parameters of MT19937-64 (Matsumoto and Nishimura, 2000), as std::mt19937_64 has them.
constexpr int kShift = 156; // m
constexpr std::uint64_t kMatrix = 0xb5026f5aa96619e9ULL;
constexpr std::uint64_t kLowerMask = (std::uint64_t(1) << 31) - 1; // r = 31 bits
constexpr std::uint64_t kUpperMask = ~kLowerMask;
constexpr std::uint64_t kInitMultiplier = 6364136223846793005ULL;

std::uint64_t temper(std::uint64_t y)
{
    y ^= (y >> 29) & 0x5555555555555555ULL;
    y ^= (y << 17) & 0x71d67fffeda60000ULL;
    y ^= (y << 37) & 0xfff7eee000000000ULL;
    return y ^ (y >> 43);
}

} // namespace

Rng::Rng(std::uint64_t seed)
{
    std::array<std::uint64_t, kStateWords>& x = m_state.words;
    x[0] = seed;
    for (int i = 1; i < kStateWords; ++i) {
        const std::uint64_t previous = x[static_cast<size_t>(i - 1)];
        x[static_cast<size_t>(i)] =
            kInitMultiplier * (previous ^ (previous >> 62)) + static_cast<std::uint64_t>(i);
    }
}

// The next block of kStateWords words: word i from words i, i + 1 and i + kShift of the block
// before (indices modulo kStateWords), in three runs so that no index needs a modulo.
void Rng::twist()
{
    std::uint64_t* x = m_state.words.data();
    const auto mix = [](std::uint64_t upper, std::uint64_t lower) {
        const std::uint64_t y = (upper & kUpperMask) | (lower & kLowerMask);
        return (y >> 1) ^ ((y & 1) != 0 ? kMatrix : 0);
    };
    int i = 0;
    for (; i < kStateWords - kShift; ++i) {
        x[i] = x[i + kShift] ^ mix(x[i], x[i + 1]);
    }
    for (; i < kStateWords - 1; ++i) {
        x[i] = x[i + kShift - kStateWords] ^ mix(x[i], x[i + 1]);
    }
    x[i] = x[kShift - 1] ^ mix(x[i], x[0]);
    m_state.index = 0;
}

std::uint64_t Rng::word()
{
    if (m_state.index >= kStateWords) {
        twist();
    }
    return temper(m_state.words[static_cast<size_t>(m_state.index++)]);
}

void Rng::setState(const State& state)
{
    if (state.index < 0 || state.index > kStateWords) {
        throw InputError("the random generator's position " + std::to_string(state.index) +
                         " is out of range (0 to " + std::to_string(kStateWords) + ")");
    }
    if (!std::isfinite(state.spare)) {
        throw InputError("the random generator's spare normal is not a finite number");
    }
    m_state = state;
}

double Rng::uniform()
{
    return static_cast<double>(word() >> 11) * 0x1.0p-53;
}

double Rng::normal()
{
    if (m_state.hasSpare) {
        m_state.hasSpare = false;
        return m_state.spare;
    }
    // Box-Muller: 1 - u lies in (0, 1], so the logarithm is finite.
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
    const double angle = 2.0 * std::numbers::pi * uniform();
    m_state.spare = radius * std::sin(angle);
    m_state.hasSpare = true;
    return radius * std::cos(angle);
}

std::uint64_t Rng::below(std::uint64_t n)
{
    // Rejection keeps the result unbiased for any n.
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t r = word();
    while (r >= limit) {
        r = word();
    }
    return r % n;
}

} // namespace attnlab
