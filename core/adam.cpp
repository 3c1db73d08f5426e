#include "adam.h"

#include <cmath>
#include <type_traits>

#ifdef __SSE2__
#include <immintrin.h>
#endif

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

// One entry: reads p, g, m, v and writes pOut, mOut, vOut, which may be the same storage (in
// place). std::sqrt, like the packet square root below, is IEEE's correctly rounded one.
template <typename S>
EIGEN_ALWAYS_INLINE void updateEntry(const Coefficients<S>& c, const S* p, const S* g, const S* m,
                                     const S* v, S* pOut, S* mOut, S* vOut)
{
    const S mi = c.b1 * *m + c.a1 * *g;
    const S vi = c.b2 * *v + c.a2 * *g * *g;
    *mOut = mi;
    *vOut = vi;
    *pOut = *p - c.stepSize * mi / (std::sqrt(vi) / c.correction2 + c.eps);
}

#ifdef __SSE2__
// Four float entries at once, the same operations in the same order as updateEntry, so the
// bits do not depend on where a packet ends. _mm_sqrt_ps is exact, where Eigen's packet square
// root under EIGEN_FAST_MATH is an approximation that takes four times the instructions.
EIGEN_ALWAYS_INLINE void updatePacket(const Coefficients<float>& c, const float* p, const float* g,
                                      const float* m, const float* v, float* pOut, float* mOut,
                                      float* vOut)
{
    const __m128 gi = _mm_loadu_ps(g);
    const __m128 mi = _mm_add_ps(_mm_mul_ps(_mm_set1_ps(c.b1), _mm_loadu_ps(m)),
                                 _mm_mul_ps(_mm_set1_ps(c.a1), gi));
    const __m128 vi = _mm_add_ps(_mm_mul_ps(_mm_set1_ps(c.b2), _mm_loadu_ps(v)),
                                 _mm_mul_ps(_mm_mul_ps(_mm_set1_ps(c.a2), gi), gi));
    const __m128 denominator =
        _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vi), _mm_set1_ps(c.correction2)), _mm_set1_ps(c.eps));
    const __m128 change = _mm_div_ps(_mm_mul_ps(_mm_set1_ps(c.stepSize), mi), denominator);
    _mm_storeu_ps(mOut, mi);
    _mm_storeu_ps(vOut, vi);
    _mm_storeu_ps(pOut, _mm_sub_ps(_mm_loadu_ps(p), change));
}
#endif

// One pass over one parameter of `count` entries: packets of four floats where the processor
// has them, then one by one. The coefficients are taken by value: through a reference they
// would be read again after every store, since a store through pOut could have changed them.
template <typename S>
EIGEN_ALWAYS_INLINE void update(const Coefficients<S> c, Index count, const S* p, const S* g,
                                const S* m, const S* v, S* pOut, S* mOut, S* vOut)
{
    Index i = 0;
#ifdef __SSE2__
    if constexpr (std::is_same_v<S, float>) {
        for (; i + 4 <= count; i += 4) {
            updatePacket(c, p + i, g + i, m + i, v + i, pOut + i, mOut + i, vOut + i);
        }
    }
#endif
    for (; i < count; ++i) {
        updateEntry(c, p + i, g + i, m + i, v + i, pOut + i, mOut + i, vOut + i);
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
