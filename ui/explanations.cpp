#include "explanations.h"

namespace {

QString number(double value)
{
    return QString::number(value, 'f', 2);
}

QString token(const std::string& text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

// One row of the terms table: left operand, operator, right operand, what it is.
QString termRow(const QString& left, const QString& op, const QString& right, const QString& what)
{
    return QStringLiteral("<tr><td align='right'>%1</td><td>%2</td><td align='right'>%3</td>"
                          "<td>&nbsp;&nbsp;%4</td></tr>")
        .arg(left, op, right, what);
}

} // namespace

QString Explanations::prediction(const attnlab::SentenceSnapshot& s, const QStringList& vocab,
                                 int row, int col, const attnlab::ToyConfig& config)
{
    const attnlab::PredictionExplanation e = attnlab::explainPrediction(s, row, col, config.skip);
    const QString head =
        tr("P(%1 | %2) = %3")
            .arg(vocab.value(col).toHtmlEscaped(), token(s.tokens[size_t(row)]), number(e.prob));
    const QString how = config.output == attnlab::OutputKind::Sigmoid
                            ? tr("the sigmoid of logit %1").arg(number(e.logit))
                            : tr("the softmax of logit %1 against the other logits of the row")
                                  .arg(number(e.logit));
    const QString sum = e.skip ? tr("logit %1 = Σ weight × value + skip input:")
                               : tr("logit %1 = Σ weight × value:");
    return QStringLiteral("<p style='white-space:pre'><b>%1</b><br>%2<br>%3</p>%4")
        .arg(head, how, sum.arg(number(e.logit)), terms(s, e, row, config.causal));
}

// A table of weight × value for every key the query sees, the skip input, and the mask.
QString Explanations::terms(const attnlab::SentenceSnapshot& s,
                            const attnlab::PredictionExplanation& e, int row, bool causal)
{
    QString rows;
    for (const attnlab::PredictionTerm& term : e.terms) {
        if (!causal || term.key <= row) {
            rows += termRow(number(term.weight), QStringLiteral("×"), number(term.value),
                            token(s.tokens[size_t(term.key)]));
        }
    }
    if (e.skip) {
        rows += termRow(QStringLiteral("+"), QString(), number(e.skipInput),
                        tr("skip: the input at “%1”").arg(token(s.tokens[size_t(row)])));
    }
    QString text = QStringLiteral("<table cellspacing='0' cellpadding='1'>%1</table>").arg(rows);
    if (causal && row + 1 < int(s.tokens.size())) {
        text += tr("<p>Later tokens are masked: their weight is 0.</p>");
    }
    return text;
}

QString Explanations::attention(const attnlab::SentenceSnapshot& s, int row, int col, bool causal)
{
    const QString query = token(s.tokens[size_t(row)]);
    const QString key = token(s.tokens[size_t(col)]);
    if (causal && col > row) {
        return tr("<p style='white-space:pre'>Masked: <b>%1</b> cannot attend to <b>%2</b>, "
                  "which comes later.</p>")
            .arg(query, key);
    }
    return tr("<p style='white-space:pre'><b>%1</b> attends to <b>%2</b> with weight %3<br>"
              "score q·k/√H = %4; the softmax of the row's scores gives the weights</p>")
        .arg(query, key, number(s.weights(row, col)), number(s.scores(row, col)));
}
