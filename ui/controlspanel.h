// Train, Pause, Step and Reset, the training speed, and where training stands: the state
// (Ready, Training, Paused, Finished, Stopped), epoch n / N, steps, the latest loss and a
// progress bar over the epochs. When training stopped at a non-finite loss, the trainer's
// message is shown in red under the status.
//
// A refresh while training changes the status line (a StatusLabel) and the progress bar and
// lays nothing out again; the state label changes with the state alone.
#pragma once

#include "trainingcontroller.h"

#include <QGroupBox>

#include <optional>

class QComboBox;
class QLabel;
class QProgressBar;
class QSettings;
class QPushButton;
class StatusLabel;

class ControlsPanel : public QGroupBox
{
    Q_OBJECT
public:
    explicit ControlsPanel(QWidget* parent);

    void showFrame(const TrainingFrame& frame);
    // A line about the latest change (a rebuild, a new learning rate), under the status.
    void showNote(const QString& note);
    // Epochs per second chosen in the speed box; 0 for as fast as possible.
    int pace() const;
    // The speed stored in QSettings, when it is one of the box's (paceChanged() follows).
    void restoreSettings(const QSettings& settings);
    void saveSettings(QSettings& settings) const;
    QString stateText() const;
    QString statusText() const;
    QString message() const;

signals:
    void trainClicked();
    void pauseClicked();
    void stepClicked();
    void resetClicked();
    void paceChanged(int epochsPerSecond);

protected:
    // The state's larger font follows the panel's (presenter mode), its colour the palette.
    void changeEvent(QEvent* event) override;

private:
    void createWidgets();
    void updateStateFont();
    void createPaceBox();
    void layOut();
    void connectButtons();
    void showState(RunState state);
    void showProgress(const attnlab::Snapshot& snapshot);
    void showMessage(const TrainingFrame& frame);

    QPushButton* m_train = nullptr;
    QPushButton* m_pause = nullptr;
    QPushButton* m_step = nullptr;
    QPushButton* m_reset = nullptr;
    QComboBox* m_pace = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_state = nullptr;
    StatusLabel* m_status = nullptr;
    QLabel* m_message = nullptr;
    QLabel* m_note = nullptr;
    std::optional<RunState> m_shownState;
};
