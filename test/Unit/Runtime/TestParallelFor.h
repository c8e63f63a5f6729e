//===- TestParallelFor.h - qcc_rt_parallel_for for kernel unit tests -*- C++ -*-===//
//
// The runtime kernels call qcc_rt_parallel_for, which model.so gets from
// runtime/ModelRuntime.cpp. Test programs that link the kernels alone get it
// from TestParallelFor.cpp instead: it runs on the pool a test installs with
// setTestPool (serially when none is installed).
//
//===----------------------------------------------------------------------===//
#ifndef QCC_TEST_UNIT_RUNTIME_TESTPARALLELFOR_H
#define QCC_TEST_UNIT_RUNTIME_TESTPARALLELFOR_H

namespace qcc::rt {
class ThreadPool;
}

namespace qcc::test {
/// Makes qcc_rt_parallel_for run on `pool` (null: serially on the caller).
void setTestPool(qcc::rt::ThreadPool *pool);
/// The pool installed by setTestPool (null when serial).
qcc::rt::ThreadPool *testPool();
} // namespace qcc::test

#endif // QCC_TEST_UNIT_RUNTIME_TESTPARALLELFOR_H
