// Adam with PyTorch's semantics (torch.optim.Adam, no weight decay, no amsgrad):
//   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//   p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
// with β1 = 0.9, β2 = 0.999, ε = 1e-8 by default.
//
// step() and stepInto() put every entry through the same float operations in the same order,
// so they give the same bits. Cost: one pass over the parameters; no allocation after the
// first step.
#pragma once

#include "matrix.h"

#include <span>
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

    // The same update written out of place, so that undo() can take it back without anything
    // having been copied: out[i] receives the updated params[i] (same shape, other storage;
    // params are not changed), and the new moments go into spare buffers that then change
    // places with the current ones, which are kept.
    void stepInto(std::span<const MatrixT<S>* const> params,
                  std::span<const MatrixT<S>* const> grads, std::span<MatrixT<S>* const> out);
    // Puts back the moments and step count from before the latest stepInto(). Returns false,
    // changing nothing, when there is nothing to take back: no stepInto() since construction,
    // step(), restore() or the last undo().
    bool undo();

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
        m_undo = Undo::None;
    }

    // First and second moments, one per parameter (empty before the first step).
    const std::vector<MatrixT<S>>& firstMoments() const { return m_m; }
    const std::vector<MatrixT<S>>& secondMoments() const { return m_v; }

private:
    // What undo() can do: nothing, swap the spare moments back, or go back to no moments.
    enum class Undo
    {
        None,
        Swap,
        ToEmpty
    };

    // Creates the moments, zeroed, with the shapes of params; returns whether it did.
    bool createMoments(std::span<const MatrixT<S>* const> params);

    AdamSettings m_settings;
    long m_step = 0;
    std::vector<MatrixT<S>> m_m;
    std::vector<MatrixT<S>> m_v;
    // stepInto's double buffer: the moments before its latest step, or storage to reuse.
    std::vector<MatrixT<S>> m_spareM;
    std::vector<MatrixT<S>> m_spareV;
    Undo m_undo = Undo::None;
};

} // namespace attnlab
