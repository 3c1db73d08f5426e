// Trains two transformers on the same sentences, side by side, on a worker thread: on the left
// the causal next-token model (GPT), on the right the same model trained without the mask or
// on the masked-token task (BERT). Both start from the same seed, so they differ only in the
// objective; they train together, one step of each in turn.
//
// The design follows TrainingController: the worker thread owns both attnlab::TextTrainers,
// commands queue to it and interrupt training between two steps, and frames are published to
// a mutex-guarded slot at most every kPublishInterval while training (at once after a
// command). A frame carries the selected sentence through both models, not the whole corpus,
// so that a corpus of hundreds of sentences costs nothing extra per frame. A QTimer on the UI
// thread emits frameChanged() when a new frame is there.
//
// rebuild() constructs both trainers on the calling thread: a refused configuration throws
// attnlab::InputError there and the current models stay. So does restore() with a session.
#pragma once

#include <corpus.h>
#include <textsession.h>
#include <texttrainer.h>

#include <QObject>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

class ComparisonWorker;
class QTimer;

// One model of the pair as the UI shows it.
struct ComparisonSide
{
    attnlab::Objective objective = attnlab::Objective::Causal;
    attnlab::TrainState state = attnlab::TrainState::Ready;
    std::string message; // why training stopped, when it did
    int epoch = 0;
    long step = 0;
    std::vector<double> epochLosses;
    std::vector<std::string> vocab;         // V labels ([MASK] last for the masked objective)
    attnlab::TextSentenceSnapshot sentence; // the selected sentence through this model
    std::string sentenceError;              // why it could not be evaluated
};

struct ComparisonFrame
{
    std::array<ComparisonSide, 2> sides; // left: causal; right: unmasked or masked
    int sentence = 0;                    // the corpus sentence shown
    std::vector<int> masked;             // positions replaced by [MASK] on a masked side
    bool running = false;
    std::uint64_t generation = 0; // counts rebuilds and resets
    std::uint64_t version = 0;    // grows with every publication
};

// What the pair is built from: the corpus, the model and training settings (their objective
// is ignored: the left model is causal) and the right model's objective.
struct ComparisonSetup
{
    attnlab::Corpus corpus;
    attnlab::TextConfig config;
    attnlab::Objective right = attnlab::Objective::Unmasked;
    std::string preset; // presets.h name of the text; empty for the user's own sentences
};

class ComparisonController : public QObject
{
    Q_OBJECT
public:
    // Half the poll interval, so that every poll finds a new frame while training.
    static constexpr std::chrono::milliseconds kPublishInterval{15};
    static constexpr std::chrono::milliseconds kPollInterval{30};

    explicit ComparisonController(QObject* parent);
    ~ComparisonController() override;

    // Two fresh models, paused at step 0, showing sentence 0. Throws attnlab::InputError
    // (keeping the current pair) when the corpus, a sentence's length or a setting is refused;
    // the left model's objective is set to causal. Returns the setup as used.
    const ComparisonSetup& rebuild(ComparisonSetup setup);
    void train();
    void pause();
    // Pauses, then trains one epoch of each model.
    void step();
    // Fresh models from the same setup.
    void reset();
    // Throws attnlab::InputError when the value is out of range.
    void setLearningRate(double learningRate);
    void setEpochs(int epochs);
    // Shows corpus sentence `sentence` (clamped into range) with the tokens at `masked` replaced
    // by [MASK] on a masked-token side (the last token when `masked` is empty).
    void select(int sentence, std::vector<int> masked = {});

    // Both models' whole state between two steps, with the corpus, its preset and `view`, for
    // a session file (textsession.h). Waits for the worker to end the step it is in. Throws
    // attnlab::InputError when there are no models yet.
    attnlab::TextPairSession session(std::map<std::string, std::string> view = {}) const;
    // Replaces both models with the session's, paused where it stopped, showing sentence 0.
    // Throws attnlab::InputError (keeping the current pair) when the session does not fit.
    void restore(const attnlab::TextPairSession& session);

    std::shared_ptr<const ComparisonFrame> latest() const;
    bool hasModels() const { return m_hasModels; }
    const ComparisonSetup& setup() const { return m_setup; }

signals:
    void frameChanged();

private:
    void poll();

    std::unique_ptr<ComparisonWorker> m_worker;
    QTimer* m_timer = nullptr;
    ComparisonSetup m_setup;
    std::uint64_t m_generation = 0;
    std::uint64_t m_shownVersion = 0;
    bool m_hasModels = false;
};
