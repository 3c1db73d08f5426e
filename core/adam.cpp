#include "adam.h"

#include <cmath>

namespace attnlab {

namespace {

using Eigen::Index;

template <typename S> struct Coefficients
{
    S b1, b2;      // β1, β2
    S a1, a2;      // 1 − β1, 1 − β2
    S stepSize;    // lr / (1 − β1ᵗ)
    S correction2; // √(1 − β2ᵗ)
    S eps;
};

// N consecutive entries of one parameter: reads p, g, m, v and writes pOut, mOut, vOut, which
// may be the same storage (in place). One pass instead of one expression per formula. Eigen
// evaluates a 16-byte array as one SSE packet and a 1-entry array as scalars, as it does the
// packets and the tail of a whole matrix, so the bits are those of the matrix-wide
// expressions this replaced (under EIGEN_FAST_MATH, Eigen's default, its packet square root
// is an approximation and its scalar one std::sqrt).
template <int N, typename S>
EIGEN_ALWAYS_INLINE void updateEntries(const Coefficients<S> c, const S* p, const S* g, const S* m,
                                       const S* v, S* pOut, S* mOut, S* vOut)
{
    using Entries = Eigen::Array<S, N, 1>;
    const Entries gi = Eigen::Map<const Entries>(g);
    const Entries mi = c.b1 * Eigen::Map<const Entries>(m) + c.a1 * gi;
    const Entries vi = c.b2 * Eigen::Map<const Entries>(v) + c.a2 * gi * gi;
    const Entries pi =
        Eigen::Map<const Entries>(p) - c.stepSize * mi / (vi.sqrt() / c.correction2 + c.eps);
    Eigen::Map<Entries>{mOut} = mi;
    Eigen::Map<Entries>{vOut} = vi;
    Eigen::Map<Entries>{pOut} = pi;
}

// One pass over one parameter of `count` entries: packets of 16 bytes, then one by one. The
// coefficients are taken by value: through a reference they would be read again after every
// store, since a store through pOut could have changed them.
template <typename S>
EIGEN_ALWAYS_INLINE void update(const Coefficients<S> c, Index count, const S* p, const S* g,
                                const S* m, const S* v, S* pOut, S* mOut, S* vOut)
{
    constexpr int lanes = 16 / sizeof(S);
    Index i = 0;
    for (; i + lanes <= count; i += lanes) {
        updateEntries<lanes>(c, p + i, g + i, m + i, v + i, pOut + i, mOut + i, vOut + i);
    }
    for (; i < count; ++i) {
        updateEntries<1>(c, p + i, g + i, m + i, v + i, pOut + i, mOut + i, vOut + i);
    }
}

// The coefficients of step t. Bias corrections from std::pow, not from a running product of
// β: that product differs from std::pow in the last bits at most steps (9481 of the first
// 10 000 for β1 = 0.9), and a run resumed from a saved session, which holds t, not βᵗ, must
// go on bit for bit. The two calls cost some 250 instructions of the lesson step's 27 000.
template <typename S> Coefficients<S> coefficients(const AdamSettings& s, long t)
{
    const double correction1 = 1.0 - std::pow(s.beta1, static_cast<double>(t));
    const double correction2 = 1.0 - std::pow(s.beta2, static_cast<double>(t));
    const S b1 = static_cast<S>(s.beta1);
    const S b2 = static_cast<S>(s.beta2);
    return {b1,
            b2,
            S(1) - b1,
            S(1) - b2,
            static_cast<S>(s.learningRate / correction1),
            static_cast<S>(std::sqrt(correction2)),
            static_cast<S>(s.eps)};
}

} // namespace

template <typename S> bool Adam<S>::createMoments(std::span<const MatrixT<S>* const> params)
{
    if (!m_m.empty()) {
        return false;
    }
    for (const MatrixT<S>* p : params) {
        m_m.push_back(MatrixT<S>::Zero(p->rows(), p->cols()));
        m_v.push_back(MatrixT<S>::Zero(p->rows(), p->cols()));
    }
    return true;
}

template <typename S>
void Adam<S>::step(const std::vector<MatrixT<S>*>& params,
                   const std::vector<const MatrixT<S>*>& grads)
{
    if (m_m.empty()) {
        createMoments(std::vector<const MatrixT<S>*>(params.begin(), params.end()));
    }
    ++m_step;
    m_undo = Undo::None;
    const Coefficients<S> c = coefficients<S>(m_settings, m_step);
    for (size_t i = 0; i < params.size(); ++i) {
        S* p = params[i]->data();
        update(c, params[i]->size(), p, grads[i]->data(), m_m[i].data(), m_v[i].data(), p,
               m_m[i].data(), m_v[i].data());
    }
}

template <typename S>
void Adam<S>::stepInto(std::span<const MatrixT<S>* const> params,
                       std::span<const MatrixT<S>* const> grads, std::span<MatrixT<S>* const> out)
{
    const bool created = createMoments(params);
    m_spareM.resize(m_m.size());
    m_spareV.resize(m_v.size());
    ++m_step;
    m_undo = created ? Undo::ToEmpty : Undo::Swap;
    const Coefficients<S> c = coefficients<S>(m_settings, m_step);
    for (size_t i = 0; i < params.size(); ++i) {
        m_spareM[i].resize(m_m[i].rows(), m_m[i].cols());
        m_spareV[i].resize(m_v[i].rows(), m_v[i].cols());
        out[i]->resize(params[i]->rows(), params[i]->cols());
        update(c, params[i]->size(), params[i]->data(), grads[i]->data(), m_m[i].data(),
               m_v[i].data(), out[i]->data(), m_spareM[i].data(), m_spareV[i].data());
    }
    m_m.swap(m_spareM);
    m_v.swap(m_spareV);
}

template <typename S> bool Adam<S>::undo()
{
    if (m_undo == Undo::None) {
        return false;
    }
    m_m.swap(m_spareM);
    m_v.swap(m_spareV);
    if (m_undo == Undo::ToEmpty) {
        m_m.clear();
        m_v.clear();
    }
    --m_step;
    m_undo = Undo::None;
    return true;
}

template class Adam<float>;
template class Adam<double>;

} // namespace attnlab
