//===- Knapsack.h - exact multiple-choice knapsack for precision assignment -===//
//
// Each layer (a group) picks exactly one option (a scheme) with an integer
// cost (its size in bits) and a real loss (its predicted degradation, e.g.
// the Hessian sensitivity or a measured KL). Two problems:
//   (a) minimize total loss subject to total cost <= budget;
//   (b) minimize total cost subject to total loss <= budget.
//
// Method: Pareto-front merge (dynamic programming over the groups whose state
// set is the non-dominated (cost, loss) pairs of the partial assignments).
// It is EXACT for real-valued losses and any costs: if an optimal complete
// assignment uses a partial assignment P for groups 0..i, replacing P by a
// front member P' with cost(P') <= cost(P) and loss(P') <= loss(P) keeps it
// feasible and no worse, and the front keeps such a P' for every P (a
// candidate is dropped only when another has no larger cost and no larger
// loss). States that cannot meet the budget even with the cheapest (a) / the
// least lossy (b) options of the remaining groups are pruned, which also
// cannot remove an optimum. The answer is then read off the final front:
// (a) its least loss among costs <= budget, (b) its least cost with loss <=
// budget. Ties: the cheaper assignment wins in (a), the less lossy one in (b).
// Losses are summed in group order, so totals are reproducible.
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_KNAPSACK_H
#define QCC_QUANT_KNAPSACK_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qcc::quant {

/// One choice for one group.
struct KnapsackOption {
  uint64_t cost = 0;
  double loss = 0;
};

/// An assignment: choice[i] indexes group i's options.
struct KnapsackSolution {
  std::vector<int> choice;
  uint64_t cost = 0;
  double loss = 0;
  size_t largestFront = 0; ///< the largest Pareto front met (for reports)
};

using KnapsackGroups = std::vector<std::vector<KnapsackOption>>;

/// (a) least total loss with total cost <= \p costBudget. nullopt + \p error
/// (saying the smallest achievable cost) when infeasible, or when a group
/// has no options or a non-finite loss.
std::optional<KnapsackSolution> minLossWithinCost(const KnapsackGroups &groups,
                                                  uint64_t costBudget, std::string &error);

/// (b) least total cost with total loss <= \p lossBudget. nullopt + \p error
/// (saying the smallest achievable loss) when infeasible or malformed.
std::optional<KnapsackSolution> minCostWithinLoss(const KnapsackGroups &groups,
                                                  double lossBudget, std::string &error);

} // namespace qcc::quant

#endif // QCC_QUANT_KNAPSACK_H
