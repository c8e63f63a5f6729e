/* membw.c - the machine's streaming read bandwidth (GB/s) with 1..T threads, the peer figure for decode. */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// One thread's share: sums its slice of the buffer `reps` times (a pure read stream).
typedef struct { const float *p; size_t n; int reps; float sink; } Slice;

static void *readSlice(void *arg) {
  Slice *s = (Slice *)arg;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  for (int r = 0; r < s->reps; ++r)
    for (size_t i = 0; i + 16 <= s->n; i += 16) {
      acc0 = _mm256_add_ps(acc0, _mm256_load_ps(s->p + i));
      acc1 = _mm256_add_ps(acc1, _mm256_load_ps(s->p + i + 8));
    }
  float t[8];
  _mm256_storeu_ps(t, _mm256_add_ps(acc0, acc1));
  s->sink = t[0] + t[7];
  return NULL;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv) {
  size_t bytes = (argc > 1 ? strtoull(argv[1], 0, 10) : 1024) << 20; /* MiB, default 1 GiB */
  int maxThreads = argc > 2 ? atoi(argv[2]) : 2;
  size_t n = bytes / sizeof(float);
  float *buf = aligned_alloc(64, n * sizeof(float));
  if (!buf) { fprintf(stderr, "membw: cannot allocate %zu bytes\n", bytes); return 1; }
  for (size_t i = 0; i < n; ++i) buf[i] = (float)(i & 1023);
  for (int t = 1; t <= maxThreads; ++t) {
    double best = 0;
    for (int trial = 0; trial < 5; ++trial) {
      pthread_t th[64];
      Slice sl[64];
      double t0 = now();
      for (int k = 0; k < t; ++k) {
        size_t chunk = (n / t) & ~(size_t)15;
        sl[k] = (Slice){buf + k * chunk, chunk, 2, 0};
        pthread_create(&th[k], NULL, readSlice, &sl[k]);
      }
      for (int k = 0; k < t; ++k) pthread_join(th[k], NULL);
      double gbs = 2.0 * bytes / (now() - t0) / 1e9;
      if (gbs > best) best = gbs;
    }
    printf("read bandwidth, %d thread(s): %.2f GB/s\n", t, best);
  }
  free(buf);
  return 0;
}
