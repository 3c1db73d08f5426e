// Matrix products on cuBLAS, for row-major matrices.
//
// cuBLAS is column-major. A row-major m×n buffer read column-major is its n×m transpose, and
// (op(A)·op(B))ᵀ = op(B)ᵀ·op(A)ᵀ, so the row-major product C = op(A)·op(B) is the column-major
// product Cᵀ = op(B)ᵀ·op(A)ᵀ: the same call with the operands swapped and m and n exchanged.
// The math mode is cuBLAS's default, which keeps FP32 (no TF32 tensor cores), so products
// match the CPU's to FP32 rounding.
#include "backend.h"

#include <algorithm>

namespace attnlab::cuda {

namespace {

int checkMatmul(int m, int n, int k, int lda, int ldb, int ldc, int transA, int transB, int batch,
                AttnlabGpuError* error)
{
    if (m < 0 || n < 0 || k < 0 || batch < 0) {
        return invalid(error, "matmul", "m, n, k and batch must not be negative");
    }
    // The stored widths: A is m×k (k×m when transposed), B k×n (n×k), C m×n.
    const int widthA = transA ? m : k;
    const int widthB = transB ? k : n;
    if (lda < std::max(1, widthA) || ldb < std::max(1, widthB) || ldc < std::max(1, n)) {
        return invalid(error, "matmul", "a row stride (lda, ldb, ldc) is less than the width");
    }
    return ATTNLAB_GPU_OK;
}

} // namespace

int matmul(AttnlabGpuContext* context, int transA, int transB, int m, int n, int k, float alpha,
           const float* a, int lda, long long strideA, const float* b, int ldb, long long strideB,
           float beta, float* c, int ldc, long long strideC, int batch, AttnlabGpuError* error)
{
    ATTNLAB_TRY(enter(context, error));
    ATTNLAB_TRY(checkMatmul(m, n, k, lda, ldb, ldc, transA, transB, batch, error));
    if (m == 0 || n == 0 || batch == 0) {
        return ATTNLAB_GPU_OK;
    }
    if (!c || (k > 0 && (!a || !b))) {
        return invalid(error, "matmul", "a buffer is null");
    }
    const cublasOperation_t opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
    if (batch == 1) {
        ATTNLAB_CHECK(
            cublasSgemm(context->blas, opB, opA, n, m, k, &alpha, b, ldb, a, lda, &beta, c, ldc),
            error);
        return ATTNLAB_GPU_OK;
    }
    ATTNLAB_CHECK(cublasSgemmStridedBatched(context->blas, opB, opA, n, m, k, &alpha, b, ldb,
                                            strideB, a, lda, strideA, &beta, c, ldc, strideC,
                                            batch),
                  error);
    return ATTNLAB_GPU_OK;
}

} // namespace attnlab::cuda
