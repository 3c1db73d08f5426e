// Device helpers shared by the kernels of libattnlab_cuda: launch shapes and warp reductions.
//
// Two kernel shapes cover every operation: element-wise kernels with a grid-stride loop, and
// row kernels where one warp of 32 threads owns one row (softmax, layer norm, cross-entropy),
// so a row's reductions are warp shuffles in a fixed order: the same input gives the same
// bits on every run.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

namespace attnlab::cuda {

constexpr int kThreads = 256;                       // threads per block
constexpr int kWarpSize = 32;                       // threads per warp
constexpr int kRowsPerBlock = kThreads / kWarpSize; // rows per block in the row kernels
constexpr std::size_t kMaxBlocks = 65535;           // the grid-stride loops cover the rest

// Blocks for a grid-stride loop over `count` items.
inline unsigned blocksFor(std::size_t count)
{
    const std::size_t blocks = (count + kThreads - 1) / kThreads;
    return static_cast<unsigned>(blocks == 0 ? 1 : (blocks < kMaxBlocks ? blocks : kMaxBlocks));
}

// Blocks for a row kernel over `rows` rows, one warp each.
inline unsigned blocksForRows(std::size_t rows)
{
    const std::size_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
    return static_cast<unsigned>(blocks == 0 ? 1 : (blocks < kMaxBlocks ? blocks : kMaxBlocks));
}

// The first item of this thread in a grid-stride loop, and the loop's stride.
__device__ inline std::size_t firstItem()
{
    return static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}

__device__ inline std::size_t itemStride()
{
    return static_cast<std::size_t>(gridDim.x) * blockDim.x;
}

// The first row of this warp in a row kernel, the row stride, and the thread's lane.
__device__ inline std::size_t firstRow()
{
    return static_cast<std::size_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarpSize;
}

__device__ inline std::size_t rowStride()
{
    return static_cast<std::size_t>(gridDim.x) * kRowsPerBlock;
}

__device__ inline int lane()
{
    return static_cast<int>(threadIdx.x % kWarpSize);
}

// Sum and maximum over the 32 lanes of a warp; every lane gets the result.
__device__ inline float warpSum(float value)
{
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
        value += __shfl_xor_sync(0xffffffffu, value, offset);
    }
    return value;
}

__device__ inline float warpMax(float value)
{
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
        value = fmaxf(value, __shfl_xor_sync(0xffffffffu, value, offset));
    }
    return value;
}

// Records the first index fault since the last check (see Fault in backend.h).
__device__ inline void recordFault(int* fault, int code)
{
    atomicCAS(fault, 0, code);
}

} // namespace attnlab::cuda
