// The hyperparameters of the lesson's model (attnlab::ToyConfig).
//
// The learning rate and the number of epochs apply to the running model; every other setting
// changes the shapes or the initialization, so changing it rebuilds the model from epoch 0.
// The panel only reports changes: whoever owns the model applies them. A value changes when its
// edit ends (Return or leaving the box), never on a keystroke; a typed value outside a
// setting's range is refused with a message that names the setting and its range.
#pragma once

#include <toymodel.h>

#include <QGroupBox>
#include <QSignalBlocker>

#include <vector>

class LearningRateSpinBox;
class QCheckBox;
class QSettings;
class QComboBox;
class QLabel;
class SettingSpinBox;

class SettingsPanel : public QGroupBox
{
    Q_OBJECT
public:
    // The longest sentence, in tokens with <start>, that the context box allows.
    static constexpr int kLargestContext = 64;

    explicit SettingsPanel(QWidget* parent);

    attnlab::ToyConfig config() const;
    // Shows a configuration without emitting any change.
    void setConfig(const attnlab::ToyConfig& config);
    // The hyperparameters stored in QSettings, shown without emitting any change; a stored
    // value a box does not take leaves the box as it is. Whoever owns the model applies them.
    void restoreSettings(const QSettings& settings);
    void saveSettings(QSettings& settings) const;
    // A refused setting, in red under the form; cleared by clearError().
    void showError(const QString& message);
    void clearError();

signals:
    void learningRateChanged(double learningRate);
    void epochsChanged(int epochs);
    // A setting that needs a new model changed; `setting` names it for the status line.
    void modelSettingChanged(const QString& setting);
    // A typed value was refused; `message` (also shown under the form) says why.
    void valueRefused(const QString& message);

private:
    void createSpinBoxes();
    void createChoices();
    void layoutControls();
    void connectControls();
    void connectRefusals();
    void notifyRebuild(const QString& setting);
    void refuseWholeNumber(const SettingSpinBox* box, const QString& setting, const QString& text);
    void refuseLearningRate(const QString& text);
    void refuse(const QString& message);
    std::vector<QSignalBlocker> blockControls() const;

    SettingSpinBox* m_headSize = nullptr;
    SettingSpinBox* m_context = nullptr;
    LearningRateSpinBox* m_learningRate = nullptr;
    SettingSpinBox* m_epochs = nullptr;
    SettingSpinBox* m_seed = nullptr;
    QCheckBox* m_causal = nullptr;
    QCheckBox* m_skip = nullptr;
    QComboBox* m_output = nullptr;
    QLabel* m_error = nullptr;
};
