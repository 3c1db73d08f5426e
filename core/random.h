// A seeded random number generator whose output is the same on every platform, and whose state
// can be saved and put back (a saved session goes on with the same draws).
//
// std::normal_distribution and std::uniform_real_distribution are allowed to differ between
// standard libraries, so the core draws raw 64-bit words and transforms them itself: uniform
// doubles from the top 53 bits, normals by the Box-Muller transform. The words are those of
// std::mt19937_64 for the same seed (the 64-bit Mersenne Twister, MT19937-64); the engine is
// written out here so that its state is a plain value, the same on every standard library.
#pragma once

#include <array>
#include <cstdint>

namespace attnlab {

class Rng
{
public:
    static constexpr int kStateWords = 312; // n of MT19937-64

    // Everything that decides the draws to come.
    struct State
    {
        std::array<std::uint64_t, kStateWords> words{}; // the twister's state
        int index = kStateWords; // the next word to temper; kStateWords: a new block is due
        double spare = 0.0;      // the second normal of the latest Box-Muller pair ...
        bool hasSpare = false;   // ... when it has not been drawn yet

        bool operator==(const State&) const = default;
    };

    explicit Rng(std::uint64_t seed);

    // Uniform in [0, 1).
    double uniform();
    // Uniform in [lo, hi).
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Standard normal N(0, 1).
    double normal();
    // Uniform integer in [0, n); n > 0.
    std::uint64_t below(std::uint64_t n);
    // The next raw word, as std::mt19937_64's operator() gives it.
    std::uint64_t word();

    const State& state() const { return m_state; }
    // Puts back a state from state(). Throws InputError when the index is outside
    // [0, kStateWords] or the spare normal is not finite.
    void setState(const State& state);

private:
    void twist();

    State m_state;
};

} // namespace attnlab
