//===- GemmTest.cpp - qcc_rt_sgemm against a double-precision reference ---===//
//
// Every entry point of include/qcc/Runtime/Kernels.h over odd shapes (M, N,
// K in {1, 2, 3, 5, 17, 64, 129, 300}), B as [K, N] and [N, K], batched
// (strided and broadcast batches), transposed A, strided C, with and without
// bias / ReLU / accumulation, on 1 and 2 threads, with the AVX2 and the
// portable micro-kernel; M with 1-3 rows past a multiple of 6 (split row
// tiles) and constant B over several K blocks. Tolerance per element:
//   |C - ref| <= 4 * 2^-23 * (K + 2) * (sum_k |A||B| + |bias| + |C0|)
// (the float rounding bound of a K-term dot product, with slack). Also the
// buffer pool behind the generated code's memref.alloc/dealloc.
//
//===----------------------------------------------------------------------===//
#include "TestParallelFor.h"
#include "ThreadPool.h"
#include "qcc/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

namespace {

/// One strided f32 operand: storage plus strides (batch, row, col).
struct Operand {
  std::vector<float> data;
  int64_t offset = 0, sb = 0, s0 = 0, s1 = 0;
  float at(int64_t b, int64_t i, int64_t j) const {
    return data[offset + b * sb + i * s0 + j * s1];
  }
};

/// Fills an operand of `batch` x rows x cols with random values; `transposed`
/// stores each matrix column-major; `pad` adds unused elements between rows
/// (and a leading offset) so strides are not the sizes.
Operand makeOperand(std::mt19937 &rng, int64_t batch, int64_t rows,
                    int64_t cols, bool transposed, int64_t pad,
                    bool broadcastBatch = false) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Operand o;
  o.offset = pad;
  int64_t ld = (transposed ? rows : cols) + pad;
  int64_t matrix = (transposed ? cols : rows) * ld;
  o.sb = broadcastBatch ? 0 : matrix + pad;
  o.s0 = transposed ? 1 : ld;
  o.s1 = transposed ? ld : 1;
  int64_t stored = broadcastBatch ? 1 : batch;
  o.data.resize(o.offset + stored * (matrix + pad) + 1);
  for (float &x : o.data)
    x = dist(rng);
  return o;
}

struct Case {
  int64_t batch, M, N, K;
  bool bNK = false, aT = false, cStrided = false, broadcastB = false;
  int64_t flags = 0;
  int64_t biasStride = 1;
};

/// Runs one case and checks every element of C (and that nothing outside
/// C's elements was written).
/// `fixedB`, if given, is used as B (a QCC_GEMM_B_CONSTANT operand must
/// outlive the calls: its packed copy is cached by address).
void runCase(const Case &c, std::mt19937 &rng,
             const Operand *fixedB = nullptr) {
  SCOPED_TRACE(testing::Message()
               << "batch=" << c.batch << " M=" << c.M << " N=" << c.N
               << " K=" << c.K << " bNK=" << c.bNK << " aT=" << c.aT
               << " cStrided=" << c.cStrided << " flags=" << c.flags
               << " threads=" << (qcc::test::testPool() ? qcc::test::testPool()->numThreads() : 1)
               << " isa=" << qcc_rt_sgemm_isa());
  Operand a = makeOperand(rng, c.batch, c.M, c.K, c.aT, 3);
  Operand b = fixedB ? *fixedB
                     : makeOperand(rng, c.batch, c.K, c.N, c.bNK, 1,
                                   c.broadcastB);
  Operand out = makeOperand(rng, c.batch, c.M, c.N, c.cStrided, 2);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> bias(c.N * c.biasStride + 1);
  for (float &x : bias)
    x = dist(rng);
  Operand before = out;
  bool hasBias = c.flags & QCC_GEMM_BIAS;
  qcc_rt_sgemm(c.flags, c.batch, c.M, c.N, c.K, a.data.data(), a.offset, a.sb,
               a.s0, a.s1, b.data.data(), b.offset, b.sb, b.s0, b.s1,
               out.data.data(), out.offset, out.sb, out.s0, out.s1,
               hasBias ? bias.data() : nullptr, hasBias ? 1 : 0, c.biasStride);

  std::vector<char> isC(out.data.size(), 0);
  int64_t failures = 0;
  for (int64_t t = 0; t < c.batch; ++t)
    for (int64_t i = 0; i < c.M; ++i)
      for (int64_t j = 0; j < c.N; ++j) {
        double ref = 0.0, mag = 0.0;
        for (int64_t k = 0; k < c.K; ++k) {
          double p = static_cast<double>(a.at(t, i, k)) * b.at(t, k, j);
          ref += p;
          mag += std::fabs(p);
        }
        if (c.flags & QCC_GEMM_ACCUMULATE) {
          ref += before.at(t, i, j);
          mag += std::fabs(before.at(t, i, j));
        }
        if (hasBias) {
          double bv = bias[1 + j * c.biasStride];
          ref += bv;
          mag += std::fabs(bv);
        }
        if ((c.flags & QCC_GEMM_RELU) && ref < 0.0)
          ref = 0.0;
        double tol = 4.0 * std::ldexp(1.0, -23) * (c.K + 2) * mag + 1e-30;
        int64_t idx = out.offset + t * out.sb + i * out.s0 + j * out.s1;
        isC[idx] = 1;
        double got = out.data[idx];
        if (!(std::fabs(got - ref) <= tol) && failures++ < 5)
          ADD_FAILURE() << "C[" << t << "," << i << "," << j << "] = " << got
                        << ", reference " << ref << " (tolerance " << tol
                        << ")";
      }
  for (size_t idx = 0; idx < out.data.size(); ++idx)
    if (!isC[idx] && out.data[idx] != before.data[idx] && failures++ < 5)
      ADD_FAILURE() << "element " << idx << " outside C was written";
  EXPECT_EQ(failures, 0);
}

const int64_t kSizes[] = {1, 2, 3, 5, 17, 64, 129, 300};

/// Runs `body` on 1 and 2 threads, with the best and the portable kernel.
template <typename Body> void forEachConfig(Body body) {
  for (int threads : {1, 2})
    for (int portable : {0, 1}) {
      std::unique_ptr<qcc::rt::ThreadPool> pool;
      if (threads > 1)
        pool = std::make_unique<qcc::rt::ThreadPool>(threads);
      qcc::test::setTestPool(pool.get());
      qcc_rt_sgemm_force_portable(portable);
      body();
      qcc_rt_sgemm_force_portable(0);
      qcc::test::setTestPool(nullptr);
    }
}

TEST(Gemm, AllOddShapesBothBLayouts) {
  std::mt19937 rng(1);
  forEachConfig([&] {
    int64_t n = 0;
    for (int64_t M : kSizes)
      for (int64_t N : kSizes)
        for (int64_t K : kSizes) {
          Case c{1, M, N, K};
          c.bNK = n % 2;
          // Cycle through the epilogues.
          c.flags = (n / 2) % 8;
          ++n;
          runCase(c, rng);
          if (HasFailure())
            return;
        }
  });
}

TEST(Gemm, BatchedStridedAndBroadcast) {
  std::mt19937 rng(2);
  forEachConfig([&] {
    for (int64_t M : {1, 5, 17, 129})
      for (int64_t N : {3, 64, 129})
        for (int64_t K : {2, 17, 300}) {
          Case c{3, M, N, K};
          c.bNK = (M + N) % 2;
          c.aT = K % 2;
          c.flags = QCC_GEMM_BIAS;
          runCase(c, rng);
          c.broadcastB = true;
          c.cStrided = true;
          c.flags = QCC_GEMM_ACCUMULATE | QCC_GEMM_RELU;
          runCase(c, rng);
          if (HasFailure())
            return;
        }
  });
}

TEST(Gemm, StridedBiasAndEmptyK) {
  std::mt19937 rng(3);
  forEachConfig([&] {
    for (int64_t M : {1, 4, 7, 64}) {
      Case c{2, M, 33, 19};
      c.flags = QCC_GEMM_BIAS | QCC_GEMM_RELU;
      c.biasStride = 3;
      runCase(c, rng);
      Case empty{2, M, 17, 0};
      empty.flags = QCC_GEMM_BIAS | QCC_GEMM_ACCUMULATE;
      runCase(empty, rng);
      empty.flags = 0;
      runCase(empty, rng);
    }
  });
}

TEST(Gemm, ConstantBIsPackedOnceAndReused) {
  // B operands stay alive (and unchanged) for the whole test, as
  // QCC_GEMM_B_CONSTANT requires; each is used by several calls with
  // different A, plus a sub-matrix view of the same storage (same pointer,
  // other sizes: a different cache entry).
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const std::tuple<int64_t, int64_t, int64_t> shapes[] = {
      {64, 300, 129}, {17, 33, 300}, {5, 64, 17}, {2, 129, 64}};
  std::vector<std::vector<float>> bs;
  for (auto [M, N, K] : shapes) {
    bs.emplace_back(K * N);
    for (float &x : bs.back())
      x = dist(rng);
  }
  forEachConfig([&] {
    for (size_t s = 0; s < bs.size(); ++s) {
      auto [M, N, K] = shapes[s];
      const std::vector<float> &b = bs[s];
      for (int call = 0; call < 3; ++call) {
        // The last call views the top-left (K-1) x (N-1) block.
        int64_t n = call == 2 ? N - 1 : N, k = call == 2 ? K - 1 : K;
        std::vector<float> a(M * k), c(M * n);
        for (float &x : a)
          x = dist(rng);
        qcc_rt_sgemm(QCC_GEMM_B_CONSTANT, 1, M, n, k, a.data(), 0, 0, k, 1,
                     b.data(), 0, 0, N, 1, c.data(), 0, 0, n, 1, nullptr, 0,
                     0);
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double ref = 0.0, mag = 0.0;
            for (int64_t kk = 0; kk < k; ++kk) {
              ref += static_cast<double>(a[i * k + kk]) * b[kk * N + j];
              mag += std::fabs(static_cast<double>(a[i * k + kk]) * b[kk * N + j]);
            }
            double tol = 4.0 * std::ldexp(1.0, -23) * (k + 2) * mag + 1e-30;
            ASSERT_LE(std::fabs(c[i * n + j] - ref), tol)
                << "M=" << M << " N=" << n << " K=" << k << " call " << call
                << " at (" << i << "," << j << ")";
          }
      }
    }
  });
}

TEST(Gemm, RowTailsAndConstantBPrefetchAcrossKBlocks) {
  // M with 1-3 rows past a multiple of MR = 6 (the last two row tiles are
  // split evenly: 7 -> 4 + 3, 8 -> 4 + 4, 9 -> 5 + 4), also past an MC = 144
  // row block (151 = 144 + 7); A read in place and packed (transposed A);
  // constant B over several K blocks (KC = 256) and panels, whose next
  // panel the tiles prefetch. Each B stays alive for the whole test.
  std::mt19937 rng(6);
  const std::tuple<int64_t, int64_t, int64_t> shapes[] = {
      {7, 40, 300}, {8, 33, 600}, {9, 64, 257}, {13, 17, 20},
      {14, 48, 513}, {146, 35, 270}, {151, 50, 520}};
  std::vector<Operand> bs;
  for (auto [M, N, K] : shapes)
    bs.push_back(makeOperand(rng, 1, K, N, bs.size() % 2, 1));
  forEachConfig([&] {
    for (size_t s = 0; s < bs.size(); ++s)
      for (int variant = 0; variant < 2; ++variant) {
        auto [M, N, K] = shapes[s];
        Case c{1, M, N, K};
        c.bNK = s % 2;
        c.aT = variant == 1;
        c.flags = QCC_GEMM_B_CONSTANT | (variant ? QCC_GEMM_BIAS : 0);
        runCase(c, rng, &bs[s]);
        c.flags = variant ? QCC_GEMM_ACCUMULATE : QCC_GEMM_RELU;
        runCase(c, rng);
        if (HasFailure())
          return;
      }
  });
}

TEST(Gemm, ZeroSizesAreNoOps) {
  float c = 42.0f, a = 1.0f, b = 1.0f;
  qcc_rt_sgemm(0, 1, 0, 1, 1, &a, 0, 0, 1, 1, &b, 0, 0, 1, 1, &c, 0, 0, 1, 1,
               nullptr, 0, 0);
  qcc_rt_sgemm(0, 0, 1, 1, 1, &a, 0, 0, 1, 1, &b, 0, 0, 1, 1, &c, 0, 0, 1, 1,
               nullptr, 0, 0);
  qcc_rt_sgemm(0, 1, 1, 0, 1, &a, 0, 0, 1, 1, &b, 0, 0, 1, 1, &c, 0, 0, 1, 1,
               nullptr, 0, 0);
  EXPECT_EQ(c, 42.0f);
}

} // namespace

// The generated code's heap (BufferPool.cpp): a freed large block is handed
// out again to a request of (nearly) the same size and alignment, small or
// much smaller requests get their own blocks, and every block is a plain
// aligned_alloc block (free() may release it).
TEST(BufferPool, ReusesFreedLargeBlocks) {
  qcc_rt_buffer_pool_release();
  const uint64_t big = uint64_t(1) << 20;
  void *a = _mlir_memref_to_llvm_aligned_alloc(64, big);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  std::memset(a, 1, big);
  _mlir_memref_to_llvm_free(a);
  void *b = _mlir_memref_to_llvm_aligned_alloc(64, big - 64);
  EXPECT_EQ(b, a); // reused
  _mlir_memref_to_llvm_free(b);
  // Far smaller than the pooled block: not served from it.
  void *c = _mlir_memref_to_llvm_aligned_alloc(64, big / 4);
  EXPECT_NE(c, a);
  std::free(c); // results are released with free() by their owner
  // Small blocks are not pooled.
  void *s = _mlir_memref_to_llvm_alloc(100);
  ASSERT_NE(s, nullptr);
  _mlir_memref_to_llvm_free(s);
  _mlir_memref_to_llvm_free(nullptr);
  qcc_rt_buffer_pool_release();
  void *d = _mlir_memref_to_llvm_aligned_alloc(4096, big);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d) % 4096, 0u);
  _mlir_memref_to_llvm_free(d);
  qcc_rt_buffer_pool_release();
}

// The ReLU epilogue is arith.maximumf (what ONNX Relu lowers to and what the
// compiler folds into QCC_GEMM_RELU): NaN stays NaN, -0 becomes +0, on the
// AVX2 and the portable kernel, full tiles and edges.
TEST(Gemm, ReluEpilogueIsMaximumF) {
  for (int portable : {0, 1}) {
    qcc_rt_sgemm_force_portable(portable);
    const int64_t M = 7, N = 19, K = 1;
    std::vector<float> a(M * K, 1.0f), b(K * N), bias(N, 0.0f), c(M * N, 5.0f);
    for (int64_t j = 0; j < N; ++j)
      b[j] = j % 3 == 0 ? NAN : (j % 3 == 1 ? -0.0f : -1.0f - j);
    qcc_rt_sgemm(QCC_GEMM_BIAS | QCC_GEMM_RELU, 1, M, N, K, a.data(), 0, 0, K,
                 1, b.data(), 0, 0, N, 1, c.data(), 0, 0, N, 1, bias.data(),
                 0, 1);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        float v = c[i * N + j];
        if (j % 3 == 0)
          EXPECT_TRUE(std::isnan(v)) << i << "," << j;
        else
          EXPECT_TRUE(v == 0.0f && !std::signbit(v)) << i << "," << j << " " << v;
      }
  }
  qcc_rt_sgemm_force_portable(0);
}
