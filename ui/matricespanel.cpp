#include "matricespanel.h"

#include "errortext.h"
#include "explanations.h"
#include "heatmapview.h"
#include "sentenceheatmaps.h"
#include "usermessage.h"

#include <bigram.h>
#include <errors.h>

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

namespace {

constexpr int kTried = -1; // item data of the tried sentence in the selector
// Below their natural size the figures scale down rather than push the window wider.
constexpr QSize kSmallestView(200, 140);

QString sentenceText(const std::vector<std::string>& tokens)
{
    return SentenceHeatmaps::labels(tokens).join(QLatin1Char(' '));
}

} // namespace

MatricesPanel::MatricesPanel(QWidget* parent) : QWidget(parent)
{
    createSelector();
    m_attention = createView("attentionView");
    m_values = createView("valuesView");
    m_predictions = createView("predictionsView");
    m_queries = createView("queriesView");
    m_keys = createView("keysView");
    m_bigram = createView("bigramView");
    m_attention->setStyle(SentenceHeatmaps::probabilityStyle());
    m_predictions->setStyle(SentenceHeatmaps::probabilityStyle());
    m_bigram->setStyle(SentenceHeatmaps::bigramStyle());
    m_values->setStyle(SentenceHeatmaps::signedStyle());
    m_queries->setStyle(SentenceHeatmaps::headStyle());
    m_keys->setStyle(SentenceHeatmaps::headStyle());
    layOut();
    connectViews();
    nameViews();
}

HeatmapView* MatricesPanel::createView(const char* name)
{
    auto* view = new HeatmapView(this);
    view->setObjectName(QLatin1String(name));
    view->setMinimumSize(kSmallestView);
    return view;
}

void MatricesPanel::createSelector()
{
    m_sentence = new QComboBox(this);
    m_sentence->setObjectName(QStringLiteral("sentenceBox"));
    m_sentence->setToolTip(tr("The sentence whose matrices are shown"));
    m_sentence->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_try = new QLineEdit(this);
    m_try->setObjectName(QStringLiteral("tryEdit"));
    m_try->setPlaceholderText(tr("e.g. woman ordered the chicken"));
    m_try->setClearButtonEnabled(true);
    m_try->setToolTip(tr("A sentence of known words, run through the model as it is now"));
    m_tryButton = new QPushButton(tr("Show"), this);
    m_tryButton->setObjectName(QStringLiteral("tryButton"));
    m_tryError = new QLabel(this);
    m_tryError->setObjectName(QStringLiteral("tryError"));
    m_tryError->setTextFormat(Qt::PlainText);
    m_tryError->setWordWrap(true);
    ErrorText::mark(m_tryError);
    m_tryError->hide();
}

void MatricesPanel::layOut()
{
    auto* selector = new QHBoxLayout;
    selector->addWidget(new QLabel(tr("Sentence"), this));
    selector->addWidget(m_sentence, 1);
    selector->addSpacing(16);
    selector->addWidget(new QLabel(tr("Try a sentence"), this));
    selector->addWidget(m_try, 1);
    selector->addWidget(m_tryButton);
    auto* grid = new QGridLayout;
    grid->addWidget(m_attention, 0, 0);
    grid->addWidget(m_values, 0, 1);
    grid->addWidget(m_predictions, 0, 2);
    grid->addWidget(m_queries, 1, 0);
    grid->addWidget(m_keys, 1, 1);
    grid->addWidget(m_bigram, 1, 2);
    for (int column = 0; column < 3; ++column) {
        grid->setColumnStretch(column, 1);
    }
    grid->setRowStretch(0, 3);
    grid->setRowStretch(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(selector);
    layout->addWidget(m_tryError);
    layout->addLayout(grid, 1);
}

void MatricesPanel::connectViews()
{
    connect(m_sentence, &QComboBox::currentIndexChanged, this, &MatricesPanel::showSelected);
    connect(m_try, &QLineEdit::returnPressed, this, &MatricesPanel::trySentence);
    connect(m_tryButton, &QPushButton::clicked, this, &MatricesPanel::trySentence);
    connect(m_try, &QLineEdit::textEdited, this, &MatricesPanel::recheckTyped);
    m_predictions->setCellToolTip([this](int row, int col) { return predictionToolTip(row, col); });
    m_attention->setCellToolTip([this](int row, int col) { return attentionToolTip(row, col); });
    for (HeatmapView* view : {m_attention, m_values, m_predictions, m_queries, m_keys, m_bigram}) {
        connect(view, &HeatmapView::selectedRowChanged, this, &MatricesPanel::selectRow);
    }
}

void MatricesPanel::setCorpus(const attnlab::Corpus& corpus)
{
    if (m_sentence->count() > 0 && corpus.sentences == m_corpus.sentences &&
        corpus.vocab.tokens() == m_corpus.vocab.tokens()) {
        return; // a rebuild for new settings: the selection stays
    }
    m_corpus = corpus;
    m_bigramTables.clear();
    m_bigramIds.clear();
    m_encodeError.clear();
    const QSignalBlocker blocker(m_sentence);
    m_sentence->clear();
    for (int i = 0; i < int(corpus.sentences.size()); ++i) {
        m_bigramTables.push_back(attnlab::bigramTable(m_corpus, i));
        m_sentence->addItem(sentenceText(corpus.words(i)), i);
    }
    m_sentence->setCurrentIndex(0);
}

void MatricesPanel::showFrame(std::shared_ptr<const TrainingFrame> frame)
{
    m_frame = std::move(frame);
    if (!m_frame) {
        return;
    }
    m_vocab = SentenceHeatmaps::labels(m_frame->snapshot.vocab);
    syncTriedItem();
    showSelected();
    showTryError();
}

// The selector's last item follows the frame's evaluation: added, renamed or removed.
void MatricesPanel::syncTriedItem()
{
    const int last = m_sentence->count() - 1;
    const bool listed = last >= 0 && m_sentence->itemData(last).toInt() == kTried;
    const std::optional<attnlab::SentenceSnapshot>& tried = m_frame->evaluation;
    const QSignalBlocker blocker(m_sentence);
    if (!tried) {
        if (listed) {
            m_sentence->removeItem(last);
        }
        m_selectTried = m_selectTried && m_frame->evaluationError.empty();
        return;
    }
    const QString text = tr("Tried: %1").arg(sentenceText(tried->tokens));
    if (listed) {
        m_sentence->setItemText(last, text);
    } else {
        m_sentence->addItem(text, kTried);
    }
    if (m_selectTried) {
        m_sentence->setCurrentIndex(m_sentence->count() - 1);
        m_selectTried = false;
    }
}

const attnlab::SentenceSnapshot* MatricesPanel::shownSentence() const
{
    if (!m_frame) {
        return nullptr;
    }
    const int index = m_sentence->currentData().toInt();
    if (index == kTried) {
        return m_frame->evaluation ? &*m_frame->evaluation : nullptr;
    }
    const std::vector<attnlab::SentenceSnapshot>& sentences = m_frame->snapshot.sentences;
    return index >= 0 && index < int(sentences.size()) ? &sentences[size_t(index)] : nullptr;
}

void MatricesPanel::showSelected()
{
    nameViews();
    const attnlab::SentenceSnapshot* s = shownSentence();
    if (!s) {
        return;
    }
    m_attention->setData(SentenceHeatmaps::attention(*s, m_frame->snapshot.config.causal));
    m_values->setData(SentenceHeatmaps::values(*s, m_vocab));
    m_predictions->setData(SentenceHeatmaps::predictions(*s, m_vocab));
    m_queries->setData(SentenceHeatmaps::queries(*s));
    m_keys->setData(SentenceHeatmaps::keys(*s));
    showBigram();
}

// The bigram table does not change while training: it is redrawn only for another sentence.
void MatricesPanel::showBigram()
{
    const attnlab::SentenceSnapshot* s = shownSentence();
    if (!s || s->ids == m_bigramIds) {
        return;
    }
    m_bigramIds = s->ids;
    m_bigram->setData(SentenceHeatmaps::bigram(bigramFor(s->ids), s->tokens, m_vocab));
}

// Row t of a bigram table depends only on token t, so any corpus sentence holding that token
// supplies the row; this also covers a tried sentence, which the corpus does not contain.
attnlab::Matrix MatricesPanel::bigramFor(const std::vector<int>& ids) const
{
    const float noValue = std::numeric_limits<float>::quiet_NaN();
    attnlab::Matrix table =
        attnlab::Matrix::Constant(Eigen::Index(ids.size()), m_corpus.vocab.size(), noValue);
    for (size_t t = 0; t < ids.size(); ++t) {
        for (size_t k = 0; k < m_corpus.sentences.size(); ++k) {
            const std::vector<int>& sentence = m_corpus.sentences[k];
            const auto found = std::find(sentence.begin(), sentence.end(), ids[t]);
            if (found != sentence.end()) {
                table.row(Eigen::Index(t)) = m_bigramTables[k].row(found - sentence.begin());
                break;
            }
        }
    }
    return table;
}

void MatricesPanel::trySentence()
{
    const QString text = m_try->text().trimmed();
    m_encodeError.clear();
    m_selectTried = false;
    if (text.isEmpty()) {
        emit evaluationCleared();
    } else {
        try {
            const std::vector<int> ids =
                attnlab::encodeSentence(m_corpus.vocab, text.toStdString());
            m_selectTried = true;
            emit evaluateRequested(ids);
        } catch (const attnlab::InputError& error) {
            m_encodeError = userMessage(error);
        }
    }
    showTryError();
}

// An edit that makes the typed sentence one the vocabulary knows clears the error about it;
// the sentence is tried only when asked (Return or Show).
void MatricesPanel::recheckTyped(const QString& text)
{
    if (m_encodeError.isEmpty()) {
        return;
    }
    try {
        attnlab::encodeSentence(m_corpus.vocab, text.trimmed().toStdString());
    } catch (const attnlab::InputError&) {
        return;
    }
    m_encodeError.clear();
    showTryError();
}

void MatricesPanel::showTryError()
{
    QString text = m_encodeError;
    if (text.isEmpty() && m_frame && !m_frame->evaluationError.empty()) {
        text = userMessage(m_frame->evaluationError);
    }
    m_tryError->setText(text);
    m_tryError->setVisible(!text.isEmpty());
}

void MatricesPanel::selectRow(int row)
{
    for (HeatmapView* view : views()) {
        view->setSelectedRow(row);
    }
}

QList<HeatmapView*> MatricesPanel::views() const
{
    return {m_attention, m_values, m_predictions, m_queries, m_keys, m_bigram};
}

// File names are not translated: scripts that read the files rely on them.
void MatricesPanel::nameViews()
{
    const int index = m_sentence->count() > 0 ? m_sentence->currentData().toInt() : 0;
    const QString sentence =
        index == kTried ? QStringLiteral("tried") : QStringLiteral("sentence%1").arg(index + 1);
    const QStringList kinds{QStringLiteral("attention"),   QStringLiteral("values"),
                            QStringLiteral("predictions"), QStringLiteral("queries"),
                            QStringLiteral("keys"),        QStringLiteral("bigram")};
    const QList<HeatmapView*> all = views();
    for (qsizetype i = 0; i < all.size(); ++i) {
        all[i]->setExportName(sentence + u'-' + kinds[i]);
    }
}

QString MatricesPanel::predictionToolTip(int row, int col) const
{
    const attnlab::SentenceSnapshot* s = shownSentence();
    if (!s || row < 0 || col < 0 || row >= s->probs.rows() || col >= s->probs.cols()) {
        return {};
    }
    return Explanations::prediction(*s, m_vocab, row, col, m_frame->snapshot.config);
}

QString MatricesPanel::attentionToolTip(int row, int col) const
{
    const attnlab::SentenceSnapshot* s = shownSentence();
    if (!s || row < 0 || col < 0 || row >= s->weights.rows() || col >= s->weights.cols()) {
        return {};
    }
    return Explanations::attention(*s, row, col, m_frame->snapshot.config.causal);
}

QString MatricesPanel::tryError() const
{
    return m_tryError->text();
}
