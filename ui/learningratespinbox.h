// A spin box for the learning rate: shows and accepts scientific notation (1e-4, 0.003, 2.5e-5)
// and steps along the ladder 1, 2, 5, 10, 20, 50, … so that one click changes it by a
// readable factor. Numbers use the C locale (a dot as decimal point), as in code and papers.
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
};
