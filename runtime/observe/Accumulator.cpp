//===- Accumulator.cpp - streaming statistics of one observed activation --===//
//
// X^T X: rows are converted to f64 in blocks of kBlockRows; the upper
// triangle (i >= j) of G += D^T D is computed in 4 x 8 register tiles
// (4 rows of G, 8 contiguous columns, accumulated over the block's rows),
// the pairs of G row blocks (t, last - t) split over qcc_rt_parallel_for so
// that every task does the same work. An AVX2+FMA copy of the tile loop is
// used when the CPU has it.
//===----------------------------------------------------------------------===//
#include "Accumulator.h"

#include "qcc-c/model_abi.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

extern "C" void qcc_rt_parallel_for(int64_t lb, int64_t ub, qcc_parallel_body_fn body,
                                    void *ctx);

namespace qcc::observe {
namespace {

constexpr int64_t kBlockRows = 32;
constexpr int64_t kTileRows = 4; // rows j of G per tile
constexpr int64_t kTileCols = 8; // columns i of G per tile (two 4-wide vectors)

typedef double v4d __attribute__((vector_size(32), aligned(8)));

/// G[j0 + jj][i0 .. i0+7] += sum_r D[r][j0+jj] * D[r][i0 .. i0+7] for the
/// tiles of G row block jb with i0 + 7 >= j0 (upper triangle).
#define QCC_XTX_TILES_BODY                                                     \
  {                                                                            \
    const int64_t j0 = jb * kTileRows;                                         \
    for (int64_t i0 = (j0 / kTileCols) * kTileCols; i0 < kp; i0 += kTileCols) { \
      v4d acc[kTileRows][2] = {};                                              \
      for (int64_t r = 0; r < rows; ++r) {                                     \
        const double *d = block + r * kp;                                      \
        v4d a0, a1;                                                            \
        std::memcpy(&a0, d + i0, sizeof(v4d));                                 \
        std::memcpy(&a1, d + i0 + 4, sizeof(v4d));                             \
        for (int64_t jj = 0; jj < kTileRows; ++jj) {                           \
          v4d s = {d[j0 + jj], d[j0 + jj], d[j0 + jj], d[j0 + jj]};            \
          acc[jj][0] += s * a0;                                                \
          acc[jj][1] += s * a1;                                                \
        }                                                                      \
      }                                                                        \
      for (int64_t jj = 0; jj < kTileRows; ++jj) {                             \
        double *g = xtx + (j0 + jj) * kp + i0;                                 \
        v4d g0, g1;                                                            \
        std::memcpy(&g0, g, sizeof(v4d));                                      \
        std::memcpy(&g1, g + 4, sizeof(v4d));                                  \
        g0 += acc[jj][0];                                                      \
        g1 += acc[jj][1];                                                      \
        std::memcpy(g, &g0, sizeof(v4d));                                      \
        std::memcpy(g + 4, &g1, sizeof(v4d));                                  \
      }                                                                        \
    }                                                                          \
  }

void xtxRowBlockGeneric(double *xtx, const double *block, int64_t rows, int64_t kp,
                        int64_t jb) QCC_XTX_TILES_BODY

__attribute__((target("avx2,fma"))) void
xtxRowBlockAvx2(double *xtx, const double *block, int64_t rows, int64_t kp,
                int64_t jb) QCC_XTX_TILES_BODY

struct XtxTask {
  double *xtx;
  const double *block;
  int64_t rows, kp, rowBlocks;
  bool avx2;
};

/// Task p handles G row blocks p and rowBlocks-1-p (equal work per task).
void xtxBody(int64_t lo, int64_t hi, void *ctx) {
  auto *t = static_cast<XtxTask *>(ctx);
  for (int64_t p = lo; p < hi; ++p) {
    int64_t blocks[2] = {p, t->rowBlocks - 1 - p};
    for (int n = 0; n < (blocks[0] == blocks[1] ? 1 : 2); ++n) {
      if (t->avx2)
        xtxRowBlockAvx2(t->xtx, t->block, t->rows, t->kp, blocks[n]);
      else
        xtxRowBlockGeneric(t->xtx, t->block, t->rows, t->kp, blocks[n]);
    }
  }
}

bool hasAvx2Fma() {
#if defined(__x86_64__)
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

/// splitmix64: the reservoir's random numbers.
uint64_t nextRandom(uint64_t &state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

} // namespace

Accumulator::Accumulator(int64_t channels, const Settings &settings)
    : k_(channels), kp_((channels + 7) / 8 * 8), settings_(settings),
      absMax_(channels, 0.0f), sumAbs_(channels, 0.0), sum_(channels, 0.0),
      rng_(settings.seed) {
  int64_t expected = std::max<int64_t>(settings_.expectedRows, 1);
  // Nearest rank ceil(0.999 R) ascending is rank R - ceil(0.999 R) + 1 from the top.
  keep_ = static_cast<size_t>(expected - (999 * expected + 999) / 1000 + 1);
  top_.assign(static_cast<size_t>(k_) * keep_, 0.0f);
  topCount_.assign(k_, 0);
  topMin_.assign(k_, 0.0f);
  topMinAt_.assign(k_, 0);
  if (settings_.withXtx) {
    xtx_.assign(static_cast<size_t>(kp_) * kp_, 0.0);
    block_.assign(static_cast<size_t>(kBlockRows) * kp_, 0.0);
  }
  samples_.reserve(static_cast<size_t>(std::max<int64_t>(settings_.sampleRows, 0)) * k_);
}

int64_t Accumulator::sampleCount() const {
  return k_ ? static_cast<int64_t>(samples_.size()) / k_ : 0;
}

void Accumulator::sample(const float *row, int64_t colStride) {
  int64_t n = rows_; // index of this row, before the increment
  int64_t cap = settings_.sampleRows;
  if (cap <= 0)
    return;
  int64_t slot;
  if (n < cap) {
    slot = n;
    samples_.resize(static_cast<size_t>(n + 1) * k_);
  } else {
    slot = static_cast<int64_t>(nextRandom(rng_) % static_cast<uint64_t>(n + 1));
    if (slot >= cap)
      return;
  }
  float *dst = samples_.data() + slot * k_;
  for (int64_t c = 0; c < k_; ++c)
    dst[c] = row[c * colStride];
}

void Accumulator::add(const float *x, int64_t rows, int64_t rowStride, int64_t colStride) {
  if (finished_)
    return;
  auto start = std::chrono::steady_clock::now();
  ++calls_;
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = x + r * rowStride;
    for (int64_t c = 0; c < k_; ++c) {
      float v = row[c * colStride];
      float a = std::fabs(v);
      absMax_[c] = std::max(absMax_[c], a);
      sumAbs_[c] += a;
      sum_[c] += v;
      // Top `keep_` values of |x_c|.
      uint32_t &n = topCount_[c];
      float *top = top_.data() + c * keep_;
      if (n < keep_) {
        top[n++] = a;
        if (n == keep_) {
          uint32_t at = 0;
          for (uint32_t i = 1; i < n; ++i)
            if (top[i] < top[at])
              at = i;
          topMin_[c] = top[at];
          topMinAt_[c] = at;
        }
      } else if (a > topMin_[c]) {
        top[topMinAt_[c]] = a;
        uint32_t at = 0;
        for (uint32_t i = 1; i < n; ++i)
          if (top[i] < top[at])
            at = i;
        topMin_[c] = top[at];
        topMinAt_[c] = at;
      }
    }
    sample(row, colStride);
    ++rows_;
  }
  if (settings_.withXtx)
    addXtx(x, rows, rowStride, colStride);
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Accumulator::addXtx(const float *x, int64_t rows, int64_t rowStride, int64_t colStride) {
  for (int64_t r0 = 0; r0 < rows; r0 += kBlockRows) {
    int64_t n = std::min(kBlockRows, rows - r0);
    for (int64_t r = 0; r < n; ++r) {
      const float *src = x + (r0 + r) * rowStride;
      double *dst = block_.data() + r * kp_;
      for (int64_t c = 0; c < k_; ++c)
        dst[c] = src[c * colStride];
      // Padding columns stay zero.
    }
    XtxTask task{xtx_.data(), block_.data(), n, kp_, kp_ / kTileRows, hasAvx2Fma()};
    qcc_rt_parallel_for(0, (task.rowBlocks + 1) / 2, xtxBody, &task);
  }
}

void Accumulator::finish() {
  if (finished_)
    return;
  finished_ = true;
  p999_.assign(k_, 0.0f);
  if (rows_ > 0) {
    int64_t fromTop = rows_ - (999 * rows_ + 999) / 1000 + 1; // 1-based rank from the top
    for (int64_t c = 0; c < k_; ++c) {
      std::vector<float> v(top_.begin() + c * keep_, top_.begin() + c * keep_ + topCount_[c]);
      std::sort(v.begin(), v.end(), [](float a, float b) { return a > b; });
      // Beyond the kept values (more rows than expected) the smallest kept
      // value bounds the percentile from above.
      size_t at = std::min<size_t>(static_cast<size_t>(fromTop - 1), v.size() - 1);
      p999_[c] = v.empty() ? 0.0f : v[at];
    }
  }
  if (settings_.withXtx) {
    xtxOut_.assign(static_cast<size_t>(k_) * k_, 0.0);
    for (int64_t j = 0; j < k_; ++j)
      for (int64_t i = j; i < k_; ++i) {
        double g = xtx_[j * kp_ + i];
        xtxOut_[j * k_ + i] = g;
        xtxOut_[i * k_ + j] = g;
      }
    std::vector<double>().swap(xtx_); // the padded copy is not needed any more
    std::vector<double>().swap(block_);
  }
}

} // namespace qcc::observe
