// The vocabulary: every token with its id, in the order the model's rows and columns use.
#pragma once

#include <corpus.h>

#include <QGroupBox>
#include <QStringList>

class QLabel;
class QTableWidget;

class VocabPanel : public QGroupBox
{
    Q_OBJECT
public:
    explicit VocabPanel(QWidget* parent);

    void setVocab(const attnlab::Vocab& vocab);
    // The tokens shown, in id order.
    QStringList tokens() const;

private:
    QLabel* m_size = nullptr;
    QTableWidget* m_table = nullptr;
};
