// The hyperparameters of the lesson's model (attnlab::ToyConfig).
//
// The learning rate and the number of epochs apply to the running model; every other setting
// changes the shapes or the initialization, so changing it rebuilds the model from epoch 0.
// The panel only reports changes: whoever owns the model applies them.
#pragma once

#include <toymodel.h>

#include <QGroupBox>

class LearningRateSpinBox;
class QCheckBox;
class QComboBox;
class QLabel;
class QSpinBox;

class SettingsPanel : public QGroupBox
{
    Q_OBJECT
public:
    explicit SettingsPanel(QWidget* parent);

    attnlab::ToyConfig config() const;
    // Shows a configuration without emitting any change.
    void setConfig(const attnlab::ToyConfig& config);
    // A refused setting, in red under the form; cleared by clearError().
    void showError(const QString& message);
    void clearError();

signals:
    void learningRateChanged(double learningRate);
    void epochsChanged(int epochs);
    // A setting that needs a new model changed; `setting` names it for the status line.
    void modelSettingChanged(const QString& setting);

private:
    void createSpinBoxes();
    void createChoices();
    void layoutControls();
    void connectControls();
    void notifyRebuild(const QString& setting);

    QSpinBox* m_headSize = nullptr;
    QSpinBox* m_context = nullptr;
    LearningRateSpinBox* m_learningRate = nullptr;
    QSpinBox* m_epochs = nullptr;
    QSpinBox* m_seed = nullptr;
    QCheckBox* m_causal = nullptr;
    QCheckBox* m_skip = nullptr;
    QComboBox* m_output = nullptr;
    QLabel* m_error = nullptr;
};
