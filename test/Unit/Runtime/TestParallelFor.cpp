//===- TestParallelFor.cpp - qcc_rt_parallel_for for kernel unit tests ----===//
#include "TestParallelFor.h"

#include "ThreadPool.h"

namespace {
qcc::rt::ThreadPool *installedPool = nullptr;
} // namespace

void qcc::test::setTestPool(qcc::rt::ThreadPool *pool) { installedPool = pool; }
qcc::rt::ThreadPool *qcc::test::testPool() { return installedPool; }

/// The kernels' parallel loop over the installed pool (see the header).
extern "C" void qcc_rt_parallel_for(int64_t lb, int64_t ub,
                                    qcc_parallel_body_fn body, void *ctx) {
  if (ub <= lb)
    return;
  if (!installedPool) {
    body(lb, ub, ctx);
    return;
  }
  installedPool->parallelFor(lb, ub, body, ctx);
}
