// Multi-head attention forward (scores, masked softmax, weighted sum) over one sequence at
// contexts of 64 to 1024 tokens, on the CPU (ops.h) and on the GPU (gpubackend.h, inputs
// already on the device, each pass waited for). Four heads of 32 (E = H = 128), causal mask.
#include "benchgpu.h"

#include <gpubackend.h>
#include <ops.h>

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

namespace {

using attnlab::Matrix;

constexpr int kHeads = 4;
constexpr int kWidth = 128;

Matrix randomMatrix(int rows, int cols, unsigned seed)
{
    std::mt19937 gen(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Matrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        m.data()[i] = normal(gen);
    }
    return m;
}

void setCounters(benchmark::State& state)
{
    // Two products of T·T·H multiply-adds each.
    const double t = static_cast<double>(state.range(0));
    state.counters["GFLOP/s"] =
        benchmark::Counter(4.0 * t * t * kWidth * static_cast<double>(state.iterations()) * 1e-9,
                           benchmark::Counter::kIsRate);
}

void BM_AttentionForward(benchmark::State& state)
{
    const int t = static_cast<int>(state.range(0));
    const Matrix q = randomMatrix(t, kWidth, 1), k = randomMatrix(t, kWidth, 2);
    const Matrix v = randomMatrix(t, kWidth, 3);
    std::vector<Matrix> weights;
    Matrix out;
    for (auto _ : state) {
        attnlab::ops::multiHeadAttentionForward(q, k, v, kHeads, t, attnlab::ops::Mask::Causal,
                                                weights, out);
        benchmark::DoNotOptimize(out.data());
    }
    setCounters(state);
}
BENCHMARK(BM_AttentionForward)
    ->ArgName("T")
    ->RangeMultiplier(2)
    ->Range(64, 1024)
    ->Unit(benchmark::kMicrosecond);

// Skipped, saying why, without a GPU.
void BM_AttentionForwardGpu(benchmark::State& state)
{
    const std::shared_ptr<attnlab::gpu::Session> gpu = gpuOrSkip(state);
    if (!gpu) {
        return;
    }
    attnlab::gpu::Session& s = *gpu;
    const int t = static_cast<int>(state.range(0));
    const attnlab::gpu::DeviceMatrix q(s, randomMatrix(t, kWidth, 1));
    const attnlab::gpu::DeviceMatrix k(s, randomMatrix(t, kWidth, 2));
    const attnlab::gpu::DeviceMatrix v(s, randomMatrix(t, kWidth, 3));
    attnlab::gpu::DeviceMatrix weights(s, 0, 0), out(s, 0, 0);
    for (auto _ : state) {
        attnlab::gpu::multiHeadAttentionForward(q, k, v, kHeads, t, attnlab::ops::Mask::Causal,
                                                weights, out);
        s.synchronize();
    }
    setCounters(state);
}
BENCHMARK(BM_AttentionForwardGpu)
    ->ArgName("T")
    ->RangeMultiplier(2)
    ->Range(64, 1024)
    ->Unit(benchmark::kMicrosecond);

} // namespace
