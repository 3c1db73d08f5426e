#include "clivit.h"

#include "clitraining.h"

#include <device.h>
#include <errors.h>
#include <idx.h>
#include <vitsession.h>
#include <vittrainer.h>

#include <QCommandLineParser>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

using namespace attnlab;

namespace cli {

namespace {

using Clock = std::chrono::steady_clock;

// Checked before the images load, for Fashion-MNIST's 28×28; again once their size is known.
VitTrainConfig configFrom(const QCommandLineParser& p)
{
    VitTrainConfig c;
    c.model.patch = int(integerOption(p, "patch", c.model.patch));
    c.model.embed = int(integerOption(p, "embed", c.model.embed));
    c.model.heads = int(integerOption(p, "heads", c.model.heads));
    c.model.headSize = int(integerOption(p, "head-size", c.model.headSize));
    c.model.layers = int(integerOption(p, "layers", c.model.layers));
    c.model.mlpWidth = int(integerOption(p, "mlp-width", c.model.mlpWidth));
    c.model.dropout = numberOption(p, "dropout", c.model.dropout);
    c.model.mlp = !p.isSet("no-mlp");
    c.model.layerNorm = !p.isSet("no-layer-norm");
    c.model.residual = !p.isSet("no-skip");
    const long seed = integerOption(p, "seed", 1);
    if (seed < 0) {
        throw InputError("--seed expects a whole number of 0 or more");
    }
    c.model.seed = std::uint64_t(seed);
    c.batchSize = int(integerOption(p, "batch", c.batchSize));
    c.learningRate = numberOption(p, "learning-rate", c.learningRate);
    c.epochs = int(integerOption(p, "epochs", c.epochs));
    validate(c);
    return c;
}

void printConfusion(const Matrix& confusion)
{
    std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n%12s", "");
    for (int c = 0; c < confusion.cols(); ++c) {
        std::printf("%6d", c);
    }
    std::printf("\n");
    for (int r = 0; r < confusion.rows(); ++r) {
        std::printf("%2d %-9.9s", r, std::string(kFashionClasses[size_t(r) % 10]).c_str());
        for (int c = 0; c < confusion.cols(); ++c) {
            std::printf("%6.0f", double(confusion(r, c)));
        }
        std::printf("\n");
    }
}

} // namespace

QList<QCommandLineOption> vitOptions()
{
    return {
        {"data",
         "vit: the Fashion-MNIST folder (default: $ATTNLAB_FASHION_MNIST, else "
         "/usr/share/datasets/fashion-mnist from the dataset-fashion-mnist package).",
         "FOLDER"},
        {"patch", "vit: patch size P, 7 (16 patches, the default) or 4 (49 patches).", "P"},
        {"limit", "vit: train on the first N training images only (default: all 60000).", "N"},
        {"test-limit", "vit: evaluate on the first N test images only (default: all).", "N"},
    };
}

QStringList vitOnlyOptions()
{
    QStringList names;
    for (const QCommandLineOption& option : vitOptions()) {
        names << option.names();
    }
    return names;
}

QStringList textOnlyOptions()
{
    return {"preset", "objective", "mask-fraction", "lesson", "corpus", "context"};
}

namespace {

// The options a session brings along and so does not take (--data may say where its images
// are now).
const QStringList kVitSessionFixes = {"patch",         "embed",   "heads", "head-size", "layers",
                                      "mlp-width",     "dropout", "seed",  "batch",     "no-mlp",
                                      "no-layer-norm", "no-skip", "limit", "test-limit"};

int limitOption(const QCommandLineParser& p, const char* name)
{
    const long limit = integerOption(p, name, 0);
    if (limit < 0) {
        throw InputError("--" + std::string(name) + " expects a whole number of 0 or more");
    }
    return int(limit);
}

struct VitRun
{
    std::unique_ptr<VitTrainer> trainer;
    VitDataSource source;
    std::string folder; // where the images were read
    std::vector<CurvePoint> curve;
    std::map<std::string, std::string> view;
};

VitRun runFromSession(const QCommandLineParser& p)
{
    for (const QString& name : kVitSessionFixes) {
        if (p.isSet(name)) {
            throw UsageError("--" + name.toStdString() +
                             " cannot change a saved session (--load-session): its settings and "
                             "images come with it");
        }
    }
    VitSession session = loadVitSession(p.value("load-session").toStdString());
    if (p.isSet("data")) {
        session.data.folder = p.value("data").toStdString();
    }
    session.config.epochs = int(integerOption(p, "epochs", session.config.epochs));
    session.config.learningRate = numberOption(p, "learning-rate", session.config.learningRate);
    validate(session.config);
    FashionMnist data = loadSessionImages(session.data);
    auto trainer = std::make_unique<VitTrainer>(
        trainerOf(session, std::make_shared<const ImageSet>(std::move(data.train)),
                  std::make_shared<const ImageSet>(std::move(data.test))));
    return {std::move(trainer), session.data, data.folder, session.curve, session.view};
}

VitRun runFromOptions(const QCommandLineParser& p)
{
    VitTrainConfig config = configFrom(p);
    const VitDataSource source{p.value("data").toStdString(), limitOption(p, "limit"),
                               limitOption(p, "test-limit")};
    FashionMnist data = loadSessionImages(source);
    config.model.imageRows = data.train.rows;
    config.model.imageCols = data.train.cols;
    validate(config);
    auto trainer = std::make_unique<VitTrainer>(
        std::make_shared<const ImageSet>(std::move(data.train)),
        std::make_shared<const ImageSet>(std::move(data.test)), config);
    return {std::move(trainer), source, data.folder, {}, {}};
}

void printSettings(const VitTrainer& trainer, const std::string& folder, const DeviceReport& device)
{
    const VitTrainConfig& config = trainer.config();
    const VitConfig& m = config.model;
    std::printf("vit: %d training and %d test images of %d×%d from %s\n",
                trainer.trainSet().count(), trainer.testSet().count(), m.imageCols, m.imageRows,
                folder.c_str());
    std::printf("patch %d (%d patches), E %d, N %d, H %d, L %d, F %d, dropout %g; batch %d, "
                "learning rate %g, epochs %d, seed %llu\n",
                m.patch, m.patches(), m.embed, m.heads, m.headSize, m.layers, m.mlpWidth, m.dropout,
                config.batchSize, config.learningRate, config.epochs,
                static_cast<unsigned long long>(m.seed));
    printDevice(device);
    if (trainer.stepCount() > 0) {
        std::printf("  going on from epoch %d (step %ld) of the saved session\n", trainer.epoch(),
                    trainer.stepCount());
    }
}

} // namespace

int vitCommand(const QCommandLineParser& p)
{
    const TrainingDevice chosen = deviceFrom(p);
    VitRun run = p.isSet("load-session") ? runFromSession(p) : runFromOptions(p);
    VitTrainer& trainer = *run.trainer;
    const DeviceReport device = placed(trainer, chosen);
    printSettings(trainer, run.folder, device);
    double trainSeconds = 0;
    int epochsRun = 0;
    VitEvaluation last;
    while (!trainer.done()) {
        const auto start = Clock::now();
        trainer.runEpoch();
        const double secs = std::chrono::duration<double>(Clock::now() - start).count();
        if (trainer.epochLosses().size() < size_t(trainer.epoch()) || trainer.epoch() == 0) {
            break; // diverged within the epoch
        }
        trainSeconds += secs;
        ++epochsRun;
        last = trainer.evaluate(trainer.testSet());
        std::printf("epoch %d: %.1f s, %.0f images/s, training loss %.4f, test loss %.4f, "
                    "test accuracy %.2f%%\n",
                    trainer.epoch(), secs, trainer.trainSet().count() / secs,
                    trainer.epochLosses().back(), last.loss, 100 * last.accuracy);
        std::fflush(stdout);
    }
    if (p.isSet("save-session")) {
        const std::string path = p.value("save-session").toStdString();
        saveSession(sessionOf(trainer, run.source, run.curve, run.view), path);
        std::printf("saved the session to %s\n", path.c_str());
    }
    if (trainer.state() == TrainState::Diverged) {
        std::fprintf(stderr, "attnlab-cli: %s\n", trainer.message().c_str());
        return Diverged;
    }
    if (epochsRun == 0) {
        last = trainer.evaluate(trainer.testSet());
        std::printf("no epoch left to train: test loss %.4f, test accuracy %.2f%%\n", last.loss,
                    100 * last.accuracy);
    }
    printConfusion(last.confusion);
    std::printf("RESULT attnlab epochs=%d sec_per_epoch=%.2f images_per_sec=%.0f "
                "test_accuracy=%.4f\n",
                trainer.epoch(), trainSeconds / std::max(epochsRun, 1),
                double(trainer.trainSet().count()) * epochsRun / std::max(trainSeconds, 1e-9),
                last.accuracy);
    return Success;
}

} // namespace cli
