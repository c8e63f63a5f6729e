//===- RankCorrelation.h - Spearman rank correlation of two samples --------===//
//
// How well one sensitivity measure (the Hessian estimate) orders the layers
// like another (the measured KL): Spearman's rho, the Pearson correlation of
// the ranks, ties given their average rank.
//
//   spearman({1, 2, 3}, {10, 30, 20}) == 0.5
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_RANKCORRELATION_H
#define QCC_QUANT_RANKCORRELATION_H

#include <optional>
#include <vector>

namespace qcc::quant {

/// Ranks 1..n of \p v (ties: the mean of the ranks they span).
std::vector<double> averageRanks(const std::vector<double> &v);

/// Spearman's rho of paired samples; nullopt when the sizes differ, there
/// are fewer than 2 pairs, or either sample is constant (rho undefined).
std::optional<double> spearman(const std::vector<double> &a, const std::vector<double> &b);

} // namespace qcc::quant

#endif // QCC_QUANT_RANKCORRELATION_H
