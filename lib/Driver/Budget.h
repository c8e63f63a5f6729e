//===- Budget.h - budget options -> knapsack -> quantization plan ----------===//
//
// The precision assignment of issue 5 item 6: one budget (--max-ppl-increase,
// --max-kl, --avg-bits or --max-size), the candidate schemes, per-layer
// overrides (--layer-precision) and the sensitivities of the statistics file
// become a multiple-choice knapsack (quant/Knapsack.h: one group per linear
// layer, cost = Scheme::sizeInBits, loss = the measured KL or the Hessian
// estimate), solved exactly, and turned into a QuantPlan.
// docs/Quantization.md, "Budgets, pipeline and report".
//===----------------------------------------------------------------------===//
#ifndef QCC_DRIVER_BUDGET_H
#define QCC_DRIVER_BUDGET_H

#include "qcc/Driver/Driver.h"
#include "qcc/Quant/PlanFile.h"
#include "qcc/Quant/Scheme.h"
#include "qcc/Quant/StatsFile.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qcc::budget {

/// Which budget the user gave.
enum class BudgetKind { None, MaxPplIncrease, MaxKL, AvgBits, MaxSize };

/// One budget, in its own unit: MaxPplIncrease a fraction (0.005 for 0.5%),
/// MaxKL nats per token, AvgBits bits per weight, MaxSize bytes.
struct Budget {
  BudgetKind kind = BudgetKind::None;
  double value = 0;
  std::string option; ///< "--avg-bits 4.5" as typed, for messages
  /// Accuracy budgets minimize size within a loss; size budgets the reverse.
  bool isLossBudget() const { return kind == BudgetKind::MaxPplIncrease || kind == BudgetKind::MaxKL; }
};

/// "0.5%" -> 0.005, "0.005" -> 0.005; nullopt + \p error otherwise (negative,
/// not a number, more than 100%).
std::optional<double> parsePercent(const std::string &text, std::string &error);
/// "80MB" (10^6), "80MiB" (2^20), "512KB"/"KiB", "1.5GB"/"GiB", "1000" or
/// "1000B" (bytes) -> bytes; nullopt + \p error otherwise.
std::optional<double> parseSize(const std::string &text, std::string &error);

/// The budget of the options (Budget::None when none is given); nullopt +
/// \p error for two budgets or a malformed value.
std::optional<Budget> parseBudget(const DriverOptions &options, std::string &error);

/// One `--layer-precision` rule: layers whose name matches `pattern` (an
/// unanchored llvm::Regex search) are fixed to `scheme` (and `method`).
struct LayerOverride {
  std::string pattern;
  quant::Scheme scheme;
  std::optional<quant::Method> method;
};

/// Parses 'REGEX=scheme[:method],...'; nullopt + \p error for an unknown
/// scheme or method, a bad regex or a rule without '='.
std::optional<std::vector<LayerOverride>> parseLayerPrecision(const std::string &text,
                                                              std::string &error);

/// One candidate of one layer as the solver saw it.
struct Candidate {
  quant::Scheme scheme;
  uint64_t bits = 0;             ///< Scheme::sizeInBits
  std::optional<double> hessian; ///< from the statistics file
  std::optional<double> kl;
  double loss = 0; ///< what the knapsack minimized / bounded
};

/// The decision for one layer.
struct LayerDecision {
  std::string name;
  int64_t outFeatures = 0, inFeatures = 0;
  std::vector<Candidate> candidates; ///< only the chosen one when fixed
  int chosen = 0;                    ///< index into candidates
  bool fixed = false;                ///< set by --layer-precision
  quant::Method method = quant::Method::RTN;
  bool smoothQuant = false;          ///< w8a8 layers: SmoothQuant
  const Candidate &choice() const { return candidates[chosen]; }
};

/// The solved assignment.
struct Assignment {
  Budget budget;
  std::string lossKind; ///< "kl", "cosine" (encoders' measured kl slot) or "hessian"
  std::vector<LayerDecision> layers; ///< model order
  uint64_t totalBits = 0;
  uint64_t totalWeights = 0;
  double predictedLoss = 0; ///< sum of the chosen losses
  std::vector<std::string> warnings;
  double averageBits() const {
    return totalWeights ? static_cast<double>(totalBits) / static_cast<double>(totalWeights) : 0;
  }
  /// exp(sum kl) - 1 with kl losses (first-order additivity), else nullopt.
  std::optional<double> predictedPplIncrease() const;
};

/// The candidate schemes: \p list ("a,b,c") or quant::defaultCandidates().
std::optional<std::vector<quant::Scheme>> candidateSchemes(const std::string &list,
                                                           std::string &error);

/// What the statistics lack for this budget: "" when complete, else a
/// description ("kl of int4_g128_asym for 'blk.0.attn_q'"). KL budgets need
/// kl for every (layer, candidate); size budgets need kl or hessian.
std::string missingSensitivities(const quant::CalibrationStats &stats, const Budget &budget,
                                 const std::vector<quant::Scheme> &candidates,
                                 const std::vector<LayerOverride> &overrides);

/// Builds the knapsack and solves it exactly. An impossible budget is an
/// error that says the smallest achievable figure in the budget's unit.
/// \p statsPath names the file in messages.
std::optional<Assignment> solveBudget(const quant::CalibrationStats &stats,
                                      const std::string &statsPath, const Budget &budget,
                                      const std::vector<quant::Scheme> &candidates,
                                      const std::vector<LayerOverride> &overrides,
                                      std::string &error);

/// The plan of \p a (model digest and path of \p stats, shapes, predicted
/// losses).
quant::QuantPlan toPlan(const Assignment &a, const quant::CalibrationStats &stats);

/// One-line summary: "211 layers, 5.12 bits/weight, 61.3 MB, predicted
/// perplexity +0.43% (sum kl 0.00429)".
std::string summary(const Assignment &a);

/// Bytes as "61.30 MB".
std::string formatMB(double bytes);

} // namespace qcc::budget

#endif // QCC_DRIVER_BUDGET_H
