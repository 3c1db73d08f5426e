// The host stand-in of the CUDA library (gpufake.h) as a library of its own, with the one entry
// point libattnlab_cuda.so has: named in ATTNLAB_CUDA_LIBRARY, it lets attnlab-cli and the
// window train "on a GPU" on any machine, so that --device gpu is tested end to end. With
// ATTNLAB_FAKE_PRODUCTS_BEFORE_FAILURE=N, product N + 1 fails as cuBLAS would (a GPU that
// fails mid-run).
#include "gpufake.h"

#include <cstdlib>

extern "C" ATTNLAB_GPU_EXPORT const AttnlabGpuApi* attnlab_gpu_api(void)
{
    static const bool planned = [] {
        if (const char* n = std::getenv("ATTNLAB_FAKE_PRODUCTS_BEFORE_FAILURE")) {
            fake::g_productsBeforeFailure = std::atoi(n);
        }
        return true;
    }();
    (void)planned;
    return fake::backend().api;
}
