// Masked softmax over rows, its backward pass, the mask itself, and the softmax cross-entropy.
//
// One warp owns one row. The mask is applied as the row is read (keys at or after `length`,
// and with the causal mask keys after the query), so the scores need not be rewritten; an
// entry that is already minus infinity is masked too. Masked entries come out exactly 0, and a
// row with nothing visible comes out as zeros, as ops::softmaxRows does on the CPU.
#include "backend.h"
#include "kernels.cuh"

namespace attnlab::cuda {

namespace {

// Keys [0, limit) of query r are visible.
__device__ int visibleKeys(int r, int cols, int causal, int length)
{
    int limit = length < cols ? length : cols;
    limit = limit < 0 ? 0 : limit;
    return causal && r + 1 < limit ? r + 1 : limit;
}

// out = softmax(in) row by row over `total` rows; row i is query i % rows of its matrix.
__global__ void softmaxForwardKernel(const float* in, float* out, std::size_t total, int rows,
                                     int cols, int causal, int length)
{
    for (std::size_t row = firstRow(); row < total; row += rowStride()) {
        const int limit = visibleKeys(static_cast<int>(row % rows), cols, causal, length);
        const float* x = in + row * cols;
        float* y = out + row * cols;

        // Maximum of the visible entries: minus infinity when nothing is visible.
        float max = -INFINITY;
        for (int c = lane(); c < limit; c += kWarpSize) {
            max = fmaxf(max, x[c]);
        }
        max = warpMax(max);
        if (max == -INFINITY) {
            for (int c = lane(); c < cols; c += kWarpSize) {
                y[c] = 0.0f;
            }
            continue;
        }

        // Normalizer, then the weights; exp(−∞ − max) is exactly 0.
        float sum = 0.0f;
        for (int c = lane(); c < limit; c += kWarpSize) {
            sum += expf(x[c] - max);
        }
        sum = warpSum(sum);
        for (int c = lane(); c < cols; c += kWarpSize) {
            y[c] = c < limit ? expf(x[c] - max) / sum : 0.0f;
        }
    }
}

// din += out ⊙ (dout − rowsum(dout ⊙ out)).
__global__ void softmaxBackwardKernel(const float* out, const float* dout, float* din,
                                      std::size_t total, int cols)
{
    for (std::size_t row = firstRow(); row < total; row += rowStride()) {
        const float* y = out + row * cols;
        const float* dy = dout + row * cols;
        float dot = 0.0f;
        for (int c = lane(); c < cols; c += kWarpSize) {
            dot += y[c] * dy[c];
        }
        dot = warpSum(dot);
        for (int c = lane(); c < cols; c += kWarpSize) {
            din[row * cols + c] += y[c] * (dy[c] - dot);
        }
    }
}

__global__ void maskScoresKernel(float* scores, std::size_t count, int rows, int cols, int causal,
                                 int length)
{
    for (std::size_t i = firstItem(); i < count; i += itemStride()) {
        const int c = static_cast<int>(i % cols);
        const int r = static_cast<int>((i / cols) % rows);
        if (c >= visibleKeys(r, cols, causal, length)) {
            scores[i] = -INFINITY;
        }
    }
}

__device__ bool counted(int target, int cols)
{
    return target >= 0 && target < cols;
}

// probs = exp(logits − max − log Σ exp(logits − max)) per row; rowLoss[r] = −log probs[r, t],
// or 0 for an ignored (-1) or faulty target.
__global__ void crossEntropyRowsKernel(const float* logits, const int* targets, int rows, int cols,
                                       float* probs, float* rowLoss, int* fault)
{
    for (std::size_t row = firstRow(); row < static_cast<std::size_t>(rows); row += rowStride()) {
        const float* z = logits + row * cols;
        const int target = targets[row];
        if (lane() == 0 && (target < -1 || target >= cols)) {
            recordFault(fault, kTargetOutOfRange);
        }

        // Log-softmax through the maximum, so it is finite for any finite row.
        float max = -INFINITY;
        for (int c = lane(); c < cols; c += kWarpSize) {
            max = fmaxf(max, z[c]);
        }
        max = warpMax(max);
        float sum = 0.0f;
        for (int c = lane(); c < cols; c += kWarpSize) {
            sum += expf(z[c] - max);
        }
        const float logSum = logf(warpSum(sum));
        for (int c = lane(); c < cols; c += kWarpSize) {
            probs[row * cols + c] = expf(z[c] - max - logSum);
        }
        if (lane() == 0) {
            rowLoss[row] = counted(target, cols) ? -(z[target] - max - logSum) : 0.0f;
        }
    }
}

// result[0] = mean of rowLoss over the counted rows (0 when none), result[1] = the count as
// int bits. One block; a fixed reduction tree, so the same input gives the same bits.
__global__ void crossEntropyMeanKernel(const float* rowLoss, const int* targets, int rows, int cols,
                                       float* result)
{
    __shared__ float sums[kThreads];
    __shared__ int counts[kThreads];
    float sum = 0.0f;
    int count = 0;
    for (int r = static_cast<int>(threadIdx.x); r < rows; r += kThreads) {
        sum += rowLoss[r];
        count += counted(targets[r], cols) ? 1 : 0;
    }
    sums[threadIdx.x] = sum;
    counts[threadIdx.x] = count;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half /= 2) {
        if (static_cast<int>(threadIdx.x) < half) {
            sums[threadIdx.x] += sums[threadIdx.x + half];
            counts[threadIdx.x] += counts[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        result[0] = counts[0] > 0 ? sums[0] / static_cast<float>(counts[0]) : 0.0f;
        result[1] = __int_as_float(counts[0]);
    }
}

// dlogits += (probs − onehot(target)) / counted, for the counted rows.
__global__ void crossEntropyBackwardKernel(const float* probs, const int* targets, int cols,
                                           std::size_t count, const float* result, float* dlogits)
{
    const float rowsCounted = static_cast<float>(__float_as_int(result[1]));
    for (std::size_t i = firstItem(); i < count; i += itemStride()) {
        const int target = targets[i / cols];
        if (target < 0 || target >= cols) {
            continue;
        }
        dlogits[i] += probs[i] / rowsCounted;
        if (static_cast<int>(i % cols) == target) {
            dlogits[i] -= 1.0f / rowsCounted;
        }
    }
}

int checkShape(AttnlabGpuError* error, const char* function, int batch, int rows, int cols)
{
    if (batch < 0 || rows < 0 || cols < 0) {
        return invalid(error, function, "batch, rows and cols must not be negative");
    }
    return ATTNLAB_GPU_OK;
}

} // namespace

int softmaxForward(AttnlabGpuContext* context, const float* in, float* out, int batch, int rows,
                   int cols, int causal, int length, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    ATTNLAB_TRY(checkShape(error, "softmaxForward", batch, rows, cols));
    const std::size_t total = static_cast<std::size_t>(batch) * static_cast<std::size_t>(rows);
    if (total == 0 || cols == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!in || !out) {
        return invalid(error, "softmaxForward", "a buffer is null");
    }
    softmaxForwardKernel<<<blocksForRows(total), kThreads, 0, context->stream>>>(
        in, out, total, rows, cols, causal, length);
    ATTNLAB_CHECK_LAUNCH(softmaxForwardKernel, error);
    return ATTNLAB_GPU_OK;
}

int softmaxBackward(AttnlabGpuContext* context, const float* out, const float* dout, float* din,
                    int rows, int cols, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    ATTNLAB_TRY(checkShape(error, "softmaxBackward", 1, rows, cols));
    if (rows == 0 || cols == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!out || !dout || !din) {
        return invalid(error, "softmaxBackward", "a buffer is null");
    }
    const auto total = static_cast<std::size_t>(rows);
    softmaxBackwardKernel<<<blocksForRows(total), kThreads, 0, context->stream>>>(out, dout, din,
                                                                                  total, cols);
    ATTNLAB_CHECK_LAUNCH(softmaxBackwardKernel, error);
    return ATTNLAB_GPU_OK;
}

int maskScores(AttnlabGpuContext* context, float* scores, int batch, int rows, int cols, int causal,
               int length, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    ATTNLAB_TRY(checkShape(error, "maskScores", batch, rows, cols));
    const std::size_t count = static_cast<std::size_t>(batch) * static_cast<std::size_t>(rows) *
                              static_cast<std::size_t>(cols);
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!scores) {
        return invalid(error, "maskScores", "the scores buffer is null");
    }
    maskScoresKernel<<<blocksFor(count), kThreads, 0, context->stream>>>(scores, count, rows, cols,
                                                                         causal, length);
    ATTNLAB_CHECK_LAUNCH(maskScoresKernel, error);
    return ATTNLAB_GPU_OK;
}

int softmaxCrossEntropy(AttnlabGpuContext* context, const float* logits, const int* targets,
                        int rows, int cols, float* probs, float* dlogits, float* loss,
                        AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    ATTNLAB_TRY(checkShape(error, "softmaxCrossEntropy", 1, rows, cols));
    if (!loss) {
        return invalid(error, "softmaxCrossEntropy", "the loss pointer is null");
    }
    *loss = 0.0f;
    if (rows == 0 || cols == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!logits || !targets || !probs) {
        return invalid(error, "softmaxCrossEntropy", "a buffer is null");
    }

    // Scratch: the loss of each row, then the mean and the count.
    const auto n = static_cast<std::size_t>(rows);
    ATTNLAB_TRY(reserveScratch(context, n + 2, error));
    float* rowLoss = context->scratch;
    float* result = context->scratch + n;

    crossEntropyRowsKernel<<<blocksForRows(n), kThreads, 0, context->stream>>>(
        logits, targets, rows, cols, probs, rowLoss, context->fault);
    ATTNLAB_CHECK_LAUNCH(crossEntropyRowsKernel, error);
    crossEntropyMeanKernel<<<1, kThreads, 0, context->stream>>>(rowLoss, targets, rows, cols,
                                                                result);
    ATTNLAB_CHECK_LAUNCH(crossEntropyMeanKernel, error);
    if (dlogits) {
        const std::size_t count = n * static_cast<std::size_t>(cols);
        crossEntropyBackwardKernel<<<blocksFor(count), kThreads, 0, context->stream>>>(
            probs, targets, cols, count, result, dlogits);
        ATTNLAB_CHECK_LAUNCH(crossEntropyBackwardKernel, error);
    }
    float mean = 0.0f;
    ATTNLAB_CHECK(
        cudaMemcpyAsync(&mean, result, sizeof(float), cudaMemcpyDeviceToHost, context->stream),
        error);
    ATTNLAB_TRY(finishQueue(context, error));
    *loss = mean;
    return ATTNLAB_GPU_OK;
}

} // namespace attnlab::cuda
