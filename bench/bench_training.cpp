// Training the lesson: one optimizer step, and the whole recipe (5000 epochs, 10 000 steps).
#include <corpus.h>
#include <trainer.h>

#include <benchmark/benchmark.h>

namespace {

void BM_ToyStep(benchmark::State& state)
{
    attnlab::ToyConfig config;
    config.epochs = 100000000;
    attnlab::ToyTrainer trainer(attnlab::lessonCorpus(), config);
    for (auto _ : state) {
        benchmark::DoNotOptimize(trainer.step());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ToyStep);

void BM_ToyRecipe(benchmark::State& state)
{
    for (auto _ : state) {
        attnlab::ToyTrainer trainer(attnlab::lessonCorpus(), attnlab::ToyConfig{});
        trainer.runToEnd();
        benchmark::DoNotOptimize(trainer.epochLosses().back());
    }
    state.counters["steps"] = 10000;
}
BENCHMARK(BM_ToyRecipe)->Unit(benchmark::kMillisecond);

void BM_ToySnapshot(benchmark::State& state)
{
    attnlab::ToyTrainer trainer(attnlab::lessonCorpus(), attnlab::ToyConfig{});
    for (auto _ : state) {
        benchmark::DoNotOptimize(trainer.snapshot());
    }
}
BENCHMARK(BM_ToySnapshot);

} // namespace
