// bench_qgemm.cpp - qcc_rt_qgemm (packed quantized and f16/bf16 weights) against qcc_rt_sgemm on the same shapes.
//
// Decode (M = 1): SmolLM2 shapes N x K = 576x576, 1536x576, 576x1536, 49152x576. Each timed call reads a
// different copy of the weight, rotating through >= 256 MiB of copies, so the weights come from DRAM as in
// a real decode step (not from the 32 MiB L3). Reports GB/s of weight bytes read (packed blob, or f32 for
// sgemm) and G weights/s. Prefill (M = PREFILL_M, default 128): GFLOP/s (2 M N K per second) of both on all
// four shapes, one copy (the GEMM is compute bound); f32 twice: packing B per call (f32) and with the
// packed-B cache of constant weights (f32_bc, what model.so's f32 prefill uses); w8a8 twice: the int8 x int8
// GEMM and the f32 path on fake-quantized A (w8a8_f32).
// Schemes: f16, bf16, int8 per channel, w8a8, int6/5/4/3/2 g128 asym (K = 576: a partial last group), nf4 g64,
// fp8 e4m3 per channel.
// Usage: bench_qgemm THREADS [SECONDS_PER_CASE [PREFILL_M]]   (qcc_rt_parallel_for runs on the runtime's thread pool)
#include "ThreadPool.h"
#include "kernels/QGemmKernels.h"
#include "qcc/Runtime/Kernels.h"
#include "qcc/Runtime/QKernels.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <vector>

static qcc::rt::ThreadPool *pool = nullptr;

extern "C" void qcc_rt_parallel_for(int64_t lb, int64_t ub, qcc_parallel_body_fn body, void *ctx) {
  if (ub <= lb)
    return;
  if (!pool)
    body(lb, ub, ctx);
  else
    pool->parallelFor(lb, ub, body, ctx);
}

static double now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/// CPU seconds of this thread (with 1 thread: the kernel's time without the slices other processes took).
static double cpuNow() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

struct Scheme {
  const char *name;
  int32_t format, bits;
  int64_t group; // 0: per channel (group = K)
};

static const Scheme kSchemes[] = {
    {"f16", QCC_QF_F16, 16, 0},          {"bf16", QCC_QF_BF16, 16, 0},        {"int8_pc", QCC_QF_UNIFORM, 8, 0},
    {"w8a8", QCC_QF_INT8_W8A8, 8, 0},    {"int6_g128", QCC_QF_UNIFORM, 6, 128}, {"int5_g128", QCC_QF_UNIFORM, 5, 128},
    {"int4_g128", QCC_QF_UNIFORM, 4, 128}, {"int3_g128", QCC_QF_UNIFORM, 3, 128}, {"int2_g128", QCC_QF_UNIFORM, 2, 128},
    {"nf4_g64", QCC_QF_NF4, 4, 64},      {"fp8_pc", QCC_QF_FP8_E4M3, 8, 0},
    {"w8a8_g64", QCC_QF_INT8_W8A8, 8, 64}, {"w8a8_g64_azp", QCC_QF_INT8_W8A8_AZP, 8, 64},
};

/// Optional 4th argument: a comma-separated list of scheme names to run (default: all).
static const char *onlySchemes = nullptr;
static bool selected(const Scheme &s) {
  if (!onlySchemes)
    return true;
  std::string list = std::string(",") + onlySchemes + ",";
  return list.find(std::string(",") + s.name + ",") != std::string::npos;
}

/// `copies` packed copies of one random N x K weight in a scheme.
static std::vector<std::vector<uint8_t>> packCopies(const Scheme &s, int64_t N, int64_t K, int copies) {
  int64_t group = s.group ? s.group : K;
  std::mt19937 rng(7);
  uint64_t size = qcc_rt_qpacked_size(s.format, s.bits, N, K, group);
  std::vector<uint8_t> blob(size);
  int32_t rc;
  if (s.bits == 16) {
    std::uniform_real_distribution<float> dist(-0.1f, 0.1f);
    std::vector<float> w(N * K);
    for (float &x : w)
      x = dist(rng);
    rc = qcc_rt_qpack_f32(s.format, N, K, w.data(), blob.data());
  } else {
    std::vector<uint8_t> codes(N * K);
    for (auto &c : codes)
      c = uint8_t(rng() & (s.format == QCC_QF_FP8_E4M3 ? 0x77 : 0xff));
    int64_t groups = (K + group - 1) / group; // the last group may be partial
    std::vector<float> scales(N * groups, 0.01f), mins(N * groups, -0.05f);
    rc = qcc_rt_qpack(s.format, s.bits, N, K, group, codes.data(), scales.data(), mins.data(), blob.data());
  }
  if (rc != 0) {
    std::fprintf(stderr, "bench_qgemm: packing failed for %s\n", s.name);
    std::exit(1);
  }
  return std::vector<std::vector<uint8_t>>(copies, blob);
}

/// Copies needed so that they add up to >= 256 MiB (at least 2).
static int copiesFor(uint64_t bytes) { return int(std::max<uint64_t>(2, ((256ull << 20) + bytes - 1) / bytes)); }

/// Set by main: with one thread, time calls in CPU seconds of this thread, else wall seconds.
static bool useCpuTime = false;

/// Median seconds of one call of `fn(i)` (i = call number), over about `seconds` of calls.
template <typename Fn> static double timeCalls(Fn fn, double seconds) {
  fn(0); // warm up
  std::vector<double> t;
  double start = now();
  for (int i = 1; now() - start < seconds || t.size() < 5; ++i) {
    double t0 = useCpuTime ? cpuNow() : now();
    fn(i);
    t.push_back((useCpuTime ? cpuNow() : now()) - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  double seconds = argc > 2 ? std::atof(argv[2]) : 0.3;
  const int64_t M = argc > 3 ? std::atoll(argv[3]) : 128; // prefill rows
  onlySchemes = argc > 4 ? argv[4] : nullptr;
  std::unique_ptr<qcc::rt::ThreadPool> owned;
  if (threads > 1) {
    owned = std::make_unique<qcc::rt::ThreadPool>(threads);
    pool = owned.get();
  }
  useCpuTime = threads == 1;
  std::printf("threads=%d sgemm_isa=%d, median time per call in %s seconds\n", threads, qcc_rt_sgemm_isa(),
              useCpuTime ? "CPU" : "wall");
  const int64_t shapes[][2] = {{576, 576}, {1536, 576}, {576, 1536}, {49152, 576}};
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);

  // Decode: M = 1, weights from DRAM.
  for (auto &sh : shapes) {
    int64_t N = sh[0], K = sh[1];
    std::vector<float> a(K), c(N);
    for (float &x : a)
      x = dist(rng);
    {
      uint64_t bytes = uint64_t(N * K) * 4;
      int copies = copiesFor(bytes);
      std::vector<std::vector<float>> w(copies, std::vector<float>(N * K, 0.01f));
      double t = timeCalls(
          [&](int i) {
            qcc_rt_sgemm(0, 1, 1, N, K, a.data(), 0, 0, K, 1, w[i % copies].data(), 0, 0, 1, K, c.data(), 0, 0,
                         N, 1, nullptr, 0, 0);
          },
          seconds);
      std::printf("decode N=%-6lld K=%-5lld %-8s bytes=%-10llu %8.1f us %7.2f GB/s %7.2f Gw/s\n", (long long)N,
                  (long long)K, "f32", (unsigned long long)bytes, t * 1e6, bytes / t * 1e-9, N * K / t * 1e-9);
    }
    for (const Scheme &s : kSchemes) {
      int64_t group = s.group ? s.group : K;
      if (!selected(s) || !qcc_rt_qscheme_valid(s.format, s.bits, N, K, group))
        continue;
      uint64_t bytes = qcc_rt_qpacked_size(s.format, s.bits, N, K, group);
      int copies = copiesFor(bytes);
      auto blobs = packCopies(s, N, K, copies);
      double t = timeCalls(
          [&](int i) {
            qcc_rt_qgemm(0, s.format, s.bits, group, 1, N, K, a.data(), K, blobs[i % copies].data(), c.data(), N,
                         nullptr);
          },
          seconds);
      std::printf("decode N=%-6lld K=%-5lld %-8s bytes=%-10llu %8.1f us %7.2f GB/s %7.2f Gw/s\n", (long long)N,
                  (long long)K, s.name, (unsigned long long)bytes, t * 1e6, bytes / t * 1e-9, N * K / t * 1e-9);
    }
  }

  // Prefill: M rows, all four shapes.
  for (int si = 0; si < 4; ++si) {
    int64_t N = shapes[si][0], K = shapes[si][1];
    std::vector<float> a(M * K), c(M * N), w(N * K);
    for (float &x : a)
      x = dist(rng);
    for (float &x : w)
      x = dist(rng) * 0.05f;
    double flop = 2.0 * M * N * K;
    for (int64_t flags : {int64_t(0), int64_t(QCC_GEMM_B_CONSTANT)}) {
      double t = timeCalls(
          [&](int) {
            qcc_rt_sgemm(flags, 1, M, N, K, a.data(), 0, 0, K, 1, w.data(), 0, 0, 1, K, c.data(), 0, 0, N, 1,
                         nullptr, 0, 0);
          },
          seconds);
      std::printf("prefill M=%lld N=%-6lld K=%-5lld %-8s %8.1f ms %7.1f GFLOP/s\n", (long long)M, (long long)N,
                  (long long)K, flags ? "f32_bc" : "f32", t * 1e3, flop / t * 1e-9);
    }
    for (const Scheme &s : kSchemes) {
      int64_t group = s.group ? s.group : K;
      if (!selected(s) || !qcc_rt_qscheme_valid(s.format, s.bits, N, K, group))
        continue;
      auto blobs = packCopies(s, N, K, 1);
      double t = timeCalls(
          [&](int) {
            qcc_rt_qgemm(0, s.format, s.bits, group, M, N, K, a.data(), K, blobs[0].data(), c.data(), N, nullptr);
          },
          seconds);
      std::printf("prefill M=%lld N=%-6lld K=%-5lld %-8s %8.1f ms %7.1f GFLOP/s\n", (long long)M, (long long)N,
                  (long long)K, s.name, t * 1e3, flop / t * 1e-9);
      if (s.format == QCC_QF_INT8_W8A8) { // the f32 path on fake-quantized A, for comparison
        qcc::rt::q::qgemmForceW8A8F32(true);
        t = timeCalls(
            [&](int) {
              qcc_rt_qgemm(0, s.format, s.bits, group, M, N, K, a.data(), K, blobs[0].data(), c.data(), N, nullptr);
            },
            seconds);
        qcc::rt::q::qgemmForceW8A8F32(false);
        std::printf("prefill M=%lld N=%-6lld K=%-5lld %-8s %8.1f ms %7.1f GFLOP/s\n", (long long)M, (long long)N,
                    (long long)K, "w8a8_f32", t * 1e3, flop / t * 1e-9);
      }
    }
  }
  return 0;
}
