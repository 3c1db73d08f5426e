// Runs the lesson's trainer on a worker thread and hands what it computed to the UI.
//
// The worker thread owns the attnlab::ToyTrainer; no other thread touches it, and the worker
// never touches a widget. The UI sends commands (rebuild, train, pause, step, reset, learning
// rate, epochs, evaluate) that queue to the worker and interrupt a training run between two
// epochs, so each answers within one epoch (microseconds). The worker publishes a
// TrainingFrame into a mutex-guarded slot: while training at most every kPublishInterval, and
// at once after every command and when training finishes or diverges. A QTimer on the UI
// thread reads the slot every kPollInterval and emits frameChanged() only when the frame is
// new: one signal per display frame, never one per step.
//
// rebuild() constructs the new trainer on the calling thread, so a refused corpus or
// configuration throws attnlab::InputError right there and the current model stays.
#pragma once

#include <corpus.h>
#include <session.h>
#include <snapshot.h>
#include <toymodel.h>

#include <QObject>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class QTimer;
class TrainingWorker;

// What the UI shows: where training is, as one immutable value.
struct TrainingFrame
{
    attnlab::Snapshot snapshot;
    bool running = false;                                // the worker is training now
    std::optional<attnlab::SentenceSnapshot> evaluation; // the sentence asked for by evaluate()
    std::string evaluationError;                         // why it could not be evaluated
    std::uint64_t generation = 0;                        // counts rebuilds and resets
    std::uint64_t version = 0;                           // grows with every publication
};

// The state a person sees, from the trainer's state and whether the worker is running.
enum class RunState
{
    Ready,
    Training,
    Paused,
    Finished,
    Stopped
};
RunState runStateOf(const TrainingFrame& frame);

class TrainingController : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds kPublishInterval{15};
    static constexpr std::chrono::milliseconds kPollInterval{30};

    explicit TrainingController(QObject* parent);
    // Stops training and joins the worker.
    ~TrainingController() override;

    // Replaces the model with a fresh one for this corpus and configuration, paused at epoch
    // 0. Throws attnlab::InputError (and keeps the current model) when they are refused.
    void rebuild(attnlab::Corpus corpus, const attnlab::ToyConfig& config);
    // Starts or resumes training until the epochs are done or pause() is called.
    void train();
    void pause();
    // Pauses, then trains exactly one epoch.
    void step();
    // A fresh model for the same corpus and configuration (learning rate and epochs as set).
    void reset();
    // Apply to the running model without rebuilding it. Throw attnlab::InputError when the
    // value is out of range.
    void setLearningRate(double learningRate);
    void setEpochs(int epochs);
    // Epochs per second while training; 0 trains as fast as the CPU allows.
    void setPace(int epochsPerSecond);
    // Keeps this sentence (token ids, <start> first) evaluated by the current model in every
    // frame, or clears it.
    void evaluate(std::vector<int> ids);
    void clearEvaluation();

    // The current model's whole state (weights, optimizer, position, losses), for a session
    // file. Waits for the worker, which answers between two epochs (microseconds on the lesson).
    // Throws attnlab::InputError when there is no model.
    attnlab::ToySession session() const;
    // Replaces the model with the session's, paused where the session stopped. Throws
    // attnlab::InputError (keeping the current model) when the session does not fit together.
    void restore(const attnlab::ToySession& session);

    // The latest published frame; never null once a model was built. Any thread.
    std::shared_ptr<const TrainingFrame> latest() const;
    bool hasModel() const { return m_hasModel; }
    // The corpus and configuration of the current model, as last set from the UI thread.
    const attnlab::Corpus& corpus() const { return m_corpus; }
    const attnlab::ToyConfig& config() const { return m_config; }

signals:
    // A new frame is in latest(); emitted by the poll timer at most once per interval.
    void frameChanged();

private:
    void poll();

    std::unique_ptr<TrainingWorker> m_worker;
    QTimer* m_timer = nullptr;
    attnlab::Corpus m_corpus;
    attnlab::ToyConfig m_config;
    std::optional<std::vector<int>> m_probe; // the sentence evaluate() asked for
    std::uint64_t m_generation = 0;
    std::uint64_t m_shownVersion = 0;
    bool m_hasModel = false;
};
