#include "vitworker.h"

#include "logging.h"

#include <errors.h>
#include <gpubackend.h>

#include <algorithm>
#include <exception>

namespace {

VitFrame makeFrame(const attnlab::VitTrainer& trainer, const VitImage& image,
                   const std::vector<VitCurvePoint>& curve,
                   const attnlab::VitEvaluation& evaluation, bool running, std::uint64_t generation)
{
    VitFrame f;
    f.state = trainer.state();
    f.message = trainer.message();
    f.epoch = trainer.epoch();
    f.epochs = trainer.config().epochs;
    f.step = trainer.stepCount();
    f.stepInEpoch = trainer.stepInEpoch();
    f.stepsPerEpoch = trainer.stepsPerEpoch();
    f.curve = curve;
    f.evaluation = evaluation;
    f.image = image;
    const attnlab::VitConfig& m = trainer.config().model;
    if (image.rows == m.imageRows && image.cols == m.imageCols &&
        image.pixels.size() == size_t(m.pixels())) {
        f.snapshot = trainer.snapshot(image.pixels.data(), image.label);
    }
    const attnlab::ImageSet& test = trainer.testSet();
    for (int i = 0; i < std::min(VitController::kGallerySize, test.count()); ++i) {
        const attnlab::VitImageSnapshot s = trainer.snapshot(test.image(i), test.labels[size_t(i)]);
        f.gallery.push_back({i, s.label, s.predicted});
    }
    f.running = running;
    f.generation = generation;
    return f;
}

} // namespace

VitWorker::VitWorker() : m_thread([this] { run(); }) {}

VitWorker::~VitWorker()
{
    m_queue.quit();
    m_thread.join();
}

void VitWorker::install(std::unique_ptr<attnlab::VitTrainer> trainer, std::uint64_t generation,
                        VitImage image, std::vector<VitCurvePoint> curve)
{
    m_slot.store(makeFrame(*trainer, image, curve, {}, false, generation));
    auto holder = std::make_shared<std::unique_ptr<attnlab::VitTrainer>>(std::move(trainer));
    post([this, holder, generation, image, curve = std::move(curve)] {
        m_trainer = std::move(*holder);
        m_fault.clear();
        if (m_device) {
            try {
                m_trainer->trainOn(m_device);
            } catch (const std::exception& error) {
                qWarning("The Vision Transformer trains on the CPU: the GPU failed: %s",
                         error.what());
                m_device.reset();
            }
        }
        m_generation = generation;
        m_image = image;
        m_curve = curve;
        m_evaluation = {};
        m_lossSum = 0;
        m_accuracySum = 0;
        m_lossSteps = 0;
        m_pending.reset();
        m_running = false;
    });
}

void VitWorker::train()
{
    post([this] { m_running = m_trainer && !m_trainer->done() && m_fault.empty(); });
}

void VitWorker::pause()
{
    post([this] { m_running = false; });
}

// A point still being evaluated belongs to the step before: it is completed first.
void VitWorker::step()
{
    post([this] {
        m_running = false;
        if (m_pending) {
            evaluateSome(false);
        }
        if (m_trainer && !m_trainer->done() && m_fault.empty()) {
            takeStep(m_trainer->config().batchSize); // the rest of a step begun, or a whole one
        }
    });
}

void VitWorker::setLearningRate(double learningRate)
{
    post([this, learningRate] {
        if (m_trainer) {
            m_trainer->setLearningRate(learningRate);
        }
    });
}

void VitWorker::setDevice(std::shared_ptr<attnlab::gpu::Session> session)
{
    post([this, session = std::move(session)] { m_device = session; });
}

void VitWorker::select(VitImage image)
{
    post([this, image = std::move(image)] { m_image = image; });
}

std::future<attnlab::VitSession> VitWorker::capture(attnlab::VitDataSource data,
                                                    std::map<std::string, std::string> view)
{
    auto promise = std::make_shared<std::promise<attnlab::VitSession>>();
    std::future<attnlab::VitSession> result = promise->get_future();
    post([this, promise, data = std::move(data), view = std::move(view)] {
        try {
            if (!m_trainer) {
                throw attnlab::InputError("there is no model to save yet");
            }
            if (m_pending) {
                evaluateSome(false);
            }
            std::vector<attnlab::CurvePoint> curve;
            for (const VitCurvePoint& point : m_curve) {
                curve.push_back(sessionPointOf(point));
            }
            promise->set_value(attnlab::sessionOf(*m_trainer, data, curve, view));
        } catch (...) {
            promise->set_exception(std::current_exception());
        }
    });
    return result;
}

void VitWorker::run()
{
    CommandQueue::Command command;
    for (;;) {
        const bool busy = m_running || m_pending;
        const std::optional<Clock::time_point> wakeAt =
            busy ? std::optional(Clock::time_point::min()) : std::nullopt;
        if (!m_queue.next(command, wakeAt)) {
            return;
        }
        if (command) {
            execute(command);
            command = nullptr;
            continue;
        }
        try {
            if (m_pending) {
                evaluateSome(true);
            } else if (m_running) {
                trainSlice();
            }
        } catch (const attnlab::gpu::GpuError& error) {
            fail(error);
        } catch (const std::exception& error) {
            qCWarning(lcCore) << "image training stopped:" << error.what();
            m_pending.reset();
            m_running = false;
            publishSafely();
        }
    }
}

void VitWorker::execute(const CommandQueue::Command& command)
{
    try {
        command();
    } catch (const attnlab::gpu::GpuError& error) {
        fail(error);
        return;
    } catch (const std::exception& error) {
        qCWarning(lcCore) << "image training command refused:" << error.what();
    }
    publishSafely();
}

// The GPU failed: training stops, the fault is shown, and from now on models train on the
// CPU (the model in hand keeps what it had; Reset starts a new one).
void VitWorker::fail(const attnlab::gpu::GpuError& error)
{
    qCWarning(lcCore) << "image training stopped by the GPU:" << error.what();
    m_fault = std::string("training stopped: the GPU failed (") + error.what() +
              "); Reset starts a new model on the CPU";
    m_device.reset();
    m_pending.reset();
    m_running = false;
    publishSafely();
}

// Trains, a few images at a time, until it is time to publish, a command arrives, training
// ends or a curve point is due. A step left half done goes on at the next slice.
void VitWorker::trainSlice()
{
    const Clock::time_point publishAt = m_lastPublish + VitController::kPublishInterval;
    while (!m_queue.interrupted() && !m_trainer->done() && !m_pending && Clock::now() < publishAt) {
        takeStep(VitController::kImagesPerSlice);
    }
    if (m_trainer->done() && !m_pending) {
        m_running = false;
    }
    if (!m_running || Clock::now() >= publishAt) {
        publish();
    }
}

// Up to `images` more images of the batch; when that ends a step, a point of the curves every
// kEvaluateEvery steps, and on the whole test set when training ends.
void VitWorker::takeStep(int images)
{
    if (m_trainer->advance(images) != attnlab::VitTrainer::Progress::Stepped) {
        return;
    }
    m_lossSum += m_trainer->stepLosses().back();
    m_accuracySum += m_trainer->stepAccuracies().back();
    ++m_lossSteps;
    if (m_trainer->done()) {
        beginCurvePoint(0);
    } else if (m_trainer->stepCount() % VitController::kEvaluateEvery == 0) {
        beginCurvePoint(VitController::kLiveTestImages);
    }
}

// The training side of the point now; its test side (the first `testImages` test images, all
// when 0) as evaluateSome() gets to it.
void VitWorker::beginCurvePoint(int testImages)
{
    PendingPoint pending;
    VitCurvePoint& p = pending.point;
    p.epoch = m_trainer->epoch() +
              double(m_trainer->stepInEpoch()) / std::max(1, m_trainer->stepsPerEpoch());
    p.trainLoss = m_lossSteps > 0 ? m_lossSum / m_lossSteps : 0.0;
    p.trainAccuracy = m_lossSteps > 0 ? m_accuracySum / m_lossSteps : 0.0;
    m_lossSum = 0;
    m_accuracySum = 0;
    m_lossSteps = 0;
    const int count = m_trainer->testSet().count();
    pending.images = testImages > 0 ? std::min(testImages, count) : count;
    const int classes = m_trainer->config().model.classes;
    pending.sum.confusion = attnlab::Matrix::Zero(classes, classes);
    m_pending = std::move(pending);
}

// Test images one at a time, until the point is complete or (when `yieldToCommands`) a
// command waits. Each goes through VitTrainer::evaluate() as a set of one, and the sums are
// those evaluate() forms over the whole range, in the same order: the same numbers.
void VitWorker::evaluateSome(bool yieldToCommands)
{
    PendingPoint& p = *m_pending;
    const attnlab::ImageSet& test = m_trainer->testSet();
    m_oneImage.rows = test.rows;
    m_oneImage.cols = test.cols;
    while (p.next < p.images && !(yieldToCommands && m_queue.interrupted())) {
        const float* image = test.image(p.next);
        m_oneImage.pixels.assign(image, image + size_t(test.rows) * size_t(test.cols));
        m_oneImage.labels.assign(1, test.labels[size_t(p.next)]);
        const attnlab::VitEvaluation one = m_trainer->evaluate(m_oneImage);
        p.sum.loss += one.loss;         // that image's loss
        p.sum.accuracy += one.accuracy; // 1 when it was classified right
        p.sum.confusion += one.confusion;
        ++p.next;
    }
    if (p.next == p.images) {
        finishCurvePoint();
    }
}

void VitWorker::finishCurvePoint()
{
    PendingPoint p = std::move(*m_pending);
    m_pending.reset();
    if (m_trainer->testSet().count() > 0) {
        m_evaluation = std::move(p.sum);
        m_evaluation.images = p.images;
        if (p.images > 0) {
            m_evaluation.loss /= p.images;
            m_evaluation.accuracy /= p.images;
        }
        p.point.testLoss = m_evaluation.loss;
        p.point.testAccuracy = m_evaluation.accuracy;
    }
    m_curve.push_back(p.point);
    if (m_trainer->done()) {
        m_running = false;
    }
    publish();
}

void VitWorker::publish()
{
    if (m_trainer) {
        VitFrame frame =
            makeFrame(*m_trainer, m_image, m_curve, m_evaluation, m_running, m_generation);
        if (!m_fault.empty()) {
            frame.message = m_fault;
        }
        m_slot.store(std::move(frame));
    }
    m_lastPublish = Clock::now();
}

// After a failure the model itself may fail to show (a GPU that stopped working): then the
// last frame stays, with the fault and training paused.
void VitWorker::publishSafely()
{
    try {
        publish();
    } catch (const std::exception& error) {
        qCWarning(lcCore) << "image frame not taken:" << error.what();
        if (const std::shared_ptr<const VitFrame> last = m_slot.latest()) {
            VitFrame frame = *last;
            frame.message = m_fault;
            frame.running = false;
            m_slot.store(std::move(frame));
        }
    }
}
