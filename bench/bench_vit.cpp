// The Vision Transformer: one training step (a batch of 28×28 images) at the default size and
// with 4×4 patches, an epoch of 10 000 images, each on the CPU and on the GPU, and the
// snapshot the views take of one image. The images are random: a step costs the same whatever
// the pixels.
#include "benchgpu.h"

#include <vittrainer.h>

#include <benchmark/benchmark.h>

#include <memory>
#include <random>

namespace {

using attnlab::ImageSet;
using attnlab::VitTrainConfig;
using attnlab::VitTrainer;

ImageSet randomImages(int count)
{
    ImageSet set;
    std::mt19937 gen(1);
    std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
    for (int i = 0; i < count * 28 * 28; ++i) {
        set.pixels.push_back(pixel(gen));
    }
    for (int i = 0; i < count; ++i) {
        set.labels.push_back(int(gen() % 10));
    }
    return set;
}

// Arguments: patch size, batch size. The rest is the default model (E 64, 4 heads, H 64,
// 2 layers, F 128). On the GPU when `gpu` is given.
void vitSteps(benchmark::State& state, std::shared_ptr<attnlab::gpu::Session> gpu)
{
    VitTrainConfig c;
    c.model.patch = static_cast<int>(state.range(0));
    c.batchSize = static_cast<int>(state.range(1));
    c.epochs = 1000000;
    VitTrainer trainer(std::make_shared<const ImageSet>(randomImages(1024)), nullptr, c);
    if (gpu) {
        trainer.trainOn(std::move(gpu));
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(trainer.step());
    }
    state.counters["images/s"] = benchmark::Counter(
        static_cast<double>(state.iterations() * state.range(1)), benchmark::Counter::kIsRate);
}

void BM_VitStep(benchmark::State& state)
{
    vitSteps(state, nullptr);
}
BENCHMARK(BM_VitStep)
    ->ArgNames({"patch", "batch"})
    ->Args({7, 64})
    ->Args({4, 64})
    ->Unit(benchmark::kMillisecond);

// Skipped, saying why, without a GPU.
void BM_VitStepGpu(benchmark::State& state)
{
    if (auto gpu = gpuOrSkip(state)) {
        vitSteps(state, std::move(gpu));
    }
}
BENCHMARK(BM_VitStepGpu)
    ->ArgNames({"patch", "batch"})
    ->Args({7, 64})
    ->Args({4, 64})
    ->Unit(benchmark::kMillisecond);

// One epoch of 10 000 images in batches of 64 at the default settings (argument 1: on the
// GPU, which also counts moving the images there).
void BM_VitEpoch(benchmark::State& state)
{
    std::shared_ptr<attnlab::gpu::Session> gpu;
    if (state.range(0) != 0 && !(gpu = gpuOrSkip(state))) {
        return;
    }
    const auto images = std::make_shared<const ImageSet>(randomImages(10000));
    for (auto _ : state) {
        VitTrainer trainer(images, nullptr, VitTrainConfig{});
        if (gpu) {
            trainer.trainOn(gpu);
        }
        benchmark::DoNotOptimize(trainer.runEpoch());
    }
    state.counters["images/s"] = benchmark::Counter(
        10000.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VitEpoch)
    ->ArgName("gpu")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_VitSnapshot(benchmark::State& state)
{
    const auto set = std::make_shared<const ImageSet>(randomImages(1));
    VitTrainer trainer(set, nullptr, VitTrainConfig{});
    for (auto _ : state) {
        benchmark::DoNotOptimize(trainer.snapshot(set->image(0), set->labels[0]));
    }
}
BENCHMARK(BM_VitSnapshot)->Unit(benchmark::kMicrosecond);

} // namespace
