//===- GemmKernels.h - micro-kernels behind qcc_rt_sgemm (internal) -------===//
#ifndef QCC_RUNTIME_KERNELS_GEMMKERNELS_H
#define QCC_RUNTIME_KERNELS_GEMMKERNELS_H

#include <cstdint>

namespace qcc::rt::gemm {

/// Rows (MR) and columns (NR) of one register micro-tile of C.
constexpr int64_t kMR = 6;
constexpr int64_t kNR = 16;

/// Computes one MR x NR tile of C from a packed B panel:
///   acc[i][j] = sum_{k < kc} A(i, k) * bp[k*NR + j]
/// where A(i, k) = ap[k*MR + i] (a packed sliver) when lda == 0, else
/// ap[i*lda + k] (rows of A read in place), then stores, for i < rows,
/// j < NR (C row-major with row stride ldc):
///   c[i*ldc + j] = (load ? c[i*ldc + j] : 0) + acc[i][j] (+ bias[j]) (relu)
/// `bias` may be null; 1 <= rows <= MR (rows past `rows` are neither read,
/// computed nor stored: the last rows of M need no stack tile).
using MicroKernelFn = void (*)(int64_t kc, const float *ap, int64_t lda,
                               const float *bp, float *c, int64_t ldc,
                               bool load, const float *bias, bool relu,
                               int64_t rows);

/// Portable C++ micro-kernel (any x86-64 / any target).
void microKernelPortable(int64_t kc, const float *ap, int64_t lda,
                         const float *bp, float *c, int64_t ldc, bool load,
                         const float *bias, bool relu, int64_t rows);

/// AVX2 + FMA micro-kernel: 12 ymm accumulators. Call only when
/// hostHasAvx2Fma() is true.
void microKernelAvx2(int64_t kc, const float *ap, int64_t lda,
                     const float *bp, float *c, int64_t ldc, bool load,
                     const float *bias, bool relu, int64_t rows);

/// True when the CPU and the OS support AVX2 and FMA (cpuid + xgetbv).
bool hostHasAvx2Fma();

/// The activation qcc_rt_sgemm applies after the product and the bias.
enum class Activation { None, Relu, GeluErf, GeluTanh };

/// GELU, erf form: 0.5 x (1 + erf(x / sqrt 2)); at most 6 ulp from the exact
/// value (GemmActivation.cpp). The scalar code of the portable kernel.
float geluErf(float x);
/// GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); at
/// most 6 ulp from the exact value.
float geluTanh(float x);

/// Applies `act` (GeluErf or GeluTanh) in place to c[i*ldc + j*csn] for
/// i < rows, j < cols (scalar code).
void geluRowsPortable(Activation act, float *c, int64_t ldc, int64_t csn,
                      int64_t rows, int64_t cols);
/// The same, 8 lanes at a time (edges and strided C through a padded
/// vector); call only when hostHasAvx2Fma() is true.
void geluRowsAvx2(Activation act, float *c, int64_t ldc, int64_t csn,
                  int64_t rows, int64_t cols);

} // namespace qcc::rt::gemm

#endif // QCC_RUNTIME_KERNELS_GEMMKERNELS_H
