#include "vocabpanel.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace {

QTableWidgetItem* readOnlyItem(const QString& text, Qt::Alignment alignment)
{
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    item->setTextAlignment(alignment | Qt::AlignVCenter);
    return item;
}

} // namespace

VocabPanel::VocabPanel(QWidget* parent)
    : QGroupBox(tr("Vocabulary"), parent), m_size(new QLabel(this)),
      m_table(new QTableWidget(0, 2, this))
{
    m_size->setTextFormat(Qt::PlainText);
    m_size->setWordWrap(true);
    m_table->setObjectName(QStringLiteral("vocabTable"));
    m_table->setHorizontalHeaderLabels({tr("id"), tr("token")});
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_size);
    layout->addWidget(m_table, 1);
}

void VocabPanel::setVocab(const attnlab::Vocab& vocab)
{
    m_size->setText(tr("V = %1 tokens. The columns of values, predictions and the bigram "
                       "table follow this order.")
                        .arg(vocab.size()));
    m_table->setRowCount(vocab.size());
    for (int id = 0; id < vocab.size(); ++id) {
        m_table->setItem(id, 0, readOnlyItem(QString::number(id), Qt::AlignRight));
        m_table->setItem(id, 1,
                         readOnlyItem(QString::fromStdString(vocab.token(id)), Qt::AlignLeft));
    }
    m_table->resizeRowsToContents();
}

QStringList VocabPanel::tokens() const
{
    QStringList list;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        list << m_table->item(row, 1)->text();
    }
    return list;
}
