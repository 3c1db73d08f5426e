// The table of gpuapi.h, and the parts of it that are not operations: failures put into words,
// devices, contexts, buffers and the queue.
//
// Nothing here throws or prints. A CUDA or cuBLAS failure becomes a status and a message
// naming the call, the reason and where it was made; the program decides what to say.
#include "backend.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <new>

namespace attnlab::cuda {

namespace {

const char* baseName(const char* path)
{
    const char* slash = std::strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int statusOf(cudaError_t result)
{
    switch (result) {
    case cudaErrorInsufficientDriver:
    case cudaErrorStubLibrary:
    case cudaErrorCallRequiresNewerDriver:
    case cudaErrorSystemDriverMismatch:
        return ATTNLAB_GPU_NO_DRIVER;
    case cudaErrorNoDevice:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
        return ATTNLAB_GPU_NO_DEVICE;
    case cudaErrorMemoryAllocation:
        return ATTNLAB_GPU_OUT_OF_MEMORY;
    default:
        return ATTNLAB_GPU_FAILED;
    }
}

int statusOf(cublasStatus_t result)
{
    return result == CUBLAS_STATUS_ALLOC_FAILED ? ATTNLAB_GPU_OUT_OF_MEMORY : ATTNLAB_GPU_FAILED;
}

int record(AttnlabGpuError* error, int status, int code, const char* format, ...)
    __attribute__((format(printf, 4, 5)));

int record(AttnlabGpuError* error, int status, int code, const char* format, ...)
{
    if (error) {
        error->status = status;
        error->code = code;
        va_list args;
        va_start(args, format);
        std::vsnprintf(error->message, sizeof error->message, format, args);
        va_end(args);
    }
    return status;
}

const char* faultText(int fault)
{
    switch (fault) {
    case kTokenOutOfRange:
        return "an embedding met a token id outside [0, vocab) and skipped it";
    case kTargetOutOfRange:
        return "softmaxCrossEntropy met a target outside [-1, V) and ignored it";
    default:
        return "a kernel met an index out of range and skipped it";
    }
}

} // namespace

bool succeeded(cudaError_t result)
{
    return result == cudaSuccess;
}

bool succeeded(cublasStatus_t result)
{
    return result == CUBLAS_STATUS_SUCCESS;
}

int failCall(AttnlabGpuError* error, cudaError_t result, const char* expression, const char* file,
             int line)
{
    return record(error, statusOf(result), static_cast<int>(result), "%s failed: %s [%s] (%s:%d)",
                  expression, cudaGetErrorString(result), cudaGetErrorName(result), baseName(file),
                  line);
}

int failCall(AttnlabGpuError* error, cublasStatus_t result, const char* expression,
             const char* file, int line)
{
    return record(error, statusOf(result), static_cast<int>(result), "%s failed: %s [%s] (%s:%d)",
                  expression, cublasGetStatusString(result), cublasGetStatusName(result),
                  baseName(file), line);
}

int invalid(AttnlabGpuError* error, const char* function, const char* fault)
{
    return record(error, ATTNLAB_GPU_INVALID_ARGUMENT, 0, "%s: %s", function, fault);
}

int enter(AttnlabGpuContext* context, AttnlabGpuError* error)
{
    if (!context) {
        return record(error, ATTNLAB_GPU_INVALID_ARGUMENT, 0, "the GPU context is null");
    }
    ATTNLAB_CHECK(cudaSetDevice(context->device), error);
    return ATTNLAB_GPU_OK;
}

int reserveScratch(AttnlabGpuContext* context, std::size_t count, AttnlabGpuError* error)
{
    if (context->scratchCount >= count) {
        return ATTNLAB_GPU_OK;
    }
    // No queued kernel may still use the old scratch when it goes.
    ATTNLAB_CHECK(cudaStreamSynchronize(context->stream), error);
    ATTNLAB_CHECK(cudaFree(context->scratch), error);
    context->scratch = nullptr;
    context->scratchCount = 0;
    ATTNLAB_CHECK(cudaMalloc(&context->scratch, count * sizeof(float)), error);
    context->scratchCount = count;
    return ATTNLAB_GPU_OK;
}

int finishQueue(AttnlabGpuContext* context, AttnlabGpuError* error)
{
    int fault = kNoFault;
    ATTNLAB_CHECK(cudaMemcpyAsync(&fault, context->fault, sizeof fault, cudaMemcpyDeviceToHost,
                                  context->stream),
                  error);
    ATTNLAB_CHECK(cudaStreamSynchronize(context->stream), error);
    if (fault == kNoFault) {
        return ATTNLAB_GPU_OK;
    }
    ATTNLAB_CHECK(cudaMemsetAsync(context->fault, 0, sizeof(int), context->stream), error);
    return record(error, ATTNLAB_GPU_INDEX_OUT_OF_RANGE, fault, "%s", faultText(fault));
}

int deviceCount(int* count, AttnlabGpuError* error)
{
    if (!count) {
        return invalid(error, "deviceCount", "the count pointer is null");
    }
    *count = 0;
    ATTNLAB_CHECK(cudaGetDeviceCount(count), error);
    return ATTNLAB_GPU_OK;
}

int deviceInfo(int device, AttnlabGpuDeviceInfo* info, AttnlabGpuError* error)
{
    if (!info) {
        return invalid(error, "deviceInfo", "the info pointer is null");
    }
    *info = AttnlabGpuDeviceInfo{};
    cudaDeviceProp properties{};
    ATTNLAB_CHECK(cudaGetDeviceProperties(&properties, device), error);
    std::snprintf(info->name, sizeof info->name, "%s", properties.name);
    info->memory = properties.totalGlobalMem;
    info->major = properties.major;
    info->minor = properties.minor;
    info->multiprocessors = properties.multiProcessorCount;
    ATTNLAB_CHECK(cudaDriverGetVersion(&info->driverVersion), error);
    ATTNLAB_CHECK(cudaRuntimeGetVersion(&info->runtimeVersion), error);
    return ATTNLAB_GPU_OK;
}

namespace {

// Stream, cuBLAS handle, fault flag and scratch; then one kernel and a wait, so that a device
// the library has no code for is found here, not in the middle of training.
int openContext(AttnlabGpuContext* context, AttnlabGpuError* error)
{
    ATTNLAB_CHECK(cudaSetDevice(context->device), error);
    ATTNLAB_CHECK(cudaStreamCreateWithFlags(&context->stream, cudaStreamNonBlocking), error);
    ATTNLAB_CHECK(cublasCreate(&context->blas), error);
    ATTNLAB_CHECK(cublasSetStream(context->blas, context->stream), error);
    ATTNLAB_CHECK(cublasSetMathMode(context->blas, CUBLAS_DEFAULT_MATH), error);
    ATTNLAB_CHECK(cudaMalloc(&context->fault, sizeof(int)), error);
    ATTNLAB_CHECK(cudaMemsetAsync(context->fault, 0, sizeof(int), context->stream), error);
    ATTNLAB_TRY(reserveScratch(context, 1024, error));
    ATTNLAB_TRY(fillFloats(context, context->scratch, 0.0f, context->scratchCount, error));
    return finishQueue(context, error);
}

} // namespace

int createContext(int device, AttnlabGpuContext** context, AttnlabGpuError* error)
{
    if (!context) {
        return invalid(error, "createContext", "the context pointer is null");
    }
    *context = nullptr;
    auto* opened = new (std::nothrow) AttnlabGpuContext;
    if (!opened) {
        return record(error, ATTNLAB_GPU_OUT_OF_MEMORY, 0, "createContext: out of host memory");
    }
    opened->device = device;
    const int status = openContext(opened, error);
    if (status != ATTNLAB_GPU_OK) {
        destroyContext(opened);
        return status;
    }
    *context = opened;
    return ATTNLAB_GPU_OK;
}

// Best effort: the context goes whatever fails, and there is nobody left to tell.
void destroyContext(AttnlabGpuContext* context)
{
    if (!context) {
        return;
    }
    cudaSetDevice(context->device);
    if (context->stream) {
        cudaStreamSynchronize(context->stream);
    }
    if (context->blas) {
        cublasDestroy(context->blas);
    }
    cudaFree(context->fault);
    cudaFree(context->scratch);
    if (context->stream) {
        cudaStreamDestroy(context->stream);
    }
    delete context;
}

int synchronize(AttnlabGpuContext* context, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    return finishQueue(context, error);
}

namespace {

template <typename T>
int allocate(AttnlabGpuContext* context, std::size_t count, T** buffer, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (!buffer) {
        return invalid(error, "alloc", "the buffer pointer is null");
    }
    *buffer = nullptr;
    if (count > static_cast<std::size_t>(-1) / sizeof(T)) {
        return invalid(error, "alloc", "the count overflows the size in bytes");
    }
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    ATTNLAB_CHECK(cudaMalloc(buffer, count * sizeof(T)), error);
    return ATTNLAB_GPU_OK;
}

template <typename T>
int upload(AttnlabGpuContext* context, T* device, const T* host, std::size_t count,
           AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!device || !host) {
        return invalid(error, "upload", "a buffer is null");
    }
    // From pageable memory the copy is staged before this returns: the host buffer may change.
    ATTNLAB_CHECK(
        cudaMemcpyAsync(device, host, count * sizeof(T), cudaMemcpyHostToDevice, context->stream),
        error);
    return ATTNLAB_GPU_OK;
}

} // namespace

int allocFloats(AttnlabGpuContext* context, std::size_t count, float** buffer,
                AttnlabGpuError* error)
{
    return allocate(context, count, buffer, error);
}

int allocInts(AttnlabGpuContext* context, std::size_t count, int** buffer, AttnlabGpuError* error)
{
    return allocate(context, count, buffer, error);
}

// Best effort, like destroyContext. The queue is waited for first: work queued before the free
// may still use the buffer (a wrapper frees its temporaries right after queuing the operation).
void freeBuffer(AttnlabGpuContext* context, void* buffer)
{
    if (context && buffer) {
        cudaSetDevice(context->device);
        cudaStreamSynchronize(context->stream);
        cudaFree(buffer);
    }
}

int uploadFloats(AttnlabGpuContext* context, float* device, const float* host, std::size_t count,
                 AttnlabGpuError* error)
{
    return upload(context, device, host, count, error);
}

int uploadInts(AttnlabGpuContext* context, int* device, const int* host, std::size_t count,
               AttnlabGpuError* error)
{
    return upload(context, device, host, count, error);
}

int downloadFloats(AttnlabGpuContext* context, float* host, const float* device, std::size_t count,
                   AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (count > 0 && (!device || !host)) {
        return invalid(error, "downloadFloats", "a buffer is null");
    }
    if (count > 0) {
        ATTNLAB_CHECK(cudaMemcpyAsync(host, device, count * sizeof(float), cudaMemcpyDeviceToHost,
                                      context->stream),
                      error);
    }
    return finishQueue(context, error);
}

int copyFloats(AttnlabGpuContext* context, float* to, const float* from, std::size_t count,
               AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    if (count == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!to || !from) {
        return invalid(error, "copyFloats", "a buffer is null");
    }
    ATTNLAB_CHECK(cudaMemcpyAsync(to, from, count * sizeof(float), cudaMemcpyDeviceToDevice,
                                  context->stream),
                  error);
    return ATTNLAB_GPU_OK;
}

namespace {

// sm_75 is the oldest architecture CMakeLists.txt compiles for (CMAKE_CUDA_ARCHITECTURES).
constexpr int kMinComputeCapability = 75;

const AttnlabGpuApi kApi = {
    .version = ATTNLAB_GPU_API_VERSION,
    .minComputeCapability = kMinComputeCapability,
    .deviceCount = deviceCount,
    .deviceInfo = deviceInfo,
    .createContext = createContext,
    .destroyContext = destroyContext,
    .synchronize = synchronize,
    .allocFloats = allocFloats,
    .allocInts = allocInts,
    .freeBuffer = freeBuffer,
    .uploadFloats = uploadFloats,
    .uploadInts = uploadInts,
    .downloadFloats = downloadFloats,
    .copyFloats = copyFloats,
    .fillFloats = fillFloats,
    .matmul = matmul,
    .addBias = addBias,
    .columnSums = columnSums,
    .embeddingForward = embeddingForward,
    .embeddingBackward = embeddingBackward,
    .softmaxForward = softmaxForward,
    .softmaxBackward = softmaxBackward,
    .maskScores = maskScores,
    .layerNormForward = layerNormForward,
    .layerNormBackward = layerNormBackward,
    .geluForward = geluForward,
    .geluBackward = geluBackward,
    .softmaxCrossEntropy = softmaxCrossEntropy,
    .dropoutForward = dropoutForward,
    .dropoutBackward = dropoutBackward,
    .adamUpdate = adamUpdate,
};

} // namespace

} // namespace attnlab::cuda

extern "C" const AttnlabGpuApi* attnlab_gpu_api(void)
{
    return &attnlab::cuda::kApi;
}
