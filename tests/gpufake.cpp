#include "gpufake.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

using namespace attnlab;

namespace fake {

int g_buffers = 0;
int g_productsBeforeFailure = -1;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

int deviceCount(int* count, AttnlabGpuError*)
{
    *count = 1;
    return ATTNLAB_GPU_OK;
}

int deviceInfo(int, AttnlabGpuDeviceInfo* info, AttnlabGpuError*)
{
    *info = AttnlabGpuDeviceInfo{};
    std::snprintf(info->name, sizeof info->name, "host fake");
    info->major = 9;
    return ATTNLAB_GPU_OK;
}

int createContext(int, AttnlabGpuContext** context, AttnlabGpuError*)
{
    static int token = 0;
    *context = reinterpret_cast<AttnlabGpuContext*>(&token);
    return ATTNLAB_GPU_OK;
}

void destroyContext(AttnlabGpuContext*) {}

int synchronize(AttnlabGpuContext*, AttnlabGpuError*)
{
    return ATTNLAB_GPU_OK;
}

template <typename T> int allocate(AttnlabGpuContext*, size_t count, T** buffer, AttnlabGpuError*)
{
    *buffer = count ? static_cast<T*>(std::malloc(count * sizeof(T))) : nullptr;
    g_buffers += count ? 1 : 0;
    return ATTNLAB_GPU_OK;
}

void freeBuffer(AttnlabGpuContext*, void* buffer)
{
    g_buffers -= buffer ? 1 : 0;
    std::free(buffer);
}

template <typename T>
int copy(AttnlabGpuContext*, T* to, const T* from, size_t count, AttnlabGpuError*)
{
    std::copy(from, from + count, to);
    return ATTNLAB_GPU_OK;
}

int fill(AttnlabGpuContext*, float* device, float value, size_t count, AttnlabGpuError*)
{
    std::fill(device, device + count, value);
    return ATTNLAB_GPU_OK;
}

int matmul(AttnlabGpuContext*, int transA, int transB, int m, int n, int k, float alpha,
           const float* a, int lda, long long strideA, const float* b, int ldb, long long strideB,
           float beta, float* c, int ldc, long long strideC, int batch, AttnlabGpuError* error)
{
    if (g_productsBeforeFailure >= 0 && g_productsBeforeFailure-- == 0) {
        if (error) {
            error->status = ATTNLAB_GPU_FAILED;
            std::snprintf(error->message, sizeof error->message,
                          "cublasSgemmStridedBatched failed: the host fake's planned failure");
        }
        return ATTNLAB_GPU_FAILED;
    }
    for (int i = 0; i < batch; ++i) {
        const float* ai = a + i * strideA;
        const float* bi = b + i * strideB;
        float* ci = c + i * strideC;
        for (int r = 0; r < m; ++r) {
            for (int col = 0; col < n; ++col) {
                float sum = 0.0f;
                for (int p = 0; p < k; ++p) {
                    sum += (transA ? ai[p * lda + r] : ai[r * lda + p]) *
                           (transB ? bi[col * ldb + p] : bi[p * ldb + col]);
                }
                float& out = ci[r * ldc + col];
                out = alpha * sum + (beta == 0.0f ? 0.0f : beta * out);
            }
        }
    }
    return ATTNLAB_GPU_OK;
}

int addBias(AttnlabGpuContext*, float* y, const float* bias, int rows, int cols, AttnlabGpuError*)
{
    for (int i = 0; i < rows * cols; ++i) {
        y[i] += bias[i % cols];
    }
    return ATTNLAB_GPU_OK;
}

int columnSums(AttnlabGpuContext*, const float* x, float* sums, int rows, int cols,
               AttnlabGpuError*)
{
    for (int i = 0; i < rows * cols; ++i) {
        sums[i % cols] += x[i];
    }
    return ATTNLAB_GPU_OK;
}

int embeddingForward(AttnlabGpuContext*, const float* tok, int, const float* pos, const int* ids,
                     int tokens, int width, float* x, AttnlabGpuError*)
{
    for (int i = 0; i < tokens * width; ++i) {
        x[i] = tok[ids[i / width] * width + i % width] + pos[i];
    }
    return ATTNLAB_GPU_OK;
}

int embeddingBackward(AttnlabGpuContext*, const float* dx, const int* ids, int tokens, int width,
                      int, float* dtok, float* dpos, AttnlabGpuError*)
{
    for (int i = 0; i < tokens * width; ++i) {
        dtok[ids[i / width] * width + i % width] += dx[i];
        dpos[i] += dx[i];
    }
    return ATTNLAB_GPU_OK;
}

int visible(int r, int cols, int causal, int length)
{
    const int limit = std::max(0, std::min(length, cols));
    return causal ? std::min(limit, r + 1) : limit;
}

int softmaxForward(AttnlabGpuContext*, const float* in, float* out, int batch, int rows, int cols,
                   int causal, int length, AttnlabGpuError*)
{
    for (int row = 0; row < batch * rows; ++row) {
        const int limit = visible(row % rows, cols, causal, length);
        Matrix x = Eigen::Map<const Matrix>(in + row * cols, 1, cols);
        x.rightCols(cols - limit).setConstant(-kInf);
        Matrix y;
        ops::softmaxRows(x, y);
        std::copy(y.data(), y.data() + cols, out + row * cols);
    }
    return ATTNLAB_GPU_OK;
}

int softmaxBackward(AttnlabGpuContext*, const float* out, const float* dout, float* din, int rows,
                    int cols, AttnlabGpuError*)
{
    Eigen::Map<Matrix> d(din, rows, cols);
    Matrix result = d;
    ops::softmaxRowsBackward<float>(Eigen::Map<const Matrix>(out, rows, cols),
                                    Eigen::Map<const Matrix>(dout, rows, cols), result);
    d = result;
    return ATTNLAB_GPU_OK;
}

int maskScores(AttnlabGpuContext*, float* scores, int batch, int rows, int cols, int causal,
               int length, AttnlabGpuError*)
{
    for (int i = 0; i < batch * rows * cols; ++i) {
        if (i % cols >= visible((i / cols) % rows, cols, causal, length)) {
            scores[i] = -kInf;
        }
    }
    return ATTNLAB_GPU_OK;
}

int layerNormForward(AttnlabGpuContext*, const float* x, const float* gamma, const float* beta,
                     float* y, float* normalized, float* invStd, int rows, int cols,
                     AttnlabGpuError*)
{
    ops::LayerNormCache<float> cache;
    Matrix out;
    ops::layerNormForward<float>(Eigen::Map<const Matrix>(x, rows, cols),
                                 Eigen::Map<const Matrix>(gamma, 1, cols),
                                 Eigen::Map<const Matrix>(beta, 1, cols), out, cache);
    Eigen::Map<Matrix>(y, rows, cols) = out;
    Eigen::Map<Matrix>(normalized, rows, cols) = cache.normalized;
    Eigen::Map<Matrix>(invStd, rows, 1) = cache.invStd;
    return ATTNLAB_GPU_OK;
}

int layerNormBackward(AttnlabGpuContext*, const float* gamma, const float* normalized,
                      const float* invStd, const float* dy, float* dx, float* dgamma, float* dbeta,
                      int rows, int cols, AttnlabGpuError*)
{
    ops::LayerNormCache<float> cache{Eigen::Map<const Matrix>(normalized, rows, cols),
                                     Eigen::Map<const Matrix>(invStd, rows, 1)};
    Matrix gx = Eigen::Map<Matrix>(dx, rows, cols), gg = Eigen::Map<Matrix>(dgamma, 1, cols),
           gb = Eigen::Map<Matrix>(dbeta, 1, cols);
    ops::layerNormBackward<float>(Eigen::Map<const Matrix>(gamma, 1, cols), cache,
                                  Eigen::Map<const Matrix>(dy, rows, cols), gx, gg, gb);
    Eigen::Map<Matrix>(dx, rows, cols) = gx;
    Eigen::Map<Matrix>(dgamma, 1, cols) = gg;
    Eigen::Map<Matrix>(dbeta, 1, cols) = gb;
    return ATTNLAB_GPU_OK;
}

int geluForward(AttnlabGpuContext*, const float* x, float* y, size_t count, AttnlabGpuError*)
{
    Matrix out;
    ops::geluForward<float>(Eigen::Map<const Matrix>(x, 1, Eigen::Index(count)), out);
    std::copy(out.data(), out.data() + count, y);
    return ATTNLAB_GPU_OK;
}

int geluBackward(AttnlabGpuContext*, const float* x, const float* dy, float* dx, size_t count,
                 AttnlabGpuError*)
{
    const auto n = Eigen::Index(count);
    Matrix d = Eigen::Map<Matrix>(dx, 1, n);
    ops::geluBackward<float>(Eigen::Map<const Matrix>(x, 1, n), Eigen::Map<const Matrix>(dy, 1, n),
                             d);
    std::copy(d.data(), d.data() + count, dx);
    return ATTNLAB_GPU_OK;
}

int softmaxCrossEntropy(AttnlabGpuContext*, const float* logits, const int* targets, int rows,
                        int cols, float* probs, float* dlogits, float* loss, AttnlabGpuError*)
{
    // The CPU's operation on the counted rows; ignored rows get probabilities only.
    std::vector<int> kept, keptTargets;
    for (int r = 0; r < rows; ++r) {
        if (targets[r] >= 0) {
            kept.push_back(r);
            keptTargets.push_back(targets[r]);
        }
    }
    const Eigen::Map<const Matrix> z(logits, rows, cols);
    Matrix all;
    ops::softmaxRows<float>(z, all);
    Eigen::Map<Matrix>(probs, rows, cols) = all;
    *loss = 0.0f;
    if (kept.empty()) {
        return ATTNLAB_GPU_OK;
    }
    Matrix sub = z(kept, Eigen::all), p, d = Matrix::Zero(Eigen::Index(kept.size()), cols);
    *loss = ops::softmaxCrossEntropy<float>(sub, keptTargets, p, &d);
    if (dlogits) {
        Eigen::Map<Matrix> out(dlogits, rows, cols);
        out(kept, Eigen::all) += d;
    }
    return ATTNLAB_GPU_OK;
}

int dropoutForward(AttnlabGpuContext*, const float* x, float* y, float* keep, size_t count,
                   double p, unsigned long long seed, unsigned long long offset, AttnlabGpuError*)
{
    const auto scale = static_cast<float>(1.0 / (1.0 - p));
    for (size_t i = 0; i < count; ++i) {
        keep[i] = p > 0 && (seed + offset + i) % 4 == 0 ? 0.0f : scale; // a fixed pattern
        y[i] = x[i] * keep[i];
    }
    return ATTNLAB_GPU_OK;
}

int dropoutBackward(AttnlabGpuContext*, const float* keep, const float* dy, float* dx, size_t count,
                    AttnlabGpuError*)
{
    for (size_t i = 0; i < count; ++i) {
        dx[i] += dy[i] * keep[i];
    }
    return ATTNLAB_GPU_OK;
}

int adamUpdate(AttnlabGpuContext*, float* param, const float* grad, float* m, float* v,
               size_t count, double lr, double beta1, double beta2, double eps, long long step,
               AttnlabGpuError*)
{
    // core/adam.cpp's arithmetic, one entry at a time.
    const auto t = static_cast<double>(step);
    const auto stepSize = static_cast<float>(lr / (1.0 - std::pow(beta1, t)));
    const auto sqrtCorrection2 = static_cast<float>(std::sqrt(1.0 - std::pow(beta2, t)));
    const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
    for (size_t i = 0; i < count; ++i) {
        m[i] = b1 * m[i] + (1.0f - b1) * grad[i];
        v[i] = b2 * v[i] + (1.0f - b2) * grad[i] * grad[i];
        param[i] -= stepSize * m[i] / (std::sqrt(v[i]) / sqrtCorrection2 + float(eps));
    }
    return ATTNLAB_GPU_OK;
}

const AttnlabGpuApi kApi = {
    .version = ATTNLAB_GPU_API_VERSION,
    .minComputeCapability = 75,
    .deviceCount = deviceCount,
    .deviceInfo = deviceInfo,
    .createContext = createContext,
    .destroyContext = destroyContext,
    .synchronize = synchronize,
    .allocFloats = allocate<float>,
    .allocInts = allocate<int>,
    .freeBuffer = freeBuffer,
    .uploadFloats = copy<float>,
    .uploadInts = copy<int>,
    .downloadFloats = copy<float>,
    .copyFloats = copy<float>,
    .fillFloats = fill,
    .matmul = matmul,
    .addBias = addBias,
    .columnSums = columnSums,
    .embeddingForward = embeddingForward,
    .embeddingBackward = embeddingBackward,
    .softmaxForward = softmaxForward,
    .softmaxBackward = softmaxBackward,
    .maskScores = maskScores,
    .layerNormForward = layerNormForward,
    .layerNormBackward = layerNormBackward,
    .geluForward = geluForward,
    .geluBackward = geluBackward,
    .softmaxCrossEntropy = softmaxCrossEntropy,
    .dropoutForward = dropoutForward,
    .dropoutBackward = dropoutBackward,
    .adamUpdate = adamUpdate,
};

} // namespace

attnlab::gpu::Backend backend()
{
    attnlab::gpu::Backend b;
    b.api = &kApi;
    b.device = 0;
    b.description = "host fake";
    return b;
}

} // namespace fake

void fake::Sessions::open(const char* library)
{
    if (library && !std::getenv(gpu::kLibraryVariable)) {
        setenv(gpu::kLibraryVariable, library, 1);
    }
    fake = std::make_unique<gpu::Session>(fake::backend());
    backend = gpu::loadBackend();
    if (!backend.usable()) {
        skipReason = "no usable GPU: " + backend.reason;
        return;
    }
    gpu = std::make_unique<gpu::Session>(backend);
}
