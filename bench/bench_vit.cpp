// The Vision Transformer: one training step (a batch of 28×28 images) at the default size and
// with 4×4 patches, and the snapshot the views take of one image. The images are random: a
// step costs the same whatever the pixels.
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
// 2 layers, F 128).
void BM_VitStep(benchmark::State& state)
{
    VitTrainConfig c;
    c.model.patch = static_cast<int>(state.range(0));
    c.batchSize = static_cast<int>(state.range(1));
    c.epochs = 1000000;
    VitTrainer trainer(std::make_shared<const ImageSet>(randomImages(1024)), nullptr, c);
    for (auto _ : state) {
        benchmark::DoNotOptimize(trainer.step());
    }
    state.counters["images/s"] = benchmark::Counter(
        static_cast<double>(state.iterations() * state.range(1)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VitStep)
    ->ArgNames({"patch", "batch"})
    ->Args({7, 64})
    ->Args({4, 64})
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
