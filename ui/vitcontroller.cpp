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

void VitController::rebuild(std::shared_ptr<const attnlab::ImageSet> train,
                            std::shared_ptr<const attnlab::ImageSet> test,
                            const attnlab::VitTrainConfig& config)
{
    auto trainer = std::make_unique<attnlab::VitTrainer>(train, test, config);
    const attnlab::ImageSet& shown =
        trainer->testSet().count() > 0 ? trainer->testSet() : trainer->trainSet();
    VitImage first = vitImageOf(shown, 0);
    m_train = std::move(train);
    m_test = std::move(test);
    m_config = config;
    m_hasModel = true;
    m_worker->install(std::move(trainer), ++m_generation, std::move(first));
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
