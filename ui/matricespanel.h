// The matrices of one sentence as annotated heatmaps, in two rows that a projected room can
// read: attention weights, values and predictions on top; queries, keys and the bigram table
// below. A selector picks the sentence: one of the corpus, or one typed into "Try a sentence",
// which the model evaluates as it trains (the trainer does the work on its own thread). Why a
// typed sentence cannot be tried is said under the selector until the sentence is edited into
// one that can, or the corpus changes.
//
// Hovering a prediction explains it (Explanations::prediction); hovering an attention cell
// says who attends to whom. Clicking a row selects it in every heatmap.
//
// Each heatmap exports under a name that says what it shows for which sentence:
// "sentence1-attention", "sentence2-values", …, "tried-predictions" for a tried sentence.
#pragma once

#include "trainingcontroller.h"

#include <corpus.h>

#include <QList>
#include <QStringList>
#include <QWidget>

#include <memory>
#include <vector>

class HeatmapView;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

class MatricesPanel : public QWidget
{
    Q_OBJECT
public:
    explicit MatricesPanel(QWidget* parent);

    // The corpus of the model now shown: fills the sentence selector, first sentence selected.
    // The same corpus again (a rebuild for new settings) keeps the selection.
    void setCorpus(const attnlab::Corpus& corpus);
    void showFrame(std::shared_ptr<const TrainingFrame> frame);
    // The sentence the heatmaps show, or null before the first frame.
    const attnlab::SentenceSnapshot* shownSentence() const;
    QString predictionToolTip(int row, int col) const;
    QString attentionToolTip(int row, int col) const;
    QString tryError() const;
    // The six heatmaps: attention, values, predictions, queries, keys, bigram.
    QList<HeatmapView*> views() const;

signals:
    // Token ids of the sentence typed into "Try a sentence", <start> first.
    void evaluateRequested(const std::vector<int>& ids);
    void evaluationCleared();

private:
    HeatmapView* createView(const char* name);
    void createSelector();
    void layOut();
    void connectViews();
    void trySentence();
    void recheckTyped(const QString& text);
    void syncTriedItem();
    void showSelected();
    void nameViews();
    void showBigram();
    void showTryError();
    void selectRow(int row);
    attnlab::Matrix bigramFor(const std::vector<int>& ids) const;

    QComboBox* m_sentence = nullptr;
    QLineEdit* m_try = nullptr;
    QPushButton* m_tryButton = nullptr;
    QLabel* m_tryError = nullptr;
    HeatmapView* m_attention = nullptr;
    HeatmapView* m_values = nullptr;
    HeatmapView* m_predictions = nullptr;
    HeatmapView* m_queries = nullptr;
    HeatmapView* m_keys = nullptr;
    HeatmapView* m_bigram = nullptr;

    attnlab::Corpus m_corpus;
    std::vector<attnlab::Matrix> m_bigramTables; // T×V for each corpus sentence
    std::shared_ptr<const TrainingFrame> m_frame;
    QStringList m_vocab;
    std::vector<int> m_bigramIds; // the sentence the bigram heatmap shows
    QString m_encodeError;        // the typed sentence could not be encoded
    bool m_selectTried = false;   // select the tried sentence when its frame arrives
};
