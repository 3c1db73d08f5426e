// The GPU backend seen from the CPU side: finding libattnlab_cuda.so at run time, and the
// operations of ops.h, blockops.h and adam.h on matrices in device memory.
//
// Loading. The program links neither CUDA nor the backend: loadBackend() opens the library
// with dlopen, so a build with CUDA starts and computes on the CPU where the driver, the CUDA
// libraries or a GPU are missing, and says why. It looks, in order, at the full path in the
// environment variable ATTNLAB_CUDA_LIBRARY when that is set (and nowhere else then), beside
// the executable, in ../lib/attnlab from the executable's folder (the installed layout), and
// on the library search path; a search first checks that the CUDA driver (libcuda.so.1) is
// there, which is cheap, while loading the backend (cuBLAS) is not. A library that is found
// stays loaded for the life of the process.
//
// Operations. Session is a context on the device; DeviceMatrix a row-major float matrix in
// its memory. The functions below have the names, argument order and conventions of the CPU
// operations (float only): forward outputs are resized, backward functions ADD into their
// gradients, which must already have their shapes. A shape that does not fit throws
// InputError naming the operation, the argument and both shapes; a CUDA failure throws
// GpuError with the library's message (the call, the reason, the file and line). The
// namespace gpu::host wraps each one for host matrices: upload, run one operation, download.
//
// Calls are queued on the session's stream; download() waits. One thread at a time may use a
// session and its matrices.
#pragma once

#include "adam.h"
#include "blockops.h"
#include "cuda/gpuapi.h"
#include "matrix.h"
#include "ops.h"

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace attnlab::gpu {

// What looking for the backend found.
struct Backend
{
    const AttnlabGpuApi* api = nullptr; // the library's table; null when no GPU can be used
    std::string library;                // the path it was loaded from, when it was
    int device = -1;                    // the device to use
    std::string name;                   // "NVIDIA H200"
    std::uint64_t memory = 0;           // bytes
    std::string summary;                // "NVIDIA H200, 140 GiB"
    std::string description;            // "CUDA: NVIDIA H200, 140 GiB"
    std::string reason;                 // why no GPU can be used; empty when one can

    bool usable() const { return api != nullptr; }
};

// Finds, loads and checks the backend, and asks it for device 0 (CUDA_VISIBLE_DEVICES picks
// which GPU that is). Never throws: a failure is a Backend with a reason such as
// "libattnlab_cuda.so not found (looked in …)", "no CUDA driver: …" or
// "no GPU: cudaGetDeviceCount returned 0".
Backend loadBackend();

// The environment variable that names the library's full path.
inline constexpr const char* kLibraryVariable = "ATTNLAB_CUDA_LIBRARY";

class GpuError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// A context (stream, cuBLAS handle) on the backend's device. Neither copied nor moved: device
// matrices keep a reference to their session.
class Session
{
public:
    // Throws GpuError when the backend is not usable (with its reason) or the context fails.
    explicit Session(const Backend& backend);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const AttnlabGpuApi& api() const { return *m_api; }
    AttnlabGpuContext* context() const { return m_context; }

    // Throws GpuError "<operation>: <the library's message>" when status is not ATTNLAB_GPU_OK.
    void check(int status, const AttnlabGpuError& error, const char* operation) const;
    // Waits for the queued work; reports an index fault a kernel met.
    void synchronize();

private:
    const AttnlabGpuApi* m_api;
    AttnlabGpuContext* m_context = nullptr;
};

// A row-major rows×cols float matrix in device memory. Moved, not copied.
class DeviceMatrix
{
public:
    DeviceMatrix(Session& session, Eigen::Index rows, Eigen::Index cols); // zeros
    DeviceMatrix(Session& session, const Matrix& host);                   // a copy of host
    ~DeviceMatrix();
    DeviceMatrix(DeviceMatrix&& other) noexcept;
    DeviceMatrix& operator=(DeviceMatrix&& other) noexcept;
    DeviceMatrix(const DeviceMatrix&) = delete;
    DeviceMatrix& operator=(const DeviceMatrix&) = delete;

    Session& session() const { return *m_session; }
    int rows() const { return m_rows; }
    int cols() const { return m_cols; }
    std::size_t size() const { return static_cast<std::size_t>(m_rows) * m_cols; }
    float* data() { return m_data; }
    const float* data() const { return m_data; }

    // Reallocates (to zeros) when the shape differs; keeps the contents otherwise.
    void resize(int rows, int cols);
    void setZero();
    // Takes other's shape and contents, copied on the device (same session).
    void copyFrom(const DeviceMatrix& other);
    // host must have this matrix's shape.
    void upload(const Matrix& host);
    // Waits for the queued work.
    Matrix download() const;

private:
    void release();

    Session* m_session;
    int m_rows = 0;
    int m_cols = 0;
    float* m_data = nullptr;
};

// Token ids or targets in device memory.
class DeviceIds
{
public:
    DeviceIds(Session& session, std::span<const int> ids);
    ~DeviceIds();
    DeviceIds(const DeviceIds&) = delete;
    DeviceIds& operator=(const DeviceIds&) = delete;

    int size() const { return m_size; }
    const int* data() const { return m_data; }

private:
    Session* m_session;
    int m_size = 0;
    int* m_data = nullptr;
};

// The operations, as in ops.h and blockops.h.
void embeddingForward(const DeviceMatrix& tok, const DeviceMatrix& pos, const DeviceIds& ids,
                      DeviceMatrix& x);
void embeddingBackward(const DeviceMatrix& dx, const DeviceIds& ids, DeviceMatrix& dtok,
                       DeviceMatrix& dpos);
void linearForward(const DeviceMatrix& x, const DeviceMatrix& w, DeviceMatrix& y);
void linearBackward(const DeviceMatrix& x, const DeviceMatrix& w, const DeviceMatrix& dy,
                    DeviceMatrix& dx, DeviceMatrix& dw);
void affineForward(const DeviceMatrix& x, const DeviceMatrix& w, const DeviceMatrix& b,
                   DeviceMatrix& y);
void affineBackward(const DeviceMatrix& x, const DeviceMatrix& w, const DeviceMatrix& dy,
                    DeviceMatrix& dx, DeviceMatrix& dw, DeviceMatrix& db);
void softmaxRows(const DeviceMatrix& in, DeviceMatrix& out);
void softmaxRowsBackward(const DeviceMatrix& out, const DeviceMatrix& dout, DeviceMatrix& din);
// softmaxRows with the masks of multi-head attention applied as the rows are read: keys at or
// after `length` and, with Mask::Causal, keys after the query. in: T×T (or N stacked T×T
// blocks: rows = N·T with `blockRows` = T).
void maskedSoftmaxRows(const DeviceMatrix& in, ops::Mask mask, int length, int blockRows,
                       DeviceMatrix& out);
void attentionForward(const DeviceMatrix& q, const DeviceMatrix& k, ops::Mask mask,
                      DeviceMatrix& scores, DeviceMatrix& weights);
void attentionBackward(const DeviceMatrix& q, const DeviceMatrix& k, const DeviceMatrix& weights,
                       const DeviceMatrix& dweights, DeviceMatrix& dq, DeviceMatrix& dk);
// weights: the N heads' T×T weights stacked, (N·T)×T; head h is rows [h·T, (h+1)·T).
void multiHeadAttentionForward(const DeviceMatrix& q, const DeviceMatrix& k, const DeviceMatrix& v,
                               int heads, int length, ops::Mask mask, DeviceMatrix& weights,
                               DeviceMatrix& out);
void multiHeadAttentionBackward(const DeviceMatrix& q, const DeviceMatrix& k, const DeviceMatrix& v,
                                int heads, const DeviceMatrix& weights, const DeviceMatrix& dout,
                                DeviceMatrix& dq, DeviceMatrix& dk, DeviceMatrix& dv);
// The same over `sequences` sequences stacked in rows (a batch of images): q, k, v are
// (sequences·T)×(N·D), sequence b in rows [b·T, (b+1)·T); weights is (sequences·N·T)×T, the
// sequences one after another and within each the heads stacked as above. Every sequence has
// the same `length`.
void multiHeadAttentionForward(const DeviceMatrix& q, const DeviceMatrix& k, const DeviceMatrix& v,
                               int heads, int sequences, int length, ops::Mask mask,
                               DeviceMatrix& weights, DeviceMatrix& out);
void multiHeadAttentionBackward(const DeviceMatrix& q, const DeviceMatrix& k, const DeviceMatrix& v,
                                int heads, int sequences, const DeviceMatrix& weights,
                                const DeviceMatrix& dout, DeviceMatrix& dq, DeviceMatrix& dk,
                                DeviceMatrix& dv);
// y += x, entry by entry; the same shape (a skip connection).
void addInto(const DeviceMatrix& x, DeviceMatrix& y);

// The table's entries on parts of device matrices, for models that lay several sequences in
// one matrix and read every T-th row (devicevit.h). Unchecked: the caller keeps every pointer
// and stride inside its matrices.
namespace raw {
// c = alpha·op(a)·op(b) + beta·c; op(a): m×k, op(b): k×n, row strides lda, ldb, ldc.
void matmul(Session& s, bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda,
            const float* b, int ldb, float beta, float* c, int ldc);
// y[r, c] += bias[c] over rows×cols.
void addBias(Session& s, float* y, const float* bias, int rows, int cols);
// sums[c] += Σ_r x[r, c] over rows×cols.
void columnSums(Session& s, const float* x, float* sums, int rows, int cols);
void copy(Session& s, float* to, const float* from, std::size_t count);
void upload(Session& s, float* device, const float* host, std::size_t count);
} // namespace raw

struct DeviceLayerNormCache
{
    explicit DeviceLayerNormCache(Session& session)
        : normalized(session, 0, 0), invStd(session, 0, 0)
    {
    }
    DeviceMatrix normalized; // T×E
    DeviceMatrix invStd;     // T×1
};
void layerNormForward(const DeviceMatrix& x, const DeviceMatrix& gamma, const DeviceMatrix& beta,
                      DeviceMatrix& y, DeviceLayerNormCache& cache);
void layerNormBackward(const DeviceMatrix& gamma, const DeviceLayerNormCache& cache,
                       const DeviceMatrix& dy, DeviceMatrix& dx, DeviceMatrix& dgamma,
                       DeviceMatrix& dbeta);
void geluForward(const DeviceMatrix& x, DeviceMatrix& y);
void geluBackward(const DeviceMatrix& x, const DeviceMatrix& dy, DeviceMatrix& dx);
// targets: T ids in [0, V), or -1 for a row that counts neither in the loss nor the mean.
float softmaxCrossEntropy(const DeviceMatrix& logits, const DeviceIds& targets, DeviceMatrix& probs,
                          DeviceMatrix* dlogits);
// The generator is counter-based (see gpuapi.h): entry i of x draws the number (seed,
// offset + i). It does not reproduce the CPU's Rng stream.
void dropoutForward(const DeviceMatrix& x, double p, std::uint64_t seed, std::uint64_t offset,
                    DeviceMatrix& y, DeviceMatrix& keep);
void dropoutBackward(const DeviceMatrix& keep, const DeviceMatrix& dy, DeviceMatrix& dx);

// Adam<float> on device matrices: the same settings, steps and moments (created zeroed on the
// first step).
class DeviceAdam
{
public:
    explicit DeviceAdam(AdamSettings settings = {}) : m_settings(settings) {}

    void step(const std::vector<DeviceMatrix*>& params,
              const std::vector<const DeviceMatrix*>& grads);
    long stepCount() const { return m_step; }
    const std::vector<DeviceMatrix>& firstMoments() const { return m_m; }
    const std::vector<DeviceMatrix>& secondMoments() const { return m_v; }
    void setLearningRate(double lr) { m_settings.learningRate = lr; }

    // Starts from a host optimizer's step count and moments, uploaded to `session`.
    void restore(Session& session, const Adam<float>& host);
    // The step count and moments, downloaded into `host` (whose settings stay).
    void download(Adam<float>& host) const;
    // Keeps a device copy of the step count and moments, for undo().
    void keep();
    // Back to what keep() kept; false, changing nothing, when nothing was kept since the last
    // undo() or restore().
    bool undo();

private:
    AdamSettings m_settings;
    long m_step = 0;
    std::vector<DeviceMatrix> m_m;
    std::vector<DeviceMatrix> m_v;
    std::vector<DeviceMatrix> m_keptM;
    std::vector<DeviceMatrix> m_keptV;
    long m_keptStep = 0;
    bool m_hasKept = false;
};

// One operation on host matrices: upload the inputs, run it, download the outputs. For tests
// and one-off uses; a model keeps its matrices on the device instead.
namespace host {

void embeddingForward(Session& s, const Matrix& tok, const Matrix& pos, std::span<const int> ids,
                      Matrix& x);
void embeddingBackward(Session& s, const Matrix& dx, std::span<const int> ids, Matrix& dtok,
                       Matrix& dpos);
void linearForward(Session& s, const Matrix& x, const Matrix& w, Matrix& y);
void linearBackward(Session& s, const Matrix& x, const Matrix& w, const Matrix& dy, Matrix& dx,
                    Matrix& dw);
void affineForward(Session& s, const Matrix& x, const Matrix& w, const Matrix& b, Matrix& y);
void affineBackward(Session& s, const Matrix& x, const Matrix& w, const Matrix& dy, Matrix& dx,
                    Matrix& dw, Matrix& db);
void softmaxRows(Session& s, const Matrix& in, Matrix& out);
void softmaxRowsBackward(Session& s, const Matrix& out, const Matrix& dout, Matrix& din);
void attentionForward(Session& s, const Matrix& q, const Matrix& k, ops::Mask mask, Matrix& scores,
                      Matrix& weights);
void attentionBackward(Session& s, const Matrix& q, const Matrix& k, const Matrix& weights,
                       const Matrix& dweights, Matrix& dq, Matrix& dk);
void multiHeadAttentionForward(Session& s, const Matrix& q, const Matrix& k, const Matrix& v,
                               int heads, int length, ops::Mask mask, std::vector<Matrix>& weights,
                               Matrix& out);
void multiHeadAttentionBackward(Session& s, const Matrix& q, const Matrix& k, const Matrix& v,
                                int heads, const std::vector<Matrix>& weights, const Matrix& dout,
                                Matrix& dq, Matrix& dk, Matrix& dv);
void layerNormForward(Session& s, const Matrix& x, const Matrix& gamma, const Matrix& beta,
                      Matrix& y, ops::LayerNormCache<float>& cache);
void layerNormBackward(Session& s, const Matrix& gamma, const ops::LayerNormCache<float>& cache,
                       const Matrix& dy, Matrix& dx, Matrix& dgamma, Matrix& dbeta);
void geluForward(Session& s, const Matrix& x, Matrix& y);
void geluBackward(Session& s, const Matrix& x, const Matrix& dy, Matrix& dx);
float softmaxCrossEntropy(Session& s, const Matrix& logits, std::span<const int> targets,
                          Matrix& probs, Matrix* dlogits);
void dropoutForward(Session& s, const Matrix& x, double p, std::uint64_t seed, std::uint64_t offset,
                    Matrix& y, Matrix& keep);
void dropoutBackward(Session& s, const Matrix& keep, const Matrix& dy, Matrix& dx);
// One Adam step (number `step`, from 1) of one parameter with its moments m and v.
void adamUpdate(Session& s, const AdamSettings& settings, long step, Matrix& param,
                const Matrix& grad, Matrix& m, Matrix& v);

} // namespace host

} // namespace attnlab::gpu
