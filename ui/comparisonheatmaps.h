// What the Transformer page draws for one sentence through the two models: attention of a
// chosen layer and head (or their mean, or the rollout over layers), the difference between
// the two models' attention, predictions, and the per-layer predictions (logit lens).
//
// Nothing here computes model math; causal attention only gets its hidden cells (above the
// diagonal, where the weight is exactly 0) marked so that they draw as masked.
#pragma once

#include "heatmapfigure.h"

#include <texttrainer.h>

#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

// Which attention map to show.
struct AttentionChoice
{
    int layer = 0;        // 0-based
    int head = -1;        // 0-based; -1 for the mean over heads
    bool rollout = false; // the rollout over all layers; layer and head ignored

    bool operator==(const AttentionChoice&) const = default;
};

class ComparisonHeatmaps
{
    Q_DECLARE_TR_FUNCTIONS(ComparisonHeatmaps)

public:
    // "layer 1, head 2", "layer 2, mean of heads", "rollout over all layers" (1-based for
    // people).
    static QString describe(const AttentionChoice& choice);
    // The chosen T×T matrix, with the choice clamped into the layers and heads there are.
    static attnlab::Matrix attentionMatrix(const attnlab::TextSentenceSnapshot& s,
                                           const AttentionChoice& choice);
    // T×T, cells above the diagonal −∞ when `causal` (their weight, exported as data, is 0).
    static HeatmapData attention(const attnlab::TextSentenceSnapshot& s,
                                 const AttentionChoice& choice, bool causal, const QString& title);
    // T×T: right minus left, for sentences of the same length; rows and columns labelled with
    // the left sentence's tokens.
    static HeatmapData difference(const attnlab::TextSentenceSnapshot& left,
                                  const attnlab::TextSentenceSnapshot& right,
                                  const AttentionChoice& choice);
    // T×V.
    static HeatmapData predictions(const attnlab::TextSentenceSnapshot& s,
                                   const std::vector<std::string>& vocab, const QString& title,
                                   const QString& columnAxis);
    // T×V: what each position predicts when the model stops after `layer` (0-based).
    static HeatmapData layerPredictions(const attnlab::TextSentenceSnapshot& s, int layer,
                                        const std::vector<std::string>& vocab);
    // The style of a difference: diverging, symmetric around 0 from −1 to 1.
    static HeatmapStyle differenceStyle();
    // A thumbnail of the layer × head grid: no numbers, no colour bar, probabilities 0..1.
    static HeatmapStyle thumbnailStyle();
};
