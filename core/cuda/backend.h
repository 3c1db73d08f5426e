// Inside libattnlab_cuda only: the context, the one checking macro every CUDA and cuBLAS call
// goes through, and the entry functions each source file defines for the table of gpuapi.h.
//
// Host C++ with the CUDA runtime and cuBLAS headers; no Eigen, no Qt. Nothing here throws:
// a failure is a status returned up to the C boundary with its message in AttnlabGpuError.
#pragma once

#include "gpuapi.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>

struct AttnlabGpuContext
{
    int device = 0;
    cudaStream_t stream = nullptr;
    cublasHandle_t blas = nullptr;
    int* fault = nullptr;     // device, 1 int: the first index fault since the last check
    float* scratch = nullptr; // device: partial results of the reductions
    std::size_t scratchCount = 0;
};

namespace attnlab::cuda {

// What a kernel records in context->fault when it meets an index it must skip; the first
// fault since the last check wins.
enum Fault : int
{
    kNoFault = 0,
    kTokenOutOfRange = 1,  // an id outside [0, vocab) in an embedding
    kTargetOutOfRange = 2, // a target outside [-1, cols) in the cross-entropy
};

bool succeeded(cudaError_t result);
bool succeeded(cublasStatus_t result);

// Record "<expression> failed: <reason> (<file>:<line>)" and return the matching status.
int failCall(AttnlabGpuError* error, cudaError_t result, const char* expression, const char* file,
             int line);
int failCall(AttnlabGpuError* error, cublasStatus_t result, const char* expression,
             const char* file, int line);

// Record a refused argument: "<function>: <fault>", ATTNLAB_GPU_INVALID_ARGUMENT.
int invalid(AttnlabGpuError* error, const char* function, const char* fault);

// Every entry with a context starts here: a null context is refused, and the context's device
// is made current on the calling thread (the thread may differ from the one that created it).
int enter(AttnlabGpuContext* context, AttnlabGpuError* error);

// context->scratch holds at least `count` floats afterwards.
int reserveScratch(AttnlabGpuContext* context, std::size_t count, AttnlabGpuError* error);

// Wait for the queue, then report and clear an index fault a kernel recorded.
int finishQueue(AttnlabGpuContext* context, AttnlabGpuError* error);

} // namespace attnlab::cuda

// Checks a cudaError_t or cublasStatus_t: on failure, records the expression, the reason, the
// file and the line into `error` and returns the status from the enclosing function.
#define ATTNLAB_CHECK(expression, error)                                                           \
    do {                                                                                           \
        const auto attnlabResult_ = (expression);                                                  \
        if (!::attnlab::cuda::succeeded(attnlabResult_)) {                                         \
            return ::attnlab::cuda::failCall(error, attnlabResult_, #expression, __FILE__,         \
                                             __LINE__);                                            \
        }                                                                                          \
    } while (0)

// After a kernel launch: a bad configuration or a device without code for it.
#define ATTNLAB_CHECK_LAUNCH(kernel, error)                                                        \
    do {                                                                                           \
        const cudaError_t attnlabResult_ = cudaGetLastError();                                     \
        if (attnlabResult_ != cudaSuccess) {                                                       \
            return ::attnlab::cuda::failCall(error, attnlabResult_, #kernel "<<<...>>>", __FILE__, \
                                             __LINE__);                                            \
        }                                                                                          \
    } while (0)

// Returns a status other than ATTNLAB_GPU_OK from the enclosing function.
#define ATTNLAB_TRY(call)                                                                          \
    do {                                                                                           \
        const int attnlabStatus_ = (call);                                                         \
        if (attnlabStatus_ != ATTNLAB_GPU_OK) {                                                    \
            return attnlabStatus_;                                                                 \
        }                                                                                          \
    } while (0)

namespace attnlab::cuda {

// The entries of the table, by source file; gpuapi.h documents each.

// api.cpp: devices, contexts, buffers.
int deviceCount(int* count, AttnlabGpuError* error);
int deviceInfo(int device, AttnlabGpuDeviceInfo* info, AttnlabGpuError* error);
int createContext(int device, AttnlabGpuContext** context, AttnlabGpuError* error);
void destroyContext(AttnlabGpuContext* context);
int synchronize(AttnlabGpuContext* context, AttnlabGpuError* error);
int allocFloats(AttnlabGpuContext* context, std::size_t count, float** buffer,
                AttnlabGpuError* error);
int allocInts(AttnlabGpuContext* context, std::size_t count, int** buffer, AttnlabGpuError* error);
void freeBuffer(AttnlabGpuContext* context, void* buffer);
int uploadFloats(AttnlabGpuContext* context, float* device, const float* host, std::size_t count,
                 AttnlabGpuError* error);
int uploadInts(AttnlabGpuContext* context, int* device, const int* host, std::size_t count,
               AttnlabGpuError* error);
int downloadFloats(AttnlabGpuContext* context, float* host, const float* device, std::size_t count,
                   AttnlabGpuError* error);

// matmul.cpp: cuBLAS.
int matmul(AttnlabGpuContext* context, int transA, int transB, int m, int n, int k, float alpha,
           const float* a, int lda, long long strideA, const float* b, int ldb, long long strideB,
           float beta, float* c, int ldc, long long strideC, int batch, AttnlabGpuError* error);

// elementwise.cu: fill, bias, column sums, GELU, dropout, Adam.
int fillFloats(AttnlabGpuContext* context, float* device, float value, std::size_t count,
               AttnlabGpuError* error);
int addBias(AttnlabGpuContext* context, float* y, const float* bias, int rows, int cols,
            AttnlabGpuError* error);
int columnSums(AttnlabGpuContext* context, const float* x, float* sums, int rows, int cols,
               AttnlabGpuError* error);
int geluForward(AttnlabGpuContext* context, const float* x, float* y, std::size_t count,
                AttnlabGpuError* error);
int geluBackward(AttnlabGpuContext* context, const float* x, const float* dy, float* dx,
                 std::size_t count, AttnlabGpuError* error);
int dropoutForward(AttnlabGpuContext* context, const float* x, float* y, float* keep,
                   std::size_t count, double p, unsigned long long seed, unsigned long long offset,
                   AttnlabGpuError* error);
int dropoutBackward(AttnlabGpuContext* context, const float* keep, const float* dy, float* dx,
                    std::size_t count, AttnlabGpuError* error);
int adamUpdate(AttnlabGpuContext* context, float* param, const float* grad, float* m, float* v,
               std::size_t count, double learningRate, double beta1, double beta2, double eps,
               long long step, AttnlabGpuError* error);

// embedding.cu.
int embeddingForward(AttnlabGpuContext* context, const float* tok, int vocab, const float* pos,
                     const int* ids, int tokens, int width, float* x, AttnlabGpuError* error);
int embeddingBackward(AttnlabGpuContext* context, const float* dx, const int* ids, int tokens,
                      int width, int vocab, float* dtok, float* dpos, AttnlabGpuError* error);

// softmax.cu: masked softmax, its backward, the mask itself, and the cross-entropy.
int softmaxForward(AttnlabGpuContext* context, const float* in, float* out, int batch, int rows,
                   int cols, int causal, int length, AttnlabGpuError* error);
int softmaxBackward(AttnlabGpuContext* context, const float* out, const float* dout, float* din,
                    int rows, int cols, AttnlabGpuError* error);
int maskScores(AttnlabGpuContext* context, float* scores, int batch, int rows, int cols, int causal,
               int length, AttnlabGpuError* error);
int softmaxCrossEntropy(AttnlabGpuContext* context, const float* logits, const int* targets,
                        int rows, int cols, float* probs, float* dlogits, float* loss,
                        AttnlabGpuError* error);

// layernorm.cu.
int layerNormForward(AttnlabGpuContext* context, const float* x, const float* gamma,
                     const float* beta, float* y, float* normalized, float* invStd, int rows,
                     int cols, AttnlabGpuError* error);
int layerNormBackward(AttnlabGpuContext* context, const float* gamma, const float* normalized,
                      const float* invStd, const float* dy, float* dx, float* dgamma, float* dbeta,
                      int rows, int cols, AttnlabGpuError* error);

} // namespace attnlab::cuda
