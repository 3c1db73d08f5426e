// Layer normalization of each row, forward and backward, as core/blockops.cpp computes it:
// the mean, then the biased variance of the centred row (two passes, not E[x²] − μ², which
// loses digits when the mean is large), ε = 1e-5.
//
// One warp owns one row for the forward pass and for dx; dgamma and dbeta are column sums,
// one thread per column walking the rows in order (deterministic).
#include "backend.h"
#include "kernels.cuh"

namespace attnlab::cuda {

namespace {

constexpr float kEps = 1e-5f;

__global__ void layerNormForwardKernel(const float* x, const float* gamma, const float* beta,
                                       float* y, float* normalized, float* invStd, int rows,
                                       int cols)
{
    const float width = static_cast<float>(cols);
    for (std::size_t row = firstRow(); row < static_cast<std::size_t>(rows); row += rowStride()) {
        const float* in = x + row * cols;

        // Mean, then the variance of the centred row.
        float sum = 0.0f;
        for (int c = lane(); c < cols; c += kWarpSize) {
            sum += in[c];
        }
        const float mean = warpSum(sum) / width;
        float squares = 0.0f;
        for (int c = lane(); c < cols; c += kWarpSize) {
            const float centred = in[c] - mean;
            squares += centred * centred;
        }
        const float inv = 1.0f / sqrtf(warpSum(squares) / width + kEps);

        // Normalized row, scaled and shifted.
        for (int c = lane(); c < cols; c += kWarpSize) {
            const float n = (in[c] - mean) * inv;
            normalized[row * cols + c] = n;
            y[row * cols + c] = n * gamma[c] + beta[c];
        }
        if (lane() == 0) {
            invStd[row] = inv;
        }
    }
}

// dx += invStd · (dxhat − mean(dxhat) − xhat · mean(dxhat ⊙ xhat)), dxhat = dy ⊙ gamma.
__global__ void layerNormBackwardKernel(const float* gamma, const float* normalized,
                                        const float* invStd, const float* dy, float* dx, int rows,
                                        int cols)
{
    const float width = static_cast<float>(cols);
    for (std::size_t row = firstRow(); row < static_cast<std::size_t>(rows); row += rowStride()) {
        const float* xhat = normalized + row * cols;
        const float* d = dy + row * cols;
        float sumD = 0.0f;
        float sumDX = 0.0f;
        for (int c = lane(); c < cols; c += kWarpSize) {
            const float dxhat = d[c] * gamma[c];
            sumD += dxhat;
            sumDX += dxhat * xhat[c];
        }
        const float meanD = warpSum(sumD) / width;
        const float meanDX = warpSum(sumDX) / width;
        for (int c = lane(); c < cols; c += kWarpSize) {
            const float dxhat = d[c] * gamma[c];
            dx[row * cols + c] += invStd[row] * (dxhat - meanD - xhat[c] * meanDX);
        }
    }
}

// dgamma[c] += Σ_r dy[r, c]·xhat[r, c]; dbeta[c] += Σ_r dy[r, c].
__global__ void layerNormParamsKernel(const float* normalized, const float* dy, float* dgamma,
                                      float* dbeta, int rows, int cols)
{
    const std::size_t c = firstItem();
    if (c >= static_cast<std::size_t>(cols)) {
        return;
    }
    float sumGamma = 0.0f;
    float sumBeta = 0.0f;
    for (int r = 0; r < rows; ++r) {
        const std::size_t i = static_cast<std::size_t>(r) * cols + c;
        sumGamma += dy[i] * normalized[i];
        sumBeta += dy[i];
    }
    dgamma[c] += sumGamma;
    dbeta[c] += sumBeta;
}

} // namespace

int layerNormForward(AttnlabGpuContext* context, const float* x, const float* gamma,
                     const float* beta, float* y, float* normalized, float* invStd, int rows,
                     int cols, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (rows < 0 || cols < 0) {
        return invalid(error, "layerNormForward", "rows and cols must not be negative");
    }
    if (rows == 0 || cols == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!x || !gamma || !beta || !y || !normalized || !invStd) {
        return invalid(error, "layerNormForward", "a buffer is null");
    }
    layerNormForwardKernel<<<blocksForRows(static_cast<std::size_t>(rows)), kThreads, 0,
                             context->stream>>>(x, gamma, beta, y, normalized, invStd, rows, cols);
    ATTNLAB_CHECK_LAUNCH(layerNormForwardKernel, error);
    return ATTNLAB_GPU_OK;
}

int layerNormBackward(AttnlabGpuContext* context, const float* gamma, const float* normalized,
                      const float* invStd, const float* dy, float* dx, float* dgamma, float* dbeta,
                      int rows, int cols, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (rows < 0 || cols < 0) {
        return invalid(error, "layerNormBackward", "rows and cols must not be negative");
    }
    if (rows == 0 || cols == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!gamma || !normalized || !invStd || !dy || !dx || !dgamma || !dbeta) {
        return invalid(error, "layerNormBackward", "a buffer is null");
    }
    layerNormBackwardKernel<<<blocksForRows(static_cast<std::size_t>(rows)), kThreads, 0,
                              context->stream>>>(gamma, normalized, invStd, dy, dx, rows, cols);
    ATTNLAB_CHECK_LAUNCH(layerNormBackwardKernel, error);
    const unsigned blocks = (static_cast<unsigned>(cols) + kThreads - 1) / kThreads;
    layerNormParamsKernel<<<blocks, kThreads, 0, context->stream>>>(normalized, dy, dgamma, dbeta,
                                                                    rows, cols);
    ATTNLAB_CHECK_LAUNCH(layerNormParamsKernel, error);
    return ATTNLAB_GPU_OK;
}

} // namespace attnlab::cuda
