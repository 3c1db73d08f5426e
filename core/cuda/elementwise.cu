// The element-wise and column operations: fill, bias and column sums (the affine layer), GELU,
// dropout with a counter-based generator, and the Adam update.
//
// Column sums (the bias and layer-norm gradients) give each column one thread that walks the
// rows in order: deterministic, and fast enough for the sizes the lessons use.
#include "backend.h"
#include "kernels.cuh"

#include <cmath>
#include <initializer_list>

namespace attnlab::cuda {

namespace {

__global__ void fillKernel(float* out, float value, std::size_t count)
{
    for (std::size_t i = firstItem(); i < count; i += itemStride()) {
        out[i] = value;
    }
}

__global__ void addBiasKernel(float* y, const float* bias, int cols, std::size_t count)
{
    for (std::size_t i = firstItem(); i < count; i += itemStride()) {
        y[i] += bias[i % static_cast<std::size_t>(cols)];
    }
}

__global__ void columnSumsKernel(const float* x, float* sums, int rows, int cols)
{
    const int c = static_cast<int>(firstItem());
    if (c >= cols) {
        return;
    }
    float total = 0.0f;
    for (int r = 0; r < rows; ++r) {
        total += x[static_cast<std::size_t>(r) * cols + c];
    }
    sums[c] += total;
}

// Φ(x) and φ(x), the normal CDF and density, written as core/blockops.cpp writes them.
__device__ float normalCdf(float x)
{
    return 0.5f * (1.0f + erff(x / 1.41421356237309505f));
}

__device__ float normalPdf(float x)
{
    return expf(-0.5f * x * x) / sqrtf(2.0f * 3.14159265358979324f);
}

__global__ void geluForwardKernel(const float* x, float* y, std::size_t count)
{
    for (std::size_t i = firstItem(); i < count; i += itemStride()) {
        y[i] = x[i] * normalCdf(x[i]);
    }
}

__global__ void geluBackwardKernel(const float* x, const float* dy, float* dx, std::size_t count)
{
    for (std::size_t i = firstItem(); i < count; i += itemStride()) {
        dx[i] += dy[i] * (normalCdf(x[i]) + x[i] * normalPdf(x[i]));
    }
}

// SplitMix64's output mixer: a bijection of 64-bit words whose outputs for consecutive inputs
// look independent. The generator's state for a seed is mix64(seed); uniform(state, n) steps
// it n + 1 times by the golden-ratio increment and mixes, as SplitMix64's n-th output would.
// No state is kept between entries, so any entry is drawn without drawing the ones before it.
__host__ __device__ unsigned long long mix64(unsigned long long z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

__device__ double uniform(unsigned long long seedState, unsigned long long counter)
{
    const unsigned long long bits = mix64(seedState + (counter + 1) * 0x9e3779b97f4a7c15ull);
    return static_cast<double>(bits >> 11) * 0x1.0p-53; // top 53 bits, as core/random.cpp
}

__global__ void dropoutForwardKernel(const float* x, float* y, float* keep, std::size_t count,
                                     double p, float scale, unsigned long long seedState,
                                     unsigned long long offset)
{
    for (std::size_t i = firstItem(); i < count; i += itemStride()) {
        const float k = uniform(seedState, offset + i) < p ? 0.0f : scale;
        keep[i] = k;
        y[i] = x[i] * k;
    }
}

__global__ void multiplyAddKernel(const float* a, const float* b, float* out, std::size_t count)
{
    for (std::size_t i = firstItem(); i < count; i += itemStride()) {
        out[i] += a[i] * b[i];
    }
}

struct AdamStep
{
    float beta1;
    float beta2;
    float eps;
    float stepSize;        // lr / (1 − β1ᵗ)
    float sqrtCorrection2; // √(1 − β2ᵗ)
};

// The same arithmetic, in the same order, as Adam<float>::step in core/adam.cpp.
__global__ void adamKernel(float* param, const float* grad, float* m, float* v, std::size_t count,
                           AdamStep s)
{
    for (std::size_t i = firstItem(); i < count; i += itemStride()) {
        const float g = grad[i];
        m[i] = s.beta1 * m[i] + (1.0f - s.beta1) * g;
        v[i] = s.beta2 * v[i] + (1.0f - s.beta2) * g * g;
        const float denom = sqrtf(v[i]) / s.sqrtCorrection2 + s.eps;
        param[i] -= s.stepSize * m[i] / denom;
    }
}

bool anyNull(std::initializer_list<const void*> buffers)
{
    for (const void* buffer : buffers) {
        if (!buffer) {
            return true;
        }
    }
    return false;
}

} // namespace

int fillFloats(AttnlabGpuContext* context, float* device, float value, std::size_t count,
               AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!device) {
        return invalid(error, "fillFloats", "the buffer is null");
    }
    fillKernel<<<blocksFor(count), kThreads, 0, context->stream>>>(device, value, count);
    ATTNLAB_CHECK_LAUNCH(fillKernel, error);
    return ATTNLAB_GPU_OK;
}

int addBias(AttnlabGpuContext* context, float* y, const float* bias, int rows, int cols,
            AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (rows < 0 || cols < 0) {
        return invalid(error, "addBias", "rows and cols must not be negative");
    }
    const std::size_t count = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (anyNull({y, bias})) {
        return invalid(error, "addBias", "a buffer is null");
    }
    addBiasKernel<<<blocksFor(count), kThreads, 0, context->stream>>>(y, bias, cols, count);
    ATTNLAB_CHECK_LAUNCH(addBiasKernel, error);
    return ATTNLAB_GPU_OK;
}

int columnSums(AttnlabGpuContext* context, const float* x, float* sums, int rows, int cols,
               AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (rows < 0 || cols < 0) {
        return invalid(error, "columnSums", "rows and cols must not be negative");
    }
    if (cols == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!sums || (rows > 0 && !x)) {
        return invalid(error, "columnSums", "a buffer is null");
    }
    const unsigned blocks = (static_cast<unsigned>(cols) + kThreads - 1) / kThreads;
    columnSumsKernel<<<blocks, kThreads, 0, context->stream>>>(x, sums, rows, cols);
    ATTNLAB_CHECK_LAUNCH(columnSumsKernel, error);
    return ATTNLAB_GPU_OK;
}

int geluForward(AttnlabGpuContext* context, const float* x, float* y, std::size_t count,
                AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (anyNull({x, y})) {
        return invalid(error, "geluForward", "a buffer is null");
    }
    geluForwardKernel<<<blocksFor(count), kThreads, 0, context->stream>>>(x, y, count);
    ATTNLAB_CHECK_LAUNCH(geluForwardKernel, error);
    return ATTNLAB_GPU_OK;
}

int geluBackward(AttnlabGpuContext* context, const float* x, const float* dy, float* dx,
                 std::size_t count, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (anyNull({x, dy, dx})) {
        return invalid(error, "geluBackward", "a buffer is null");
    }
    geluBackwardKernel<<<blocksFor(count), kThreads, 0, context->stream>>>(x, dy, dx, count);
    ATTNLAB_CHECK_LAUNCH(geluBackwardKernel, error);
    return ATTNLAB_GPU_OK;
}

int dropoutForward(AttnlabGpuContext* context, const float* x, float* y, float* keep,
                   std::size_t count, double p, unsigned long long seed, unsigned long long offset,
                   AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (!(p >= 0.0 && p < 1.0)) {
        return invalid(error, "dropoutForward", "the probability p must be in [0, 1)");
    }
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (anyNull({x, y, keep})) {
        return invalid(error, "dropoutForward", "a buffer is null");
    }
    // With p = 0 no entry is dropped: keep is all ones, scale 1/(1 − 0).
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    dropoutForwardKernel<<<blocksFor(count), kThreads, 0, context->stream>>>(
        x, y, keep, count, p, scale, mix64(seed), offset);
    ATTNLAB_CHECK_LAUNCH(dropoutForwardKernel, error);
    return ATTNLAB_GPU_OK;
}

int dropoutBackward(AttnlabGpuContext* context, const float* keep, const float* dy, float* dx,
                    std::size_t count, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (anyNull({keep, dy, dx})) {
        return invalid(error, "dropoutBackward", "a buffer is null");
    }
    multiplyAddKernel<<<blocksFor(count), kThreads, 0, context->stream>>>(dy, keep, dx, count);
    ATTNLAB_CHECK_LAUNCH(multiplyAddKernel, error);
    return ATTNLAB_GPU_OK;
}

int adamUpdate(AttnlabGpuContext* context, float* param, const float* grad, float* m, float* v,
               std::size_t count, double learningRate, double beta1, double beta2, double eps,
               long long step, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (step < 1) {
        return invalid(error, "adamUpdate", "the step number must be at least 1");
    }
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (anyNull({param, grad, m, v})) {
        return invalid(error, "adamUpdate", "a buffer is null");
    }
    // The bias corrections in double, on the host, as core/adam.cpp computes them.
    const double correction1 = 1.0 - std::pow(beta1, static_cast<double>(step));
    const double correction2 = 1.0 - std::pow(beta2, static_cast<double>(step));
    const AdamStep s{static_cast<float>(beta1), static_cast<float>(beta2), static_cast<float>(eps),
                     static_cast<float>(learningRate / correction1),
                     static_cast<float>(std::sqrt(correction2))};
    adamKernel<<<blocksFor(count), kThreads, 0, context->stream>>>(param, grad, m, v, count, s);
    ATTNLAB_CHECK_LAUNCH(adamKernel, error);
    return ATTNLAB_GPU_OK;
}

} // namespace attnlab::cuda
