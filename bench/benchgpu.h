// The GPU a GPU benchmark runs on: a session, or none after marking the benchmark skipped with
// the reason (no library, no driver, no device).
#pragma once

#include <device.h>

#include <benchmark/benchmark.h>

#include <memory>

inline std::shared_ptr<attnlab::gpu::Session> gpuOrSkip(benchmark::State& state)
{
    attnlab::TrainingDevice device = attnlab::chooseTrainingDevice("gpu");
    if (!device.session) {
        state.SkipWithError(device.report.note.c_str());
    }
    return device.session;
}
