// Training the transformer: one optimizer step (a batch) on the agreement preset at a few
// sizes, on the CPU and on the GPU, the side-by-side lesson (causal and unmasked, 300 epochs
// each), and a snapshot of everything the views show.
#include "benchgpu.h"

#include <presets.h>
#include <texttrainer.h>

#include <benchmark/benchmark.h>

namespace {

using attnlab::Objective;
using attnlab::TextConfig;
using attnlab::TextTrainer;

// Arguments: layers, heads, width (E = H), batch size.
TextConfig presetConfig(const benchmark::State& state)
{
    TextConfig c;
    c.model.layers = static_cast<int>(state.range(0));
    c.model.heads = static_cast<int>(state.range(1));
    c.model.embed = static_cast<int>(state.range(2));
    c.model.headSize = c.model.embed;
    c.model.mlpWidth = 2 * c.model.embed;
    c.model.context = 12;
    c.batchSize = static_cast<int>(state.range(3));
    c.shuffle = true;
    c.epochs = 100000000;
    return c;
}

attnlab::Corpus agreement()
{
    return attnlab::presetCorpus(*attnlab::findPreset("agreement"));
}

// One step after another, on the GPU when `gpu` is given.
void transformerSteps(benchmark::State& state, std::shared_ptr<attnlab::gpu::Session> gpu)
{
    TextTrainer trainer(agreement(), presetConfig(state));
    if (gpu) {
        trainer.trainOn(std::move(gpu));
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(trainer.step());
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["sentences/s"] = benchmark::Counter(
        static_cast<double>(state.iterations() * state.range(3)), benchmark::Counter::kIsRate);
}

void BM_TransformerStep(benchmark::State& state)
{
    transformerSteps(state, nullptr);
}
BENCHMARK(BM_TransformerStep)
    ->ArgNames({"L", "N", "E", "batch"})
    ->Args({1, 2, 16, 8})
    ->Args({2, 4, 32, 8})
    ->Args({2, 4, 64, 16})
    ->Args({4, 8, 128, 16})
    ->Args({4, 8, 256, 16})
    ->Unit(benchmark::kMicrosecond);

// The same steps with the weights on the GPU (devicetext.h): the sentences go through one at a
// time, each waiting for its loss. Skipped, saying why, without a GPU.
void BM_TransformerStepGpu(benchmark::State& state)
{
    if (auto gpu = gpuOrSkip(state)) {
        transformerSteps(state, std::move(gpu));
    }
}
BENCHMARK(BM_TransformerStepGpu)
    ->ArgNames({"L", "N", "E", "batch"})
    ->Args({1, 2, 16, 8})
    ->Args({2, 4, 32, 8})
    ->Args({2, 4, 64, 16})
    ->Args({4, 8, 128, 16})
    ->Args({4, 8, 256, 16})
    ->Unit(benchmark::kMicrosecond);

void BM_TransformerLessonSideBySide(benchmark::State& state)
{
    TextConfig c;
    c.model.mlpWidth = 32;
    c.learningRate = 3e-3;
    for (auto _ : state) {
        c.objective = Objective::Causal;
        TextTrainer causal(attnlab::lessonCorpus(), c);
        c.objective = Objective::Unmasked;
        TextTrainer unmasked(attnlab::lessonCorpus(), c);
        causal.runToEnd();
        unmasked.runToEnd();
        benchmark::DoNotOptimize(unmasked.epochLosses().back());
    }
}
BENCHMARK(BM_TransformerLessonSideBySide)->Unit(benchmark::kMillisecond);

void BM_TransformerSnapshot(benchmark::State& state)
{
    TextTrainer trainer(agreement(), presetConfig(state));
    for (auto _ : state) {
        benchmark::DoNotOptimize(trainer.snapshot());
    }
}
BENCHMARK(BM_TransformerSnapshot)
    ->ArgNames({"L", "N", "E", "batch"})
    ->Args({2, 4, 32, 8})
    ->Unit(benchmark::kMillisecond);

} // namespace
