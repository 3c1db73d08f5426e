#include "controlspanel.h"

#include "errortext.h"
#include "figurelook.h"
#include "settingskeys.h"
#include "statuslabel.h"
#include "storedvalue.h"

#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPalette>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

#include <algorithm>

namespace {

constexpr int kDefaultPace = 1000; // the lesson's 5000 epochs take five seconds to watch

QPushButton* button(QWidget* parent, const QString& text, const char* name, const QString& toolTip)
{
    auto* b = new QPushButton(text, parent);
    b->setObjectName(QLatin1String(name));
    b->setToolTip(toolTip);
    return b;
}

QLabel* plainLabel(QWidget* parent, const char* name)
{
    auto* label = new QLabel(parent);
    label->setObjectName(QLatin1String(name));
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    return label;
}

// Name and colour of each state, as the state label shows them.
QString stateName(RunState state)
{
    switch (state) {
    case RunState::Ready:
        return ControlsPanel::tr("Ready");
    case RunState::Training:
        return ControlsPanel::tr("Training");
    case RunState::Paused:
        return ControlsPanel::tr("Paused");
    case RunState::Finished:
        return ControlsPanel::tr("Finished");
    case RunState::Stopped:
        return ControlsPanel::tr("Stopped");
    }
    return {};
}

// Darker shades on a light window, lighter ones on a dark window.
QColor stateColor(RunState state, bool dark)
{
    switch (state) {
    case RunState::Training:
        return QColor(dark ? "#81c784" : "#2e7d32");
    case RunState::Paused:
        return QColor(dark ? "#ffb74d" : "#b26a00");
    case RunState::Finished:
        return QColor(dark ? "#64b5f6" : "#1565c0");
    case RunState::Stopped:
        return QColor(dark ? "#ef9a9a" : "#c62828");
    default:
        return QColor(dark ? "#bdbdbd" : "#555555");
    }
}

} // namespace

ControlsPanel::ControlsPanel(QWidget* parent) : QGroupBox(tr("Training"), parent)
{
    createWidgets();
    createPaceBox();
    layOut();
    connectButtons();
    showState(RunState::Ready);
}

void ControlsPanel::createWidgets()
{
    m_train = button(this, tr("Train"), "trainButton", tr("Train, or resume after a pause"));
    m_pause = button(this, tr("Pause"), "pauseButton", tr("Pause after the current epoch"));
    m_step = button(this, tr("Step"), "stepButton",
                    tr("Train one epoch: one optimizer step per sentence"));
    m_reset = button(this, tr("Reset"), "resetButton",
                     tr("Start again from the initial weights (same seed), at epoch 0"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("epochProgress"));
    m_state = plainLabel(this, "stateLabel");
    m_state->setWordWrap(false);
    updateStateFont();
    m_status = new StatusLabel(this);
    m_status->setObjectName(QStringLiteral("statusLabel"));
    m_message = plainLabel(this, "messageLabel");
    ErrorText::mark(m_message);
    m_message->hide();
    m_note = plainLabel(this, "noteLabel");
    m_note->setEnabled(false); // drawn as secondary text
}

void ControlsPanel::createPaceBox()
{
    m_pace = new QComboBox(this);
    m_pace->setObjectName(QStringLiteral("paceBox"));
    m_pace->setToolTip(tr("How fast training runs, so that the change can be watched"));
    for (int pace : {20, 100, 200, kDefaultPace, 5000}) {
        m_pace->addItem(tr("%L1 epochs/s").arg(pace), pace);
    }
    m_pace->addItem(tr("As fast as possible"), 0);
    m_pace->setCurrentIndex(m_pace->findData(kDefaultPace));
}

void ControlsPanel::layOut()
{
    auto* buttons = new QHBoxLayout;
    for (QPushButton* b : {m_train, m_pause, m_step, m_reset}) {
        buttons->addWidget(b);
    }
    buttons->addSpacing(12);
    buttons->addWidget(new QLabel(tr("Speed"), this));
    buttons->addWidget(m_pace);
    buttons->addStretch();
    auto* status = new QHBoxLayout;
    status->addWidget(m_state);
    status->addWidget(m_status, 1, Qt::AlignVCenter);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    layout->addLayout(status);
    layout->addWidget(m_message);
    layout->addWidget(m_note);
    layout->addStretch();
}

void ControlsPanel::connectButtons()
{
    connect(m_train, &QPushButton::clicked, this, &ControlsPanel::trainClicked);
    connect(m_pause, &QPushButton::clicked, this, &ControlsPanel::pauseClicked);
    connect(m_step, &QPushButton::clicked, this, &ControlsPanel::stepClicked);
    connect(m_reset, &QPushButton::clicked, this, &ControlsPanel::resetClicked);
    connect(m_pace, &QComboBox::currentIndexChanged, this, [this] { emit paceChanged(pace()); });
}

void ControlsPanel::showFrame(const TrainingFrame& frame)
{
    showState(runStateOf(frame));
    showProgress(frame.snapshot);
    showMessage(frame);
}

void ControlsPanel::showState(RunState state)
{
    if (m_shownState == state) {
        return;
    }
    m_shownState = state;
    m_state->setText(stateName(state));
    QPalette palette = m_state->palette();
    palette.setColor(QPalette::WindowText, stateColor(state, FigureLook::isDark(this->palette())));
    m_state->setPalette(palette);
    const bool open =
        state == RunState::Ready || state == RunState::Paused || state == RunState::Training;
    m_train->setEnabled(open && state != RunState::Training);
    m_pause->setEnabled(state == RunState::Training);
    m_step->setEnabled(open);
}

void ControlsPanel::showProgress(const attnlab::Snapshot& snapshot)
{
    const int epochs = snapshot.config.epochs;
    m_progress->setRange(0, epochs);
    m_progress->setValue(std::min(snapshot.epoch, epochs));
    m_progress->setFormat(epochs == 1 ? tr("%L1 / 1 epoch").arg(snapshot.epoch)
                                      : tr("%L1 / %L2 epochs").arg(snapshot.epoch).arg(epochs));
    const QString loss = snapshot.epochLosses.empty()
                             ? tr("none yet")
                             : QString::number(snapshot.epochLosses.back(), 'f', 4);
    m_status->setText(tr("epoch %L1 / %L2 · steps: %L3 · loss: %4")
                          .arg(snapshot.epoch)
                          .arg(epochs)
                          .arg(snapshot.step)
                          .arg(loss));
}

void ControlsPanel::showMessage(const TrainingFrame& frame)
{
    const bool stopped = runStateOf(frame) == RunState::Stopped;
    m_message->setText(stopped ? QString::fromStdString(frame.snapshot.message) : QString());
    m_message->setVisible(stopped);
}

void ControlsPanel::showNote(const QString& note)
{
    m_note->setText(note);
}

void ControlsPanel::updateStateFont()
{
    QFont big = font();
    if (big.pointSizeF() > 0) {
        big.setPointSizeF(big.pointSizeF() * 1.4);
    } else {
        big.setPixelSize(qRound(big.pixelSize() * 1.4));
    }
    big.setBold(true);
    m_state->setFont(big);
}

void ControlsPanel::changeEvent(QEvent* event)
{
    QGroupBox::changeEvent(event);
    if (event->type() == QEvent::FontChange && m_state) {
        updateStateFont();
    } else if (event->type() == QEvent::PaletteChange && m_shownState) {
        const RunState state = *m_shownState;
        m_shownState.reset();
        showState(state);
    }
}

void ControlsPanel::restoreSettings(const QSettings& settings)
{
    StoredValue::restore(settings, SettingsKeys::singleHeadPace, m_pace);
}

void ControlsPanel::saveSettings(QSettings& settings) const
{
    StoredValue::store(settings, SettingsKeys::singleHeadPace, m_pace);
}

int ControlsPanel::pace() const
{
    return m_pace->currentData().toInt();
}

QString ControlsPanel::stateText() const
{
    return m_state->text();
}

QString ControlsPanel::statusText() const
{
    return m_status->text();
}

QString ControlsPanel::message() const
{
    return m_message->text();
}
