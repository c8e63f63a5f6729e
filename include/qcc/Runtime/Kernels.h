/*===- Kernels.h - C entry points of qcc's runtime micro-kernels --*- C -*-===//
 *
 * The f32 matrix-multiply kernels of libqcc_model_rt.a (runtime/kernels/),
 * which every model.so links. The compiler lowers f32 (batch) matmuls to
 * calls of these functions (pass qcc-x86-lower-matmul-to-ukernel); other code
 * generators may call them as well. See docs/Codegen.md, "Runtime
 * micro-kernels".
 *
 * Every operand is given as a base pointer plus an element offset and element
 * strides, exactly what memref.extract_strided_metadata yields, so any strided
 * view works: B stored [K, N] (ONNX MatMul) or [N, K] (HF/GGUF linear weights:
 * b_stride_k = 1, b_stride_n = K), transposed A, strided batches, broadcast
 * batches (batch stride 0). C must not alias A, B or bias.
 *
 * Parallelism: the kernel splits the work over qcc_rt_parallel_for (the
 * executor of the current run). Called from inside a parallel body it runs
 * serially on the calling thread (the thread pool serializes nested loops).
 *===----------------------------------------------------------------------===*/
#ifndef QCC_RUNTIME_KERNELS_H
#define QCC_RUNTIME_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Flags of qcc_rt_sgemm (bitwise or). */
enum {
  /** C += A*B (otherwise C = A*B; C's previous contents are not read). */
  QCC_GEMM_ACCUMULATE = 1,
  /** Adds bias[n * bias_stride] to every row of C after the product. */
  QCC_GEMM_BIAS = 2,
  /** Applies max(x, 0) after the product (and the bias), as arith.maximumf:
   *  NaN stays NaN, -0 becomes +0. */
  QCC_GEMM_RELU = 4,
  /** B is immutable for the lifetime of the program (a constant weight in
   *  read-only memory): the kernel packs it once, on the first call with
   *  these (pointer, sizes, strides), and reuses the packed copy in later
   *  calls. Never set it for buffers whose contents can change. */
  QCC_GEMM_B_CONSTANT = 8,
  /** Applies GELU, erf form, after the product (and the bias):
   *  0.5 x (1 + erf(x / sqrt 2)), to within 6 ulp of the exact value,
   *  without the cancellation of 1 + erf for negative x; NaN -> NaN,
   *  +inf -> +inf, -inf -> NaN (as the formula). */
  QCC_GEMM_GELU_ERF = 16,
  /** Applies GELU, tanh form, after the product (and the bias):
   *  0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), to within 6 ulp,
   *  special values as GELU_ERF. At most one of
   *  RELU, GELU_ERF, GELU_TANH may be set (if several are, the first of
   *  these three applies). */
  QCC_GEMM_GELU_TANH = 32,
};

/**
 * Batched strided f32 matrix product, for b in [0, batch), m < M, n < N:
 *
 *   C[b,m,n] (+)= sum_k A[b,m,k] * B[b,k,n]  (+ bias[n]) (relu | gelu)
 *
 * where X[b,i,j] = X_base[X_offset + b*X_stride_b + i*X_stride_i +
 * j*X_stride_j]. Sizes may be 0 (no-op; with K == 0 and no ACCUMULATE, C is
 * set to the epilogue of 0). `bias` may be null unless QCC_GEMM_BIAS is set.
 * Example, C[M,N] = A[M,K] * W[N,K]^T (a linear layer):
 *
 *   qcc_rt_sgemm(0, 1, M, N, K, A, 0, 0, K, 1, W, 0, 0, 1, K,
 *                C, 0, 0, N, 1, NULL, 0, 0);
 */
void qcc_rt_sgemm(int64_t flags, int64_t batch, int64_t M, int64_t N,
                  int64_t K,
                  const float *a_base, int64_t a_offset, int64_t a_stride_b,
                  int64_t a_stride_m, int64_t a_stride_k,
                  const float *b_base, int64_t b_offset, int64_t b_stride_b,
                  int64_t b_stride_k, int64_t b_stride_n,
                  float *c_base, int64_t c_offset, int64_t c_stride_b,
                  int64_t c_stride_m, int64_t c_stride_n,
                  const float *bias_base, int64_t bias_offset,
                  int64_t bias_stride);

/** Which micro-kernel qcc_rt_sgemm uses on this machine (for tests and
 *  benchmarks): 0 = portable C++, 1 = AVX2+FMA 6x16. */
int32_t qcc_rt_sgemm_isa(void);

/** Forces the portable kernel (nonzero) or the best one (0); for tests. */
void qcc_rt_sgemm_force_portable(int32_t portable);

/**
 * The heap of the generated code (runtime/kernels/BufferPool.cpp): the
 * pipeline lowers memref.alloc/dealloc to these (MLIR's generic allocation
 * functions). Freed blocks of 64 KiB or more are kept (up to 1 GiB) and
 * reused by later requests of nearly the same size, so repeated runs do not
 * page-fault on fresh memory. Every block is a malloc/aligned_alloc block:
 * results handed to the caller are released with free().
 */
void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size);
void *_mlir_memref_to_llvm_alloc(uint64_t size);
void _mlir_memref_to_llvm_free(void *ptr);

/** Frees the blocks the pool holds (tests count allocations after it). */
void qcc_rt_buffer_pool_release(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QCC_RUNTIME_KERNELS_H */
