// Test-only qcc_rt_parallel_for (Contract 3): splits [lb, ub) into chunks run on pthreads.
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/// One chunk of a parallel loop handed to a worker thread.
typedef struct {
  int64_t lo, hi;
  void (*body)(int64_t, int64_t, void *);
  void *ctx;
} Chunk;

/// Number of qcc_rt_parallel_for calls made (checked by the tests).
int64_t qcc_test_parallel_calls = 0;

static void *runChunk(void *arg) {
  Chunk *c = (Chunk *)arg;
  c->body(c->lo, c->hi, c->ctx);
  return NULL;
}

/// Runs body over [lb, ub) on QCC_TEST_THREADS threads (default 4; 1 runs
/// serially in the caller).
void qcc_rt_parallel_for(int64_t lb, int64_t ub,
                         void (*body)(int64_t, int64_t, void *), void *ctx) {
  __atomic_fetch_add(&qcc_test_parallel_calls, 1, __ATOMIC_RELAXED);
  const char *env = getenv("QCC_TEST_THREADS");
  int64_t threads = env ? atoi(env) : 4;
  int64_t n = ub - lb;
  if (threads > n)
    threads = n;
  if (threads <= 1) {
    if (n > 0)
      body(lb, ub, ctx);
    return;
  }
  pthread_t tids[64];
  Chunk chunks[64];
  if (threads > 64)
    threads = 64;
  for (int64_t t = 0; t < threads; ++t) {
    chunks[t].lo = lb + n * t / threads;
    chunks[t].hi = lb + n * (t + 1) / threads;
    chunks[t].body = body;
    chunks[t].ctx = ctx;
    pthread_create(&tids[t], NULL, runChunk, &chunks[t]);
  }
  for (int64_t t = 0; t < threads; ++t)
    pthread_join(tids[t], NULL);
}
