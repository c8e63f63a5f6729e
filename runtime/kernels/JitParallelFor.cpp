//===- JitParallelFor.cpp - serial qcc_rt_parallel_for for JIT runs -------===//
//
// libqcc_kernels_jit.so = the micro-kernels + this file, for running
// qcc-lowered modules under mlir-runner (-shared-libs=...), where no model
// runtime provides qcc_rt_parallel_for: every loop runs on the calling thread.
//
//===----------------------------------------------------------------------===//
#include <cstdint>

extern "C" __attribute__((visibility("default"))) void
qcc_rt_parallel_for(int64_t lb, int64_t ub,
                    void (*body)(int64_t, int64_t, void *), void *ctx) {
  if (ub > lb)
    body(lb, ub, ctx);
}
