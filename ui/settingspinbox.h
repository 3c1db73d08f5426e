// A spin box for a whole-number setting that says when a typed value is refused.
//
// A plain QSpinBox drops the keystroke that would leave its range, so typing 300 into a box
// that ends at 256 gives 30, and that value is applied. Here a number outside the range can be
// typed in full; when the edit ends (Return or leaving the box) it is refused as a whole: the
// box goes back to its value, valueChanged() is not emitted and refused() names the text.
#pragma once

#include <QSpinBox>

class SettingSpinBox : public QSpinBox
{
    Q_OBJECT
public:
    explicit SettingSpinBox(QWidget* parent);

    // `value` as the box shows it (with group separators where the box has them).
    QString textOf(int value) const { return textFromValue(value); }
    QValidator::State validate(QString& text, int& pos) const override;
    void fixup(QString& text) const override;

signals:
    // The edit ended on `text`, which is not a value of the box; the value did not change.
    void refused(const QString& text);

private:
    void reportRefusal();

    // fixup() is const and runs inside the spin box's own handling of the edit's end, so it
    // only notes the refused text; editingFinished(), which follows, reports it.
    mutable QString m_refused;
};
