// Single-thread GFLOP/s of the runtime micro-kernel qcc_rt_sgemm (runtime/kernels) on square and
// model-shaped f32 products. Build and run: see run.sh. qcc_rt_parallel_for is serial here.
#include "qcc/Runtime/Kernels.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void qcc_rt_parallel_for(int64_t lb, int64_t ub, void (*body)(int64_t, int64_t, void *), void *ctx) {
  if (ub > lb)
    body(lb, ub, ctx);
}

static double clockSeconds(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/// Best-of-reps GFLOP/s of C[M,N] = A[M,K] * B, B stored [K,N] (bNK = 0) or [N,K] (bNK = 1), per wall
/// second and (in *cpu) per CPU second of this thread: on a shared machine the CPU-time figure shows the
/// kernel's speed without the time slices other processes took.
static double bench(int64_t M, int64_t N, int64_t K, int bNK, int reps, double *cpu) {
  float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * K * N), *c = malloc(sizeof(float) * M * N);
  for (int64_t i = 0; i < M * K; ++i) a[i] = (float)(i % 7) * 0.1f;
  for (int64_t i = 0; i < K * N; ++i) b[i] = (float)(i % 5) * 0.1f;
  double best = 1e30, bestCpu = 1e30;
  for (int r = 0; r < reps; ++r) {
    double t0 = clockSeconds(CLOCK_MONOTONIC), c0 = clockSeconds(CLOCK_THREAD_CPUTIME_ID);
    qcc_rt_sgemm(0, 1, M, N, K, a, 0, 0, K, 1, b, 0, 0, bNK ? 1 : N, bNK ? K : 1, c, 0, 0, N, 1, NULL, 0, 0);
    double t = clockSeconds(CLOCK_MONOTONIC) - t0, tc = clockSeconds(CLOCK_THREAD_CPUTIME_ID) - c0;
    if (t < best) best = t;
    if (tc < bestCpu) bestCpu = tc;
  }
  free(a), free(b), free(c);
  *cpu = 2.0 * M * N * K / bestCpu * 1e-9;
  return 2.0 * M * N * K / best * 1e-9;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 10;
  printf("qcc_rt_sgemm isa=%d (1 = AVX2+FMA 6x16), one thread, best of %d\n", qcc_rt_sgemm_isa(), reps);
  static const int64_t shapes[][3] = {{1024, 1024, 1024}, {512, 512, 512}, {64, 4096, 1024}, {64, 1024, 4096},
                                      {128, 768, 768}, {128, 3072, 768}, {128, 768, 3072}, {1, 4096, 1024}};
  for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; ++s)
    for (int bNK = 0; bNK < 2; ++bNK) {
      double cpu, wall = bench(shapes[s][0], shapes[s][1], shapes[s][2], bNK, reps, &cpu);
      printf("sgemm M=%-5lld N=%-5lld K=%-5lld B=%s %7.1f GFLOP/s (%7.1f per CPU second)\n",
             (long long)shapes[s][0], (long long)shapes[s][1], (long long)shapes[s][2],
             bNK ? "[N,K]" : "[K,N]", wall, cpu);
    }
  return 0;
}
