// Trains the Vision Transformer on a worker thread and hands what it computed to the Vision
// Transformer page, like TrainingController does for the single head.
//
// The worker owns the attnlab::VitTrainer; commands queue to it and interrupt training between
// two steps (one batch) and an evaluation between two images. While training it publishes a
// frame at most every kPublishInterval, half the poll interval, so that every poll finds one.
// A frame holds where training is, the curves, the latest evaluation, the selected image
// through the model (attention of every layer and head, rollout, probabilities) and the
// gallery's predictions: a handful of images, never the data set.
//
// Every kEvaluateEvery steps the model is evaluated on the first kLiveTestImages test images
// (a point of the curves); when training ends, on the whole test set. Training waits for the
// evaluation; a frame says running until the last evaluation is done.
//
// rebuild() constructs the trainer on the calling thread: a refused configuration or image set
// throws attnlab::InputError there and the current model stays. So does restore() with a
// session that does not fit.
#pragma once

#include <imageset.h>
#include <vitsession.h>
#include <vittrainer.h>

#include <QObject>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

class VitWorker;
class QTimer;

// An image shown through the model: a test image (index ≥ 0) or the user's own.
struct VitImage
{
    std::vector<float> pixels; // rows × cols in [0, 1]
    int rows = 0;
    int cols = 0;
    int label = -1;   // the true class, -1 when unknown
    int index = -1;   // position in the test set, -1 for the user's image
    std::string name; // "test image 12", or the file name
};

// A point of the curves: where training was, and the losses and accuracy then.
struct VitCurvePoint
{
    double epoch = 0;         // epochs done, fractional
    double trainLoss = 0;     // mean training loss since the previous point
    double trainAccuracy = 0; // share of the training images since then classified right
    double testLoss = 0;      // on the evaluated test images
    double testAccuracy = 0;  // share of them classified right
};

struct VitGalleryEntry
{
    int index = 0; // position in the test set
    int label = 0;
    int predicted = 0;
};

struct VitFrame
{
    attnlab::TrainState state = attnlab::TrainState::Ready;
    std::string message;
    int epoch = 0;
    int epochs = 0;
    long step = 0;
    int stepInEpoch = 0;
    int stepsPerEpoch = 0;
    std::vector<VitCurvePoint> curve;
    attnlab::VitEvaluation evaluation;  // the latest one (images = 0 before the first)
    VitImage image;                     // the selected image
    attnlab::VitImageSnapshot snapshot; // it, through the model
    std::vector<VitGalleryEntry> gallery;
    bool running = false;
    std::uint64_t generation = 0;
    std::uint64_t version = 0;
};

class VitController : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds kPublishInterval{15};
    static constexpr std::chrono::milliseconds kPollInterval{30};
    static constexpr int kEvaluateEvery = 100;
    static constexpr int kLiveTestImages = 1000;
    // Training images the worker takes between two looks at its commands and the clock: some
    // 3 ms of work on one core at the default settings, where a batch of 64 takes over 20.
    static constexpr int kImagesPerSlice = 8;
    static constexpr int kGallerySize = 16;

    explicit VitController(QObject* parent);
    ~VitController() override;

    // A fresh model on these sets, paused at step 0, showing test image 0 (or training image 0
    // when there is no test set). Throws attnlab::InputError (keeping the current model).
    void rebuild(std::shared_ptr<const attnlab::ImageSet> train,
                 std::shared_ptr<const attnlab::ImageSet> test,
                 const attnlab::VitTrainConfig& config);
    void train();
    void pause();
    // Pauses, then trains one step (a batch).
    void step();
    void reset();
    // Throws attnlab::InputError when out of range.
    void setLearningRate(double learningRate);
    // The GPU the models built or restored from now on train on (null: the CPU).
    void setDevice(std::shared_ptr<attnlab::gpu::Session> session);
    // Shows test image `index` (clamped into range).
    void selectTestImage(int index);
    // Shows the user's image (the page converts it to the model's size first). Throws
    // attnlab::InputError naming it when its size is not the model's.
    void selectImage(VitImage image);

    // The model's whole state between two steps (mid-step: before the step begun) with the
    // curves drawn so far, where the images came from and `view`, for a session file
    // (vitsession.h). A point of the curves still being evaluated is completed first. Waits
    // for the worker. Throws attnlab::InputError when there is no model yet.
    attnlab::VitSession session(attnlab::VitDataSource data,
                                std::map<std::string, std::string> view = {}) const;
    // Replaces the model with the session's, on these sets (the images the session names),
    // paused where it stopped, with its curves. Throws attnlab::InputError (keeping the
    // current model) when the session does not fit the sets or its settings.
    void restore(const attnlab::VitSession& session, std::shared_ptr<const attnlab::ImageSet> train,
                 std::shared_ptr<const attnlab::ImageSet> test);

    std::shared_ptr<const VitFrame> latest() const;
    bool hasModel() const { return m_hasModel; }
    const attnlab::VitTrainConfig& config() const { return m_config; }
    const std::shared_ptr<const attnlab::ImageSet>& testSet() const { return m_test; }
    const std::shared_ptr<const attnlab::ImageSet>& trainSet() const { return m_train; }

signals:
    void frameChanged();

private:
    void poll();
    void install(std::unique_ptr<attnlab::VitTrainer> trainer,
                 std::shared_ptr<const attnlab::ImageSet> train,
                 std::shared_ptr<const attnlab::ImageSet> test, std::vector<VitCurvePoint> curve);

    std::unique_ptr<VitWorker> m_worker;
    QTimer* m_timer = nullptr;
    std::shared_ptr<const attnlab::ImageSet> m_train;
    std::shared_ptr<const attnlab::ImageSet> m_test;
    attnlab::VitTrainConfig m_config;
    std::uint64_t m_generation = 0;
    std::uint64_t m_shownVersion = 0;
    bool m_hasModel = false;
};

// The image of `set` at `index` as a VitImage.
VitImage vitImageOf(const attnlab::ImageSet& set, int index);
// A point of the curves as a session keeps it, and back.
attnlab::CurvePoint sessionPointOf(const VitCurvePoint& point);
VitCurvePoint curvePointOf(const attnlab::CurvePoint& point);
