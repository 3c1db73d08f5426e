#include "comparisonheatmaps.h"

#include "sentenceheatmaps.h"

#include <algorithm>
#include <limits>

namespace {

QStringList labelsOf(const std::vector<std::string>& tokens)
{
    return SentenceHeatmaps::labels(tokens);
}

} // namespace

QString ComparisonHeatmaps::describe(const AttentionChoice& choice)
{
    if (choice.rollout) {
        return tr("rollout over all layers");
    }
    if (choice.head < 0) {
        return tr("layer %1, mean of heads").arg(choice.layer + 1);
    }
    return tr("layer %1, head %2").arg(choice.layer + 1).arg(choice.head + 1);
}

attnlab::Matrix ComparisonHeatmaps::attentionMatrix(const attnlab::TextSentenceSnapshot& s,
                                                    const AttentionChoice& choice)
{
    if (choice.rollout || s.weights.empty()) {
        return s.rollout;
    }
    const size_t layer = std::min<size_t>(size_t(std::max(choice.layer, 0)), s.weights.size() - 1);
    if (choice.head < 0 || s.weights[layer].empty()) {
        return s.meanWeights[layer];
    }
    const size_t head = std::min<size_t>(size_t(choice.head), s.weights[layer].size() - 1);
    return s.weights[layer][head];
}

HeatmapData ComparisonHeatmaps::attention(const attnlab::TextSentenceSnapshot& s,
                                          const AttentionChoice& choice, bool causal,
                                          const QString& title)
{
    const attnlab::Matrix weights = attentionMatrix(s, choice);
    attnlab::Matrix shown = weights;
    if (causal) {
        const float masked = -std::numeric_limits<float>::infinity();
        for (Eigen::Index row = 0; row < shown.rows(); ++row) {
            for (Eigen::Index col = row + 1; col < shown.cols(); ++col) {
                shown(row, col) = masked;
            }
        }
    }
    HeatmapData data{shown, labelsOf(s.tokens), labelsOf(s.tokens),
                     title, tr("query token"),  tr("key token")};
    data.dataValues = weights;
    return data;
}

HeatmapData ComparisonHeatmaps::difference(const attnlab::TextSentenceSnapshot& left,
                                           const attnlab::TextSentenceSnapshot& right,
                                           const AttentionChoice& choice)
{
    const attnlab::Matrix a = attentionMatrix(left, choice);
    const attnlab::Matrix b = attentionMatrix(right, choice);
    attnlab::Matrix diff =
        a.rows() == b.rows() && a.cols() == b.cols() ? attnlab::Matrix(b - a) : attnlab::Matrix();
    return HeatmapData{std::move(diff),       labelsOf(left.tokens),
                       labelsOf(left.tokens), tr("Difference: right minus left"),
                       tr("query token"),     tr("key token")};
}

HeatmapData ComparisonHeatmaps::predictions(const attnlab::TextSentenceSnapshot& s,
                                            const std::vector<std::string>& vocab,
                                            const QString& title, const QString& columnAxis)
{
    return HeatmapData{s.probs, labelsOf(s.tokens), labelsOf(vocab), title, QString(), columnAxis};
}

HeatmapData ComparisonHeatmaps::layerPredictions(const attnlab::TextSentenceSnapshot& s, int layer,
                                                 const std::vector<std::string>& vocab)
{
    attnlab::Matrix probs;
    if (layer >= 0 && size_t(layer) < s.layerProbs.size()) {
        probs = s.layerProbs[size_t(layer)];
    }
    return HeatmapData{std::move(probs), labelsOf(s.tokens),
                       labelsOf(vocab),  tr("If the model stopped after layer %1").arg(layer + 1),
                       QString(),        tr("predicted token")};
}

HeatmapStyle ComparisonHeatmaps::differenceStyle()
{
    HeatmapStyle style = SentenceHeatmaps::signedStyle();
    style.rangeMin = -1.0;
    style.rangeMax = 1.0;
    style.precision = 2;
    return style;
}

HeatmapStyle ComparisonHeatmaps::thumbnailStyle()
{
    HeatmapStyle style = SentenceHeatmaps::probabilityStyle();
    style.annotate = false;
    style.colorBar = false;
    return style;
}
