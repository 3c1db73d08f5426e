/* The CUDA backend's plain C interface: libattnlab_cuda.so exports one function,
 * attnlab_gpu_api(), that returns a table of function pointers. The program loads the library
 * at run time (core/gpubackend.h), so a build with CUDA still starts where the driver or the
 * CUDA libraries are missing, and no CUDA, Eigen or Qt type crosses this boundary.
 *
 * Conventions, for every function of the table:
 * - It returns an AttnlabGpuStatus (ATTNLAB_GPU_OK is 0) and never throws. On failure it fills
 *   *error, when error is not null, with the status and a message such as
 *   "cudaMalloc(&p, bytes) failed: out of memory (api.cpp:88)".
 * - Matrices are row-major float arrays in device memory: row r starts at r·ld. Where no
 *   leading dimension is passed, ld is the number of columns. Device pointers come from
 *   allocFloats / allocInts (or point inside such a buffer); the host never dereferences them.
 * - Work is queued on the context's stream in call order. Downloads, synchronize and
 *   softmaxCrossEntropy (which returns the loss) wait for it, and report an index fault (an
 *   id outside the vocabulary, a target outside [-1, V)) that a kernel met since the last
 *   check: such an entry is skipped, never read or written out of bounds.
 * - Backward functions ADD into their gradient outputs, as the CPU operations do (ops.h).
 * - A context is used by one host thread at a time; any thread may use it.
 *
 * Shapes use the letters of core/matrix.h: T tokens, E width, V vocabulary. */
#ifndef ATTNLAB_GPUAPI_H
#define ATTNLAB_GPUAPI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Changes whenever the table or the meaning of an entry changes; the loader refuses a
 * library whose version differs from the one it was compiled with. */
#define ATTNLAB_GPU_API_VERSION 2

typedef enum AttnlabGpuStatus
{
    ATTNLAB_GPU_OK = 0,
    ATTNLAB_GPU_NO_DRIVER = 1,          /* no CUDA driver, or one older than the runtime */
    ATTNLAB_GPU_NO_DEVICE = 2,          /* a driver but no usable device */
    ATTNLAB_GPU_OUT_OF_MEMORY = 3,      /* device memory exhausted */
    ATTNLAB_GPU_INVALID_ARGUMENT = 4,   /* a null context or pointer, a negative size */
    ATTNLAB_GPU_INDEX_OUT_OF_RANGE = 5, /* a kernel met an id or target out of range */
    ATTNLAB_GPU_FAILED = 6              /* any other CUDA or cuBLAS failure */
} AttnlabGpuStatus;

typedef struct AttnlabGpuError
{
    int status;        /* an AttnlabGpuStatus */
    int code;          /* the cudaError_t or cublasStatus_t, or 0 */
    char message[512]; /* "expression failed: reason (file:line)", or the fault in words */
} AttnlabGpuError;

typedef struct AttnlabGpuDeviceInfo
{
    char name[256];            /* "NVIDIA H200" */
    unsigned long long memory; /* total global memory in bytes */
    int major;                 /* compute capability, e.g. 9 and 0 */
    int minor;
    int multiprocessors;
    int driverVersion;  /* e.g. 13000 for CUDA 13.0; 0 without a driver */
    int runtimeVersion; /* the CUDA runtime the library was built with */
} AttnlabGpuDeviceInfo;

/* A device, a stream and a cuBLAS handle, plus the scratch memory of the reductions. */
typedef struct AttnlabGpuContext AttnlabGpuContext;

typedef struct AttnlabGpuApi
{
    int version;              /* ATTNLAB_GPU_API_VERSION of the library */
    int minComputeCapability; /* the oldest device the library has code for: 75 is sm_75 */

    /* Devices: how many, and what each is. No context needed. */
    int (*deviceCount)(int* count, AttnlabGpuError* error);
    int (*deviceInfo)(int device, AttnlabGpuDeviceInfo* info, AttnlabGpuError* error);

    /* Context on one device. destroyContext waits for queued work and frees everything. */
    int (*createContext)(int device, AttnlabGpuContext** context, AttnlabGpuError* error);
    void (*destroyContext)(AttnlabGpuContext* context);
    int (*synchronize)(AttnlabGpuContext* context, AttnlabGpuError* error);

    /* Buffers of `count` floats or ints, uninitialised. freeBuffer accepts null and waits for
     * the queued work first, which may still use the buffer. */
    int (*allocFloats)(AttnlabGpuContext* context, size_t count, float** buffer,
                       AttnlabGpuError* error);
    int (*allocInts)(AttnlabGpuContext* context, size_t count, int** buffer,
                     AttnlabGpuError* error);
    void (*freeBuffer)(AttnlabGpuContext* context, void* buffer);
    int (*uploadFloats)(AttnlabGpuContext* context, float* device, const float* host, size_t count,
                        AttnlabGpuError* error);
    int (*uploadInts)(AttnlabGpuContext* context, int* device, const int* host, size_t count,
                      AttnlabGpuError* error);
    int (*downloadFloats)(AttnlabGpuContext* context, float* host, const float* device,
                          size_t count, AttnlabGpuError* error);
    /* to[0..count) = from[0..count), both in device memory, not overlapping (keeping the
     * weights from before a step). Queued like an operation. */
    int (*copyFloats)(AttnlabGpuContext* context, float* to, const float* from, size_t count,
                      AttnlabGpuError* error);
    /* device[0..count) = value (zeroing gradients). */
    int (*fillFloats)(AttnlabGpuContext* context, float* device, float value, size_t count,
                      AttnlabGpuError* error);

    /* C = alpha·op(A)·op(B) + beta·C for each of `batch` matrices (cuBLAS sgemm, FP32 math, no
     * TF32). op(A): m×k, op(B): k×n, C: m×n; op(X) is X or its transpose when transX is
     * non-zero. A is stored m×k (k×m when transposed) with row stride lda, and so on. Matrix
     * i of the batch starts strideX floats after matrix i − 1 (0 repeats one matrix; a stride
     * of D with ld = N·D walks the heads' column blocks). */
    int (*matmul)(AttnlabGpuContext* context, int transA, int transB, int m, int n, int k,
                  float alpha, const float* a, int lda, long long strideA, const float* b, int ldb,
                  long long strideB, float beta, float* c, int ldc, long long strideC, int batch,
                  AttnlabGpuError* error);

    /* y[r, c] += bias[c]. y: rows×cols, bias: cols. */
    int (*addBias)(AttnlabGpuContext* context, float* y, const float* bias, int rows, int cols,
                   AttnlabGpuError* error);
    /* sums[c] += Σ_r x[r, c]. x: rows×cols, sums: cols. In a fixed order (deterministic). */
    int (*columnSums)(AttnlabGpuContext* context, const float* x, float* sums, int rows, int cols,
                      AttnlabGpuError* error);

    /* x[t] = tok[ids[t]] + pos[t]. tok: vocab×width, pos: at least tokens×width, ids: tokens,
     * x: tokens×width. */
    int (*embeddingForward)(AttnlabGpuContext* context, const float* tok, int vocab,
                            const float* pos, const int* ids, int tokens, int width, float* x,
                            AttnlabGpuError* error);
    /* dtok[ids[t]] += dx[t]; dpos[t] += dx[t]. Repeated ids add in token order
     * (deterministic, no atomics). */
    int (*embeddingBackward)(AttnlabGpuContext* context, const float* dx, const int* ids,
                             int tokens, int width, int vocab, float* dtok, float* dpos,
                             AttnlabGpuError* error);

    /* Masked softmax of each row of `batch` matrices rows×cols (in and out contiguous, may be
     * the same buffer). Masked: entries that are minus infinity, keys c >= length (key
     * padding; pass cols for none), and with causal non-zero keys c > r (r the row within its
     * matrix). Masked entries give exactly 0; a row with every entry masked gives zeros; the
     * row's maximum is subtracted first. */
    int (*softmaxForward)(AttnlabGpuContext* context, const float* in, float* out, int batch,
                          int rows, int cols, int causal, int length, AttnlabGpuError* error);
    /* din += out ⊙ (dout − rowsum(dout ⊙ out)) over `rows` rows of `cols`. */
    int (*softmaxBackward)(AttnlabGpuContext* context, const float* out, const float* dout,
                           float* din, int rows, int cols, AttnlabGpuError* error);
    /* scores = minus infinity where softmaxForward would mask (so the scores can be shown
     * masked, as the CPU's attention shows them). */
    int (*maskScores)(AttnlabGpuContext* context, float* scores, int batch, int rows, int cols,
                      int causal, int length, AttnlabGpuError* error);

    /* Layer norm of each row, biased variance, eps 1e-5 (core/blockops.h):
     * y = gamma ⊙ (x − μ)/√(var + eps) + beta. x, y, normalized: rows×cols;
     * gamma, beta: cols; invStd: rows (1/√(var + eps)), kept with normalized for the backward
     * pass. */
    int (*layerNormForward)(AttnlabGpuContext* context, const float* x, const float* gamma,
                            const float* beta, float* y, float* normalized, float* invStd, int rows,
                            int cols, AttnlabGpuError* error);
    /* dx, dgamma, dbeta accumulate. */
    int (*layerNormBackward)(AttnlabGpuContext* context, const float* gamma,
                             const float* normalized, const float* invStd, const float* dy,
                             float* dx, float* dgamma, float* dbeta, int rows, int cols,
                             AttnlabGpuError* error);

    /* GELU, exact: y = x·Φ(x); backward dx += dy·(Φ(x) + x·φ(x)). Element-wise. */
    int (*geluForward)(AttnlabGpuContext* context, const float* x, float* y, size_t count,
                       AttnlabGpuError* error);
    int (*geluBackward)(AttnlabGpuContext* context, const float* x, const float* dy, float* dx,
                        size_t count, AttnlabGpuError* error);

    /* probs = softmax of each row of logits (rows×cols); *loss = mean over the rows whose
     * target is not -1 of −log probs[r, targets[r]] (0 when every target is -1); when dlogits
     * is not null, dlogits[r] += (probs[r] − onehot(targets[r])) / counted for the counted
     * rows. Waits for the queue (it returns the loss to the host). */
    int (*softmaxCrossEntropy)(AttnlabGpuContext* context, const float* logits, const int* targets,
                               int rows, int cols, float* probs, float* dlogits, float* loss,
                               AttnlabGpuError* error);

    /* Inverted dropout with a counter-based generator: entry i is dropped when
     * uniform(seed, offset + i) < p, where uniform hashes the pair (SplitMix64's mixer) to a
     * double in [0, 1). The same seed and offset give the same mask on every device and run;
     * this is NOT the CPU's mt19937_64 stream, so the CPU and GPU masks differ. keep receives
     * 0 or 1/(1 − p); y = x ⊙ keep. With p = 0, keep = 1 and y = x. 0 <= p < 1. */
    int (*dropoutForward)(AttnlabGpuContext* context, const float* x, float* y, float* keep,
                          size_t count, double p, unsigned long long seed,
                          unsigned long long offset, AttnlabGpuError* error);
    /* dx += dy ⊙ keep. */
    int (*dropoutBackward)(AttnlabGpuContext* context, const float* keep, const float* dy,
                           float* dx, size_t count, AttnlabGpuError* error);

    /* One Adam step (PyTorch semantics, core/adam.h) on `count` parameters; step is the new
     * step number t >= 1 (the bias corrections use it). m and v start at zero. */
    int (*adamUpdate)(AttnlabGpuContext* context, float* param, const float* grad, float* m,
                      float* v, size_t count, double learningRate, double beta1, double beta2,
                      double eps, long long step, AttnlabGpuError* error);
} AttnlabGpuApi;

#if defined(__GNUC__)
#define ATTNLAB_GPU_EXPORT __attribute__((visibility("default")))
#else
#define ATTNLAB_GPU_EXPORT
#endif

/* The table; the same pointer for the life of the process. Never null. The only symbol the
 * library exports. */
ATTNLAB_GPU_EXPORT const AttnlabGpuApi* attnlab_gpu_api(void);

typedef const AttnlabGpuApi* (*AttnlabGpuApiEntry)(void);

#ifdef __cplusplus
}
#endif

#endif
