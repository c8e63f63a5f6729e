//===- KnapsackTest.cpp - the knapsack solver against brute force ----------===//
#include "qcc/Quant/Knapsack.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace qcc::quant;

namespace {

/// Every assignment: the best value of (a) and (b), or NaN when infeasible.
void bruteForce(const KnapsackGroups &g, uint64_t costBudget, double lossBudget, double &bestLoss,
                double &bestCost) {
  bestLoss = std::numeric_limits<double>::quiet_NaN();
  bestCost = std::numeric_limits<double>::quiet_NaN();
  std::vector<size_t> idx(g.size(), 0);
  while (true) {
    uint64_t c = 0;
    double l = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      c += g[i][idx[i]].cost;
      l += g[i][idx[i]].loss;
    }
    if (c <= costBudget && (std::isnan(bestLoss) || l < bestLoss))
      bestLoss = l;
    if (l <= lossBudget && (std::isnan(bestCost) || static_cast<double>(c) < bestCost))
      bestCost = static_cast<double>(c);
    size_t i = 0;
    while (i < g.size() && ++idx[i] == g[i].size())
      idx[i++] = 0;
    if (i == g.size())
      break;
  }
}

KnapsackGroups randomInstance(std::mt19937 &rng, bool ties) {
  std::uniform_int_distribution<int> ng(1, 6), no(1, 4), cost(0, ties ? 4 : 1000);
  std::uniform_real_distribution<double> loss(0.0, 10.0);
  KnapsackGroups g(static_cast<size_t>(ng(rng)));
  for (auto &grp : g) {
    grp.resize(static_cast<size_t>(no(rng)));
    for (auto &o : grp) {
      o.cost = static_cast<uint64_t>(cost(rng)) * (ties ? 100 : 1);
      o.loss = ties ? std::floor(loss(rng)) * 0.5 : loss(rng);
    }
  }
  return g;
}

/// Recomputes a solution's totals from its choices.
void checkSolution(const KnapsackGroups &g, const KnapsackSolution &s) {
  ASSERT_EQ(s.choice.size(), g.size());
  uint64_t c = 0;
  double l = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    ASSERT_GE(s.choice[i], 0);
    ASSERT_LT(static_cast<size_t>(s.choice[i]), g[i].size());
    c += g[i][s.choice[i]].cost;
    l += g[i][s.choice[i]].loss;
  }
  EXPECT_EQ(c, s.cost);
  EXPECT_DOUBLE_EQ(l, s.loss);
}

} // namespace

TEST(Knapsack, MatchesBruteForce) {
  std::mt19937 rng(7);
  int feasibleA = 0, infeasibleA = 0, feasibleB = 0, infeasibleB = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    bool ties = iter % 2 == 1;
    KnapsackGroups g = randomInstance(rng, ties);
    uint64_t maxCost = 0;
    double maxLoss = 0;
    for (auto &grp : g) {
      uint64_t mc = 0;
      double ml = 0;
      for (auto &o : grp) {
        mc = std::max(mc, o.cost);
        ml = std::max(ml, o.loss);
      }
      maxCost += mc;
      maxLoss += ml;
    }
    uint64_t cb = std::uniform_int_distribution<uint64_t>(0, maxCost + 1)(rng);
    double lb = std::uniform_real_distribution<double>(-0.5, maxLoss + 0.5)(rng);
    if (ties) // budgets exactly on achievable totals
      lb = std::floor(lb * 2) * 0.5;
    double bestLoss, bestCost;
    bruteForce(g, cb, lb, bestLoss, bestCost);
    std::string err;
    auto a = minLossWithinCost(g, cb, err);
    if (std::isnan(bestLoss)) {
      EXPECT_FALSE(a) << iter;
      EXPECT_NE(err.find("smallest achievable total cost"), std::string::npos) << err;
      ++infeasibleA;
    } else {
      ASSERT_TRUE(a) << iter << " " << err;
      checkSolution(g, *a);
      EXPECT_LE(a->cost, cb);
      EXPECT_NEAR(a->loss, bestLoss, 1e-9) << iter;
      ++feasibleA;
    }
    err.clear();
    auto b = minCostWithinLoss(g, lb, err);
    if (std::isnan(bestCost)) {
      EXPECT_FALSE(b) << iter;
      EXPECT_NE(err.find("smallest achievable total loss"), std::string::npos) << err;
      ++infeasibleB;
    } else {
      ASSERT_TRUE(b) << iter << " " << err;
      checkSolution(g, *b);
      EXPECT_LE(b->loss, lb);
      EXPECT_EQ(static_cast<double>(b->cost), bestCost) << iter;
      ++feasibleB;
    }
  }
  // The random budgets exercise both outcomes of both problems.
  EXPECT_GT(feasibleA, 100);
  EXPECT_GT(infeasibleA, 20);
  EXPECT_GT(feasibleB, 100);
  EXPECT_GT(infeasibleB, 20);
}

TEST(Knapsack, InfeasibleMessagesGiveTheSmallestFigure) {
  KnapsackGroups g = {{{100, 1.0}, {50, 2.0}}, {{30, 0.5}, {80, 0.25}}};
  std::string err;
  EXPECT_FALSE(minLossWithinCost(g, 79, err));
  EXPECT_NE(err.find("smallest achievable total cost is 80"), std::string::npos) << err;
  EXPECT_FALSE(minCostWithinLoss(g, 1.2, err));
  EXPECT_NE(err.find("smallest achievable total loss is 1.25"), std::string::npos) << err;
  auto a = minLossWithinCost(g, 80, err);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->choice, (std::vector<int>{1, 0}));
}

TEST(Knapsack, TiesPreferTheCheaperOrLessLossy) {
  // Two assignments reach loss 1.0: costs 10 and 20. (a) with a large budget
  // returns the cheaper one; (b) with equal costs returns the smaller loss.
  KnapsackGroups g = {{{10, 1.0}, {20, 1.0}}};
  std::string err;
  auto a = minLossWithinCost(g, 100, err);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->cost, 10u);
  KnapsackGroups h = {{{10, 2.0}, {10, 1.0}}};
  auto b = minCostWithinLoss(h, 5.0, err);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->loss, 1.0);
}

TEST(Knapsack, MalformedInput) {
  std::string err;
  EXPECT_FALSE(minLossWithinCost({{{1, 1.0}}, {}}, 10, err));
  EXPECT_NE(err.find("group 1 has no options"), std::string::npos) << err;
  EXPECT_FALSE(minCostWithinLoss({{{1, NAN}}}, 10, err));
  EXPECT_NE(err.find("non-finite"), std::string::npos) << err;
  auto empty = minLossWithinCost({}, 0, err);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->choice.empty());
}
