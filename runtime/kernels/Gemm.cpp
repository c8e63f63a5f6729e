//===- Gemm.cpp - qcc_rt_sgemm: packed, blocked, parallel f32 GEMM --------===//
//
// BLIS-style driver around the 6x16 micro-kernels of GemmMicroKernels.cpp:
//
//   tasks = batch x ceil(M / MC) x ceil(N / NC)   (qcc_rt_parallel_for)
//   per task, for each KC block of K:
//     pack B[k0:k0+KC, j0:j0+NC] into NR-column panels (k-major, zero-padded)
//     pack A[i0:i0+MC, k0:k0+KC] into MR-row slivers   (k-major, zero-padded;
//       skipped when rows of A have unit k stride: the kernel reads them)
//     for each NR panel: for each MR sliver: micro-kernel (C in registers)
//
// Packing makes every operand layout (B as [K,N] or [N,K], strided views,
// transposed A) the same contiguous stream for the micro-kernel. The last
// rows of M run a micro-kernel variant for fewer rows; partial right-edge
// tiles run it on a stack tile and merge the valid part.
// M <= 4 (LLM decode) takes a GEMV path that reads B once and packs nothing.
// Epilogues: bias and ReLU in the micro-kernel's stores; GELU
// (GemmActivation.cpp) over each finished tile while it is in L1.
// A constant B is packed once per program (cache); another B shared by
// several row blocks is packed once per call (in parallel) before the tasks
// run. Packing buffers are thread-local and reused across calls.
//
//===----------------------------------------------------------------------===//
#include "qcc/Runtime/Kernels.h"

#include "GemmKernels.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <unordered_map>

extern "C" void qcc_rt_parallel_for(int64_t lb, int64_t ub,
                                    void (*body)(int64_t, int64_t, void *),
                                    void *ctx);

using namespace qcc::rt::gemm;

namespace {

/// Cache blocking: an MC x KC block of A (L2), a KC x NC block of B
/// (L2/L3), a KC x NR panel of B (L1).
constexpr int64_t kMC = 144;
constexpr int64_t kKC = 256;
constexpr int64_t kNC = 512;
/// Largest M handled by the GEMV path.
constexpr int64_t kGemvMaxM = 4;
/// Columns of C per GEMV task.
constexpr int64_t kGemvCols = 256;

/// Set by qcc_rt_sgemm_force_portable.
std::atomic<bool> forcePortable{false};

/// One 64-byte aligned, growable, thread-local float buffer.
class Scratch {
public:
  ~Scratch() { release(); }
  /// A buffer of at least n floats, or null if it cannot be allocated.
  /// (Aligned operator new, not aligned_alloc/free: the generated code's
  /// allocations are the only ones test harnesses count.)
  float *get(size_t n) {
    if (n <= capacity)
      return data;
    release();
    data = static_cast<float *>(
        ::operator new(n * sizeof(float), kAlign, std::nothrow));
    capacity = data ? n : 0;
    return data;
  }

  /// Frees the buffer if it holds more than `maxFloats` floats (so a single
  /// huge call does not pin its memory to the thread forever).
  void trim(size_t maxFloats) {
    if (capacity > maxFloats)
      release();
  }

private:
  static constexpr std::align_val_t kAlign{64};
  void release() {
    if (data)
      ::operator delete(data, kAlign);
    data = nullptr;
    capacity = 0;
  }

  float *data = nullptr;
  size_t capacity = 0;
};

thread_local Scratch packedA, packedB;
/// The whole packed A of a call (owned by the calling thread).
thread_local Scratch packedAllA;
/// The whole packed B of a call with a non-constant B that several row
/// blocks share (owned by the calling thread).
thread_local Scratch packedAllB;
/// Largest whole-call packed B (floats) kept in packedAllB: 16 Mi floats.
constexpr size_t kMaxPackedAllB = size_t(16) << 20;

/// A whole call of qcc_rt_sgemm with pointers already offset.
struct Problem {
  int64_t batch, M, N, K;
  const float *a;
  int64_t asb, asm_, ask;
  const float *b;
  int64_t bsb, bsk, bsn;
  float *c;
  int64_t csb, csm, csn;
  /// Contiguous bias of N floats (null: none).
  const float *bias;
  bool accumulate, relu;
  /// GELU applied after the product and bias (None, GeluErf or GeluTanh).
  Activation gelu = Activation::None;
  /// B packed for the whole problem (constant B), or null: panels of
  /// K block k0 and columns [j, j + NR) start at k0 * nPad + j * kb
  /// (kb = rows of that K block), batch t at t * K * nPad.
  const float *prepackedB = nullptr;
  int64_t nPadAll = 0;
  /// A packed for the whole problem when several column blocks share it
  /// (same scheme with rows: K block k0, rows [i, i + MR) at
  /// t * K * mPadAll + k0 * mPadAll + i * kb), or null: packed per task.
  float *prepackedA = nullptr;
  int64_t mPadAll = 0;
  /// A is read in place by the micro-kernel (rows with unit k stride), not
  /// packed.
  bool directA = false;
  /// Blocking of C into tasks.
  int64_t mc, nc, nM, nN;
  MicroKernelFn kernel;
};

/// Applies the epilogue to one element of C given the computed product.
inline void storeElement(float *dst, float acc, bool load, const float *bias,
                         bool relu) {
  float v = acc;
  if (load)
    v += *dst;
  if (bias)
    v += *bias;
  if (relu) // NaN stays NaN, -0 becomes +0 (arith.maximumf)
    v = v < 0.0f ? 0.0f : v + 0.0f;
  *dst = v;
}

/// Applies the GELU of `p`, if any, to rows x cols of C at `c` (C's
/// strides): 8 lanes at a time with the AVX2 kernel, else scalar.
void applyGelu(const Problem &p, float *c, int64_t rows, int64_t cols) {
  if (p.gelu == Activation::None)
    return;
  if (p.kernel == static_cast<MicroKernelFn>(microKernelAvx2))
    geluRowsAvx2(p.gelu, c, p.csm, p.csn, rows, cols);
  else
    geluRowsPortable(p.gelu, c, p.csm, p.csn, rows, cols);
}

/// How the rows [0, mb) of a block are cut into micro-kernel tiles: MR rows
/// each, except that a remainder of 1-3 rows is merged with the tile before
/// it and the two split evenly (7 -> 4 + 3, 8 -> 4 + 4, 9 -> 5 + 4). A 1-3
/// row kernel holds only 2-6 accumulators, too few to keep both FMA pipes
/// busy (M = 128 = 21 x 6 + 2 ran its last 2 rows at half speed); 4 and 5
/// rows hold 8 and 10. Always ceil(mb / MR) tiles, so packed A keeps one
/// MR-stride sliver per tile.
struct RowTiles {
  explicit RowTiles(int64_t mb) : mb(mb), count((mb + kMR - 1) / kMR) {
    int64_t r = mb % kMR;
    if (count >= 2 && r >= 1 && r <= 3) {
      splitFirst = (kMR + r + 1) / 2;
      splitStart = (count - 2) * kMR;
    }
  }
  /// First row of tile s (0 <= s < count).
  int64_t start(int64_t s) const {
    return splitFirst && s == count - 1 ? splitStart + splitFirst : s * kMR;
  }
  /// Rows of tile s (1..MR).
  int64_t rows(int64_t s) const {
    if (splitFirst && s >= count - 2)
      return s == count - 2 ? splitFirst : mb - splitStart - splitFirst;
    return std::min(kMR, mb - s * kMR);
  }
  int64_t mb, count;
  /// Rows of the first of the two split tiles (0: no split) and its start.
  int64_t splitFirst = 0, splitStart = 0;
};

/// Packs rows [0, mb) x cols [0, kb) of A (at `a`) into one MR-stride
/// sliver per row tile s of RowTiles(mb): dst[s*kb*MR + k*MR + i] =
/// A[start(s) + i, k] for i < rows(s), zero for the other rows.
void packA(const Problem &p, const float *a, int64_t mb, int64_t kb,
           float *dst) {
  RowTiles tiles(mb);
  for (int64_t s = 0; s < tiles.count; ++s) {
    int64_t i0 = tiles.start(s), mr = tiles.rows(s);
    float *d = dst + s * kMR * kb;
    for (int64_t i = 0; i < mr; ++i) {
      const float *src = a + (i0 + i) * p.asm_;
      if (p.ask == 1)
        for (int64_t k = 0; k < kb; ++k)
          d[k * kMR + i] = src[k];
      else
        for (int64_t k = 0; k < kb; ++k)
          d[k * kMR + i] = src[k * p.ask];
    }
    for (int64_t i = mr; i < kMR; ++i)
      for (int64_t k = 0; k < kb; ++k)
        d[k * kMR + i] = 0.0f;
  }
}

/// Packs rows [0, kb) x cols [0, nb) of B (at `b`) into NR-column panels:
/// dst[s*kb*NR + k*NR + j] = B[k, s*NR + j], zero for columns past nb.
void packB(const Problem &p, const float *b, int64_t kb, int64_t nb,
           float *dst) {
  for (int64_t j0 = 0; j0 < nb; j0 += kNR) {
    int64_t nr = std::min(kNR, nb - j0);
    float *d = dst + j0 * kb;
    if (p.bsn == 1 && nr == kNR) {
      for (int64_t k = 0; k < kb; ++k)
        std::memcpy(d + k * kNR, b + k * p.bsk + j0, kNR * sizeof(float));
      continue;
    }
    if (nr < kNR)
      for (int64_t k = 0; k < kb; ++k)
        for (int64_t j = nr; j < kNR; ++j)
          d[k * kNR + j] = 0.0f;
    // Walk the source along its unit stride where it has one.
    if (p.bsk == 1) {
      for (int64_t j = 0; j < nr; ++j) {
        const float *src = b + (j0 + j) * p.bsn;
        for (int64_t k = 0; k < kb; ++k)
          d[k * kNR + j] = src[k];
      }
    } else {
      for (int64_t k = 0; k < kb; ++k) {
        const float *src = b + k * p.bsk + j0 * p.bsn;
        for (int64_t j = 0; j < nr; ++j)
          d[k * kNR + j] = src[j * p.bsn];
      }
    }
  }
}

/// C = epilogue(0) (+ C): the whole problem when K == 0.
void emptyProduct(const Problem &p) {
  for (int64_t t = 0; t < p.batch; ++t) {
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t j = 0; j < p.N; ++j)
        storeElement(p.c + t * p.csb + i * p.csm + j * p.csn, 0.0f,
                     p.accumulate, p.bias ? p.bias + j : nullptr, p.relu);
    applyGelu(p, p.c + t * p.csb, p.M, p.N);
  }
}

/// Unblocked strided triple loop: used when packing buffers cannot be
/// allocated (slow, but correct and allocation-free).
void naiveTask(const Problem &p, int64_t t, int64_t i0, int64_t mb,
               int64_t j0, int64_t nb) {
  for (int64_t i = i0; i < i0 + mb; ++i)
    for (int64_t j = j0; j < j0 + nb; ++j) {
      float acc = 0.0f;
      for (int64_t k = 0; k < p.K; ++k)
        acc += p.a[t * p.asb + i * p.asm_ + k * p.ask] *
               p.b[t * p.bsb + k * p.bsk + j * p.bsn];
      storeElement(p.c + t * p.csb + i * p.csm + j * p.csn, acc,
                   p.accumulate, p.bias ? p.bias + j : nullptr, p.relu);
    }
  applyGelu(p, p.c + t * p.csb + i0 * p.csm + j0 * p.csn, mb, nb);
}

/// The packed B panel the task computes with after the panel at `bp`
/// (columns jr of K block k0) when B is prepacked (a constant weight, read
/// from L3 or DRAM): the next NR columns, or the first panel of the next K
/// block; null after the last one or when B was packed by the task. The
/// kernel reads a panel from L1 for all the row tiles of the block; the
/// first tile would otherwise wait on each of its cache lines (the
/// hardware prefetcher does not follow the jump to the next K block), so
/// the tiles prefetch the next panel in slices.
const float *nextPanel(const Problem &p, int64_t t, int64_t k0, int64_t kb,
                       int64_t j0, int64_t jr, int64_t nb, const float *bp) {
  if (!p.prepackedB)
    return nullptr; // B packed by this task: already in L1/L2
  if (jr + kNR < nb)
    return bp + kNR * kb;
  int64_t k1 = k0 + kb;
  if (k1 >= p.K)
    return nullptr;
  return p.prepackedB + t * p.K * p.nPadAll + k1 * p.nPadAll +
         j0 * std::min(kKC, p.K - k1);
}

/// Computes one MC x NC block of C (task index `task`).
void gemmTask(const Problem &p, int64_t task) {
  int64_t nbIdx = task % p.nN;
  task /= p.nN;
  int64_t mbIdx = task % p.nM;
  int64_t t = task / p.nM;
  int64_t i0 = mbIdx * p.mc, mb = std::min(p.mc, p.M - i0);
  int64_t j0 = nbIdx * p.nc, nb = std::min(p.nc, p.N - j0);
  int64_t mPad = (mb + kMR - 1) / kMR * kMR;
  int64_t nPad = (nb + kNR - 1) / kNR * kNR;
  int64_t kcMax = std::min(kKC, p.K);
  float *aBuf = p.prepackedA || p.directA
                    ? nullptr
                    : packedA.get(static_cast<size_t>(mPad * kcMax));
  float *bBuf = p.prepackedB
                    ? nullptr
                    : packedB.get(static_cast<size_t>(nPad * kcMax));
  if ((!aBuf && !p.prepackedA && !p.directA) || (!bBuf && !p.prepackedB))
    return naiveTask(p, t, i0, mb, j0, nb);

  const float *a = p.a + t * p.asb + i0 * p.asm_;
  const float *b = p.b + t * p.bsb + j0 * p.bsn;
  float *c = p.c + t * p.csb + i0 * p.csm + j0 * p.csn;
  const float *bias = p.bias ? p.bias + j0 : nullptr;
  alignas(64) float tile[kMR * kNR];
  RowTiles rowTiles(mb);
  for (int64_t k0 = 0; k0 < p.K; k0 += kKC) {
    int64_t kb = std::min(kKC, p.K - k0);
    bool load = k0 != 0 || p.accumulate;
    bool last = k0 + kb == p.K;
    const float *blockBias = last ? bias : nullptr;
    bool relu = last && p.relu;
    const float *bBlock;
    if (p.prepackedB) {
      bBlock = p.prepackedB + t * p.K * p.nPadAll + k0 * p.nPadAll + j0 * kb;
    } else {
      packB(p, b + k0 * p.bsk, kb, nb, bBuf);
      bBlock = bBuf;
    }
    const float *aBlock;
    if (p.directA) {
      aBlock = a + k0;
    } else if (p.prepackedA) {
      aBlock = p.prepackedA + t * p.K * p.mPadAll + k0 * p.mPadAll + i0 * kb;
    } else {
      packA(p, a + k0 * p.ask, mb, kb, aBuf);
      aBlock = aBuf;
    }
    for (int64_t jr = 0; jr < nb; jr += kNR) {
      int64_t nr = std::min(kNR, nb - jr);
      const float *bp = bBlock + jr * kb;
      const float *tileBias = blockBias ? blockBias + jr : nullptr;
      const char *next = reinterpret_cast<const char *>(
          nextPanel(p, t, k0, kb, j0, jr, nb, bp));
      for (int64_t s = 0; s < rowTiles.count; ++s) {
        int64_t ir = rowTiles.start(s), mr = rowTiles.rows(s);
        if (next) // the next panel's lines [s*L, (s+1)*L), L = kb / tiles
          for (int64_t l = s * kb / rowTiles.count,
                       e = (s + 1) * kb / rowTiles.count;
               l < e; ++l)
            __builtin_prefetch(next + l * 64, 0, 3);
        const float *ap =
            p.directA ? aBlock + ir * p.asm_ : aBlock + s * kMR * kb;
        int64_t lda = p.directA ? p.asm_ : 0;
        float *ct = c + ir * p.csm + jr * p.csn;
        if (nr == kNR && p.csn == 1) {
          // Full-width tile (the last rows of M included): straight to C.
          p.kernel(kb, ap, lda, bp, ct, p.csm, load, tileBias, relu, mr);
          if (last)
            applyGelu(p, ct, mr, kNR);
          continue;
        }
        // Right edge (or strided C): compute into the stack tile, merge.
        p.kernel(kb, ap, lda, bp, tile, kNR, false, nullptr, false, mr);
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t j = 0; j < nr; ++j)
            storeElement(ct + i * p.csm + j * p.csn, tile[i * kNR + j], load,
                         tileBias ? tileBias + j : nullptr, relu);
        if (last)
          applyGelu(p, ct, mr, nr);
      }
    }
  }
}

/// GEMV-like product for M <= kGemvMaxM: C[t, :, j0:j0+nb] for columns
/// [j0, j0 + nb), nb <= kGemvCols. Reads this slice of B exactly once.
/// Inlined into a baseline and an AVX2+FMA wrapper so the compiler
/// vectorizes it for each.
__attribute__((always_inline)) inline void gemvSlice(const Problem &p,
                                                     int64_t t, int64_t j0,
                                                     int64_t nb) {
  const float *a = p.a + t * p.asb;
  const float *b = p.b + t * p.bsb + j0 * p.bsn;
  float acc[kGemvMaxM][kGemvCols];
  for (int64_t i = 0; i < p.M; ++i)
    for (int64_t j = 0; j < nb; ++j)
      acc[i][j] = 0.0f;
  if (p.bsn == 1) {
    // B rows are contiguous: broadcast A[i, k] over a row slice of B.
    for (int64_t k = 0; k < p.K; ++k) {
      const float *row = b + k * p.bsk;
      for (int64_t i = 0; i < p.M; ++i) {
        float x = a[i * p.asm_ + k * p.ask];
        float *ai = acc[i];
        for (int64_t j = 0; j < nb; ++j)
          ai[j] += x * row[j];
      }
    }
  } else if (p.bsk == 1 && p.ask == 1) {
    // B is [N, K] (a linear weight): dot products along contiguous K, in
    // 16 independent lanes (vectorizable without reassociation).
    for (int64_t j = 0; j < nb; ++j) {
      const float *col = b + j * p.bsn;
      for (int64_t i = 0; i < p.M; ++i) {
        const float *ai = a + i * p.asm_;
        float lanes[16] = {};
        int64_t k = 0;
        for (; k + 16 <= p.K; k += 16)
          for (int64_t l = 0; l < 16; ++l)
            lanes[l] += ai[k + l] * col[k + l];
        float s = 0.0f;
        for (; k < p.K; ++k)
          s += ai[k] * col[k];
        for (int64_t l = 0; l < 16; ++l)
          s += lanes[l];
        acc[i][j] = s;
      }
    }
  } else {
    for (int64_t k = 0; k < p.K; ++k)
      for (int64_t i = 0; i < p.M; ++i) {
        float x = a[i * p.asm_ + k * p.ask];
        for (int64_t j = 0; j < nb; ++j)
          acc[i][j] += x * b[k * p.bsk + j * p.bsn];
      }
  }
  for (int64_t i = 0; i < p.M; ++i)
    for (int64_t j = 0; j < nb; ++j)
      storeElement(p.c + t * p.csb + i * p.csm + (j0 + j) * p.csn, acc[i][j],
                   p.accumulate, p.bias ? p.bias + j0 + j : nullptr, p.relu);
  applyGelu(p, p.c + t * p.csb + j0 * p.csn, p.M, nb);
}

void gemvSlicePortable(const Problem &p, int64_t t, int64_t j0, int64_t nb) {
  gemvSlice(p, t, j0, nb);
}

__attribute__((target("avx2,fma"))) void
gemvSliceAvx2(const Problem &p, int64_t t, int64_t j0, int64_t nb) {
  gemvSlice(p, t, j0, nb);
}

/// Parallel body over GEMM tasks.
void gemmBody(int64_t lo, int64_t hi, void *ctx) {
  const Problem &p = *static_cast<const Problem *>(ctx);
  for (int64_t task = lo; task < hi; ++task)
    gemmTask(p, task);
}

/// Parallel body packing A for the whole problem: task = (batch, K block,
/// MC row block).
/// Parallel body packing B for the whole problem: task = (batch, K block,
/// NC column block), into the layout of Problem::prepackedB.
void packBBody(int64_t lo, int64_t hi, void *ctx) {
  const Problem &p = *static_cast<const Problem *>(ctx);
  int64_t kBlocks = (p.K + kKC - 1) / kKC;
  for (int64_t task = lo; task < hi; ++task) {
    int64_t nbIdx = task % p.nN, rest = task / p.nN;
    int64_t k0 = (rest % kBlocks) * kKC, t = rest / kBlocks;
    int64_t j0 = nbIdx * p.nc, nb = std::min(p.nc, p.N - j0);
    int64_t kb = std::min(kKC, p.K - k0);
    packB(p, p.b + t * p.bsb + k0 * p.bsk + j0 * p.bsn, kb, nb,
          const_cast<float *>(p.prepackedB) + t * p.K * p.nPadAll +
              k0 * p.nPadAll + j0 * kb);
  }
}

void packABody(int64_t lo, int64_t hi, void *ctx) {
  const Problem &p = *static_cast<const Problem *>(ctx);
  int64_t kBlocks = (p.K + kKC - 1) / kKC;
  for (int64_t task = lo; task < hi; ++task) {
    int64_t mbIdx = task % p.nM, rest = task / p.nM;
    int64_t k0 = (rest % kBlocks) * kKC, t = rest / kBlocks;
    int64_t i0 = mbIdx * p.mc, mb = std::min(p.mc, p.M - i0);
    int64_t kb = std::min(kKC, p.K - k0);
    packA(p, p.a + t * p.asb + i0 * p.asm_ + k0 * p.ask, mb, kb,
          p.prepackedA + t * p.K * p.mPadAll + k0 * p.mPadAll + i0 * kb);
  }
}

/// Parallel body over GEMV tasks (batch x column slices).
void gemvBody(int64_t lo, int64_t hi, void *ctx) {
  const Problem &p = *static_cast<const Problem *>(ctx);
  bool avx2 = p.kernel == static_cast<MicroKernelFn>(microKernelAvx2);
  for (int64_t task = lo; task < hi; ++task) {
    int64_t t = task / p.nN, j0 = (task % p.nN) * kGemvCols;
    int64_t nb = std::min(kGemvCols, p.N - j0);
    if (avx2)
      gemvSliceAvx2(p, t, j0, nb);
    else
      gemvSlicePortable(p, t, j0, nb);
  }
}

/// Identity of a constant B: where it is and how it is laid out.
struct ConstantBKey {
  const float *b;
  int64_t batch, K, N, bsb, bsk, bsn;
  bool operator==(const ConstantBKey &o) const {
    return b == o.b && batch == o.batch && K == o.K && N == o.N &&
           bsb == o.bsb && bsk == o.bsk && bsn == o.bsn;
  }
};

struct ConstantBKeyHash {
  size_t operator()(const ConstantBKey &k) const {
    size_t h = std::hash<const void *>()(k.b);
    for (int64_t v : {k.batch, k.K, k.N, k.bsb, k.bsk, k.bsn})
      h = h * 1000003u ^ std::hash<int64_t>()(v);
    return h;
  }
};

/// Packed copies of constant B operands (QCC_GEMM_B_CONSTANT), one per
/// (pointer, layout), kept for the lifetime of the model library. Each
/// model.so links its own copy of this cache, so it never outlives the
/// weights it was packed from.
class ConstantBCache {
public:
  ~ConstantBCache() {
    for (auto &entry : packed)
      ::operator delete(entry.second, kAlign);
  }

  /// The packed B of `p` (all batches, all K blocks), packing it on first
  /// use; null if memory runs out (the caller then packs per task).
  const float *get(const Problem &p) {
    ConstantBKey key{p.b, p.batch, p.K, p.N, p.bsb, p.bsk, p.bsn};
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = packed.find(key);
      if (it != packed.end())
        return it->second;
    }
    int64_t nPad = (p.N + kNR - 1) / kNR * kNR;
    size_t floats = static_cast<size_t>(p.batch * p.K * nPad);
    auto *buffer = static_cast<float *>(
        ::operator new(floats * sizeof(float), kAlign, std::nothrow));
    if (!buffer)
      return nullptr;
    for (int64_t t = 0; t < p.batch; ++t)
      for (int64_t k0 = 0; k0 < p.K; k0 += kKC) {
        int64_t kb = std::min(kKC, p.K - k0);
        packB(p, p.b + t * p.bsb + k0 * p.bsk, kb, p.N,
              buffer + t * p.K * nPad + k0 * nPad);
      }
    std::lock_guard<std::mutex> lock(mutex);
    auto [it, inserted] = packed.emplace(key, buffer);
    if (!inserted) // another thread packed it first
      ::operator delete(buffer, kAlign);
    return it->second;
  }

private:
  static constexpr std::align_val_t kAlign{64};
  std::mutex mutex;
  std::unordered_map<ConstantBKey, float *, ConstantBKeyHash> packed;
};

ConstantBCache &constantBCache() {
  static ConstantBCache cache;
  return cache;
}

/// The micro-kernel for this machine (cpuid once).
MicroKernelFn selectKernel() {
  static const bool avx2 = hostHasAvx2Fma();
  return avx2 && !forcePortable.load(std::memory_order_relaxed)
             ? static_cast<MicroKernelFn>(microKernelAvx2)
             : static_cast<MicroKernelFn>(microKernelPortable);
}

} // namespace

extern "C" void qcc_rt_sgemm(int64_t flags, int64_t batch, int64_t M,
                             int64_t N, int64_t K, const float *a_base,
                             int64_t a_offset, int64_t a_stride_b,
                             int64_t a_stride_m, int64_t a_stride_k,
                             const float *b_base, int64_t b_offset,
                             int64_t b_stride_b, int64_t b_stride_k,
                             int64_t b_stride_n, float *c_base,
                             int64_t c_offset, int64_t c_stride_b,
                             int64_t c_stride_m, int64_t c_stride_n,
                             const float *bias_base, int64_t bias_offset,
                             int64_t bias_stride) {
  if (batch <= 0 || M <= 0 || N <= 0 || K < 0)
    return;
  Problem p;
  p.batch = batch, p.M = M, p.N = N, p.K = K;
  p.a = a_base + a_offset;
  p.asb = a_stride_b, p.asm_ = a_stride_m, p.ask = a_stride_k;
  p.b = b_base + b_offset;
  p.bsb = b_stride_b, p.bsk = b_stride_k, p.bsn = b_stride_n;
  p.c = c_base + c_offset;
  p.csb = c_stride_b, p.csm = c_stride_m, p.csn = c_stride_n;
  p.accumulate = flags & QCC_GEMM_ACCUMULATE;
  p.relu = flags & QCC_GEMM_RELU;
  if (!p.relu && (flags & QCC_GEMM_GELU_ERF))
    p.gelu = Activation::GeluErf;
  else if (!p.relu && (flags & QCC_GEMM_GELU_TANH))
    p.gelu = Activation::GeluTanh;
  p.kernel = selectKernel();

  // The micro-kernel reads the bias as 16 contiguous floats per tile: gather
  // a strided bias once (N floats; small next to the product).
  float *biasCopy = nullptr;
  p.bias = nullptr;
  if ((flags & QCC_GEMM_BIAS) && bias_base) {
    const float *bias = bias_base + bias_offset;
    if (bias_stride == 1) {
      p.bias = bias;
    } else {
      biasCopy = new (std::nothrow) float[N];
      if (biasCopy) {
        for (int64_t j = 0; j < N; ++j)
          biasCopy[j] = bias[j * bias_stride];
        p.bias = biasCopy;
      } else {
        // No memory for the copy: apply the bias after the product.
        Problem q = p;
        q.relu = false;
        q.gelu = Activation::None;
        if (K == 0)
          emptyProduct(q);
        else {
          q.mc = kMC, q.nc = kNC;
          q.nM = (M + kMC - 1) / kMC, q.nN = (N + kNC - 1) / kNC;
          qcc_rt_parallel_for(0, batch * q.nM * q.nN, gemmBody, &q);
        }
        for (int64_t t = 0; t < batch; ++t)
          for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < N; ++j) {
              float *d = p.c + t * p.csb + i * p.csm + j * p.csn;
              float v = *d + bias[j * bias_stride];
              *d = p.relu ? (v < 0.0f ? 0.0f : v + 0.0f) : v;
            }
        for (int64_t t = 0; t < batch; ++t)
          applyGelu(p, p.c + t * p.csb, M, N);
        return;
      }
    }
  }

  if (K == 0) {
    emptyProduct(p);
  } else if (M <= kGemvMaxM) {
    p.nN = (N + kGemvCols - 1) / kGemvCols;
    qcc_rt_parallel_for(0, batch * p.nN, gemvBody, &p);
  } else {
    // MC x NC blocks of C; narrow NC (down to 4 panels) until there are
    // enough tasks to balance a few threads.
    p.mc = kMC;
    p.nM = (M + p.mc - 1) / p.mc;
    p.nc = std::min<int64_t>(kNC, (N + kNR - 1) / kNR * kNR);
    while (batch * p.nM * ((N + p.nc - 1) / p.nc) < 8 && p.nc > 4 * kNR)
      p.nc = std::max<int64_t>(4 * kNR, (p.nc / 2 + kNR - 1) / kNR * kNR);
    p.nN = (N + p.nc - 1) / p.nc;
    if (flags & QCC_GEMM_B_CONSTANT) {
      p.prepackedB = constantBCache().get(p);
      p.nPadAll = (N + kNR - 1) / kNR * kNR;
    } else if (p.nM > 1) {
      // Several row blocks would each pack the same columns of B: pack B
      // once (in parallel) into the calling thread's buffer instead.
      p.nPadAll = (N + kNR - 1) / kNR * kNR;
      size_t floats = static_cast<size_t>(batch * K * p.nPadAll);
      float *buffer =
          floats <= kMaxPackedAllB ? packedAllB.get(floats) : nullptr;
      if (buffer) {
        p.prepackedB = buffer;
        qcc_rt_parallel_for(0, batch * ((K + kKC - 1) / kKC) * p.nN,
                            packBBody, &p);
      }
    }
    // Several column blocks would each pack the same rows of A: pack A once
    // (in parallel) into the calling thread's buffer instead.
    // Rows of A with unit k stride are read in place (MLAS-style); their
    // row stride must keep the 6 rows out of one L1 set (not a multiple of
    // 4 KiB), else they are packed.
    p.directA = p.ask == 1 && (p.asm_ * sizeof(float)) % 4096 != 0;
    if (p.nN > 1 && !p.directA) {
      p.mPadAll = (M + kMR - 1) / kMR * kMR;
      p.prepackedA = packedAllA.get(static_cast<size_t>(batch * K * p.mPadAll));
      if (p.prepackedA)
        qcc_rt_parallel_for(0, batch * ((K + kKC - 1) / kKC) * p.nM,
                            packABody, &p);
    }
    qcc_rt_parallel_for(0, batch * p.nM * p.nN, gemmBody, &p);
    // Keep up to 4 MiB of packed A and B per thread for the next call.
    packedAllA.trim(size_t(1) << 20);
    packedAllB.trim(size_t(1) << 20);
  }
  delete[] biasCopy;
}

extern "C" int32_t qcc_rt_sgemm_isa(void) {
  return selectKernel() == static_cast<MicroKernelFn>(microKernelAvx2) ? 1
                                                                    : 0;
}

extern "C" void qcc_rt_sgemm_force_portable(int32_t portable) {
  forcePortable.store(portable != 0, std::memory_order_relaxed);
}
