// A stand-in for libattnlab_cuda on the host: gpuapi.h's contract in plain loops, so that the
// C++ side of the GPU backend and the models on the device (shapes, row strides, head strides,
// transposes, what accumulates) is checked against the CPU on every machine. It checks the
// wrappers and the models' device code, not the CUDA kernels. Its dropout keeps a fixed
// pattern, and it checks no ids.
#pragma once

#include <gpubackend.h>

#include <memory>
#include <string>

namespace fake {

// Live buffers: the wrappers must free what they allocate.
extern int g_buffers;
// When 0 or more: the products allowed before one fails as a cuBLAS failure would (a GPU that
// fails mid-run); -1, the default: none fails.
extern int g_productsBeforeFailure;

// The fake as a usable backend, for gpu::Session.
attnlab::gpu::Backend backend();

// The session, for a trainer that shares it without owning it.
inline std::shared_ptr<attnlab::gpu::Session> borrowed(attnlab::gpu::Session& s)
{
    return {&s, [](attnlab::gpu::Session*) {}};
}

// The two sessions a parity suite runs on: the GPU, when one can be used, and the fake.
struct Sessions
{
    attnlab::gpu::Backend backend;              // what loading the CUDA backend found
    std::unique_ptr<attnlab::gpu::Session> gpu; // null where no GPU can be used
    std::unique_ptr<attnlab::gpu::Session> fake;
    std::string skipReason; // why there is no GPU session
    // Loads the backend (from `library` when ATTNLAB_CUDA_LIBRARY is unset and it is not
    // null). Throws GpuError when a GPU is there but a session on it fails.
    void open(const char* library);
};

} // namespace fake
