//===- Perplexity.h - sliding-window perplexity, top-K logits files, KL ---===//
#ifndef QCC_TOOLS_QCC_PERPLEXITY_PERPLEXITY_H
#define QCC_TOOLS_QCC_PERPLEXITY_PERPLEXITY_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace qcc {
namespace ppl {

/// One evaluation window: the model sees tokens [begin, end) from an empty
/// cache and scores the tokens [firstScored, end) (each predicted from the
/// logits of the previous token).
struct Window {
  int64_t begin, end, firstScored;
};

/// Hugging Face's stride recipe: windows start at 0, stride, 2*stride, ...;
/// each ends at min(begin + ctx, n) and scores only the tokens after the
/// previous window's end (token 0 is never scored); the last window is the
/// first that reaches n. At most `maxWindows` windows (0: all).
std::vector<Window> slidingWindows(int64_t n, int64_t ctx, int64_t stride,
                                   int64_t maxWindows);

/// log(sum(exp(row))) in double precision.
double logSumExp(const float *row, int64_t vocab);

/// The stored prediction of one scored token: the K most probable ids with
/// their log-probabilities (log-softmax, descending) and the target id.
struct TopK {
  int32_t target = 0;
  std::vector<int32_t> ids;
  std::vector<float> logProbs;
};

/// Fills `out` with the top-`k` log-probabilities of `row` (lowest id first
/// on ties); `lse` = logSumExp(row).
void topK(const float *row, int64_t vocab, double lse, int k, TopK &out);

/// KL(ref || this) on K+1 buckets: the reference's top-K ids and "the rest".
/// p_i = exp(ref.logProbs[i]), q_i = softmax(row)[ref.ids[i]],
/// p_rest = 1 - sum p_i, q_rest = 1 - sum q_i. A lower bound of the
/// full-vocabulary KL (coarsening never increases KL); exact when the rest
/// is empty.
double bucketKL(const TopK &ref, const float *row, double lse);

/// The logits file of --save-logits / --compare-logits (little endian):
///   char magic[8] = "QCCLGT01"; uint32 vocab, k, ctx, stride; uint64 count;
///   then `count` records: int32 target, k x int32 id, k x float32 logprob.
struct LogitsHeader {
  uint32_t vocab = 0, k = 0, ctx = 0, stride = 0;
  uint64_t count = 0;
};
bool writeHeader(FILE *f, const LogitsHeader &h);
bool writeRecord(FILE *f, const TopK &r);
/// Reads and checks the header; `error` names `path` on failure.
bool readHeader(FILE *f, const std::string &path, LogitsHeader &h,
                std::string &error);
bool readRecord(FILE *f, uint32_t k, TopK &r);

} // namespace ppl
} // namespace qcc

#endif // QCC_TOOLS_QCC_PERPLEXITY_PERPLEXITY_H
