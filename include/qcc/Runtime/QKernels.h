/*===- QKernels.h - packed quantized weights and their matmul kernels -*- C -*-===//
 *
 * Weight-only and W8A8 quantized linear layers of libqcc_model_rt.a
 * (runtime/kernels/QGemm*.cpp). A quantized weight W[N, K] (N output
 * features, K input features, HF/GGUF order) lives in model.so as ONE opaque
 * byte blob in the layout this library defines; everybody else builds that
 * blob with qcc_rt_qpack() (the compiler, at compile time, from codes and
 * scales that a quantizer chose) and reads it only through the kernels
 * below. No full-precision copy of a quantized weight exists at run time:
 * the kernels dequantize inside the matmul. See docs/Quantization.md.
 *
 * Formats (the `format` argument; `bits` and `group` complete the scheme):
 *
 *   QCC_QF_UNIFORM   codes q in [0, 2^bits) for bits in {2,3,4,5,6,8};
 *                    w[n,k] = q[n,k] * scale[n,g] + min[n,g], g = k / group.
 *                    Symmetric schemes are the special case
 *                    min = -2^(bits-1) * scale. GGUF Q4_0/Q4_1/Q5_0/Q5_1/
 *                    Q8_0 are exactly this with group 32.
 *   QCC_QF_NF4       4-bit codes into the 16-entry NormalFloat table of
 *                    QLoRA (qcc_rt_nf4_table); w = table[q] * scale[n,g].
 *   QCC_QF_FP8_E4M3  8-bit codes read as FP8 E4M3 (finite, no inf; 0x7f /
 *                    0xff are NaN); w = fp8(q) * scale[n,g].
 *   QCC_QF_INT8_W8A8 codes are int8 two's complement (stored as bytes),
 *                    symmetric: w = (int8)q * scale[n,g]; the kernel
 *                    quantizes each row of A to int8 on the fly with its own
 *                    scale max|a_row|/127 (per-token dynamic activation
 *                    quantization) and multiplies in integers (int32
 *                    accumulation). bits must be 8.
 *   QCC_QF_INT8_W8A8_AZP  the same weights (and the same blob layout) as
 *                    INT8_W8A8, but A is quantized ASYMMETRICALLY to uint8
 *                    with a zero point, per row AND per weight group (the
 *                    scheme's `group` along K; group == K: per row): for
 *                    the values a of one (row, group), lo = min(min a, 0),
 *                    hi = max(max a, 0), scale = (hi - lo) / 255, zp =
 *                    round(-lo / scale), u = clamp(round(a / scale) + zp,
 *                    0, 255); the kernels multiply the exact integers
 *                    u - zp (in [-255, 255], widened to int16) with the int8
 *                    weights group by group, i.e. a = (u - zp) * scale. All
 *                    256 codes cover [lo, hi] instead of [-max|a|, max|a|]
 *                    (e.g. post-GELU inputs in [-0.17, max]), and an outlier
 *                    channel coarsens only its own group. bits must be 8.
 *   QCC_QF_F16       IEEE half weights, bits 16, no scales or mins, group
 *   QCC_QF_BF16      must be K: w = half(q) / bfloat16(q). The "FP16 / BF16
 *                    kept" formats: 2 bytes per weight, half of f32. Codes
 *                    are given to qcc_rt_qpack as 2 bytes per weight (the
 *                    little-endian bit pattern), or rounded from f32 by
 *                    qcc_rt_qpack_f32. The kernels widen them exactly (F16C
 *                    vcvtph2ps; bf16 by a 16-bit shift) and multiply in f32.
 *
 * A row has G = ceil(K / group) groups; when group does not divide K the
 * last group is partial (K - (G - 1) * group weights; e.g. group 128 on
 * K = 576). group == K means per output channel. Scales and
 * mins are stored in the blob as IEEE half (f16) -- the same as GGUF and
 * GPTQ checkpoints -- so a scheme costs bits + 32/group bits per weight
 * (+ 16/group without a min). qcc_rt_qpack rounds the given f32 scales/mins
 * to f16 (round to nearest even); callers that need the exact stored values
 * read them back with qcc_rt_qunpack_f32.
 *===----------------------------------------------------------------------===*/
#ifndef QCC_RUNTIME_QKERNELS_H
#define QCC_RUNTIME_QKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Quantized weight formats (see the file comment). */
enum {
  QCC_QF_UNIFORM = 1,
  QCC_QF_NF4 = 2,
  QCC_QF_FP8_E4M3 = 3,
  QCC_QF_INT8_W8A8 = 4,
  QCC_QF_INT8_W8A8_AZP = 5,
  QCC_QF_F16 = 16,  /* same values as qcc::quant::Format::F16 / BF16 */
  QCC_QF_BF16 = 17,
};

/** Flags of qcc_rt_qgemm (bitwise or); same meaning as for qcc_rt_sgemm. */
enum {
  QCC_QGEMM_ACCUMULATE = 1,
  QCC_QGEMM_BIAS = 2,
  QCC_QGEMM_RELU = 4,
};

/** Whether (format, bits, N, K, group) is a scheme this library supports. */
int32_t qcc_rt_qscheme_valid(int32_t format, int32_t bits, int64_t N,
                             int64_t K, int64_t group);

/** Size in bytes of the packed blob of a W[N, K] weight in this scheme
 *  (codes + f16 scales + f16 mins where the format has them + any header
 *  the layout needs). 0 for an invalid scheme. */
uint64_t qcc_rt_qpacked_size(int32_t format, int32_t bits, int64_t N,
                             int64_t K, int64_t group);

/**
 * Builds the packed blob `out` (qcc_rt_qpacked_size bytes, any alignment)
 * from one unpacked code per weight, codes[n*K + k] (the low `bits` bits are
 * used; for INT8_W8A8(_AZP) the byte is the int8 value), and f32 scales/mins
 * [N, ceil(K/group)] row-major (`mins` is ignored, may be NULL, for formats
 * without a min). F16 / BF16 take two bytes per weight instead, the
 * little-endian bit pattern of weight n*K + k at codes[2 * (n*K + k)], and
 * ignore scales and mins (may be NULL). Returns 0 on success, -1 on an
 * invalid scheme.
 * Implementation note: -1 also for a NULL operand, a scale or min that is
 * not a finite f16 after rounding (|x| >= 65520, NaN), an FP8 NaN code
 * (0x7f / 0xff) and an F16 / BF16 code that is inf or NaN; nothing is
 * written then. The layout (32-byte header, row
 * records) is documented in docs/Quantization.md and runtime/kernels/QPack.cpp.
 */
int32_t qcc_rt_qpack(int32_t format, int32_t bits, int64_t N, int64_t K,
                     int64_t group, const uint8_t *codes, const float *scales,
                     const float *mins, void *out);

/**
 * F16 / BF16 only: builds the blob of W[N, K] (group K) from f32 weights
 * w[n*K + k], rounding each to the nearest half / bfloat16, ties to even
 * (subnormals kept). A finite weight beyond the format's range saturates to
 * the largest finite value (+-65504 for f16, +-3.3895e38 for bf16), the same
 * as qcc::quant::roundToHalf / roundToBFloat16; a NaN or infinite weight is
 * an error. Returns 0, or -1 (nothing written) for another format, NULL
 * operands, bad sizes or a non-finite weight.
 */
int32_t qcc_rt_qpack_f32(int32_t format, int64_t N, int64_t K, const float *w,
                         void *out);

/** Dequantizes the whole blob to f32 W[N, K] row-major (the reference the
 *  kernels must match; for tests, sensitivity analysis and debugging).
 *  Returns 0, or -1 for an invalid scheme or a blob whose header does not
 *  match it. */
int32_t qcc_rt_qunpack_f32(int32_t format, int32_t bits, int64_t N, int64_t K,
                           int64_t group, const void *packed, float *w);

/**
 * C[m, n] (+)= sum_k A[m, k] * W[n, k] (+ bias[n]) (relu), m < M, n < N:
 * a linear layer y = x W^T + b with a packed quantized W. A is f32 with row
 * stride lda (elements, >= K), C is f32 with row stride ldc (>= N); `bias`
 * is f32 [N] and may be NULL unless QCC_QGEMM_BIAS. For weight-only formats
 * the result equals qcc_rt_qunpack_f32 followed by an f32 matmul up to f32
 * summation-order rounding; for INT8_W8A8 it equals that product with A
 * replaced by its per-row int8 fake quantization (round half away from
 * zero, clamp to [-127, 127]); for INT8_W8A8_AZP by its per-(row, group)
 * uint8 zero-point fake quantization (see the format list). M == 1..4 (LLM
 * decode) reads W once;
 * parallel over N blocks through qcc_rt_parallel_for (serial when called
 * inside a parallel body).
 * Implementation note: a blob whose header does not match the scheme (or
 * lda < K, ldc < N) is reported through qcc_rt_check_failed (model.so) or
 * stderr and C is filled with NaN. M == 0 is a no-op.
 */
void qcc_rt_qgemm(int64_t flags, int32_t format, int32_t bits, int64_t group,
                  int64_t M, int64_t N, int64_t K, const float *a, int64_t lda,
                  const void *packed, float *c, int64_t ldc,
                  const float *bias);

/** The 16 NF4 code values (QLoRA's NormalFloat4, ascending, table[7] == 0). */
const float *qcc_rt_nf4_table(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QCC_RUNTIME_QKERNELS_H */
