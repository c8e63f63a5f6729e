//===- ThreadPool.cpp - the thread pool behind a qcc_context_t -------------===//
#include "ThreadPool.h"

#include <algorithm>
#include <atomic>

namespace qcc {
namespace rt {

namespace {
/// Depth of parallel loops being executed by this thread (any pool).
thread_local int parallelDepth = 0;

struct DepthScope {
  DepthScope() { ++parallelDepth; }
  ~DepthScope() { --parallelDepth; }
};
} // namespace

/// One parallel loop: chunks are claimed with an atomic counter; `pending`
/// counts chunks not yet finished.
struct ThreadPool::Job {
  int64_t lb, ub, chunk, numChunks;
  qcc_parallel_body_fn body;
  void *ctx;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> pending{0};
  std::mutex doneMutex;
  std::condition_variable done;
};

ThreadPool::ThreadPool(int32_t numThreads) {
  exec.self = this;
  exec.parallel_for = [](void *self, int64_t lb, int64_t ub,
                         qcc_parallel_body_fn body, void *ctx) {
    static_cast<ThreadPool *>(self)->parallelFor(lb, ub, body, ctx);
  };
  try {
    for (int32_t i = 1; i < numThreads; ++i)
      workers.emplace_back([this] { workerLoop(); });
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    for (std::thread &t : workers)
      t.join();
    throw;
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &t : workers)
    t.join();
}

void ThreadPool::runChunks(Job &job) {
  DepthScope depth;
  for (;;) {
    int64_t c = job.next.fetch_add(1);
    if (c >= job.numChunks)
      return;
    int64_t lo = job.lb + c * job.chunk;
    int64_t hi = std::min(job.ub, lo + job.chunk);
    job.body(lo, hi, job.ctx);
    if (job.pending.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(job.doneMutex);
      job.done.notify_all();
    }
  }
}

void ThreadPool::workerLoop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stopping || !queue.empty(); });
      if (stopping && queue.empty())
        return;
      job = queue.front();
      // Leave the job queued while chunks remain so other workers join it.
      if (job->next.load() + 1 >= job->numChunks)
        queue.pop_front();
    }
    runChunks(*job);
  }
}

void ThreadPool::parallelFor(int64_t lb, int64_t ub, qcc_parallel_body_fn body,
                             void *ctx) {
  if (ub <= lb)
    return;
  int64_t n = ub - lb;
  // Nested loops and single-thread pools run on the calling thread.
  if (workers.empty() || parallelDepth > 0 || n == 1) {
    DepthScope depth;
    body(lb, ub, ctx);
    return;
  }
  auto job = std::make_shared<Job>();
  int64_t threads = numThreads();
  // A few chunks per thread balance uneven iterations without much overhead.
  int64_t chunks = std::min<int64_t>(n, threads * 4);
  job->lb = lb;
  job->ub = ub;
  job->chunk = (n + chunks - 1) / chunks;
  job->numChunks = (n + job->chunk - 1) / job->chunk;
  job->body = body;
  job->ctx = ctx;
  job->pending = job->numChunks;
  {
    std::lock_guard<std::mutex> lock(mutex);
    queue.push_back(job);
  }
  wake.notify_all();
  runChunks(*job);
  {
    std::unique_lock<std::mutex> lock(job->doneMutex);
    job->done.wait(lock, [&] { return job->pending.load() == 0; });
  }
  // Drop the job from the queue if no worker did (all chunks were claimed).
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = queue.begin(); it != queue.end(); ++it)
    if (*it == job) {
      queue.erase(it);
      break;
    }
}

} // namespace rt
} // namespace qcc
