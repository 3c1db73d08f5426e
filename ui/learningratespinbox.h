// A spin box for the learning rate: shows and accepts scientific notation (1e-4, 0.003, 2.5e-5)
// and steps along the ladder 1, 2, 5, 10, 20, 50, … so that one click changes it by a
// readable factor. Numbers use the C locale (a dot as decimal point), as in code and papers.
//
// A value changes only when the edit ends (Return or leaving the box). A typed value outside
// the range (0, 1e-7, 1e31) is then refused as a whole: the box goes back to its value and
// refused() names the text.
#pragma once

#include <QDoubleSpinBox>

class LearningRateSpinBox : public QDoubleSpinBox
{
    Q_OBJECT
public:
    explicit LearningRateSpinBox(QWidget* parent);

    void stepBy(int steps) override;
    QString textFromValue(double value) const override;
    double valueFromText(const QString& text) const override;
    QValidator::State validate(QString& text, int& pos) const override;
    void fixup(QString& text) const override;

signals:
    // The edit ended on `text`, which is not a value of the box; the value did not change.
    void refused(const QString& text);

private:
    void reportRefusal();

    // Noted by fixup() (const, inside the spin box's handling of the edit's end); reported on
    // editingFinished(), which follows.
    mutable QString m_refused;
};
