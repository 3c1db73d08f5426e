#include "sentenceheatmaps.h"

#include <bigram.h>

#include <limits>

namespace {

QStringList indexLabels(int count)
{
    QStringList list;
    for (int i = 0; i < count; ++i) {
        list << QString::number(i);
    }
    return list;
}

HeatmapData make(attnlab::Matrix values, QStringList rows, QStringList cols, const QString& title,
                 const QString& rowAxis, const QString& colAxis)
{
    return HeatmapData{std::move(values), std::move(rows), std::move(cols), title,
                       rowAxis,           colAxis};
}

} // namespace

QStringList SentenceHeatmaps::labels(const std::vector<std::string>& tokens)
{
    QStringList list;
    for (const std::string& token : tokens) {
        list << QString::fromStdString(token);
    }
    return list;
}

HeatmapData SentenceHeatmaps::attention(const attnlab::SentenceSnapshot& s, bool causal)
{
    attnlab::Matrix weights = s.weights;
    if (causal) {
        const float masked = -std::numeric_limits<float>::infinity();
        for (Eigen::Index row = 0; row < weights.rows(); ++row) {
            for (Eigen::Index col = row + 1; col < weights.cols(); ++col) {
                weights(row, col) = masked;
            }
        }
    }
    HeatmapData data = make(std::move(weights), labels(s.tokens), labels(s.tokens),
                            tr("Attention weights"), tr("query token"), tr("key token"));
    data.dataValues = s.weights;
    return data;
}

HeatmapData SentenceHeatmaps::values(const attnlab::SentenceSnapshot& s, const QStringList& vocab)
{
    return make(s.values, labels(s.tokens), vocab, tr("Values"), QString(), tr("next token"));
}

HeatmapData SentenceHeatmaps::predictions(const attnlab::SentenceSnapshot& s,
                                          const QStringList& vocab)
{
    return make(s.probs, labels(s.tokens), vocab, tr("Predictions (probs)"), QString(),
                tr("next token"));
}

HeatmapData SentenceHeatmaps::queries(const attnlab::SentenceSnapshot& s)
{
    return make(s.queries, labels(s.tokens), indexLabels(int(s.queries.cols())), tr("Queries"),
                QString(), tr("head dimension"));
}

HeatmapData SentenceHeatmaps::keys(const attnlab::SentenceSnapshot& s)
{
    return make(s.keys, labels(s.tokens), indexLabels(int(s.keys.cols())), tr("Keys"), QString(),
                tr("head dimension"));
}

HeatmapData SentenceHeatmaps::bigram(attnlab::Matrix table, const std::vector<std::string>& tokens,
                                     const QStringList& vocab)
{
    return make(std::move(table), labels(tokens), vocab, tr("Bigram table (no attention)"),
                QString(), tr("next token"));
}

HeatmapStyle SentenceHeatmaps::probabilityStyle()
{
    HeatmapStyle style;
    style.colorMap = ColorMap::Kind::Deck;
    style.rangeMin = 0.0;
    style.rangeMax = 1.0;
    // Every cell prints its number on a fixed 0..1 scale; the bar's width goes to the cells.
    style.colorBar = false;
    return style;
}

HeatmapStyle SentenceHeatmaps::signedStyle()
{
    HeatmapStyle style;
    style.colorMap = ColorMap::Kind::Diverging;
    style.precision = 1;
    return style;
}

HeatmapStyle SentenceHeatmaps::headStyle()
{
    HeatmapStyle style = signedStyle();
    style.squareCells = false; // H columns against T rows: stretch to the space there is
    return style;
}

HeatmapStyle SentenceHeatmaps::bigramStyle()
{
    HeatmapStyle style = probabilityStyle();
    style.squareCells = false; // the lower row is shorter: use its width for the numbers
    return style;
}

QList<SentenceHeatmaps::NamedHeatmap> SentenceHeatmaps::forSentence(const attnlab::Snapshot& snap,
                                                                    const attnlab::Corpus& corpus,
                                                                    int sentence)
{
    const attnlab::SentenceSnapshot& s = snap.sentences.at(size_t(sentence));
    const QStringList vocab = labels(snap.vocab);
    attnlab::Matrix table = attnlab::bigramTable(corpus, sentence);
    return {
        {QStringLiteral("attention"), attention(s, snap.config.causal), probabilityStyle()},
        {QStringLiteral("values"), values(s, vocab), signedStyle()},
        {QStringLiteral("predictions"), predictions(s, vocab), probabilityStyle()},
        {QStringLiteral("queries"), queries(s), headStyle()},
        {QStringLiteral("keys"), keys(s), headStyle()},
        {QStringLiteral("bigram"), bigram(std::move(table), s.tokens, vocab), bigramStyle()},
    };
}
