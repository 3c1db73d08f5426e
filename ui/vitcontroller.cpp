#include "vitcontroller.h"

#include "vitworker.h"

#include <errors.h>

#include <QTimer>

#include <algorithm>
#include <string>

VitImage vitImageOf(const attnlab::ImageSet& set, int index)
{
    VitImage image;
    image.rows = set.rows;
    image.cols = set.cols;
    const float* first = set.image(index);
    image.pixels.assign(first, first + set.rows * set.cols);
    image.label = set.labels[size_t(index)];
    image.index = index;
    image.name = "test image " + std::to_string(index + 1);
    return image;
}

VitController::VitController(QObject* parent)
    : QObject(parent), m_worker(std::make_unique<VitWorker>()), m_timer(new QTimer(this))
{
    m_timer->setInterval(kPollInterval);
    connect(m_timer, &QTimer::timeout, this, &VitController::poll);
    m_timer->start();
}

VitController::~VitController() = default;

attnlab::CurvePoint sessionPointOf(const VitCurvePoint& p)
{
    return {p.epoch, p.trainLoss, p.trainAccuracy, p.testLoss, p.testAccuracy};
}

VitCurvePoint curvePointOf(const attnlab::CurvePoint& p)
{
    return {p.epoch, p.trainLoss, p.trainAccuracy, p.testLoss, p.testAccuracy};
}

void VitController::rebuild(std::shared_ptr<const attnlab::ImageSet> train,
                            std::shared_ptr<const attnlab::ImageSet> test,
                            const attnlab::VitTrainConfig& config)
{
    auto trainer = std::make_unique<attnlab::VitTrainer>(train, test, config);
    install(std::move(trainer), std::move(train), std::move(test), {});
}

attnlab::VitSession VitController::session(attnlab::VitDataSource data,
                                           std::map<std::string, std::string> view) const
{
    return m_worker->capture(std::move(data), std::move(view)).get();
}

void VitController::restore(const attnlab::VitSession& session,
                            std::shared_ptr<const attnlab::ImageSet> train,
                            std::shared_ptr<const attnlab::ImageSet> test)
{
    auto trainer = std::make_unique<attnlab::VitTrainer>(attnlab::trainerOf(session, train, test));
    std::vector<VitCurvePoint> curve;
    for (const attnlab::CurvePoint& point : session.curve) {
        curve.push_back(curvePointOf(point));
    }
    install(std::move(trainer), std::move(train), std::move(test), std::move(curve));
}

// Shows test image 0 (training image 0 without a test set).
void VitController::install(std::unique_ptr<attnlab::VitTrainer> trainer,
                            std::shared_ptr<const attnlab::ImageSet> train,
                            std::shared_ptr<const attnlab::ImageSet> test,
                            std::vector<VitCurvePoint> curve)
{
    const attnlab::ImageSet& shown =
        trainer->testSet().count() > 0 ? trainer->testSet() : trainer->trainSet();
    VitImage first = vitImageOf(shown, 0);
    m_train = std::move(train);
    m_test = std::move(test);
    m_config = trainer->config();
    m_hasModel = true;
    m_worker->install(std::move(trainer), ++m_generation, std::move(first), std::move(curve));
}

void VitController::train()
{
    m_worker->train();
}

void VitController::pause()
{
    m_worker->pause();
}

void VitController::step()
{
    m_worker->step();
}

void VitController::reset()
{
    if (m_hasModel) {
        rebuild(m_train, m_test, m_config);
    }
}

void VitController::setDevice(std::shared_ptr<attnlab::gpu::Session> session)
{
    m_worker->setDevice(std::move(session));
}

void VitController::setLearningRate(double learningRate)
{
    attnlab::VitTrainConfig config = m_config;
    config.learningRate = learningRate;
    attnlab::validate(config);
    m_config = config;
    m_worker->setLearningRate(learningRate);
}

void VitController::selectTestImage(int index)
{
    if (!m_test || m_test->count() == 0) {
        return;
    }
    m_worker->select(vitImageOf(*m_test, std::clamp(index, 0, m_test->count() - 1)));
}

void VitController::selectImage(VitImage image)
{
    const attnlab::VitConfig& m = m_config.model;
    if (image.rows != m.imageRows || image.cols != m.imageCols ||
        image.pixels.size() != size_t(image.rows) * size_t(image.cols)) {
        throw attnlab::InputError(image.name + " is " + std::to_string(image.cols) + "×" +
                                  std::to_string(image.rows) + " pixels; the model takes " +
                                  std::to_string(m.imageCols) + "×" + std::to_string(m.imageRows));
    }
    m_worker->select(std::move(image));
}

std::shared_ptr<const VitFrame> VitController::latest() const
{
    return m_worker->latest();
}

void VitController::poll()
{
    const std::shared_ptr<const VitFrame> frame = latest();
    if (frame && frame->version != m_shownVersion) {
        m_shownVersion = frame->version;
        emit frameChanged();
    }
}
