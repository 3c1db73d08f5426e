// Tooltips that explain a cell in words, from what the core computed for one sentence.
//
// The numbers come from attnlab::explainPrediction() and the snapshot; nothing here computes
// model math. The text is HTML (token names are escaped, so "<start>" shows as written).
#pragma once

#include <snapshot.h>
#include <toymodel.h>

#include <QCoreApplication>
#include <QString>
#include <QStringList>

class Explanations
{
    Q_DECLARE_TR_FUNCTIONS(Explanations)

public:
    // P(next | token) of a prediction cell, the logit it comes from, and the logit's terms:
    // attention weight × value for every key the query sees, plus the skip input.
    static QString prediction(const attnlab::SentenceSnapshot& s, const QStringList& vocab, int row,
                              int col, const attnlab::ToyConfig& config);
    // How much one token attends to another, or why the cell is masked.
    static QString attention(const attnlab::SentenceSnapshot& s, int row, int col, bool causal);

private:
    static QString terms(const attnlab::SentenceSnapshot& s,
                         const attnlab::PredictionExplanation& e, int row, bool causal);
};
