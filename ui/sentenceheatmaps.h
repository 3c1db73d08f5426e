// What each heatmap of the matrices panel shows for one sentence: the matrix as the core
// computed it, its labels and titles, and the colour scale that suits it.
//
// Rows are the sentence's tokens (T). Columns are the keys (T), the vocabulary (V) or the
// dimensions of the head (H). Nothing here computes model math; attention only marks the
// cells the causal mask hides, so that they draw as masked.
#pragma once

#include "heatmapfigure.h"

#include <corpus.h>
#include <snapshot.h>

#include <QCoreApplication>
#include <QList>
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

class SentenceHeatmaps
{
    Q_DECLARE_TR_FUNCTIONS(SentenceHeatmaps)

public:
    // One heatmap of the panel as the screen shows it: `name` is the view's short name
    // ("attention", "values", "predictions", "queries", "keys", "bigram"), also used in file
    // names by the exporters.
    struct NamedHeatmap
    {
        QString name;
        HeatmapData data;
        HeatmapStyle style;
    };

    static QStringList labels(const std::vector<std::string>& tokens);

    // T×T, cells above the diagonal set to −∞ when `causal`.
    static HeatmapData attention(const attnlab::SentenceSnapshot& s, bool causal);
    // T×V.
    static HeatmapData values(const attnlab::SentenceSnapshot& s, const QStringList& vocab);
    static HeatmapData predictions(const attnlab::SentenceSnapshot& s, const QStringList& vocab);
    // T×H.
    static HeatmapData queries(const attnlab::SentenceSnapshot& s);
    static HeatmapData keys(const attnlab::SentenceSnapshot& s);
    // T×V: row t is what a bigram table predicts after token t.
    static HeatmapData bigram(attnlab::Matrix table, const std::vector<std::string>& tokens,
                              const QStringList& vocab);

    // Probabilities and weights: the deck's sequential map over [0, 1], without a colour bar.
    static HeatmapStyle probabilityStyle();
    // Signed matrices: a diverging map, white at 0.
    static HeatmapStyle signedStyle();
    // Queries and keys: signed, and wide (H columns), so the cells need not be square.
    static HeatmapStyle headStyle();
    // The bigram table: probabilities in a shorter row, so the cells stretch for the numbers.
    static HeatmapStyle bigramStyle();

    // Every heatmap of corpus sentence `sentence` (0-based) with the data and style the
    // matrices panel gives it: attention, values, predictions, queries, keys, bigram. The
    // attention is masked when snap.config.causal. Precondition: `snap` was taken of a model
    // trained on `corpus`, and 0 <= sentence < snap.sentences.size().
    static QList<NamedHeatmap> forSentence(const attnlab::Snapshot& snap,
                                           const attnlab::Corpus& corpus, int sentence);
};
