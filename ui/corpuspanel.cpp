#include "corpuspanel.h"

#include "errortext.h"

#include <corpus.h>
#include <toymodel.h>

#include <QFontMetrics>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTextCursor>
#include <QVBoxLayout>

namespace {

constexpr int kVisibleLines = 4;
constexpr int kMostLines = 9; // more sentences scroll

} // namespace

CorpusPanel::CorpusPanel(QWidget* parent)
    : QGroupBox(tr("Sentences"), parent), m_editor(new QPlainTextEdit(this)),
      m_hint(new QLabel(this)), m_error(new QLabel(this)),
      m_apply(new QPushButton(tr("Apply"), this)), m_lesson(new QPushButton(tr("Lesson"), this))
{
    setUpWidgets();
    layOut();
    setContext(attnlab::ToyConfig{}.context);
    connect(m_apply, &QPushButton::clicked, this, [this] { emit applyRequested(text()); });
    connect(m_lesson, &QPushButton::clicked, this, &CorpusPanel::restoreLesson);
}

void CorpusPanel::setUpWidgets()
{
    m_editor->setObjectName(QStringLiteral("corpusEditor"));
    m_editor->setPlainText(QString::fromStdString(attnlab::lessonText()));
    m_applied = m_editor->toPlainText();
    m_editor->setTabChangesFocus(true);
    const int lineHeight = QFontMetrics(m_editor->font()).lineSpacing();
    m_editor->setMinimumHeight(lineHeight * kVisibleLines);
    m_editor->setMaximumHeight(lineHeight * kMostLines);
    m_hint->setTextFormat(Qt::PlainText);
    m_hint->setWordWrap(true);
    m_hint->setEnabled(false); // drawn as secondary text
    m_error->setObjectName(QStringLiteral("corpusError"));
    m_error->setTextFormat(Qt::PlainText);
    m_error->setWordWrap(true);
    ErrorText::mark(m_error);
    m_error->hide();
    m_apply->setObjectName(QStringLiteral("applyButton"));
    m_apply->setToolTip(tr("Rebuild the vocabulary and the model from these sentences "
                           "(Ctrl+Return)"));
    m_apply->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_lesson->setObjectName(QStringLiteral("lessonButton"));
    m_lesson->setToolTip(tr("Bring back the lesson's two sentences and apply them"));
}

void CorpusPanel::layOut()
{
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_lesson);
    buttons->addStretch();
    buttons->addWidget(m_apply);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_editor, 1);
    layout->addWidget(m_hint);
    layout->addLayout(buttons);
    layout->addWidget(m_error);
}

QString CorpusPanel::text() const
{
    return m_editor->toPlainText();
}

// setPlainText() would clear the undo history and, with it, the user's sentences.
void CorpusPanel::setText(const QString& text)
{
    QTextCursor cursor(m_editor->document());
    cursor.beginEditBlock();
    cursor.select(QTextCursor::Document);
    cursor.insertText(text);
    cursor.endEditBlock();
}

void CorpusPanel::setApplied(const QString& text)
{
    m_applied = text;
}

bool CorpusPanel::hasUnappliedText() const
{
    return text().trimmed() != m_applied.trimmed();
}

void CorpusPanel::setContext(int context)
{
    m_hint->setText(tr("One sentence per line; <start> comes first by itself. Each sentence "
                       "has at most %1 tokens with <start> (the context).")
                        .arg(context));
}

void CorpusPanel::showError(const QString& message)
{
    m_error->setText(message);
    m_error->show();
}

void CorpusPanel::clearError()
{
    m_error->clear();
    m_error->hide();
}

QString CorpusPanel::error() const
{
    return m_error->text();
}

void CorpusPanel::restoreLesson()
{
    setText(QString::fromStdString(attnlab::lessonText()));
    emit applyRequested(text());
}
