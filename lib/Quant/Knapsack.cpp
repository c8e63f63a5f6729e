//===- Knapsack.cpp - Pareto-front dynamic programming (see Knapsack.h) -----===//
#include "qcc/Quant/Knapsack.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace qcc::quant {

namespace {

/// A partial assignment on the front: totals plus how it was reached.
struct State {
  uint64_t cost;
  double loss;
  uint32_t parent; ///< index in the previous front
  uint16_t option; ///< option taken in this group
};

/// Validates the groups; returns false with \p error set.
bool validate(const KnapsackGroups &groups, std::string &error) {
  for (size_t g = 0; g < groups.size(); ++g) {
    if (groups[g].empty()) {
      error = "knapsack: group " + std::to_string(g) + " has no options";
      return false;
    }
    if (groups[g].size() > 65535) {
      error = "knapsack: group " + std::to_string(g) + " has more than 65535 options";
      return false;
    }
    for (size_t o = 0; o < groups[g].size(); ++o)
      if (!std::isfinite(groups[g][o].loss)) {
        error = "knapsack: group " + std::to_string(g) + " option " + std::to_string(o) +
                " has a non-finite loss";
        return false;
      }
  }
  return true;
}

/// Builds every front; keep(cost, loss, g) says whether a partial state after
/// group g can still lead to a feasible assignment.
template <typename Keep>
std::vector<std::vector<State>> buildFronts(const KnapsackGroups &groups, Keep keep,
                                            size_t &largest) {
  std::vector<std::vector<State>> fronts;
  fronts.push_back({State{0, 0.0, 0, 0}});
  largest = 1;
  auto byCostThenLoss = [](const State &a, const State &b) {
    return a.cost != b.cost ? a.cost < b.cost : a.loss < b.loss;
  };
  std::vector<std::vector<State>> lists, next;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto &prev = fronts.back();
    // The previous front shifted by each option is sorted by cost already;
    // merge those lists pairwise (std::merge is stable: ties keep list order,
    // so the result is deterministic).
    lists.assign(groups[g].size(), {});
    for (size_t o = 0; o < groups[g].size(); ++o) {
      lists[o].reserve(prev.size());
      for (size_t p = 0; p < prev.size(); ++p) {
        uint64_t c = prev[p].cost + groups[g][o].cost;
        double l = prev[p].loss + groups[g][o].loss;
        if (keep(c, l, g))
          lists[o].push_back(State{c, l, static_cast<uint32_t>(p), static_cast<uint16_t>(o)});
      }
    }
    while (lists.size() > 1) {
      next.clear();
      for (size_t i = 0; i + 1 < lists.size(); i += 2) {
        next.emplace_back();
        next.back().resize(lists[i].size() + lists[i + 1].size());
        std::merge(lists[i].begin(), lists[i].end(), lists[i + 1].begin(), lists[i + 1].end(),
                   next.back().begin(), byCostThenLoss);
      }
      if (lists.size() % 2)
        next.push_back(std::move(lists.back()));
      lists.swap(next);
    }
    std::vector<State> front;
    double best = std::numeric_limits<double>::infinity();
    for (const State &s : lists.front())
      if (s.loss < best) { // strictly better than every cheaper-or-equal state
        front.push_back(s);
        best = s.loss;
      }
    largest = std::max(largest, front.size());
    fronts.push_back(std::move(front));
    if (fronts.back().empty())
      break;
  }
  return fronts;
}

KnapsackSolution backtrack(const std::vector<std::vector<State>> &fronts, size_t idx,
                           size_t largest) {
  KnapsackSolution sol;
  size_t groups = fronts.size() - 1;
  sol.choice.assign(groups, 0);
  sol.cost = fronts.back()[idx].cost;
  sol.loss = fronts.back()[idx].loss;
  sol.largestFront = largest;
  for (size_t g = groups; g > 0; --g) {
    const State &s = fronts[g][idx];
    sol.choice[g - 1] = s.option;
    idx = s.parent;
  }
  return sol;
}

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

} // namespace

std::optional<KnapsackSolution> minLossWithinCost(const KnapsackGroups &groups,
                                                  uint64_t costBudget, std::string &error) {
  if (!validate(groups, error))
    return std::nullopt;
  // restCost[g]: the least cost groups g.. can add.
  std::vector<uint64_t> restCost(groups.size() + 1, 0);
  for (size_t g = groups.size(); g > 0; --g) {
    uint64_t m = std::numeric_limits<uint64_t>::max();
    for (const auto &o : groups[g - 1])
      m = std::min(m, o.cost);
    restCost[g - 1] = restCost[g] + m;
  }
  if (restCost[0] > costBudget) {
    error = "knapsack: the cost budget " + std::to_string(costBudget) +
            " is infeasible; the smallest achievable total cost is " + std::to_string(restCost[0]);
    return std::nullopt;
  }
  size_t largest = 0;
  auto fronts = buildFronts(
      groups, [&](uint64_t c, double, size_t g) { return c + restCost[g + 1] <= costBudget; },
      largest);
  // Every state of the last front is feasible; the last one has the least loss.
  return backtrack(fronts, fronts.back().size() - 1, largest);
}

std::optional<KnapsackSolution> minCostWithinLoss(const KnapsackGroups &groups,
                                                  double lossBudget, std::string &error) {
  if (!validate(groups, error))
    return std::nullopt;
  if (!std::isfinite(lossBudget)) {
    error = "knapsack: the loss budget is not finite";
    return std::nullopt;
  }
  std::vector<double> restLoss(groups.size() + 1, 0.0);
  for (size_t g = groups.size(); g > 0; --g) {
    double m = std::numeric_limits<double>::infinity();
    for (const auto &o : groups[g - 1])
      m = std::min(m, o.loss);
    restLoss[g - 1] = restLoss[g] + m;
  }
  // Least achievable total loss, summed in group order like the states.
  double least = 0.0;
  for (const auto &grp : groups) {
    double m = std::numeric_limits<double>::infinity();
    for (const auto &o : grp)
      m = std::min(m, o.loss);
    least += m;
  }
  auto infeasible = [&](double smallest) {
    error = "knapsack: the loss budget " + fmt(lossBudget) +
            " is infeasible; the smallest achievable total loss is " + fmt(smallest);
    return std::nullopt;
  };
  if (least > lossBudget)
    return infeasible(least);
  // Pruning bound with a little slack: restLoss sums in another order than
  // the states do, and the final test below is exact.
  size_t largest = 0;
  auto fronts = buildFronts(
      groups,
      [&](uint64_t, double l, size_t g) {
        double bound = l + restLoss[g + 1];
        return bound <= lossBudget + 1e-9 * (std::fabs(lossBudget) + std::fabs(l) +
                                             std::fabs(restLoss[g + 1]));
      },
      largest);
  const auto &last = fronts.back();
  if (fronts.size() != groups.size() + 1 || last.empty())
    return infeasible(least);
  for (size_t i = 0; i < last.size(); ++i) // cost ascending, loss descending
    if (last[i].loss <= lossBudget)
      return backtrack(fronts, i, largest);
  return infeasible(last.back().loss);
}

} // namespace qcc::quant
