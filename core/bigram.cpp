#include "bigram.h"

namespace attnlab {

Matrix bigramCounts(const Corpus& corpus)
{
    const int v = corpus.vocab.size();
    Matrix counts = Matrix::Zero(v, v);
    for (const auto& ids : corpus.sentences) {
        const std::vector<int> targets = nextTokenTargets(ids);
        for (size_t t = 0; t < ids.size(); ++t) {
            counts(ids[t], targets[t]) += 1.0f;
        }
    }
    return counts;
}

Matrix bigramTable(const Corpus& corpus, int sentence)
{
    const Matrix counts = bigramCounts(corpus);
    const auto& ids = corpus.sentences.at(static_cast<size_t>(sentence));
    Matrix table(static_cast<Eigen::Index>(ids.size()), counts.cols());
    for (size_t t = 0; t < ids.size(); ++t) {
        const float total = counts.row(ids[t]).sum();
        if (total > 0) {
            table.row(static_cast<Eigen::Index>(t)) = counts.row(ids[t]) / total;
        } else {
            table.row(static_cast<Eigen::Index>(t)).setZero();
        }
    }
    return table;
}

} // namespace attnlab
