// Single-thread f32 matmul benchmark: times qcc-compiled kernels and the machine's FP32 FMA peak.
//
// Build: see run.sh. The kernels are `_mlir_ciface_matmul_<N>(Result *, A *, B *)` computing
// C = A x B for N x N f32 matrices, compiled by qcc-lower-to-llvm. qcc_rt_parallel_for runs
// every chunk serially in the calling thread (one thread, as Contract 3 allows).
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// A rank-2 f32 memref descriptor (Contract 2).
typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} Desc2;

void _mlir_ciface_matmul_512(Desc2 *out, Desc2 *a, Desc2 *b);
void _mlir_ciface_matmul_1024(Desc2 *out, Desc2 *a, Desc2 *b);

/// Serial qcc_rt_parallel_for: the benchmark measures one thread.
void qcc_rt_parallel_for(int64_t lb, int64_t ub,
                         void (*body)(int64_t, int64_t, void *), void *ctx) {
  if (ub > lb)
    body(lb, ub, ctx);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/// FP32 FMA peak of one core: independent FMA chains on the widest registers
/// the compiler targets (enough chains to cover latency x throughput).
static double measurePeak(void) {
#if defined(__AVX512F__)
#define NACC 24
  __m512 acc[NACC], x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(1e-3f);
  for (int i = 0; i < NACC; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  const int lanes = 16;
#define FMA(a) a = _mm512_fmadd_ps(a, x, y)
#else
#define NACC 12
  __m256 acc[NACC], x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(1e-3f);
  for (int i = 0; i < NACC; ++i)
    acc[i] = _mm256_set1_ps((float)i);
  const int lanes = 8;
#define FMA(a) a = _mm256_fmadd_ps(a, x, y)
#endif
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    long iters = 20000000;
    double t = now();
    for (long i = 0; i < iters; ++i) {
#pragma clang loop unroll(full)
      for (int j = 0; j < NACC; ++j) {
        FMA(acc[j]);
        // Keeps every chain live (no instruction is emitted).
        __asm__ volatile("" : "+x"(acc[j]));
      }
    }
    t = now() - t;
    double gflops = (double)iters * NACC * lanes * 2 / t / 1e9;
    if (gflops > best)
      best = gflops;
  }
  float sink = 0;
  for (int i = 0; i < NACC; ++i) {
    float first;
    memcpy(&first, &acc[i], sizeof(float));
    sink += first;
  }
  if (sink == 12345.0f)
    printf("%f\n", sink);
  return best;
}

typedef void (*Kernel)(Desc2 *, Desc2 *, Desc2 *);

/// Best-of-`reps` GFLOP/s of one kernel; checks a few entries against a
/// float64 dot product (|err| <= 1e-4 * n on inputs in [-1, 1]).
static double timeKernel(Kernel kernel, int n, int reps, int *ok) {
  float *a = aligned_alloc(64, sizeof(float) * n * n);
  float *b = aligned_alloc(64, sizeof(float) * n * n);
  srand(1);
  for (int i = 0; i < n * n; ++i) {
    a[i] = (float)(2.0 * rand() / RAND_MAX - 1.0);
    b[i] = (float)(2.0 * rand() / RAND_MAX - 1.0);
  }
  Desc2 da = {a, a, 0, {n, n}, {n, 1}}, db = {b, b, 0, {n, n}, {n, 1}}, dc;
  double best = 1e30;
  *ok = 1;
  for (int r = 0; r < reps; ++r) {
    double t = now();
    kernel(&dc, &da, &db);
    t = now() - t;
    if (t < best)
      best = t;
    if (r == 0)
      for (int s = 0; s < 16; ++s) {
        int i = (s * 97) % n, j = (s * 61 + 7) % n;
        double ref = 0;
        for (int k = 0; k < n; ++k)
          ref += (double)a[i * n + k] * b[k * n + j];
        double err = ref - dc.aligned[dc.offset + i * dc.strides[0] + j];
        if (err > 1e-4 * n || err < -1e-4 * n)
          *ok = 0;
      }
    free(dc.allocated);
  }
  free(a);
  free(b);
  return 2.0 * n * n * (double)n / best / 1e9;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 20;
  double peak = measurePeak();
  printf("fp32 fma peak (1 thread, %d-bit): %.1f GFLOP/s\n",
#if defined(__AVX512F__)
         512,
#else
         256,
#endif
         peak);
  int ok512, ok1024;
  double g512 = timeKernel(_mlir_ciface_matmul_512, 512, reps, &ok512);
  printf("matmul 512^3:  %.1f GFLOP/s (%.0f%% of peak) %s\n", g512,
         100 * g512 / peak, ok512 ? "correct" : "WRONG");
  double g1024 = timeKernel(_mlir_ciface_matmul_1024, 1024, reps / 4 + 1, &ok1024);
  printf("matmul 1024^3: %.1f GFLOP/s (%.0f%% of peak) %s\n", g1024,
         100 * g1024 / peak, ok1024 ? "correct" : "WRONG");
  peak = measurePeak();
  printf("fp32 fma peak again: %.1f GFLOP/s\n", peak);
  return ok512 && ok1024 ? 0 : 1;
}
