// The sentences the model trains on: an editor with one sentence per line, the lesson's text
// preloaded, an Apply button and a Lesson button that brings the lesson back.
//
// The panel only reports what to apply; whoever owns the model parses it and, when the text
// is refused, calls showError(). The editor's text is never replaced except by Lesson.
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
    void setText(const QString& text);
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
};
