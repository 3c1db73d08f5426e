#include "gpubackend.h"

#include "errors.h"

#include <dlfcn.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <utility>

#ifndef ATTNLAB_HAVE_CUDA_COMPILER
#define ATTNLAB_HAVE_CUDA_COMPILER 0
#endif

namespace attnlab::gpu {

// Loading: find the library, open it, check its version and its device.

namespace {

namespace fs = std::filesystem;

constexpr const char* kLibraryName = "libattnlab_cuda.so";
constexpr const char* kEntryName = "attnlab_gpu_api";

struct Opened
{
    const AttnlabGpuApi* api = nullptr;
    std::string path;
    std::string reason; // when api is null
};

std::string dlopenError()
{
    const char* error = dlerror();
    return error ? error : "unknown error";
}

// A library the backend needs that is missing is most often cuBLAS: say what to do.
std::string withHint(const std::string& error)
{
    const bool cuda = error.starts_with("libcublas") || error.starts_with("libcudart");
    return cuda ? error + " (the backend needs CUDA 13's cuBLAS: install it, or add the folder "
                          "that holds it to LD_LIBRARY_PATH)"
                : error;
}

// Opens `path` (a full path, or a bare name for the library search path) and asks it for its
// table. The library stays loaded: the CUDA runtime inside must not be unloaded.
Opened openLibrary(const std::string& path, const std::string& origin)
{
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        return {nullptr, path, "cannot load " + path + origin + ": " + withHint(dlopenError())};
    }
    dlerror();
    auto entry = reinterpret_cast<AttnlabGpuApiEntry>(dlsym(handle, kEntryName));
    const AttnlabGpuApi* api = entry ? entry() : nullptr;
    if (!api) {
        dlclose(handle);
        return {nullptr, path,
                path + origin + " has no " + kEntryName + ": it is not AttnLab's CUDA backend"};
    }
    return {api, path, {}};
}

// The folders beside the executable and ../lib/attnlab from it; none when /proc is missing.
std::vector<fs::path> searchFolders()
{
    std::error_code error;
    const fs::path executable = fs::read_symlink("/proc/self/exe", error);
    if (error) {
        return {};
    }
    const fs::path folder = executable.parent_path();
    return {folder, (folder / ".." / "lib" / "attnlab").lexically_normal()};
}

Opened openFromVariable(const std::string& path)
{
    const std::string origin = std::string(" (from ") + kLibraryVariable + ")";
    std::error_code error;
    if (!fs::exists(path, error)) {
        return {nullptr, path,
                std::string(kLibraryVariable) + " names " + path + ", which does not exist"};
    }
    return openLibrary(path, origin);
}

Opened searchLibrary()
{
    std::string looked;
    for (const fs::path& folder : searchFolders()) {
        const fs::path candidate = folder / kLibraryName;
        std::error_code error;
        if (fs::exists(candidate, error)) {
            return openLibrary(candidate.string(), "");
        }
        looked += folder.string() + ", ";
    }
    Opened opened = openLibrary(kLibraryName, "");
    // "libattnlab_cuda.so: cannot open shared object file" means it is on no search path; any
    // other failure (a CUDA library it needs is missing) is worth saying as it is.
    if (!opened.api && opened.reason.find(std::string(": ") + kLibraryName + ": cannot open") !=
                           std::string::npos) {
        opened.reason = std::string(kLibraryName) + " not found (looked in " + looked +
                        "and on the library search path)";
    }
    return opened;
}

// Without the driver the backend is of no use, and loading it (cuBLAS) costs a few hundred
// milliseconds and about 200 MB, so a search looks for the driver first. The driver stays
// loaded: the CUDA runtime opens it again.
std::string missingDriver()
{
    if (dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL)) {
        return {};
    }
    return "no CUDA driver: " + dlopenError();
}

// A library named by the variable is opened first, so that what is wrong with it is said even
// where the driver is missing too.
Opened findLibrary()
{
    const char* variable = std::getenv(kLibraryVariable);
    if (variable && *variable) {
        return openFromVariable(variable);
    }
    if (!ATTNLAB_HAVE_CUDA_COMPILER) {
        return {
            nullptr, {}, "this build has no CUDA backend (nvcc was not found when it was built)"};
    }
    if (std::string missing = missingDriver(); !missing.empty()) {
        return {nullptr, {}, missing};
    }
    return searchLibrary();
}

std::string countFailure(int status, const AttnlabGpuError& error)
{
    switch (status) {
    case ATTNLAB_GPU_NO_DRIVER:
        return std::string("no CUDA driver: ") + error.message;
    case ATTNLAB_GPU_NO_DEVICE:
        return std::string("no GPU: ") + error.message;
    default:
        return std::string("the CUDA runtime cannot start: ") + error.message;
    }
}

std::string gibibytes(std::uint64_t bytes)
{
    return std::to_string(std::llround(static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0))) +
           " GiB";
}

// Device 0: present, and new enough for the code the library has.
void chooseDevice0(Backend& backend, const AttnlabGpuApi* api)
{
    AttnlabGpuError error{};
    int count = 0;
    const int status = api->deviceCount(&count, &error);
    if (status != ATTNLAB_GPU_OK) {
        backend.reason = countFailure(status, error);
        return;
    }
    if (count == 0) {
        backend.reason = "no GPU: cudaGetDeviceCount returned 0";
        return;
    }
    AttnlabGpuDeviceInfo info{};
    if (api->deviceInfo(0, &info, &error) != ATTNLAB_GPU_OK) {
        backend.reason = std::string("cannot query GPU 0: ") + error.message;
        return;
    }
    const int capability = info.major * 10 + info.minor;
    if (capability < api->minComputeCapability) {
        backend.reason = std::string(info.name) + " has compute capability " +
                         std::to_string(info.major) + "." + std::to_string(info.minor) +
                         "; this build has GPU code for " +
                         std::to_string(api->minComputeCapability / 10) + "." +
                         std::to_string(api->minComputeCapability % 10) + " and newer";
        return;
    }
    backend.api = api;
    backend.device = 0;
    backend.name = info.name;
    backend.memory = info.memory;
    backend.summary = backend.name + ", " + gibibytes(info.memory);
    backend.description = "CUDA: " + backend.summary;
}

} // namespace

Backend loadBackend()
{
    Backend backend;
    const Opened opened = findLibrary();
    backend.library = opened.path;
    if (!opened.api) {
        backend.reason = opened.reason;
        return backend;
    }
    if (opened.api->version != ATTNLAB_GPU_API_VERSION) {
        backend.reason = opened.path + " has version " + std::to_string(opened.api->version) +
                         " of the GPU interface; this program needs version " +
                         std::to_string(ATTNLAB_GPU_API_VERSION);
        return backend;
    }
    chooseDevice0(backend, opened.api);
    return backend;
}

// Session.

Session::Session(const Backend& backend) : m_api(backend.api)
{
    if (!backend.usable()) {
        throw GpuError("no GPU can be used: " + backend.reason);
    }
    AttnlabGpuError error{};
    check(m_api->createContext(backend.device, &m_context, &error), error, "createContext");
}

Session::~Session()
{
    m_api->destroyContext(m_context);
}

void Session::check(int status, const AttnlabGpuError& error, const char* operation) const
{
    if (status != ATTNLAB_GPU_OK) {
        throw GpuError(std::string(operation) + ": " + error.message);
    }
}

namespace {

// Calls one entry of the table with the session's context and an error record, and throws
// GpuError when it fails.
template <typename Entry, typename... Args>
void call(Session& session, const char* operation, Entry AttnlabGpuApi::*entry, Args... args)
{
    AttnlabGpuError error{};
    const int status = (session.api().*entry)(session.context(), args..., &error);
    session.check(status, error, operation);
}

int checkedSize(Eigen::Index size, const char* what)
{
    if (size < 0 || size > INT_MAX) {
        throw InputError(std::string("the GPU backend cannot hold a matrix with ") +
                         std::to_string(size) + " " + what);
    }
    return static_cast<int>(size);
}

} // namespace

void Session::synchronize()
{
    call(*this, "synchronize", &AttnlabGpuApi::synchronize);
}

// DeviceMatrix and DeviceIds.

DeviceMatrix::DeviceMatrix(Session& session, Eigen::Index rows, Eigen::Index cols)
    : m_session(&session)
{
    resize(checkedSize(rows, "rows"), checkedSize(cols, "columns"));
}

DeviceMatrix::DeviceMatrix(Session& session, const Matrix& host)
    : DeviceMatrix(session, host.rows(), host.cols())
{
    upload(host);
}

DeviceMatrix::~DeviceMatrix()
{
    release();
}

DeviceMatrix::DeviceMatrix(DeviceMatrix&& other) noexcept
    : m_session(other.m_session), m_rows(std::exchange(other.m_rows, 0)),
      m_cols(std::exchange(other.m_cols, 0)), m_data(std::exchange(other.m_data, nullptr))
{
}

DeviceMatrix& DeviceMatrix::operator=(DeviceMatrix&& other) noexcept
{
    if (this != &other) {
        release();
        m_session = other.m_session;
        m_rows = std::exchange(other.m_rows, 0);
        m_cols = std::exchange(other.m_cols, 0);
        m_data = std::exchange(other.m_data, nullptr);
    }
    return *this;
}

void DeviceMatrix::release()
{
    if (m_data) {
        m_session->api().freeBuffer(m_session->context(), m_data);
        m_data = nullptr;
    }
    m_rows = 0;
    m_cols = 0;
}

void DeviceMatrix::resize(int rows, int cols)
{
    if (rows == m_rows && cols == m_cols) {
        return;
    }
    release();
    const std::size_t count = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    call(*m_session, "allocFloats", &AttnlabGpuApi::allocFloats, count, &m_data);
    m_rows = rows;
    m_cols = cols;
    setZero();
}

void DeviceMatrix::setZero()
{
    call(*m_session, "fillFloats", &AttnlabGpuApi::fillFloats, m_data, 0.0f, size());
}

void DeviceMatrix::copyFrom(const DeviceMatrix& other)
{
    resize(other.rows(), other.cols());
    call(*m_session, "copyFloats", &AttnlabGpuApi::copyFloats, m_data, other.data(), size());
}

void DeviceMatrix::upload(const Matrix& host)
{
    if (host.rows() != m_rows || host.cols() != m_cols) {
        throw InputError("upload: the host matrix is " + std::to_string(host.rows()) + "×" +
                         std::to_string(host.cols()) + ", the device matrix " +
                         std::to_string(m_rows) + "×" + std::to_string(m_cols));
    }
    call(*m_session, "uploadFloats", &AttnlabGpuApi::uploadFloats, m_data, host.data(), size());
}

Matrix DeviceMatrix::download() const
{
    Matrix host(m_rows, m_cols);
    call(*m_session, "downloadFloats", &AttnlabGpuApi::downloadFloats, host.data(),
         static_cast<const float*>(m_data), size());
    return host;
}

DeviceIds::DeviceIds(Session& session, std::span<const int> ids)
    : m_session(&session), m_size(checkedSize(static_cast<Eigen::Index>(ids.size()), "ids"))
{
    call(session, "allocInts", &AttnlabGpuApi::allocInts, ids.size(), &m_data);
    try {
        call(session, "uploadInts", &AttnlabGpuApi::uploadInts, m_data, ids.data(), ids.size());
    } catch (...) {
        session.api().freeBuffer(session.context(), m_data);
        throw;
    }
}

DeviceIds::~DeviceIds()
{
    m_session->api().freeBuffer(m_session->context(), m_data);
}

// The operations on device matrices.

namespace {

std::string shapeOf(Eigen::Index rows, Eigen::Index cols)
{
    return std::to_string(rows) + "×" + std::to_string(cols);
}

void requireShape(const char* operation, const char* name, const DeviceMatrix& m, int rows,
                  int cols)
{
    if (m.rows() != rows || m.cols() != cols) {
        throw InputError(std::string(operation) + ": " + name + " is " +
                         shapeOf(m.rows(), m.cols()) + ", not " + shapeOf(rows, cols));
    }
}

void requireSameShape(const char* operation, const char* name, const DeviceMatrix& m,
                      const DeviceMatrix& like)
{
    requireShape(operation, name, m, like.rows(), like.cols());
}

// One operand of a product: its data, row stride, the stride between the matrices of a batch,
// and whether it is transposed.
struct Operand
{
    const float* data;
    int ld;
    long long stride = 0;
    bool transposed = false;
};

// c = alpha·op(a)·op(b) + beta·c for `batch` matrices; op(a): m×k, op(b): k×n, c: m×n.
void product(Session& s, const char* operation, int m, int n, int k, float alpha, Operand a,
             Operand b, float beta, float* c, int ldc, long long strideC, int batch = 1)
{
    call(s, operation, &AttnlabGpuApi::matmul, int(a.transposed), int(b.transposed), m, n, k, alpha,
         a.data, std::max(1, a.ld), a.stride, b.data, std::max(1, b.ld), b.stride, beta, c,
         std::max(1, ldc), strideC, batch);
}

// c = alpha·op(a)·op(b) + beta·c, whole matrices; c must have the product's shape.
void product(const char* operation, const DeviceMatrix& a, bool ta, const DeviceMatrix& b, bool tb,
             float alpha, float beta, DeviceMatrix& c)
{
    const int m = ta ? a.cols() : a.rows();
    const int k = ta ? a.rows() : a.cols();
    const int n = tb ? b.rows() : b.cols();
    requireShape(operation, "the product's output", c, m, n);
    product(a.session(), operation, m, n, k, alpha, {a.data(), a.cols(), 0, ta},
            {b.data(), b.cols(), 0, tb}, beta, c.data(), c.cols(), 0);
}

float inverseSqrt(int size)
{
    return 1.0f / std::sqrt(static_cast<float>(size));
}

} // namespace

void embeddingForward(const DeviceMatrix& tok, const DeviceMatrix& pos, const DeviceIds& ids,
                      DeviceMatrix& x)
{
    if (tok.cols() != pos.cols() || ids.size() > pos.rows()) {
        throw InputError("embeddingForward: pos is " + shapeOf(pos.rows(), pos.cols()) +
                         "; it needs " + std::to_string(tok.cols()) + " columns and " +
                         std::to_string(ids.size()) + " rows or more");
    }
    x.resize(ids.size(), tok.cols());
    call(tok.session(), "embeddingForward", &AttnlabGpuApi::embeddingForward, tok.data(),
         tok.rows(), pos.data(), ids.data(), ids.size(), tok.cols(), x.data());
}

void embeddingBackward(const DeviceMatrix& dx, const DeviceIds& ids, DeviceMatrix& dtok,
                       DeviceMatrix& dpos)
{
    requireShape("embeddingBackward", "dx", dx, ids.size(), dtok.cols());
    if (dpos.cols() != dx.cols() || dpos.rows() < dx.rows()) {
        throw InputError("embeddingBackward: dpos is " + shapeOf(dpos.rows(), dpos.cols()) +
                         "; it needs " + std::to_string(dx.cols()) + " columns and " +
                         std::to_string(dx.rows()) + " rows or more");
    }
    call(dx.session(), "embeddingBackward", &AttnlabGpuApi::embeddingBackward, dx.data(),
         ids.data(), ids.size(), dx.cols(), dtok.rows(), dtok.data(), dpos.data());
}

void linearForward(const DeviceMatrix& x, const DeviceMatrix& w, DeviceMatrix& y)
{
    requireShape("linearForward", "w", w, x.cols(), w.cols());
    y.resize(x.rows(), w.cols());
    product("linearForward", x, false, w, false, 1.0f, 0.0f, y);
}

void linearBackward(const DeviceMatrix& x, const DeviceMatrix& w, const DeviceMatrix& dy,
                    DeviceMatrix& dx, DeviceMatrix& dw)
{
    requireShape("linearBackward", "dy", dy, x.rows(), w.cols());
    requireSameShape("linearBackward", "dx", dx, x);
    requireSameShape("linearBackward", "dw", dw, w);
    product("linearBackward", dy, false, w, true, 1.0f, 1.0f, dx); // dx += dy·wᵀ
    product("linearBackward", x, true, dy, false, 1.0f, 1.0f, dw); // dw += xᵀ·dy
}

void affineForward(const DeviceMatrix& x, const DeviceMatrix& w, const DeviceMatrix& b,
                   DeviceMatrix& y)
{
    requireShape("affineForward", "b", b, 1, w.cols());
    linearForward(x, w, y);
    call(x.session(), "affineForward", &AttnlabGpuApi::addBias, y.data(), b.data(), y.rows(),
         y.cols());
}

void affineBackward(const DeviceMatrix& x, const DeviceMatrix& w, const DeviceMatrix& dy,
                    DeviceMatrix& dx, DeviceMatrix& dw, DeviceMatrix& db)
{
    requireShape("affineBackward", "db", db, 1, w.cols());
    linearBackward(x, w, dy, dx, dw);
    call(x.session(), "affineBackward", &AttnlabGpuApi::columnSums, dy.data(), db.data(), dy.rows(),
         dy.cols());
}

void softmaxRows(const DeviceMatrix& in, DeviceMatrix& out)
{
    out.resize(in.rows(), in.cols());
    call(in.session(), "softmaxRows", &AttnlabGpuApi::softmaxForward, in.data(), out.data(), 1,
         in.rows(), in.cols(), 0, in.cols());
}

void softmaxRowsBackward(const DeviceMatrix& out, const DeviceMatrix& dout, DeviceMatrix& din)
{
    requireSameShape("softmaxRowsBackward", "dout", dout, out);
    requireSameShape("softmaxRowsBackward", "din", din, out);
    call(out.session(), "softmaxRowsBackward", &AttnlabGpuApi::softmaxBackward, out.data(),
         dout.data(), din.data(), out.rows(), out.cols());
}

void maskedSoftmaxRows(const DeviceMatrix& in, ops::Mask mask, int length, int blockRows,
                       DeviceMatrix& out)
{
    if (blockRows <= 0 || in.rows() % blockRows != 0) {
        throw InputError("maskedSoftmaxRows: " + std::to_string(in.rows()) +
                         " rows are not blocks of " + std::to_string(blockRows));
    }
    out.resize(in.rows(), in.cols());
    call(in.session(), "maskedSoftmaxRows", &AttnlabGpuApi::softmaxForward, in.data(), out.data(),
         in.rows() / blockRows, blockRows, in.cols(), int(mask == ops::Mask::Causal), length);
}

void attentionForward(const DeviceMatrix& q, const DeviceMatrix& k, ops::Mask mask,
                      DeviceMatrix& scores, DeviceMatrix& weights)
{
    requireShape("attentionForward", "k", k, k.rows(), q.cols());
    scores.resize(q.rows(), k.rows());
    product("attentionForward", q, false, k, true, inverseSqrt(q.cols()), 0.0f, scores);

    // Mask: minus infinity in the scores, as the CPU shows them; softmaxRows gives those 0.
    if (mask == ops::Mask::Causal) {
        call(q.session(), "attentionForward", &AttnlabGpuApi::maskScores, scores.data(), 1,
             scores.rows(), scores.cols(), 1, scores.cols());
    }
    softmaxRows(scores, weights);
}

void attentionBackward(const DeviceMatrix& q, const DeviceMatrix& k, const DeviceMatrix& weights,
                       const DeviceMatrix& dweights, DeviceMatrix& dq, DeviceMatrix& dk)
{
    requireShape("attentionBackward", "weights", weights, q.rows(), k.rows());
    requireSameShape("attentionBackward", "dq", dq, q);
    requireSameShape("attentionBackward", "dk", dk, k);
    DeviceMatrix dscores(q.session(), weights.rows(), weights.cols());
    softmaxRowsBackward(weights, dweights, dscores);
    const float scale = inverseSqrt(q.cols());
    product("attentionBackward", dscores, false, k, false, scale, 1.0f, dq);
    product("attentionBackward", dscores, true, q, false, scale, 1.0f, dk);
}

namespace {

// The shapes of multi-head attention over `q` sequences stacked in rows: T queries and S keys
// each, N heads of width D.
struct Heads
{
    int t, s, n, d, q;
    int width() const { return n * d; }
    long long block() const { return static_cast<long long>(t) * s; } // one head's weights
};

Heads headsOf(const char* operation, const DeviceMatrix& q, const DeviceMatrix& k,
              const DeviceMatrix& v, int heads, int sequences)
{
    if (heads <= 0 || q.cols() % heads != 0) {
        throw InputError(std::string(operation) + ": " + std::to_string(q.cols()) +
                         " columns do not split into " + std::to_string(heads) + " heads");
    }
    if (sequences <= 0 || q.rows() % sequences != 0 || k.rows() % sequences != 0) {
        throw InputError(std::string(operation) + ": " + std::to_string(q.rows()) +
                         " query rows and " + std::to_string(k.rows()) +
                         " key rows do not split into " + std::to_string(sequences) + " sequences");
    }
    requireShape(operation, "k", k, k.rows(), q.cols());
    requireShape(operation, "v", v, k.rows(), q.cols());
    return {q.rows() / sequences, k.rows() / sequences, heads, q.cols() / heads, sequences};
}

// An operand of the products of every (sequence, head) pair: where the pair's matrix starts is
// data + sequence·perSequence + head·perHead.
struct PairOperand
{
    const float* data;
    int ld;
    long long perSequence;
    long long perHead;
    bool transposed = false;
};

// c(b, h) = alpha·op(a(b, h))·op(b(b, h)) + beta·c(b, h) for every sequence b and head h: one
// batched product per head over the sequences, or per sequence over the heads, whichever
// makes fewer calls.
void pairProducts(Session& s, const char* operation, const Heads& h, int m, int n, int k,
                  float alpha, PairOperand a, PairOperand b, float beta, PairOperand c)
{
    const bool overSequences = h.q > h.n;
    const int calls = overSequences ? h.n : h.q;
    for (int i = 0; i < calls; ++i) {
        auto at = [&](const PairOperand& o) {
            return o.data + (overSequences ? o.perHead : o.perSequence) * i;
        };
        auto stride = [&](const PairOperand& o) {
            return overSequences ? o.perSequence : o.perHead;
        };
        product(s, operation, m, n, k, alpha, {at(a), a.ld, stride(a), a.transposed},
                {at(b), b.ld, stride(b), b.transposed}, beta, const_cast<float*>(at(c)), c.ld,
                stride(c), overSequences ? h.q : h.n);
    }
}

} // namespace

void multiHeadAttentionForward(const DeviceMatrix& q, const DeviceMatrix& k, const DeviceMatrix& v,
                               int heads, int length, ops::Mask mask, DeviceMatrix& weights,
                               DeviceMatrix& out)
{
    multiHeadAttentionForward(q, k, v, heads, 1, length, mask, weights, out);
}

void multiHeadAttentionForward(const DeviceMatrix& q, const DeviceMatrix& k, const DeviceMatrix& v,
                               int heads, int sequences, int length, ops::Mask mask,
                               DeviceMatrix& weights, DeviceMatrix& out)
{
    const char* op = "multiHeadAttentionForward";
    const Heads h = headsOf(op, q, k, v, heads, sequences);
    Session& s = q.session();
    const long long perSequence = h.n * h.block(); // a sequence's weights, all heads

    // Scores of every head, masked, into the stacked weights: q_h·k_hᵀ/√D, head h's columns
    // start at h·D with a row stride of N·D.
    weights.resize(h.q * h.n * h.t, h.s);
    pairProducts(s, op, h, h.t, h.s, h.d, inverseSqrt(h.d),
                 {q.data(), h.width(), 1LL * h.t * h.width(), h.d},
                 {k.data(), h.width(), 1LL * h.s * h.width(), h.d, true}, 0.0f,
                 {weights.data(), h.s, perSequence, h.block()});
    call(s, op, &AttnlabGpuApi::softmaxForward, weights.data(), weights.data(), h.q * h.n, h.t, h.s,
         int(mask == ops::Mask::Causal), length);

    // Weighted sum of the values into head h's columns of out.
    out.resize(h.q * h.t, h.width());
    pairProducts(s, op, h, h.t, h.d, h.s, 1.0f, {weights.data(), h.s, perSequence, h.block()},
                 {v.data(), h.width(), 1LL * h.s * h.width(), h.d}, 0.0f,
                 {out.data(), h.width(), 1LL * h.t * h.width(), h.d});
}

void multiHeadAttentionBackward(const DeviceMatrix& q, const DeviceMatrix& k, const DeviceMatrix& v,
                                int heads, const DeviceMatrix& weights, const DeviceMatrix& dout,
                                DeviceMatrix& dq, DeviceMatrix& dk, DeviceMatrix& dv)
{
    multiHeadAttentionBackward(q, k, v, heads, 1, weights, dout, dq, dk, dv);
}

void multiHeadAttentionBackward(const DeviceMatrix& q, const DeviceMatrix& k, const DeviceMatrix& v,
                                int heads, int sequences, const DeviceMatrix& weights,
                                const DeviceMatrix& dout, DeviceMatrix& dq, DeviceMatrix& dk,
                                DeviceMatrix& dv)
{
    const char* op = "multiHeadAttentionBackward";
    const Heads h = headsOf(op, q, k, v, heads, sequences);
    requireShape(op, "weights", weights, h.q * h.n * h.t, h.s);
    requireSameShape(op, "dout", dout, q);
    requireSameShape(op, "dq", dq, q);
    requireSameShape(op, "dk", dk, k);
    requireSameShape(op, "dv", dv, v);
    Session& s = q.session();
    const long long perSequence = h.n * h.block();
    const long long qRows = 1LL * h.t * h.width(), kRows = 1LL * h.s * h.width();
    const PairOperand w{weights.data(), h.s, perSequence, h.block()};

    // Weighted sum: dv_h += w_hᵀ·dout_h; dw_h = dout_h·v_hᵀ.
    pairProducts(s, op, h, h.s, h.d, h.t, 1.0f, {w.data, w.ld, w.perSequence, w.perHead, true},
                 {dout.data(), h.width(), qRows, h.d}, 1.0f, {dv.data(), h.width(), kRows, h.d});
    DeviceMatrix dw(s, weights.rows(), h.s);
    pairProducts(s, op, h, h.t, h.s, h.d, 1.0f, {dout.data(), h.width(), qRows, h.d},
                 {v.data(), h.width(), kRows, h.d, true}, 0.0f,
                 {dw.data(), h.s, perSequence, h.block()});

    // Softmax, then the scaled scores: dq_h += dscores_h·k_h/√D; dk_h += dscores_hᵀ·q_h/√D.
    DeviceMatrix dscores(s, weights.rows(), h.s);
    softmaxRowsBackward(weights, dw, dscores);
    const float scale = inverseSqrt(h.d);
    pairProducts(s, op, h, h.t, h.d, h.s, scale, {dscores.data(), h.s, perSequence, h.block()},
                 {k.data(), h.width(), kRows, h.d}, 1.0f, {dq.data(), h.width(), qRows, h.d});
    pairProducts(s, op, h, h.s, h.d, h.t, scale,
                 {dscores.data(), h.s, perSequence, h.block(), true},
                 {q.data(), h.width(), qRows, h.d}, 1.0f, {dk.data(), h.width(), kRows, h.d});
}

void addInto(const DeviceMatrix& x, DeviceMatrix& y)
{
    requireSameShape("addInto", "y", y, x);
    call(x.session(), "addInto", &AttnlabGpuApi::addBias, y.data(), x.data(), 1,
         checkedSize(static_cast<Eigen::Index>(y.size()), "entries"));
}

namespace raw {

void matmul(Session& s, bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda,
            const float* b, int ldb, float beta, float* c, int ldc)
{
    product(s, "matmul", m, n, k, alpha, {a, lda, 0, ta}, {b, ldb, 0, tb}, beta, c, ldc, 0);
}

void addBias(Session& s, float* y, const float* bias, int rows, int cols)
{
    call(s, "addBias", &AttnlabGpuApi::addBias, y, bias, rows, cols);
}

void columnSums(Session& s, const float* x, float* sums, int rows, int cols)
{
    call(s, "columnSums", &AttnlabGpuApi::columnSums, x, sums, rows, cols);
}

void copy(Session& s, float* to, const float* from, std::size_t count)
{
    call(s, "copyFloats", &AttnlabGpuApi::copyFloats, to, from, count);
}

void upload(Session& s, float* device, const float* host, std::size_t count)
{
    call(s, "uploadFloats", &AttnlabGpuApi::uploadFloats, device, host, count);
}

} // namespace raw

void layerNormForward(const DeviceMatrix& x, const DeviceMatrix& gamma, const DeviceMatrix& beta,
                      DeviceMatrix& y, DeviceLayerNormCache& cache)
{
    requireShape("layerNormForward", "gamma", gamma, 1, x.cols());
    requireShape("layerNormForward", "beta", beta, 1, x.cols());
    y.resize(x.rows(), x.cols());
    cache.normalized.resize(x.rows(), x.cols());
    cache.invStd.resize(x.rows(), 1);
    call(x.session(), "layerNormForward", &AttnlabGpuApi::layerNormForward, x.data(), gamma.data(),
         beta.data(), y.data(), cache.normalized.data(), cache.invStd.data(), x.rows(), x.cols());
}

void layerNormBackward(const DeviceMatrix& gamma, const DeviceLayerNormCache& cache,
                       const DeviceMatrix& dy, DeviceMatrix& dx, DeviceMatrix& dgamma,
                       DeviceMatrix& dbeta)
{
    const DeviceMatrix& xhat = cache.normalized;
    const char* op = "layerNormBackward";
    requireShape(op, "gamma", gamma, 1, xhat.cols());
    requireShape(op, "the cache's invStd", cache.invStd, xhat.rows(), 1);
    requireSameShape(op, "dy", dy, xhat);
    requireSameShape(op, "dx", dx, xhat);
    requireSameShape(op, "dgamma", dgamma, gamma);
    requireSameShape(op, "dbeta", dbeta, gamma);
    call(dy.session(), op, &AttnlabGpuApi::layerNormBackward, gamma.data(), xhat.data(),
         cache.invStd.data(), dy.data(), dx.data(), dgamma.data(), dbeta.data(), xhat.rows(),
         xhat.cols());
}

void geluForward(const DeviceMatrix& x, DeviceMatrix& y)
{
    y.resize(x.rows(), x.cols());
    call(x.session(), "geluForward", &AttnlabGpuApi::geluForward, x.data(), y.data(), x.size());
}

void geluBackward(const DeviceMatrix& x, const DeviceMatrix& dy, DeviceMatrix& dx)
{
    requireSameShape("geluBackward", "dy", dy, x);
    requireSameShape("geluBackward", "dx", dx, x);
    call(x.session(), "geluBackward", &AttnlabGpuApi::geluBackward, x.data(), dy.data(), dx.data(),
         x.size());
}

float softmaxCrossEntropy(const DeviceMatrix& logits, const DeviceIds& targets, DeviceMatrix& probs,
                          DeviceMatrix* dlogits)
{
    if (targets.size() != logits.rows()) {
        throw InputError("softmaxCrossEntropy: " + std::to_string(targets.size()) +
                         " targets for " + std::to_string(logits.rows()) + " rows of logits");
    }
    if (dlogits) {
        requireSameShape("softmaxCrossEntropy", "dlogits", *dlogits, logits);
    }
    probs.resize(logits.rows(), logits.cols());
    float loss = 0.0f;
    call(logits.session(), "softmaxCrossEntropy", &AttnlabGpuApi::softmaxCrossEntropy,
         logits.data(), targets.data(), logits.rows(), logits.cols(), probs.data(),
         dlogits ? dlogits->data() : nullptr, &loss);
    return loss;
}

void dropoutForward(const DeviceMatrix& x, double p, std::uint64_t seed, std::uint64_t offset,
                    DeviceMatrix& y, DeviceMatrix& keep)
{
    requireRange("dropout probability", p, 0.0, 1.0);
    if (p >= 1.0) {
        throw InputError("the dropout probability must be less than 1, not 1");
    }
    y.resize(x.rows(), x.cols());
    keep.resize(x.rows(), x.cols());
    call(x.session(), "dropoutForward", &AttnlabGpuApi::dropoutForward, x.data(), y.data(),
         keep.data(), x.size(), p, static_cast<unsigned long long>(seed),
         static_cast<unsigned long long>(offset));
}

void dropoutBackward(const DeviceMatrix& keep, const DeviceMatrix& dy, DeviceMatrix& dx)
{
    requireSameShape("dropoutBackward", "dy", dy, keep);
    requireSameShape("dropoutBackward", "dx", dx, keep);
    call(keep.session(), "dropoutBackward", &AttnlabGpuApi::dropoutBackward, keep.data(), dy.data(),
         dx.data(), keep.size());
}

void DeviceAdam::step(const std::vector<DeviceMatrix*>& params,
                      const std::vector<const DeviceMatrix*>& grads)
{
    if (m_m.empty()) {
        for (const DeviceMatrix* p : params) {
            m_m.emplace_back(p->session(), p->rows(), p->cols());
            m_v.emplace_back(p->session(), p->rows(), p->cols());
        }
    }
    ++m_step;
    const AdamSettings& s = m_settings;
    for (std::size_t i = 0; i < params.size(); ++i) {
        DeviceMatrix& p = *params[i];
        requireSameShape("DeviceAdam::step", "a gradient", *grads[i], p);
        requireSameShape("DeviceAdam::step", "a moment", m_m[i], p);
        call(p.session(), "DeviceAdam::step", &AttnlabGpuApi::adamUpdate, p.data(),
             grads[i]->data(), m_m[i].data(), m_v[i].data(), p.size(), s.learningRate, s.beta1,
             s.beta2, s.eps, static_cast<long long>(m_step));
    }
}

void DeviceAdam::restore(Session& session, const Adam<float>& host)
{
    m_step = host.stepCount();
    m_m.clear();
    m_v.clear();
    for (const Matrix& m : host.firstMoments()) {
        m_m.emplace_back(session, m);
    }
    for (const Matrix& v : host.secondMoments()) {
        m_v.emplace_back(session, v);
    }
    m_hasKept = false;
}

void DeviceAdam::download(Adam<float>& host) const
{
    std::vector<Matrix> m;
    std::vector<Matrix> v;
    for (std::size_t i = 0; i < m_m.size(); ++i) {
        m.push_back(m_m[i].download());
        v.push_back(m_v[i].download());
    }
    host.restore(m_step, std::move(m), std::move(v));
}

void DeviceAdam::keep()
{
    if (m_keptM.size() != m_m.size()) {
        m_keptM.clear();
        m_keptV.clear();
        for (const DeviceMatrix& m : m_m) {
            m_keptM.emplace_back(m.session(), 0, 0);
            m_keptV.emplace_back(m.session(), 0, 0);
        }
    }
    for (std::size_t i = 0; i < m_m.size(); ++i) {
        m_keptM[i].copyFrom(m_m[i]);
        m_keptV[i].copyFrom(m_v[i]);
    }
    m_keptStep = m_step;
    m_hasKept = true;
}

bool DeviceAdam::undo()
{
    if (!m_hasKept) {
        return false;
    }
    if (m_keptM.empty()) {
        m_m.clear(); // kept before the first step: no moments yet
        m_v.clear();
    }
    for (std::size_t i = 0; i < m_keptM.size(); ++i) {
        m_m[i].copyFrom(m_keptM[i]);
        m_v[i].copyFrom(m_keptV[i]);
    }
    m_step = m_keptStep;
    m_hasKept = false;
    return true;
}

// One operation on host matrices.

namespace host {

namespace {

// Ids must index rows of a matrix with `rows` rows; -1 too when allowMinusOne.
void requireIds(const char* what, std::span<const int> ids, Eigen::Index rows, bool allowMinusOne)
{
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const int id = ids[i];
        if ((id < 0 && !(allowMinusOne && id == -1)) || id >= rows) {
            throw InputError(std::string(what) + " " + std::to_string(i) + " is " +
                             std::to_string(id) + ", outside [" + (allowMinusOne ? "-1" : "0") +
                             ", " + std::to_string(rows) + ")");
        }
    }
}

} // namespace

void embeddingForward(Session& s, const Matrix& tok, const Matrix& pos, std::span<const int> ids,
                      Matrix& x)
{
    requireIds("token id", ids, tok.rows(), false);
    DeviceMatrix out(s, 0, 0);
    gpu::embeddingForward(DeviceMatrix(s, tok), DeviceMatrix(s, pos), DeviceIds(s, ids), out);
    x = out.download();
}

void embeddingBackward(Session& s, const Matrix& dx, std::span<const int> ids, Matrix& dtok,
                       Matrix& dpos)
{
    requireIds("token id", ids, dtok.rows(), false);
    DeviceMatrix gtok(s, dtok), gpos(s, dpos);
    gpu::embeddingBackward(DeviceMatrix(s, dx), DeviceIds(s, ids), gtok, gpos);
    dtok = gtok.download();
    dpos = gpos.download();
}

void linearForward(Session& s, const Matrix& x, const Matrix& w, Matrix& y)
{
    DeviceMatrix out(s, 0, 0);
    gpu::linearForward(DeviceMatrix(s, x), DeviceMatrix(s, w), out);
    y = out.download();
}

void linearBackward(Session& s, const Matrix& x, const Matrix& w, const Matrix& dy, Matrix& dx,
                    Matrix& dw)
{
    DeviceMatrix gx(s, dx), gw(s, dw);
    gpu::linearBackward(DeviceMatrix(s, x), DeviceMatrix(s, w), DeviceMatrix(s, dy), gx, gw);
    dx = gx.download();
    dw = gw.download();
}

void affineForward(Session& s, const Matrix& x, const Matrix& w, const Matrix& b, Matrix& y)
{
    DeviceMatrix out(s, 0, 0);
    gpu::affineForward(DeviceMatrix(s, x), DeviceMatrix(s, w), DeviceMatrix(s, b), out);
    y = out.download();
}

void affineBackward(Session& s, const Matrix& x, const Matrix& w, const Matrix& dy, Matrix& dx,
                    Matrix& dw, Matrix& db)
{
    DeviceMatrix gx(s, dx), gw(s, dw), gb(s, db);
    gpu::affineBackward(DeviceMatrix(s, x), DeviceMatrix(s, w), DeviceMatrix(s, dy), gx, gw, gb);
    dx = gx.download();
    dw = gw.download();
    db = gb.download();
}

void softmaxRows(Session& s, const Matrix& in, Matrix& out)
{
    DeviceMatrix result(s, 0, 0);
    gpu::softmaxRows(DeviceMatrix(s, in), result);
    out = result.download();
}

void softmaxRowsBackward(Session& s, const Matrix& out, const Matrix& dout, Matrix& din)
{
    DeviceMatrix gin(s, din);
    gpu::softmaxRowsBackward(DeviceMatrix(s, out), DeviceMatrix(s, dout), gin);
    din = gin.download();
}

void attentionForward(Session& s, const Matrix& q, const Matrix& k, ops::Mask mask, Matrix& scores,
                      Matrix& weights)
{
    DeviceMatrix gscores(s, 0, 0), gweights(s, 0, 0);
    gpu::attentionForward(DeviceMatrix(s, q), DeviceMatrix(s, k), mask, gscores, gweights);
    scores = gscores.download();
    weights = gweights.download();
}

void attentionBackward(Session& s, const Matrix& q, const Matrix& k, const Matrix& weights,
                       const Matrix& dweights, Matrix& dq, Matrix& dk)
{
    DeviceMatrix gq(s, dq), gk(s, dk);
    gpu::attentionBackward(DeviceMatrix(s, q), DeviceMatrix(s, k), DeviceMatrix(s, weights),
                           DeviceMatrix(s, dweights), gq, gk);
    dq = gq.download();
    dk = gk.download();
}

void multiHeadAttentionForward(Session& s, const Matrix& q, const Matrix& k, const Matrix& v,
                               int heads, int length, ops::Mask mask, std::vector<Matrix>& weights,
                               Matrix& out)
{
    DeviceMatrix gweights(s, 0, 0), gout(s, 0, 0);
    gpu::multiHeadAttentionForward(DeviceMatrix(s, q), DeviceMatrix(s, k), DeviceMatrix(s, v),
                                   heads, length, mask, gweights, gout);
    const Matrix stacked = gweights.download();
    const Eigen::Index t = q.rows();
    weights.resize(static_cast<std::size_t>(heads));
    for (int h = 0; h < heads; ++h) {
        weights[static_cast<std::size_t>(h)] = stacked.middleRows(h * t, t);
    }
    out = gout.download();
}

void multiHeadAttentionBackward(Session& s, const Matrix& q, const Matrix& k, const Matrix& v,
                                int heads, const std::vector<Matrix>& weights, const Matrix& dout,
                                Matrix& dq, Matrix& dk, Matrix& dv)
{
    const Eigen::Index t = q.rows();
    Matrix stacked(t * heads, k.rows());
    for (int h = 0; h < heads; ++h) {
        stacked.middleRows(h * t, t) = weights.at(static_cast<std::size_t>(h));
    }
    DeviceMatrix gq(s, dq), gk(s, dk), gv(s, dv);
    gpu::multiHeadAttentionBackward(DeviceMatrix(s, q), DeviceMatrix(s, k), DeviceMatrix(s, v),
                                    heads, DeviceMatrix(s, stacked), DeviceMatrix(s, dout), gq, gk,
                                    gv);
    dq = gq.download();
    dk = gk.download();
    dv = gv.download();
}

void layerNormForward(Session& s, const Matrix& x, const Matrix& gamma, const Matrix& beta,
                      Matrix& y, ops::LayerNormCache<float>& cache)
{
    DeviceMatrix out(s, 0, 0);
    DeviceLayerNormCache gcache(s);
    gpu::layerNormForward(DeviceMatrix(s, x), DeviceMatrix(s, gamma), DeviceMatrix(s, beta), out,
                          gcache);
    y = out.download();
    cache.normalized = gcache.normalized.download();
    cache.invStd = gcache.invStd.download();
}

void layerNormBackward(Session& s, const Matrix& gamma, const ops::LayerNormCache<float>& cache,
                       const Matrix& dy, Matrix& dx, Matrix& dgamma, Matrix& dbeta)
{
    DeviceLayerNormCache gcache(s);
    gcache.normalized = DeviceMatrix(s, cache.normalized);
    gcache.invStd = DeviceMatrix(s, cache.invStd);
    DeviceMatrix gx(s, dx), ggamma(s, dgamma), gbeta(s, dbeta);
    gpu::layerNormBackward(DeviceMatrix(s, gamma), gcache, DeviceMatrix(s, dy), gx, ggamma, gbeta);
    dx = gx.download();
    dgamma = ggamma.download();
    dbeta = gbeta.download();
}

void geluForward(Session& s, const Matrix& x, Matrix& y)
{
    DeviceMatrix out(s, 0, 0);
    gpu::geluForward(DeviceMatrix(s, x), out);
    y = out.download();
}

void geluBackward(Session& s, const Matrix& x, const Matrix& dy, Matrix& dx)
{
    DeviceMatrix gx(s, dx);
    gpu::geluBackward(DeviceMatrix(s, x), DeviceMatrix(s, dy), gx);
    dx = gx.download();
}

float softmaxCrossEntropy(Session& s, const Matrix& logits, std::span<const int> targets,
                          Matrix& probs, Matrix* dlogits)
{
    requireIds("target", targets, logits.cols(), true);
    DeviceMatrix gprobs(s, 0, 0);
    DeviceMatrix gd(s, dlogits ? *dlogits : Matrix());
    const float loss = gpu::softmaxCrossEntropy(DeviceMatrix(s, logits), DeviceIds(s, targets),
                                                gprobs, dlogits ? &gd : nullptr);
    probs = gprobs.download();
    if (dlogits) {
        *dlogits = gd.download();
    }
    return loss;
}

void dropoutForward(Session& s, const Matrix& x, double p, std::uint64_t seed, std::uint64_t offset,
                    Matrix& y, Matrix& keep)
{
    DeviceMatrix gy(s, 0, 0), gkeep(s, 0, 0);
    gpu::dropoutForward(DeviceMatrix(s, x), p, seed, offset, gy, gkeep);
    y = gy.download();
    keep = gkeep.download();
}

void dropoutBackward(Session& s, const Matrix& keep, const Matrix& dy, Matrix& dx)
{
    DeviceMatrix gx(s, dx);
    gpu::dropoutBackward(DeviceMatrix(s, keep), DeviceMatrix(s, dy), gx);
    dx = gx.download();
}

void adamUpdate(Session& s, const AdamSettings& settings, long step, Matrix& param,
                const Matrix& grad, Matrix& m, Matrix& v)
{
    DeviceMatrix gp(s, param), gm(s, m), gv(s, v);
    const DeviceMatrix gg(s, grad);
    requireSameShape("adamUpdate", "grad", gg, gp);
    requireSameShape("adamUpdate", "m", gm, gp);
    requireSameShape("adamUpdate", "v", gv, gp);
    call(s, "adamUpdate", &AttnlabGpuApi::adamUpdate, gp.data(), gg.data(), gm.data(), gv.data(),
         gp.size(), settings.learningRate, settings.beta1, settings.beta2, settings.eps,
         static_cast<long long>(step));
    param = gp.download();
    m = gm.download();
    v = gv.download();
}

} // namespace host

} // namespace attnlab::gpu
