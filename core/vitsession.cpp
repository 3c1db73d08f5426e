#include "vitsession.h"

#include "checkpoint.h"
#include "errors.h"

#include <cmath>
#include <utility>

namespace attnlab {

namespace {

using sessionio::Reader;
using sessionio::Setting;

constexpr long long kMaxImages = kMaxIdxImages;
constexpr long long kMaxCurve = 10'000'000;

std::vector<Setting> settingsOf(VitTrainConfig& c)
{
    VitConfig& m = c.model;
    return {{"image-rows", &m.imageRows},
            {"image-cols", &m.imageCols},
            {"patch", &m.patch},
            {"embed", &m.embed},
            {"heads", &m.heads},
            {"head-size", &m.headSize},
            {"layers", &m.layers},
            {"mlp-width", &m.mlpWidth},
            {"mlp", &m.mlp},
            {"layer-norm", &m.layerNorm},
            {"residual", &m.residual},
            {"dropout", &m.dropout},
            {"classes", &m.classes},
            {"seed", &m.seed},
            {"batch-size", &c.batchSize},
            {"learning-rate", &c.learningRate},
            {"epochs", &c.epochs},
            {"shuffle", &c.shuffle}};
}

bool finitePoint(const CurvePoint& p)
{
    return std::isfinite(p.epoch) && std::isfinite(p.trainLoss) && std::isfinite(p.trainAccuracy) &&
           std::isfinite(p.testLoss) && std::isfinite(p.testAccuracy);
}

void appendCurve(std::string& out, const std::vector<CurvePoint>& curve)
{
    out += "curve " + std::to_string(curve.size()) + "\n";
    for (const CurvePoint& p : curve) {
        const double values[] = {p.epoch, p.trainLoss, p.trainAccuracy, p.testLoss, p.testAccuracy};
        for (size_t i = 0; i < std::size(values); ++i) {
            out += i > 0 ? " " : "";
            sessionio::appendNumber(out, values[i]);
        }
        out += '\n';
    }
}

void appendState(std::string& out, const VitCheckpoint& k)
{
    out += "images " + std::to_string(k.trainImages) + "\n";
    out += "position " + std::to_string(k.epoch) + " " + std::to_string(k.steps) + " " +
           std::to_string(k.next) + " " + std::to_string(k.epochImages) + "\n";
    sessionio::appendOrder(out, k.order);
    sessionio::appendProgress(out, k.epochSum, k.diverged, k.message);
    sessionio::appendList(out, "losses", k.epochLosses);
    sessionio::appendList(out, "step-losses", k.stepLosses);
    sessionio::appendList(out, "step-accuracies", k.stepAccuracies);
    sessionio::appendRng(out, "dropout", k.dropoutRng);
    sessionio::appendRng(out, "order", k.orderRng);
    sessionio::appendWeights(out, k.params.names(), k.params.all());
    sessionio::appendAdam(out, k.adamStep, k.adamM, k.adamV);
}

VitDataSource readData(Reader& in)
{
    VitDataSource d;
    d.folder = std::string(in.keyword("data"));
    const std::vector<std::string_view> f = Reader::fields(in.keyword("limits"));
    if (f.size() != 2) {
        in.fail("expected \"limits <train> <test>\"");
    }
    d.trainLimit = static_cast<int>(in.count(f[0], "the training limit", kMaxImages));
    d.testLimit = static_cast<int>(in.count(f[1], "the test limit", kMaxImages));
    return d;
}

VitTrainConfig readConfig(Reader& in)
{
    VitTrainConfig c;
    in.settings(settingsOf(c));
    try {
        validate(c);
    } catch (const InputError& e) {
        in.fail(e.what());
    }
    return c;
}

void readProgress(Reader& in, VitCheckpoint& k)
{
    k.trainImages = static_cast<int>(in.count(in.keyword("images"), "the images", kMaxImages));
    const std::vector<std::string_view> f = Reader::fields(in.keyword("position"));
    if (f.size() != 4) {
        in.fail("expected \"position <epoch> <steps> <next> <epoch-images>\"");
    }
    k.epoch = static_cast<int>(in.count(f[0], "the epoch", 100000000));
    k.steps = static_cast<long>(in.count(f[1], "the step count", 1LL << 40));
    k.next = static_cast<int>(in.count(f[2], "the next image", kMaxImages));
    k.epochImages = static_cast<int>(in.count(f[3], "the images of the epoch", kMaxImages));
    k.order = in.order(kMaxImages);
    in.progress(k.epochSum, k.diverged, k.message);
    k.epochLosses = in.list("losses", "a loss");
    k.stepLosses = in.list("step-losses", "a loss");
    k.stepAccuracies = in.list("step-accuracies", "an accuracy");
}

void readWeights(Reader& in, const VitConfig& c, VitCheckpoint& k)
{
    k.dropoutRng = in.rng("dropout");
    k.orderRng = in.rng("order");
    k.params.blocks.resize(static_cast<size_t>(c.layers));
    const std::vector<Matrix*> params = k.params.all();
    in.weights(k.params.names(), params);
    in.adam(params.size(), k.adamStep, k.adamM, k.adamV);
}

std::vector<CurvePoint> readCurve(Reader& in)
{
    const long long n = in.count(in.keyword("curve"), "the number of curve points", kMaxCurve);
    std::vector<CurvePoint> curve;
    for (long long i = 0; i < n; ++i) {
        const std::vector<std::string_view> f = Reader::fields(in.line());
        if (f.size() != 5) {
            in.fail("a curve point has 5 numbers, not " + std::to_string(f.size()));
        }
        curve.push_back({in.finite<double>(f[0], "a curve point's epoch"),
                         in.finite<double>(f[1], "a loss"), in.finite<double>(f[2], "an accuracy"),
                         in.finite<double>(f[3], "a loss"),
                         in.finite<double>(f[4], "an accuracy")});
    }
    return curve;
}

} // namespace

VitSession sessionOf(const VitTrainer& trainer, VitDataSource data,
                     const std::vector<CurvePoint>& curve, std::map<std::string, std::string> view)
{
    VitSession s;
    s.data = std::move(data);
    s.config = trainer.config();
    s.checkpoint = trainer.checkpoint();
    for (const CurvePoint& p : curve) {
        if (finitePoint(p)) {
            s.curve.push_back(p);
        }
    }
    s.view = std::move(view);
    return s;
}

void keepFirstImages(ImageSet& set, int limit)
{
    if (limit <= 0 || limit >= set.count()) {
        return;
    }
    set.labels.resize(static_cast<size_t>(limit));
    set.pixels.resize(static_cast<size_t>(limit) * static_cast<size_t>(set.rows * set.cols));
}

FashionMnist loadSessionImages(const VitDataSource& data)
{
    FashionMnist images = loadFashionMnist(data.folder);
    keepFirstImages(images.train, data.trainLimit);
    keepFirstImages(images.test, data.testLimit);
    return images;
}

VitTrainer trainerOf(const VitSession& session, std::shared_ptr<const ImageSet> train,
                     std::shared_ptr<const ImageSet> test)
{
    // Before a model of the size the settings say is made: they could say any size.
    const VitCheckpoint& k = session.checkpoint;
    checkWeights(k.params.names(), parameterShapes(session.config.model), k.params.all());
    return VitTrainer(std::move(train), std::move(test), session.config, k);
}

std::string writeSession(const VitSession& s)
{
    std::string out = "attnlab-session " + std::to_string(kSessionFormat) + "\nkind " +
                      sessionKindName(SessionKind::VisionTransformer) + "\n";
    sessionio::appendText(out, "data", s.data.folder);
    out += "limits " + std::to_string(s.data.trainLimit) + " " + std::to_string(s.data.testLimit) +
           "\n";
    VitTrainConfig config = s.config;
    sessionio::appendSettings(out, settingsOf(config));
    appendState(out, s.checkpoint);
    appendCurve(out, s.curve);
    sessionio::appendViewAndEnd(out, s.view);
    return out;
}

VitSession parseVitSession(std::string_view text, std::string_view source)
{
    Reader in(text, source);
    in.header(SessionKind::VisionTransformer);
    VitSession s;
    s.data = readData(in);
    s.config = readConfig(in);
    readProgress(in, s.checkpoint);
    readWeights(in, s.config.model, s.checkpoint);
    s.curve = readCurve(in);
    s.view = in.viewAndEnd();
    return s;
}

void saveSession(const VitSession& session, const std::string& path)
{
    writeSessionFile(writeSession(session), path);
}

VitSession loadVitSession(const std::string& path)
{
    return parseVitSession(readSessionFile(path), path);
}

} // namespace attnlab
