#include "settingspanel.h"

#include "errortext.h"
#include "learningratespinbox.h"
#include "settingskeys.h"
#include "settingspinbox.h"
#include "storedvalue.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QSettings>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <utility>
#include <vector>

namespace {

SettingSpinBox* spinBox(QWidget* parent, const char* name, int minimum, int maximum)
{
    auto* box = new SettingSpinBox(parent);
    box->setObjectName(QLatin1String(name));
    box->setRange(minimum, maximum);
    box->setGroupSeparatorShown(maximum >= 100000);
    return box;
}

QLabel* wrappedLabel(QWidget* parent, const QString& text)
{
    auto* label = new QLabel(text, parent);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    return label;
}

} // namespace

SettingsPanel::SettingsPanel(QWidget* parent) : QGroupBox(tr("Hyperparameters"), parent)
{
    createSpinBoxes();
    createChoices();
    layoutControls();
    setConfig(attnlab::ToyConfig{});
    connectControls();
    connectRefusals();
}

void SettingsPanel::createSpinBoxes()
{
    m_headSize = spinBox(this, "headSize", 1, 256);
    m_headSize->setToolTip(tr("H: the width of the queries and keys"));
    m_context = spinBox(this, "context", 2, kLargestContext);
    m_context->setToolTip(tr("T: the longest sentence the model takes, <start> included"));
    m_learningRate = new LearningRateSpinBox(this);
    m_learningRate->setObjectName(QStringLiteral("learningRate"));
    m_learningRate->setToolTip(tr("Adam's step size. Type a value such as 1e-3, or step "
                                  "through 1, 2, 5, 10, …"));
    m_epochs = spinBox(this, "epochs", 1, 100000000);
    m_epochs->setToolTip(tr("One epoch is one optimizer step per sentence"));
    m_seed = spinBox(this, "seed", 0, INT_MAX);
    m_seed->setToolTip(tr("Seed of the random initial weights"));
}

void SettingsPanel::createChoices()
{
    m_causal = new QCheckBox(tr("Causal mask"), this);
    m_causal->setObjectName(QStringLiteral("causal"));
    m_causal->setToolTip(tr("Each token attends only to itself and the tokens before it"));
    m_skip = new QCheckBox(tr("Skip connection"), this);
    m_skip->setObjectName(QStringLiteral("skip"));
    m_skip->setToolTip(tr("Adds the inputs to the logits"));
    m_output = new QComboBox(this);
    m_output->setObjectName(QStringLiteral("output"));
    m_output->addItem(tr("Softmax"), int(attnlab::OutputKind::Softmax));
    m_output->addItem(tr("Sigmoid"), int(attnlab::OutputKind::Sigmoid));
    m_output->setToolTip(tr("How the logits become probabilities"));
    m_error = wrappedLabel(this, QString());
    m_error->setObjectName(QStringLiteral("settingsError"));
    ErrorText::mark(m_error);
    m_error->hide();
}

// The wrapped labels go below the form, not in it: a form row that appears (the error) keeps the
// height the form measured for it while hidden, and its last line was cut off.
void SettingsPanel::layoutControls()
{
    auto* form = new QFormLayout;
    form->addRow(tr("Head size H"), m_headSize);
    form->addRow(tr("Context T"), m_context);
    form->addRow(tr("Learning rate"), m_learningRate);
    form->addRow(tr("Epochs"), m_epochs);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(tr("Output"), m_output);
    form->addRow(m_causal);
    form->addRow(m_skip);
    auto* note = wrappedLabel(this, tr("Learning rate and epochs apply at once; any other "
                                       "change rebuilds the model from epoch 0."));
    note->setEnabled(false); // drawn as secondary text
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_error);
}

void SettingsPanel::connectControls()
{
    connect(m_learningRate, &QDoubleSpinBox::valueChanged, this, [this](double learningRate) {
        clearError();
        emit learningRateChanged(learningRate);
    });
    connect(m_epochs, &QSpinBox::valueChanged, this, [this](int epochs) {
        clearError();
        emit epochsChanged(epochs);
    });
    connect(m_headSize, &QSpinBox::valueChanged, this, [this] { notifyRebuild(tr("head size")); });
    connect(m_context, &QSpinBox::valueChanged, this, [this] { notifyRebuild(tr("context")); });
    connect(m_seed, &QSpinBox::valueChanged, this, [this] { notifyRebuild(tr("seed")); });
    connect(m_causal, &QCheckBox::toggled, this, [this] { notifyRebuild(tr("causal mask")); });
    connect(m_skip, &QCheckBox::toggled, this, [this] { notifyRebuild(tr("skip connection")); });
    connect(m_output, &QComboBox::currentIndexChanged, this,
            [this] { notifyRebuild(tr("output")); });
}

void SettingsPanel::connectRefusals()
{
    const std::pair<SettingSpinBox*, QString> boxes[] = {{m_headSize, tr("Head size H")},
                                                         {m_context, tr("Context T")},
                                                         {m_epochs, tr("Epochs")},
                                                         {m_seed, tr("Seed")}};
    for (const auto& [box, setting] : boxes) {
        connect(box, &SettingSpinBox::refused, this, [this, box, setting](const QString& text) {
            refuseWholeNumber(box, setting, text);
        });
    }
    connect(m_learningRate, &LearningRateSpinBox::refused, this,
            &SettingsPanel::refuseLearningRate);
}

void SettingsPanel::notifyRebuild(const QString& setting)
{
    clearError();
    emit modelSettingChanged(setting);
}

void SettingsPanel::refuseWholeNumber(const SettingSpinBox* box, const QString& setting,
                                      const QString& text)
{
    refuse(tr("%1 takes whole numbers from %2 to %3; “%4” was not applied.")
               .arg(setting, box->textOf(box->minimum()), box->textOf(box->maximum()), text));
}

void SettingsPanel::refuseLearningRate(const QString& text)
{
    refuse(tr("The learning rate takes values from %1 to %2; “%3” was not applied.")
               .arg(m_learningRate->textFromValue(m_learningRate->minimum()),
                    m_learningRate->textFromValue(m_learningRate->maximum()), text));
}

void SettingsPanel::refuse(const QString& message)
{
    showError(message);
    emit valueRefused(message);
}

attnlab::ToyConfig SettingsPanel::config() const
{
    attnlab::ToyConfig config;
    config.headSize = m_headSize->value();
    config.context = m_context->value();
    config.learningRate = m_learningRate->value();
    config.epochs = m_epochs->value();
    config.seed = static_cast<std::uint64_t>(m_seed->value());
    config.causal = m_causal->isChecked();
    config.skip = m_skip->isChecked();
    config.output = static_cast<attnlab::OutputKind>(m_output->currentData().toInt());
    return config;
}

std::vector<QSignalBlocker> SettingsPanel::blockControls() const
{
    const QList<QWidget*> controls{m_headSize, m_context, m_learningRate, m_epochs,
                                   m_seed,     m_causal,  m_skip,         m_output};
    std::vector<QSignalBlocker> blockers;
    blockers.reserve(size_t(controls.size()));
    for (QWidget* control : controls) {
        blockers.emplace_back(control);
    }
    return blockers;
}

void SettingsPanel::setConfig(const attnlab::ToyConfig& config)
{
    const std::vector<QSignalBlocker> blockers = blockControls();
    m_headSize->setValue(config.headSize);
    m_context->setValue(config.context);
    m_learningRate->setValue(config.learningRate);
    m_epochs->setValue(config.epochs);
    m_seed->setValue(static_cast<int>(std::min<std::uint64_t>(config.seed, INT_MAX)));
    m_causal->setChecked(config.causal);
    m_skip->setChecked(config.skip);
    m_output->setCurrentIndex(m_output->findData(int(config.output)));
}

void SettingsPanel::restoreSettings(const QSettings& settings)
{
    using namespace SettingsKeys;
    const std::vector<QSignalBlocker> blockers = blockControls();
    StoredValue::restore(settings, singleHeadHeadSize, m_headSize);
    StoredValue::restore(settings, singleHeadContext, m_context);
    StoredValue::restore(settings, singleHeadLearningRate, m_learningRate);
    StoredValue::restore(settings, singleHeadEpochs, m_epochs);
    StoredValue::restore(settings, singleHeadSeed, m_seed);
    StoredValue::restore(settings, singleHeadCausal, m_causal);
    StoredValue::restore(settings, singleHeadSkip, m_skip);
    StoredValue::restore(settings, singleHeadOutput, m_output);
}

void SettingsPanel::saveSettings(QSettings& settings) const
{
    using namespace SettingsKeys;
    StoredValue::store(settings, singleHeadHeadSize, m_headSize);
    StoredValue::store(settings, singleHeadContext, m_context);
    StoredValue::store(settings, singleHeadLearningRate, m_learningRate);
    StoredValue::store(settings, singleHeadEpochs, m_epochs);
    StoredValue::store(settings, singleHeadSeed, m_seed);
    StoredValue::store(settings, singleHeadCausal, m_causal);
    StoredValue::store(settings, singleHeadSkip, m_skip);
    StoredValue::store(settings, singleHeadOutput, m_output);
}

void SettingsPanel::showError(const QString& message)
{
    m_error->setText(message);
    m_error->show();
}

void SettingsPanel::clearError()
{
    m_error->clear();
    m_error->hide();
}
