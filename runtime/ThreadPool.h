//===- ThreadPool.h - the thread pool behind a qcc_context_t ---------------===//
#ifndef QCC_RUNTIME_THREADPOOL_H
#define QCC_RUNTIME_THREADPOOL_H

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "qcc-c/model_abi.h"

namespace qcc {
namespace rt {

/// A fixed pool of worker threads executing parallel loops. Several callers
/// may run parallel loops at the same time; each call is split into chunks
/// that the caller and the workers take from a shared job. A parallel loop
/// started from inside a chunk runs serially on that thread (no deadlock).
class ThreadPool {
public:
  /// Creates a pool using `numThreads` threads in total (the caller counts as
  /// one, so numThreads - 1 workers are started). Throws std::system_error if
  /// a thread cannot be created.
  explicit ThreadPool(int32_t numThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// Total number of threads, the caller included.
  int32_t numThreads() const { return static_cast<int32_t>(workers.size()) + 1; }

  /// Runs body over a partition of [lb, ub) and returns when all is done.
  void parallelFor(int64_t lb, int64_t ub, qcc_parallel_body_fn body, void *ctx);

  /// An executor (model ABI) view of this pool.
  const qcc_executor_t *executor() const { return &exec; }

private:
  struct Job;
  void workerLoop();
  static void runChunks(Job &job);

  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::shared_ptr<Job>> queue;
  bool stopping = false;
  qcc_executor_t exec;
};

} // namespace rt
} // namespace qcc

#endif // QCC_RUNTIME_THREADPOOL_H
