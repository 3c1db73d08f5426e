// The embedding: gather a token row and add the position row; scatter the gradient back.
//
// The scatter gives each column one thread that walks the tokens in order, so a token that
// appears twice adds its gradients in the same order on every run (atomics would not), at the
// cost of parallelism only over the width E. An id outside [0, vocab) is skipped and recorded
// as an index fault for the next synchronizing call.
#include "backend.h"
#include "kernels.cuh"

namespace attnlab::cuda {

namespace {

// x[t, e] = tok[ids[t], e] + pos[t, e]. x: T×E.
__global__ void embeddingForwardKernel(const float* tok, int vocab, const float* pos,
                                       const int* ids, int width, std::size_t count, float* x,
                                       int* fault)
{
    for (std::size_t i = firstItem(); i < count; i += itemStride()) {
        const std::size_t t = i / static_cast<std::size_t>(width);
        const std::size_t e = i % static_cast<std::size_t>(width);
        const int id = ids[t];
        if (id < 0 || id >= vocab) {
            recordFault(fault, kTokenOutOfRange);
            x[i] = pos[i];
            continue;
        }
        x[i] = tok[static_cast<std::size_t>(id) * width + e] + pos[i];
    }
}

// dpos[t, e] += dx[t, e], element-wise.
__global__ void positionBackwardKernel(const float* dx, std::size_t count, float* dpos)
{
    for (std::size_t i = firstItem(); i < count; i += itemStride()) {
        dpos[i] += dx[i];
    }
}

// dtok[ids[t], e] += dx[t, e], one thread per column e, tokens in order.
__global__ void tokenBackwardKernel(const float* dx, const int* ids, int tokens, int width,
                                    int vocab, float* dtok, int* fault)
{
    const std::size_t e = firstItem();
    if (e >= static_cast<std::size_t>(width)) {
        return;
    }
    for (int t = 0; t < tokens; ++t) {
        const int id = ids[t];
        if (id < 0 || id >= vocab) {
            recordFault(fault, kTokenOutOfRange);
            continue;
        }
        dtok[static_cast<std::size_t>(id) * width + e] +=
            dx[static_cast<std::size_t>(t) * width + e];
    }
}

} // namespace

int embeddingForward(AttnlabGpuContext* context, const float* tok, int vocab, const float* pos,
                     const int* ids, int tokens, int width, float* x, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (vocab < 0 || tokens < 0 || width < 0) {
        return invalid(error, "embeddingForward", "vocab, tokens and width must not be negative");
    }
    const std::size_t count = static_cast<std::size_t>(tokens) * static_cast<std::size_t>(width);
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!pos || !ids || !x || (vocab > 0 && !tok)) {
        return invalid(error, "embeddingForward", "a buffer is null");
    }
    embeddingForwardKernel<<<blocksFor(count), kThreads, 0, context->stream>>>(
        tok, vocab, pos, ids, width, count, x, context->fault);
    ATTNLAB_CHECK_LAUNCH(embeddingForwardKernel, error);
    return ATTNLAB_GPU_OK;
}

int embeddingBackward(AttnlabGpuContext* context, const float* dx, const int* ids, int tokens,
                      int width, int vocab, float* dtok, float* dpos, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (vocab < 0 || tokens < 0 || width < 0) {
        return invalid(error, "embeddingBackward", "vocab, tokens and width must not be negative");
    }
    const std::size_t count = static_cast<std::size_t>(tokens) * static_cast<std::size_t>(width);
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!dx || !ids || !dpos || (vocab > 0 && !dtok)) {
        return invalid(error, "embeddingBackward", "a buffer is null");
    }
    positionBackwardKernel<<<blocksFor(count), kThreads, 0, context->stream>>>(dx, count, dpos);
    ATTNLAB_CHECK_LAUNCH(positionBackwardKernel, error);
    const unsigned blocks = (static_cast<unsigned>(width) + kThreads - 1) / kThreads;
    tokenBackwardKernel<<<blocks, kThreads, 0, context->stream>>>(dx, ids, tokens, width, vocab,
                                                                  dtok, context->fault);
    ATTNLAB_CHECK_LAUNCH(tokenBackwardKernel, error);
    return ATTNLAB_GPU_OK;
}

} // namespace attnlab::cuda
