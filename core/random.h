// A seeded random number generator whose output is the same on every platform.
//
// std::normal_distribution and std::uniform_real_distribution are allowed to differ between
// standard libraries, so the core draws from mt19937_64's raw output and transforms it itself:
// uniform doubles from the top 53 bits, normals by the Box-Muller transform.
#pragma once

#include <cstdint>
#include <random>

namespace attnlab {

class Rng
{
public:
    explicit Rng(std::uint64_t seed) : m_engine(seed) {}

    // Uniform in [0, 1).
    double uniform();
    // Uniform in [lo, hi).
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Standard normal N(0, 1).
    double normal();
    // Uniform integer in [0, n); n > 0.
    std::uint64_t below(std::uint64_t n);

private:
    std::mt19937_64 m_engine;
    double m_spare = 0.0;
    bool m_hasSpare = false;
};

} // namespace attnlab
