#include "adam.h"

#include <cmath>

namespace attnlab {

template <typename S>
void Adam<S>::step(const std::vector<MatrixT<S>*>& params,
                   const std::vector<const MatrixT<S>*>& grads)
{
    if (m_m.empty()) {
        for (const MatrixT<S>* p : params) {
            m_m.push_back(MatrixT<S>::Zero(p->rows(), p->cols()));
            m_v.push_back(MatrixT<S>::Zero(p->rows(), p->cols()));
        }
    }
    ++m_step;
    const AdamSettings& s = m_settings;
    const double correction1 = 1.0 - std::pow(s.beta1, static_cast<double>(m_step));
    const double correction2 = 1.0 - std::pow(s.beta2, static_cast<double>(m_step));
    const S stepSize = static_cast<S>(s.learningRate / correction1);
    const S sqrtCorrection2 = static_cast<S>(std::sqrt(correction2));
    const S b1 = static_cast<S>(s.beta1);
    const S b2 = static_cast<S>(s.beta2);
    const S eps = static_cast<S>(s.eps);
    for (size_t i = 0; i < params.size(); ++i) {
        const auto g = grads[i]->array();
        m_m[i].array() = b1 * m_m[i].array() + (S(1) - b1) * g;
        m_v[i].array() = b2 * m_v[i].array() + (S(1) - b2) * g * g;
        const auto denom = m_v[i].array().sqrt() / sqrtCorrection2 + eps;
        params[i]->array() -= stepSize * m_m[i].array() / denom;
    }
}

template class Adam<float>;
template class Adam<double>;

} // namespace attnlab
