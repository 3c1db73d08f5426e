// The sentences the model trains on: an editor with one sentence per line, the lesson's text
// preloaded, an Apply button and a Lesson button that brings the lesson back.
//
// The panel only reports what to apply; whoever owns the model parses it and either calls
// setApplied() or, when the text is refused, showError(). The editor's text is never replaced
// except by Lesson and setText(), and both can be undone (Ctrl+Z) like typing.
#pragma once

#include <QGroupBox>

class QLabel;
class QPlainTextEdit;
class QPushButton;

class CorpusPanel : public QGroupBox
{
    Q_OBJECT
public:
    explicit CorpusPanel(QWidget* parent);

    QString text() const;
    // Replaces the editor's text as one step of its undo history.
    void setText(const QString& text);
    // The model was built from this text; until the editor's text differs from it again,
    // hasUnappliedText() is false.
    void setApplied(const QString& text);
    // The editor holds sentences that are not the model's (typed and not applied, or refused).
    // White space at either end of the text does not count.
    bool hasUnappliedText() const;
    // The context, for the hint under the editor.
    void setContext(int context);
    // Why the text was refused, in red under the editor; cleared by clearError().
    void showError(const QString& message);
    void clearError();
    QString error() const;

signals:
    void applyRequested(const QString& text);

private:
    void setUpWidgets();
    void layOut();
    void restoreLesson();

    QPlainTextEdit* m_editor = nullptr;
    QLabel* m_hint = nullptr;
    QLabel* m_error = nullptr;
    QPushButton* m_apply = nullptr;
    QPushButton* m_lesson = nullptr;
    QString m_applied; // the text the model was last built from
};
