// Every CUDA operation against its CPU operation on random inputs, and the device choice.
//
// The CPU (ops.h, blockops.h, adam.h, in float) is the oracle. Each comparison states its
// tolerance: per element |gpu − cpu| <= atol + rtol·|cpu|, and for the whole matrix
// max|gpu − cpu| / max|cpu| <= whole. Both sides compute in FP32 (cuBLAS without TF32); they
// differ in the order of their sums (warp shuffles, cuBLAS's blocking), in fused multiply-adds,
// and in the CUDA library's erff/expf, so a product of K terms gets a few K·2⁻²⁴ relative.
// Dropout is the exception: the GPU's counter-based generator does not draw the CPU's
// mt19937_64 stream, so it is held to its statistics, to its seed and offset, and to a backward
// pass that uses the forward's mask.
//
// Every parity test runs twice: on the GPU, where it skips with the loader's reason when no GPU
// can be used (no library, no driver, no device), and on a host fake of the library that
// follows gpuapi.h in plain loops, which checks the C++ side (shapes, row and head strides,
// transposes, accumulation, freeing) on every machine. The device-choice tests run everywhere.
#include "gpufake.h"
#include "gradcheck.h"

#include <device.h>
#include <errors.h>
#include <gpubackend.h>
#include <trainer.h>

#include <QCoreApplication>
#include <QTemporaryDir>
#include <QTest>

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

using namespace attnlab;

namespace {

struct Tolerance
{
    double atol; // per element: |gpu − cpu| <= atol + rtol·|cpu|
    double rtol;
    double whole; // whole matrix: max|gpu − cpu| / max|cpu| <= whole
};

// Bit for bit: the same additions in the same order (embedding, masks, dropout's products).
constexpr Tolerance kExact{0.0, 0.0, 0.0};
// Products of up to 128 terms of size 1: cuBLAS sums in another order.
constexpr Tolerance kProduct{1e-5, 1e-4, 1e-5};
// Softmax and cross-entropy: one sum per row, expf of the CUDA library.
constexpr Tolerance kSoftmax{1e-6, 1e-5, 1e-5};
// Attention: a product, a softmax, and (backward) two more products.
constexpr Tolerance kAttention{2e-5, 1e-4, 2e-5};
// Layer norm: 1/σ scales the rounding of the mean and the variance.
constexpr Tolerance kLayerNorm{2e-5, 1e-4, 2e-5};
// GELU: erff and expf of the CUDA library (2 ulp) against glibc's.
constexpr Tolerance kGelu{1e-6, 1e-5, 1e-6};
// Adam: fused multiply-adds on the GPU, none on the CPU; five steps.
constexpr Tolerance kAdam{1e-6, 1e-5, 1e-6};
// The mean loss of the cross-entropy, relative.
constexpr double kLossRelative = 1e-5;

constexpr float kInf = std::numeric_limits<float>::infinity();

Matrix random(int rows, int cols, unsigned seed, double scale = 1.0)
{
    return testing::randomMatrix(rows, cols, seed, scale).cast<float>();
}

QString shapeText(const Matrix& m)
{
    return QStringLiteral("%1×%2").arg(m.rows()).arg(m.cols());
}

// Empty when gpu agrees with cpu within tol; otherwise the first fault, in words.
QString disagreement(const Matrix& gpu, const Matrix& cpu, Tolerance tol)
{
    if (gpu.rows() != cpu.rows() || gpu.cols() != cpu.cols()) {
        return QStringLiteral("the GPU gave %1, the CPU %2").arg(shapeText(gpu), shapeText(cpu));
    }
    double worst = 0.0;
    double largest = 0.0;
    for (Eigen::Index i = 0; i < cpu.size(); ++i) {
        const double g = gpu.data()[i];
        const double c = cpu.data()[i];
        if (g == c) { // also minus infinity where both mask
            largest = std::isfinite(c) ? std::max(largest, std::abs(c)) : largest;
            continue;
        }
        const double error = std::abs(g - c);
        if (!(error <= tol.atol + tol.rtol * std::abs(c))) {
            return QStringLiteral("entry (%1, %2): GPU %3, CPU %4, difference %5")
                .arg(i / cpu.cols())
                .arg(i % cpu.cols())
                .arg(g, 0, 'g', 9)
                .arg(c, 0, 'g', 9)
                .arg(error, 0, 'g', 3);
        }
        worst = std::max(worst, error);
        largest = std::max(largest, std::abs(c));
    }
    if (worst > tol.whole * std::max(largest, 1e-30)) {
        return QStringLiteral("whole matrix: max error %1 over max |cpu| %2 exceeds %3")
            .arg(worst, 0, 'g', 3)
            .arg(largest, 0, 'g', 3)
            .arg(tol.whole);
    }
    return {};
}

#define COMPARE_GPU(gpu, cpu, tolerance)                                                           \
    do {                                                                                           \
        const QString why_ = disagreement((gpu), (cpu), (tolerance));                              \
        QVERIFY2(why_.isEmpty(), qPrintable(QStringLiteral(#gpu ": ") + why_));                    \
    } while (0)

// Sets (or, with no value, unsets) an environment variable for one scope and puts back what
// was there.
class EnvironmentGuard
{
public:
    EnvironmentGuard(const char* name, std::optional<QByteArray> value)
        : m_name(name), m_had(qEnvironmentVariableIsSet(name)), m_old(qgetenv(name))
    {
        if (value) {
            qputenv(name, *value);
        } else {
            qunsetenv(name);
        }
    }
    ~EnvironmentGuard()
    {
        if (m_had) {
            qputenv(m_name, m_old);
        } else {
            qunsetenv(m_name);
        }
    }

private:
    const char* m_name;
    bool m_had;
    QByteArray m_old;
};

} // namespace

class TestGpuOps : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase_data();
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    // Everywhere: choosing the device, and what loading says when it fails.
    void unknownDeviceWordThrows();
    void cpuRequestLoadsNothingAndHasNoNote();
    void gpuRequestNamesTheGpuOrSaysWhyNot();
    void autoRequestUsesTheGpuOrSaysWhyNot();
    void searchSaysWhereItLookedOrWhatIsMissing();
    void missingLibraryPathIsNamed();
    void nonLibraryFileIsNamed();
    void libraryWithoutTheEntryIsNamed();
    void sessionWithoutGpuThrowsTheReason();

    // With a GPU: each operation against the CPU.
    void linearMatchesCpu_data();
    void linearMatchesCpu();
    void affineMatchesCpu();
    void embeddingMatchesCpuExactly();
    void badTokenIdIsRefusedByName();
    void softmaxMatchesCpuWithMaskedAndExtremeRows();
    void attentionMatchesCpu_data();
    void attentionMatchesCpu();
    void multiHeadAttentionMatchesCpu_data();
    void multiHeadAttentionMatchesCpu();
    void layerNormMatchesCpu();
    void geluMatchesCpu();
    void softmaxCrossEntropyMatchesCpu();
    void crossEntropyIgnoresMinusOneTargets();
    void dropoutKeepsAboutOneMinusPAndScales();
    void dropoutMaskFollowsSeedAndOffset();
    void dropoutOffIsIdentity();
    void dropoutBackwardUsesTheSameMask();
    void adamMatchesCpuOverSteps();
    void deviceAdamMatchesCpu();
    void toyRecipeOnTheDeviceMatchesTheCpu();
    void toyDivergenceOnTheDeviceRestoresTheWeightsBefore();
    void toyCheckpointFromTheDeviceGoesOnOnTheCpu();

private:
    bool onFake() const;
    gpu::Session* target() const;

    fake::Sessions m_sessions;
    const gpu::Backend& m_backend = m_sessions.backend;
};

// Declares `s`, the session of this row (the GPU or the host fake); skips the GPU row where
// there is no GPU, saying why.
#define REQUIRE_SESSION()                                                                          \
    gpu::Session* const session_ = target();                                                       \
    if (!session_) {                                                                               \
        QSKIP(m_sessions.skipReason.c_str());                                                      \
    }                                                                                              \
    gpu::Session& s = *session_

#define SKIP_ON_FAKE(why)                                                                          \
    do {                                                                                           \
        if (onFake()) {                                                                            \
            QSKIP(why);                                                                            \
        }                                                                                          \
    } while (0)

// Every test runs on the GPU and on the host fake (see namespace fake).
void TestGpuOps::initTestCase_data()
{
    QTest::addColumn<bool>("fake");
    QTest::newRow("GPU") << false;
    QTest::newRow("host fake") << true;
}

bool TestGpuOps::onFake() const
{
    QFETCH_GLOBAL(bool, fake);
    return fake;
}

gpu::Session* TestGpuOps::target() const
{
    return onFake() ? m_sessions.fake.get() : m_sessions.gpu.get();
}

void TestGpuOps::cleanup()
{
    QCOMPARE(fake::g_buffers, 0); // every device buffer a wrapper made is freed
}

void TestGpuOps::initTestCase()
{
#ifdef ATTNLAB_CUDA_LIBRARY_PATH
    // Run by hand rather than by CTest: use the library this build made.
    const char* library = ATTNLAB_CUDA_LIBRARY_PATH;
#else
    const char* library = nullptr;
#endif
    try {
        m_sessions.open(library);
    } catch (const gpu::GpuError& error) {
        QFAIL(error.what()); // a GPU that is there but cannot be used is a failure, not a skip
    }
    if (!m_sessions.gpu) {
        qInfo("GPU parity tests skip: %s", m_backend.reason.c_str());
        return;
    }
    qInfo("GPU: %s from %s", m_backend.description.c_str(), m_backend.library.c_str());
}

void TestGpuOps::cleanupTestCase()
{
    m_sessions = {};
}

void TestGpuOps::unknownDeviceWordThrows()
{
    SKIP_ON_FAKE("the device choice needs no backend: it runs in the GPU row");
    QVERIFY_THROWS_EXCEPTION(InputError, chooseDevice("tpu"));
    try {
        chooseDevice("GPU");
        QFAIL("no exception");
    } catch (const InputError& error) {
        QVERIFY2(QString(error.what()).contains("\"GPU\""), error.what());
    }
}

void TestGpuOps::cpuRequestLoadsNothingAndHasNoNote()
{
    SKIP_ON_FAKE("the device choice needs no backend: it runs in the GPU row");
    EnvironmentGuard missing(gpu::kLibraryVariable, "/nonexistent/libattnlab_cuda.so");
    const DeviceReport r = chooseDevice("cpu");
    QVERIFY(r.device == Device::Cpu);
    QVERIFY2(r.description.starts_with("CPU (Eigen"), r.description.c_str());
    QVERIFY2(r.note.empty(), r.note.c_str());
}

void TestGpuOps::gpuRequestNamesTheGpuOrSaysWhyNot()
{
    SKIP_ON_FAKE("the device choice needs no backend: it runs in the GPU row");
    const DeviceReport r = chooseDevice("gpu");
    if (m_backend.usable()) {
        QVERIFY(r.device == Device::Cuda);
        QCOMPARE(r.description, m_backend.description);
        QVERIFY2(r.note.empty(), r.note.c_str());
        const TrainingDevice training = chooseTrainingDevice("gpu");
        QVERIFY(training.session);
        QVERIFY(training.report.device == Device::Cuda);
        return;
    }
    QVERIFY(r.device == Device::Cpu);
    QVERIFY2(r.note.find("a GPU was asked for") != std::string::npos, r.note.c_str());
    QVERIFY2(r.note.find(m_backend.reason) != std::string::npos, r.note.c_str());
    QVERIFY2(r.note.find("computing on the CPU") != std::string::npos, r.note.c_str());
    QVERIFY2(r.description.find("CUDA") == std::string::npos, r.description.c_str());
    QVERIFY(!chooseTrainingDevice("gpu").session);
}

void TestGpuOps::autoRequestUsesTheGpuOrSaysWhyNot()
{
    SKIP_ON_FAKE("the device choice needs no backend: it runs in the GPU row");
    const DeviceReport r = chooseDevice("auto");
    if (m_backend.usable()) {
        QVERIFY(r.device == Device::Cuda);
        QVERIFY2(r.note.empty(), r.note.c_str());
        return;
    }
    QVERIFY(r.device == Device::Cpu);
    QVERIFY2(!m_backend.reason.empty(), "a backend that cannot be used says why");
    QVERIFY2(r.note.find(m_backend.reason) != std::string::npos, r.note.c_str());
    QVERIFY2(r.note.find("computing on the CPU") != std::string::npos, r.note.c_str());
}

void TestGpuOps::searchSaysWhereItLookedOrWhatIsMissing()
{
    SKIP_ON_FAKE("the device choice needs no backend: it runs in the GPU row");
    EnvironmentGuard unset(gpu::kLibraryVariable, std::nullopt);
    const gpu::Backend b = gpu::loadBackend();
    if (b.usable()) {
        QVERIFY(!b.library.empty()); // found on the library search path
        return;
    }
    // The tests' folder holds no backend, so a search that gets that far says where it looked.
    const QString reason = QString::fromStdString(b.reason);
    const QString looked = QStringLiteral("libattnlab_cuda.so not found (looked in %1, ")
                               .arg(QCoreApplication::applicationDirPath());
    QVERIFY2(reason.startsWith("no CUDA driver: ") || reason.startsWith(looked) ||
                 reason.startsWith("this build has no CUDA backend") ||
                 reason.startsWith("cannot load "),
             qPrintable(reason));
}

void TestGpuOps::missingLibraryPathIsNamed()
{
    SKIP_ON_FAKE("the device choice needs no backend: it runs in the GPU row");
    const QByteArray path = "/nonexistent/folder/libattnlab_cuda.so";
    EnvironmentGuard guard(gpu::kLibraryVariable, path);
    const gpu::Backend b = gpu::loadBackend();
    QVERIFY(!b.usable());
    QCOMPARE(QString::fromStdString(b.reason),
             QStringLiteral("ATTNLAB_CUDA_LIBRARY names %1, which does not exist").arg(path));
    const DeviceReport r = chooseDevice("gpu");
    QVERIFY(r.device == Device::Cpu);
    QVERIFY2(r.note.find(path.toStdString()) != std::string::npos, r.note.c_str());
}

void TestGpuOps::nonLibraryFileIsNamed()
{
    SKIP_ON_FAKE("the device choice needs no backend: it runs in the GPU row");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("libattnlab_cuda.so");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("this is text, not a shared library\n");
    file.close();
    EnvironmentGuard guard(gpu::kLibraryVariable, path.toUtf8());
    const QString reason = QString::fromStdString(gpu::loadBackend().reason);
    QVERIFY2(
        reason.startsWith(QStringLiteral("cannot load %1 (from ATTNLAB_CUDA_LIBRARY): ").arg(path)),
        qPrintable(reason));
}

void TestGpuOps::libraryWithoutTheEntryIsNamed()
{
    SKIP_ON_FAKE("the device choice needs no backend: it runs in the GPU row");
    // QtCore is a shared library that certainly has no attnlab_gpu_api.
    Dl_info info{};
    QVERIFY(dladdr(reinterpret_cast<void*>(&qVersion), &info) != 0 && info.dli_fname);
    EnvironmentGuard guard(gpu::kLibraryVariable, info.dli_fname);
    const QString reason = QString::fromStdString(gpu::loadBackend().reason);
    QVERIFY2(reason.contains(QString::fromUtf8(info.dli_fname)) &&
                 reason.contains("has no attnlab_gpu_api: it is not AttnLab's CUDA backend"),
             qPrintable(reason));
}

void TestGpuOps::sessionWithoutGpuThrowsTheReason()
{
    SKIP_ON_FAKE("the device choice needs no backend: it runs in the GPU row");
    EnvironmentGuard guard(gpu::kLibraryVariable, "/nonexistent/libattnlab_cuda.so");
    const gpu::Backend none = gpu::loadBackend();
    try {
        gpu::Session session(none);
        QFAIL("a session without a GPU");
    } catch (const gpu::GpuError& error) {
        QVERIFY2(QString(error.what()).contains("/nonexistent/libattnlab_cuda.so"), error.what());
    }
}

void TestGpuOps::linearMatchesCpu_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("out");
    QTest::newRow("1×1·1×1") << 1 << 1 << 1;
    QTest::newRow("the lesson: 5×7·7×20") << 5 << 7 << 20;
    QTest::newRow("odd sizes: 37×45·45×70") << 37 << 45 << 70;
    QTest::newRow("128 terms: 64×128·128×96") << 64 << 128 << 96;
}

void TestGpuOps::linearMatchesCpu()
{
    REQUIRE_SESSION();
    QFETCH(int, rows);
    QFETCH(int, in);
    QFETCH(int, out);
    const Matrix x = random(rows, in, 1), w = random(in, out, 2), dy = random(rows, out, 3);
    Matrix cpu, gpu;
    ops::linearForward(x, w, cpu);
    gpu::host::linearForward(s, x, w, gpu);
    COMPARE_GPU(gpu, cpu, kProduct);

    // Backward adds into what is there.
    Matrix dxCpu = random(rows, in, 4), dwCpu = random(in, out, 5);
    Matrix dxGpu = dxCpu, dwGpu = dwCpu;
    ops::linearBackward(x, w, dy, dxCpu, dwCpu);
    gpu::host::linearBackward(s, x, w, dy, dxGpu, dwGpu);
    COMPARE_GPU(dxGpu, dxCpu, kProduct);
    COMPARE_GPU(dwGpu, dwCpu, kProduct);
}

void TestGpuOps::affineMatchesCpu()
{
    REQUIRE_SESSION();
    const Matrix x = random(33, 40, 6), w = random(40, 50, 7), b = random(1, 50, 8);
    const Matrix dy = random(33, 50, 9);
    Matrix cpu, gpu;
    ops::affineForward(x, w, b, cpu);
    gpu::host::affineForward(s, x, w, b, gpu);
    COMPARE_GPU(gpu, cpu, kProduct);

    Matrix dxCpu = Matrix::Zero(33, 40), dwCpu = Matrix::Zero(40, 50), dbCpu = random(1, 50, 10);
    Matrix dxGpu = dxCpu, dwGpu = dwCpu, dbGpu = dbCpu;
    ops::affineBackward(x, w, dy, dxCpu, dwCpu, dbCpu);
    gpu::host::affineBackward(s, x, w, dy, dxGpu, dwGpu, dbGpu);
    COMPARE_GPU(dxGpu, dxCpu, kProduct);
    COMPARE_GPU(dwGpu, dwCpu, kProduct);
    COMPARE_GPU(dbGpu, dbCpu, kProduct);
}

void TestGpuOps::embeddingMatchesCpuExactly()
{
    REQUIRE_SESSION();
    const Matrix tok = random(7, 40, 11), pos = random(12, 40, 12), dx = random(9, 40, 13);
    const std::vector<int> ids{0, 3, 3, 6, 1, 3, 0, 2, 5}; // repeats add in token order
    Matrix cpu, gpu;
    ops::embeddingForward(tok, pos, ids, cpu);
    gpu::host::embeddingForward(s, tok, pos, ids, gpu);
    COMPARE_GPU(gpu, cpu, kExact);

    Matrix dtokCpu = random(7, 40, 14), dposCpu = random(12, 40, 15);
    Matrix dtokGpu = dtokCpu, dposGpu = dposCpu;
    ops::embeddingBackward(dx, ids, dtokCpu, dposCpu);
    gpu::host::embeddingBackward(s, dx, ids, dtokGpu, dposGpu);
    COMPARE_GPU(dtokGpu, dtokCpu, kExact);
    COMPARE_GPU(dposGpu, dposCpu, kExact);
}

void TestGpuOps::badTokenIdIsRefusedByName()
{
    REQUIRE_SESSION();
    const Matrix tok = random(7, 4, 16), pos = random(3, 4, 17);
    const std::vector<int> ids{1, 7, 2};
    Matrix x;
    try {
        gpu::host::embeddingForward(s, tok, pos, ids, x);
        QFAIL("an id outside the vocabulary was accepted");
    } catch (const InputError& error) {
        QCOMPARE(QString(error.what()), QStringLiteral("token id 1 is 7, outside [0, 7)"));
    }

    // On the device the kernel skips it and the next wait reports it.
    SKIP_ON_FAKE("the host fake does not check ids on the device");
    gpu::DeviceMatrix out(s, 0, 0);
    gpu::embeddingForward(gpu::DeviceMatrix(s, tok), gpu::DeviceMatrix(s, pos),
                          gpu::DeviceIds(s, ids), out);
    try {
        out.download();
        QFAIL("the index fault was not reported");
    } catch (const gpu::GpuError& error) {
        QVERIFY2(QString(error.what()).contains("token id outside [0, vocab)"), error.what());
    }
    out.download(); // reported once, then cleared
}

void TestGpuOps::softmaxMatchesCpuWithMaskedAndExtremeRows()
{
    REQUIRE_SESSION();
    Matrix in = random(40, 70, 18, 5.0);
    in.row(3).setConstant(-kInf); // every entry masked: zeros
    for (Eigen::Index c = 10; c < 70; ++c) {
        in(4, c) = -kInf; // a masked tail
    }
    in(5, 7) = 1e30f; // large finite entries stay finite
    in(6, 0) = 1e4f;
    in(6, 1) = -1e4f;
    Matrix cpu, gpu;
    ops::softmaxRows(in, cpu);
    gpu::host::softmaxRows(s, in, gpu);
    COMPARE_GPU(gpu, cpu, kSoftmax);
    QVERIFY(gpu.allFinite());
    QVERIFY(gpu.row(3).isZero(0.0));
    QVERIFY(gpu.row(4).tail(60).isZero(0.0)); // exactly 0
    QCOMPARE(gpu(5, 7), 1.0f);

    const Matrix dout = random(40, 70, 19);
    Matrix dinCpu = random(40, 70, 20), dinGpu = dinCpu;
    ops::softmaxRowsBackward(cpu, dout, dinCpu);
    gpu::host::softmaxRowsBackward(s, cpu, dout, dinGpu);
    COMPARE_GPU(dinGpu, dinCpu, kSoftmax);
}

void TestGpuOps::attentionMatchesCpu_data()
{
    QTest::addColumn<bool>("causal");
    QTest::addColumn<int>("tokens");
    QTest::newRow("the lesson, causal: T 5, H 20") << true << 5;
    QTest::newRow("unmasked: T 5, H 20") << false << 5;
    QTest::newRow("causal, rows of several warps: T 67, H 20") << true << 67;
}

void TestGpuOps::attentionMatchesCpu()
{
    REQUIRE_SESSION();
    QFETCH(bool, causal);
    QFETCH(int, tokens);
    const ops::Mask mask = causal ? ops::Mask::Causal : ops::Mask::None;
    const Matrix q = random(tokens, 20, 21), k = random(tokens, 20, 22);
    Matrix scoresCpu, weightsCpu, scoresGpu, weightsGpu;
    ops::attentionForward(q, k, mask, scoresCpu, weightsCpu);
    gpu::host::attentionForward(s, q, k, mask, scoresGpu, weightsGpu);
    COMPARE_GPU(scoresGpu, scoresCpu, kProduct); // minus infinity in the same places
    COMPARE_GPU(weightsGpu, weightsCpu, kAttention);

    const Matrix dweights = random(tokens, tokens, 23);
    Matrix dqCpu = Matrix::Zero(tokens, 20), dkCpu = Matrix::Zero(tokens, 20);
    Matrix dqGpu = dqCpu, dkGpu = dkCpu;
    ops::attentionBackward(q, k, weightsCpu, dweights, dqCpu, dkCpu);
    gpu::host::attentionBackward(s, q, k, weightsCpu, dweights, dqGpu, dkGpu);
    COMPARE_GPU(dqGpu, dqCpu, kAttention);
    COMPARE_GPU(dkGpu, dkCpu, kAttention);
}

void TestGpuOps::multiHeadAttentionMatchesCpu_data()
{
    QTest::addColumn<bool>("causal");
    QTest::addColumn<int>("heads");
    QTest::addColumn<int>("length");
    QTest::newRow("causal, 2 heads, no padding") << true << 2 << 9;
    QTest::newRow("unmasked, 4 heads, 3 padded keys") << false << 4 << 6;
    QTest::newRow("causal, 1 head, 2 padded keys") << true << 1 << 7;
    QTest::newRow("unmasked, 2 heads, no keys: zeros") << false << 2 << 0;
}

void TestGpuOps::multiHeadAttentionMatchesCpu()
{
    REQUIRE_SESSION();
    QFETCH(bool, causal);
    QFETCH(int, heads);
    QFETCH(int, length);
    const ops::Mask mask = causal ? ops::Mask::Causal : ops::Mask::None;
    const int t = 9, width = 24;
    const Matrix q = random(t, width, 24), k = random(t, width, 25), v = random(t, width, 26);
    std::vector<Matrix> weightsCpu, weightsGpu;
    Matrix outCpu, outGpu;
    ops::multiHeadAttentionForward(q, k, v, heads, length, mask, weightsCpu, outCpu);
    gpu::host::multiHeadAttentionForward(s, q, k, v, heads, length, mask, weightsGpu, outGpu);
    QCOMPARE(weightsGpu.size(), weightsCpu.size());
    for (std::size_t h = 0; h < weightsCpu.size(); ++h) {
        COMPARE_GPU(weightsGpu[h], weightsCpu[h], kAttention);
        for (int r = 0; r < t; ++r) {
            const int visible = std::min(length, causal ? r + 1 : t);
            QVERIFY(weightsGpu[h].row(r).tail(t - visible).isZero(0.0)); // masked: exactly 0
            if (visible > 0) {
                QVERIFY(std::abs(weightsGpu[h].row(r).sum() - 1.0f) < 1e-5f);
            }
        }
    }
    COMPARE_GPU(outGpu, outCpu, kAttention);

    const Matrix dout = random(t, width, 27);
    Matrix dqCpu = random(t, width, 28), dkCpu = random(t, width, 29), dvCpu = random(t, width, 30);
    Matrix dqGpu = dqCpu, dkGpu = dkCpu, dvGpu = dvCpu;
    ops::multiHeadAttentionBackward(q, k, v, heads, weightsCpu, dout, dqCpu, dkCpu, dvCpu);
    gpu::host::multiHeadAttentionBackward(s, q, k, v, heads, weightsCpu, dout, dqGpu, dkGpu, dvGpu);
    COMPARE_GPU(dqGpu, dqCpu, kAttention);
    COMPARE_GPU(dkGpu, dkCpu, kAttention);
    COMPARE_GPU(dvGpu, dvCpu, kAttention);
}

void TestGpuOps::layerNormMatchesCpu()
{
    REQUIRE_SESSION();
    Matrix x = random(37, 70, 31, 3.0);
    x.row(2).setConstant(4.0f); // a constant row: normalized to 0, finite
    x.row(5).array() += 100.0f; // a large mean
    const Matrix gamma = random(1, 70, 32), beta = random(1, 70, 33), dy = random(37, 70, 34);
    Matrix yCpu, yGpu;
    ops::LayerNormCache<float> cacheCpu, cacheGpu;
    ops::layerNormForward(x, gamma, beta, yCpu, cacheCpu);
    gpu::host::layerNormForward(s, x, gamma, beta, yGpu, cacheGpu);
    COMPARE_GPU(yGpu, yCpu, kLayerNorm);
    COMPARE_GPU(cacheGpu.normalized, cacheCpu.normalized, kLayerNorm);
    COMPARE_GPU(cacheGpu.invStd, cacheCpu.invStd, kLayerNorm);
    QVERIFY(yGpu.allFinite());

    Matrix dxCpu = Matrix::Zero(37, 70), dgCpu = random(1, 70, 35), dbCpu = random(1, 70, 36);
    Matrix dxGpu = dxCpu, dgGpu = dgCpu, dbGpu = dbCpu;
    ops::layerNormBackward(gamma, cacheCpu, dy, dxCpu, dgCpu, dbCpu);
    gpu::host::layerNormBackward(s, gamma, cacheCpu, dy, dxGpu, dgGpu, dbGpu);
    COMPARE_GPU(dxGpu, dxCpu, kLayerNorm);
    COMPARE_GPU(dgGpu, dgCpu, kLayerNorm);
    COMPARE_GPU(dbGpu, dbCpu, kLayerNorm);
}

void TestGpuOps::geluMatchesCpu()
{
    REQUIRE_SESSION();
    const Matrix x = random(50, 61, 37, 6.0), dy = random(50, 61, 38);
    Matrix cpu, gpu;
    ops::geluForward(x, cpu);
    gpu::host::geluForward(s, x, gpu);
    COMPARE_GPU(gpu, cpu, kGelu);

    Matrix dxCpu = random(50, 61, 39), dxGpu = dxCpu;
    ops::geluBackward(x, dy, dxCpu);
    gpu::host::geluBackward(s, x, dy, dxGpu);
    COMPARE_GPU(dxGpu, dxCpu, kGelu);
}

void TestGpuOps::softmaxCrossEntropyMatchesCpu()
{
    REQUIRE_SESSION();
    const Matrix logits = random(300, 45, 40, 8.0);
    std::vector<int> targets(300);
    for (std::size_t i = 0; i < targets.size(); ++i) {
        targets[i] = static_cast<int>((i * 7) % 45);
    }
    Matrix probsCpu, probsGpu;
    Matrix dCpu = random(300, 45, 41), dGpu = dCpu;
    const float lossCpu = ops::softmaxCrossEntropy(logits, targets, probsCpu, &dCpu);
    const float lossGpu = gpu::host::softmaxCrossEntropy(s, logits, targets, probsGpu, &dGpu);
    QVERIFY2(std::abs(lossGpu - lossCpu) <= kLossRelative * std::abs(lossCpu),
             qPrintable(QStringLiteral("GPU %1, CPU %2").arg(lossGpu).arg(lossCpu)));
    COMPARE_GPU(probsGpu, probsCpu, kSoftmax);
    COMPARE_GPU(dGpu, dCpu, kSoftmax);
}

void TestGpuOps::crossEntropyIgnoresMinusOneTargets()
{
    REQUIRE_SESSION();
    const Matrix logits = random(6, 9, 42, 3.0);
    const std::vector<int> targets{2, -1, 0, 8, -1, 4};
    // The CPU reference: the counted rows alone (the mean is over them).
    const std::vector<int> rows{0, 2, 3, 5};
    Matrix counted(4, 9);
    std::vector<int> countedTargets;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        counted.row(static_cast<Eigen::Index>(i)) = logits.row(rows[i]);
        countedTargets.push_back(targets[static_cast<std::size_t>(rows[i])]);
    }
    Matrix probsCpu, dCpu = Matrix::Zero(4, 9);
    const float lossCpu = ops::softmaxCrossEntropy(counted, countedTargets, probsCpu, &dCpu);

    Matrix probsGpu, dGpu = Matrix::Zero(6, 9);
    const float lossGpu = gpu::host::softmaxCrossEntropy(s, logits, targets, probsGpu, &dGpu);
    QVERIFY2(std::abs(lossGpu - lossCpu) <= kLossRelative * std::abs(lossCpu),
             qPrintable(QStringLiteral("GPU %1, CPU %2").arg(lossGpu).arg(lossCpu)));
    QVERIFY(dGpu.row(1).isZero(0.0) && dGpu.row(4).isZero(0.0)); // ignored rows: no gradient
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Matrix gpuRow = dGpu.row(rows[i]);
        const Matrix cpuRow = dCpu.row(static_cast<Eigen::Index>(i));
        COMPARE_GPU(gpuRow, cpuRow, kSoftmax);
    }

    // Every target ignored: loss 0, no gradient.
    const std::vector<int> none(6, -1);
    Matrix dNone = Matrix::Zero(6, 9);
    QCOMPARE(gpu::host::softmaxCrossEntropy(s, logits, none, probsGpu, &dNone), 0.0f);
    QVERIFY(dNone.isZero(0.0));
}

void TestGpuOps::dropoutKeepsAboutOneMinusPAndScales()
{
    REQUIRE_SESSION();
    SKIP_ON_FAKE("the host fake drops a fixed pattern, not random entries");
    const Matrix x = Matrix::Ones(200, 200);
    Matrix y, keep;
    gpu::host::dropoutForward(s, x, 0.25, 77, 0, y, keep);
    const double kept = double((keep.array() != 0).count()) / 40000.0;
    QVERIFY2(std::abs(kept - 0.75) < 0.01, qPrintable(QString::number(kept))); // 4.6 σ
    const float scale = static_cast<float>(1.0 / 0.75);
    QVERIFY(((keep.array() == 0.0f) || (keep.array() == scale)).all());
    COMPARE_GPU(y, x.cwiseProduct(keep), kExact);
    // No structure along rows or columns: each row and column keeps about 1 − p too.
    const Eigen::ArrayXf perRow = (keep.array() != 0).cast<float>().rowwise().mean();
    const Eigen::ArrayXf perColumn = (keep.array() != 0).cast<float>().colwise().mean();
    QVERIFY(perRow.minCoeff() > 0.6f && perRow.maxCoeff() < 0.9f);
    QVERIFY(perColumn.minCoeff() > 0.6f && perColumn.maxCoeff() < 0.9f);
}

void TestGpuOps::dropoutMaskFollowsSeedAndOffset()
{
    REQUIRE_SESSION();
    SKIP_ON_FAKE("the host fake drops a fixed pattern, not random entries");
    const Matrix x = random(30, 40, 43);
    Matrix y1, keep1, y2, keep2, y3, keep3, y4, keep4;
    gpu::host::dropoutForward(s, x, 0.5, 5, 1000, y1, keep1);
    gpu::host::dropoutForward(s, x, 0.5, 5, 1000, y2, keep2);
    QVERIFY(keep1 == keep2); // the same seed and offset: the same mask
    gpu::host::dropoutForward(s, x, 0.5, 6, 1000, y3, keep3);
    QVERIFY(keep1 != keep3); // another seed
    // Counter-based: entry i at offset o draws what entry i − 40 draws at offset o + 40.
    gpu::host::dropoutForward(s, x, 0.5, 5, 1040, y4, keep4);
    QVERIFY(keep4.topRows(29) == keep1.bottomRows(29));
}

void TestGpuOps::dropoutOffIsIdentity()
{
    REQUIRE_SESSION();
    const Matrix x = random(7, 9, 44);
    Matrix y, keep;
    gpu::host::dropoutForward(s, x, 0.0, 1, 0, y, keep);
    QVERIFY(y == x);
    QVERIFY(keep.isOnes(0.0));
}

void TestGpuOps::dropoutBackwardUsesTheSameMask()
{
    REQUIRE_SESSION();
    const Matrix x = random(20, 30, 45), dy = random(20, 30, 46);
    Matrix y, keep;
    gpu::host::dropoutForward(s, x, 0.3, 9, 0, y, keep);
    Matrix dxCpu = random(20, 30, 47), dxGpu = dxCpu;
    ops::dropoutBackward(keep, dy, dxCpu);
    gpu::host::dropoutBackward(s, keep, dy, dxGpu);
    COMPARE_GPU(dxGpu, dxCpu, kExact);
    QVERIFY(((keep.array() == 0) == (y.array() == 0)).all());
}

void TestGpuOps::adamMatchesCpuOverSteps()
{
    REQUIRE_SESSION();
    const AdamSettings settings{1e-2, 0.9, 0.999, 1e-8};
    Adam<float> adam(settings);
    std::vector<Matrix> cpu{random(7, 20, 48), random(1, 33, 49)};
    std::vector<Matrix> gpu = cpu;
    std::vector<Matrix> m{Matrix::Zero(7, 20), Matrix::Zero(1, 33)};
    std::vector<Matrix> v = m;
    for (long step = 1; step <= 5; ++step) {
        const std::vector<Matrix> grads{random(7, 20, 50 + unsigned(step), 0.1),
                                        random(1, 33, 60 + unsigned(step), 10.0)};
        adam.step({&cpu[0], &cpu[1]}, {&grads[0], &grads[1]});
        for (std::size_t i = 0; i < gpu.size(); ++i) {
            gpu::host::adamUpdate(s, settings, step, gpu[i], grads[i], m[i], v[i]);
        }
    }
    for (std::size_t i = 0; i < gpu.size(); ++i) {
        COMPARE_GPU(gpu[i], cpu[i], kAdam);
        COMPARE_GPU(m[i], adam.firstMoments()[i], kAdam);
        COMPARE_GPU(v[i], adam.secondMoments()[i], kAdam);
    }
}

void TestGpuOps::deviceAdamMatchesCpu()
{
    REQUIRE_SESSION();
    Adam<float> adam;
    gpu::DeviceAdam deviceAdam;
    Matrix cpu = random(6, 8, 70);
    gpu::DeviceMatrix param(s, cpu);
    for (unsigned step = 0; step < 3; ++step) {
        const Matrix grad = random(6, 8, 71 + step);
        const gpu::DeviceMatrix deviceGrad(s, grad);
        adam.step({&cpu}, {&grad});
        deviceAdam.step({&param}, {&deviceGrad});
    }
    QCOMPARE(deviceAdam.stepCount(), 3L);
    COMPARE_GPU(param.download(), cpu, kAdam);
    COMPARE_GPU(deviceAdam.secondMoments()[0].download(), adam.secondMoments()[0], kAdam);
}

namespace {

double largestDifference(const Matrix& a, const Matrix& b)
{
    return (a - b).cwiseAbs().maxCoeff();
}

} // namespace

// The lesson's whole recipe (5000 epochs, 10 000 steps) with the weights on the device: the
// final table (predictions, attention weights, values) and every epoch's loss agree with the
// CPU's within 1e-4.
void TestGpuOps::toyRecipeOnTheDeviceMatchesTheCpu()
{
    REQUIRE_SESSION();
    ToyTrainer cpu(lessonCorpus(), ToyConfig{});
    ToyTrainer device(lessonCorpus(), ToyConfig{});
    device.trainOn(fake::borrowed(s));
    QVERIFY(device.onDevice());
    cpu.runToEnd();
    device.runToEnd();
    QCOMPARE(device.state(), TrainState::Finished);
    QCOMPARE(device.stepCount(), cpu.stepCount());
    double lossGap = 0;
    for (size_t e = 0; e < cpu.epochLosses().size(); ++e) {
        lossGap = std::max(lossGap, std::abs(device.epochLosses()[e] - cpu.epochLosses()[e]));
    }
    QVERIFY2(lossGap <= 1e-4, qPrintable(QString::number(lossGap)));
    const Snapshot a = cpu.snapshot();
    const Snapshot b = device.snapshot();
    for (size_t i = 0; i < a.sentences.size(); ++i) {
        for (const auto& [x, y] : {std::pair{&a.sentences[i].probs, &b.sentences[i].probs},
                                   {&a.sentences[i].weights, &b.sentences[i].weights},
                                   {&a.sentences[i].values, &b.sentences[i].values}}) {
            const double gap = largestDifference(*x, *y);
            QVERIFY2(gap <= 1e-4, qPrintable(QString("sentence %1: %2").arg(i + 1).arg(gap)));
        }
    }
}

// A learning rate that blows the weights up on the first step: the next loss is not finite,
// training stops, and the weights are those from before that step, exactly (copied back on the
// device), as on the CPU.
void TestGpuOps::toyDivergenceOnTheDeviceRestoresTheWeightsBefore()
{
    REQUIRE_SESSION();
    ToyConfig config;
    config.learningRate = 1e30;
    ToyTrainer device(lessonCorpus(), config);
    const ToyParams<float> initial = device.model().params();
    device.trainOn(fake::borrowed(s));
    device.runToEnd();
    QCOMPARE(device.state(), TrainState::Diverged);
    QVERIFY2(QString::fromStdString(device.message()).contains("step 2"), device.message().c_str());
    QVERIFY(device.model().params().tok == initial.tok);
    QVERIFY(device.model().params().wv == initial.wv);
    QCOMPARE(device.optimizer().stepCount(), 0L);
}

// A checkpoint taken on the device holds the device's weights and Adam state: a CPU trainer
// made from it goes on as the device does, within rounding.
void TestGpuOps::toyCheckpointFromTheDeviceGoesOnOnTheCpu()
{
    REQUIRE_SESSION();
    ToyTrainer device(lessonCorpus(), ToyConfig{});
    device.trainOn(fake::borrowed(s));
    for (int i = 0; i < 50; ++i) {
        QVERIFY(device.step());
    }
    ToyTrainer cpu(lessonCorpus(), ToyConfig{}, device.checkpoint());
    QCOMPARE(cpu.optimizer().stepCount(), 50L);
    for (int i = 0; i < 50; ++i) {
        QVERIFY(device.step());
        QVERIFY(cpu.step());
    }
    const double gap = largestDifference(device.model().params().wq, cpu.model().params().wq);
    QVERIFY2(gap <= 1e-5, qPrintable(QString::number(gap)));
}

QTEST_GUILESS_MAIN(TestGpuOps)
#include "tst_gpuops.moc"
