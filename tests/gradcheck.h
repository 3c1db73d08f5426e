// Central-difference gradient checks for the tests, in double precision.
#pragma once

#include <matrix.h>

#include <QtGlobal>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

namespace testing {

inline attnlab::MatrixD randomMatrix(int rows, int cols, unsigned seed, double scale = 1.0)
{
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> dist(-scale, scale);
    attnlab::MatrixD m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        m.data()[i] = dist(gen);
    }
    return m;
}

// Numerical gradient of loss() with respect to every entry of `param`, by central differences
// (f(x+h) − f(x−h)) / 2h. `param` is restored afterwards.
inline attnlab::MatrixD numericGradient(attnlab::MatrixD& param,
                                        const std::function<double()>& loss, double h = 1e-6)
{
    attnlab::MatrixD grad(param.rows(), param.cols());
    for (Eigen::Index i = 0; i < param.size(); ++i) {
        const double saved = param.data()[i];
        param.data()[i] = saved + h;
        const double up = loss();
        param.data()[i] = saved - h;
        const double down = loss();
        param.data()[i] = saved;
        grad.data()[i] = (up - down) / (2 * h);
    }
    return grad;
}

// Relative error max|a − b| / max(1e-8, max|a|, max|b|) over the whole matrix.
inline double relativeError(const attnlab::MatrixD& analytic, const attnlab::MatrixD& numeric)
{
    const double scale =
        std::max({1e-8, analytic.cwiseAbs().maxCoeff(), numeric.cwiseAbs().maxCoeff()});
    return (analytic - numeric).cwiseAbs().maxCoeff() / scale;
}

} // namespace testing
