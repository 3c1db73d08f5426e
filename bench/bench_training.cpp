// Training the lesson: one optimizer step, its three parts (forward, backward, Adam) into kept
// buffers as the trainer runs them, and the whole recipe (5000 epochs, 10 000 steps).
#include "benchgpu.h"

#include <adam.h>
#include <corpus.h>
#include <trainer.h>

#include <benchmark/benchmark.h>

#include <utility>

namespace {

// One lesson sentence through a freshly initialized head, with the trainer's kept buffers.
struct LessonPass
{
    attnlab::Corpus corpus = attnlab::lessonCorpus();
    attnlab::ToyHead<float> head{corpus.vocab.size(), attnlab::ToyConfig{}};
    std::vector<int> ids = corpus.sentences[0];
    std::vector<int> targets = attnlab::nextTokenTargets(ids);
    attnlab::ToyForward<float> forward;
    attnlab::ToyParams<float> grads;
    attnlab::ToyWorkspace<float> work;

    LessonPass()
    {
        head.forward(ids, targets, forward);
        head.backward(forward, ids, targets, grads, work);
    }
};

void BM_ToyForward(benchmark::State& state)
{
    LessonPass pass;
    for (auto _ : state) {
        pass.head.forward(pass.ids, pass.targets, pass.forward);
        benchmark::DoNotOptimize(pass.forward.loss);
    }
}
BENCHMARK(BM_ToyForward);

void BM_ToyBackward(benchmark::State& state)
{
    LessonPass pass;
    for (auto _ : state) {
        pass.head.backward(pass.forward, pass.ids, pass.targets, pass.grads, pass.work);
        benchmark::DoNotOptimize(pass.grads.tok.data());
    }
}
BENCHMARK(BM_ToyBackward);

void BM_ToyAdam(benchmark::State& state)
{
    LessonPass pass;
    attnlab::Adam<float> adam;
    attnlab::ToyParams<float> spare;
    for (auto _ : state) {
        attnlab::ToyParams<float>& params = pass.head.params();
        adam.stepInto(std::as_const(params).matrices(), std::as_const(pass.grads).matrices(),
                      spare.matrices());
        params.swap(spare);
        benchmark::DoNotOptimize(params.tok.data());
    }
}
BENCHMARK(BM_ToyAdam);

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

// The same recipe with the weights on the GPU (devicetoy.h); skipped, saying why, without one.
// Each step waits for its loss, so this measures the launches and the round trip per step as
// much as the arithmetic, which is tiny.
void BM_ToyRecipeGpu(benchmark::State& state)
{
    const std::shared_ptr<attnlab::gpu::Session> gpu = gpuOrSkip(state);
    if (!gpu) {
        return;
    }
    for (auto _ : state) {
        attnlab::ToyTrainer trainer(attnlab::lessonCorpus(), attnlab::ToyConfig{});
        trainer.trainOn(gpu);
        trainer.runToEnd();
        benchmark::DoNotOptimize(trainer.epochLosses().back());
    }
    state.counters["steps"] = 10000;
}
BENCHMARK(BM_ToyRecipeGpu)->Unit(benchmark::kMillisecond);

void BM_ToySnapshot(benchmark::State& state)
{
    attnlab::ToyTrainer trainer(attnlab::lessonCorpus(), attnlab::ToyConfig{});
    for (auto _ : state) {
        benchmark::DoNotOptimize(trainer.snapshot());
    }
}
BENCHMARK(BM_ToySnapshot);

} // namespace
