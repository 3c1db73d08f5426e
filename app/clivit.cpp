#include "clivit.h"

#include "clitraining.h"

#include <errors.h>
#include <idx.h>
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

// Keeps the first `limit` images (all when limit is 0).
void keepFirst(ImageSet& set, long limit)
{
    if (limit <= 0 || limit >= set.count()) {
        return;
    }
    set.labels.resize(static_cast<size_t>(limit));
    set.pixels.resize(static_cast<size_t>(limit) * static_cast<size_t>(set.rows * set.cols));
}

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

int vitCommand(const QCommandLineParser& p)
{
    VitTrainConfig config = configFrom(p);
    FashionMnist data = loadFashionMnist(p.value("data").toStdString());
    keepFirst(data.train, integerOption(p, "limit", 0));
    keepFirst(data.test, integerOption(p, "test-limit", 0));
    config.model.imageRows = data.train.rows;
    config.model.imageCols = data.train.cols;
    validate(config);
    VitTrainer trainer(std::make_shared<const ImageSet>(std::move(data.train)),
                       std::make_shared<const ImageSet>(std::move(data.test)), config);
    const VitConfig& m = config.model;
    std::printf("vit: %d training and %d test images of %d×%d from %s\n",
                trainer.trainSet().count(), trainer.testSet().count(), m.imageCols, m.imageRows,
                data.folder.c_str());
    std::printf("patch %d (%d patches), E %d, N %d, H %d, L %d, F %d, dropout %g; batch %d, "
                "learning rate %g, epochs %d, seed %llu\n",
                m.patch, m.patches(), m.embed, m.heads, m.headSize, m.layers, m.mlpWidth, m.dropout,
                config.batchSize, config.learningRate, config.epochs,
                static_cast<unsigned long long>(m.seed));
    double trainSeconds = 0;
    VitEvaluation last;
    while (!trainer.done()) {
        const auto start = Clock::now();
        trainer.runEpoch();
        const double secs = std::chrono::duration<double>(Clock::now() - start).count();
        if (trainer.epochLosses().size() < size_t(trainer.epoch()) || trainer.epoch() == 0) {
            break; // diverged within the epoch
        }
        trainSeconds += secs;
        last = trainer.evaluate(trainer.testSet());
        std::printf("epoch %d: %.1f s, %.0f images/s, training loss %.4f, test loss %.4f, "
                    "test accuracy %.2f%%\n",
                    trainer.epoch(), secs, trainer.trainSet().count() / secs,
                    trainer.epochLosses().back(), last.loss, 100 * last.accuracy);
        std::fflush(stdout);
    }
    if (trainer.state() == TrainState::Diverged) {
        std::fprintf(stderr, "attnlab-cli: %s\n", trainer.message().c_str());
        return Diverged;
    }
    printConfusion(last.confusion);
    const int epochs = trainer.epoch();
    std::printf("RESULT attnlab epochs=%d sec_per_epoch=%.2f images_per_sec=%.0f "
                "test_accuracy=%.4f\n",
                epochs, trainSeconds / epochs,
                double(trainer.trainSet().count()) * epochs / trainSeconds, last.accuracy);
    return Success;
}

} // namespace cli
