// Adam with PyTorch's semantics (torch.optim.Adam, no weight decay, no amsgrad):
//   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//   p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
// with β1 = 0.9, β2 = 0.999, ε = 1e-8 by default.
#pragma once

#include "matrix.h"

#include <utility>
#include <vector>

namespace attnlab {

struct AdamSettings
{
    double learningRate = 1e-4;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
};

template <typename S> class Adam
{
public:
    explicit Adam(AdamSettings settings = {}) : m_settings(settings) {}

    // Applies one update to each params[i] with grads[i]. Moments are created, zeroed, on the
    // first call; the shapes must not change afterwards.
    void step(const std::vector<MatrixT<S>*>& params, const std::vector<const MatrixT<S>*>& grads);

    void setLearningRate(double lr) { m_settings.learningRate = lr; }
    const AdamSettings& settings() const { return m_settings; }
    long stepCount() const { return m_step; }

    // Puts back a state taken from firstMoments(), secondMoments() and stepCount() (a saved
    // session). Precondition: both lists have the shapes of the parameters, or are empty.
    void restore(long step, std::vector<MatrixT<S>> m, std::vector<MatrixT<S>> v)
    {
        m_step = step;
        m_m = std::move(m);
        m_v = std::move(v);
    }

    // First and second moments, one per parameter (empty before the first step).
    const std::vector<MatrixT<S>>& firstMoments() const { return m_m; }
    const std::vector<MatrixT<S>>& secondMoments() const { return m_v; }

private:
    AdamSettings m_settings;
    long m_step = 0;
    std::vector<MatrixT<S>> m_m;
    std::vector<MatrixT<S>> m_v;
};

} // namespace attnlab
