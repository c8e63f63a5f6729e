//===- Budget.cpp - budget options -> knapsack -> quantization plan --------===//
#include "Budget.h"

#include "qcc/Quant/Knapsack.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Regex.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

namespace qcc::budget {

using quant::CalibrationStats;
using quant::Scheme;

namespace {

std::string fmt(const char *f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

/// Parses a whole string as a finite double.
std::optional<double> number(llvm::StringRef s) {
  s = s.trim();
  if (s.empty())
    return std::nullopt;
  std::string str = s.str();
  char *end = nullptr;
  double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

} // namespace

std::optional<double> parsePercent(const std::string &text, std::string &error) {
  llvm::StringRef s = llvm::StringRef(text).trim();
  bool percent = s.consume_back("%");
  std::optional<double> v = number(s);
  if (!v || *v < 0) {
    error = "'" + text + "' is not a non-negative fraction (0.005) or percent (0.5%)";
    return std::nullopt;
  }
  double f = percent ? *v / 100 : *v;
  if (f >= 1) {
    error = "'" + text + "' is " + fmt("%g", f * 100) +
            "%; give a fraction below 1 (0.005) or a percent (0.5%)";
    return std::nullopt;
  }
  return f;
}

std::optional<double> parseSize(const std::string &text, std::string &error) {
  llvm::StringRef s = llvm::StringRef(text).trim();
  struct Unit {
    const char *suffix;
    double scale;
  };
  // Longest suffixes first ("MiB" before "B").
  static const Unit units[] = {{"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
                               {"KB", 1e3},     {"MB", 1e6},        {"GB", 1e9},
                               {"kB", 1e3},     {"B", 1.0}};
  double scale = 1;
  for (const Unit &u : units)
    if (s.consume_back_insensitive(u.suffix)) {
      scale = u.scale;
      break;
    }
  std::optional<double> v = number(s);
  if (!v || *v <= 0) {
    error = "'" + text + "' is not a positive size (e.g. 80MB, 76.3MiB, 512KB, 1GB)";
    return std::nullopt;
  }
  return *v * scale;
}

std::optional<Budget> parseBudget(const DriverOptions &o, std::string &error) {
  Budget b;
  std::vector<std::string> given;
  auto take = [&](const std::string &value, const char *name, BudgetKind kind) -> bool {
    if (value.empty())
      return true;
    given.push_back(std::string(name) + " " + value);
    b.kind = kind;
    b.option = given.back();
    std::string why;
    std::optional<double> v;
    switch (kind) {
    case BudgetKind::MaxPplIncrease:
      v = parsePercent(value, why);
      break;
    case BudgetKind::MaxKL:
      v = number(value);
      if (!v || *v < 0)
        why = "'" + value + "' is not a non-negative number of nats per token";
      break;
    case BudgetKind::AvgBits:
      v = number(value);
      if (!v || *v <= 0 || *v > 32) {
        why = "'" + value + "' is not a number of bits per weight in (0, 32]";
        v.reset();
      }
      break;
    case BudgetKind::MaxSize:
      v = parseSize(value, why);
      break;
    case BudgetKind::None:
      break;
    }
    if (!v || !why.empty()) {
      error = std::string("bad ") + name + ": " + why;
      return false;
    }
    b.value = *v;
    return true;
  };
  if (!take(o.maxPplIncrease, "--max-ppl-increase", BudgetKind::MaxPplIncrease) ||
      !take(o.maxKl, "--max-kl", BudgetKind::MaxKL) ||
      !take(o.avgBits, "--avg-bits", BudgetKind::AvgBits) ||
      !take(o.maxSize, "--max-size", BudgetKind::MaxSize))
    return std::nullopt;
  if (given.size() > 1) {
    error = "give exactly one budget; got " + given[0];
    for (size_t i = 1; i < given.size(); ++i)
      error += (i + 1 == given.size() ? " and " : ", ") + given[i];
    return std::nullopt;
  }
  return b;
}

std::optional<std::vector<LayerOverride>> parseLayerPrecision(const std::string &text,
                                                              std::string &error) {
  std::vector<LayerOverride> out;
  llvm::SmallVector<llvm::StringRef> rules;
  llvm::StringRef(text).split(rules, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef rule : rules) {
    rule = rule.trim();
    size_t eq = rule.rfind('=');
    if (eq == llvm::StringRef::npos || eq == 0) {
      error = "bad --layer-precision rule '" + rule.str() + "' (expected REGEX=scheme[:method])";
      return std::nullopt;
    }
    LayerOverride ov;
    ov.pattern = rule.take_front(eq).str();
    auto [schemeName, methodName] = rule.drop_front(eq + 1).split(':');
    std::optional<Scheme> s = Scheme::parse(schemeName.trim().str());
    if (!s) {
      error = "--layer-precision '" + rule.str() + "': unknown scheme '" + schemeName.str() +
              "' (expected e.g. int8_pc_sym, int4_g128_asym, nf4_g64, w8a8, f16, f32)";
      return std::nullopt;
    }
    ov.scheme = *s;
    if (!methodName.empty()) {
      ov.method = quant::parseMethod(methodName.trim().str());
      if (!ov.method) {
        error = "--layer-precision '" + rule.str() + "': unknown method '" + methodName.str() +
                "' (expected rtn, gptq or awq)";
        return std::nullopt;
      }
    }
    std::string why;
    if (!llvm::Regex(ov.pattern).isValid(why)) {
      error = "--layer-precision '" + rule.str() + "': bad regex '" + ov.pattern + "': " + why;
      return std::nullopt;
    }
    out.push_back(std::move(ov));
  }
  if (out.empty() && !llvm::StringRef(text).trim().empty()) {
    error = "--layer-precision '" + text + "' has no rule";
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<Scheme>> candidateSchemes(const std::string &list, std::string &error) {
  if (llvm::StringRef(list).trim().empty())
    return quant::defaultCandidates();
  std::optional<std::vector<Scheme>> c = quant::parseSchemeList(list, error);
  if (!c)
    error = "--candidates: " + error;
  return c;
}

std::optional<double> Assignment::predictedPplIncrease() const {
  if (lossKind != "kl")
    return std::nullopt;
  return std::expm1(predictedLoss);
}

namespace {

/// The first override whose pattern matches \p layer.
const LayerOverride *findOverride(const std::vector<LayerOverride> &overrides,
                                  const std::string &layer) {
  for (const LayerOverride &ov : overrides)
    if (llvm::Regex(ov.pattern).match(layer))
      return &ov;
  return nullptr;
}

/// Layers of the statistics in model order: the fingerprint's tensor order,
/// then any layer the fingerprint does not list (sorted by name).
std::vector<std::string> layerOrder(const CalibrationStats &stats) {
  std::vector<std::string> order;
  std::map<std::string, bool> seen;
  for (const quant::TensorShape &t : stats.model.tensors)
    if (stats.layers.count(t.name) && !seen[t.name]) {
      order.push_back(t.name);
      seen[t.name] = true;
    }
  for (const auto &[name, ls] : stats.layers)
    if (!seen[name])
      order.push_back(name);
  return order;
}

/// Whether a candidate can be used on W[n, k] by the kernels.
bool usable(const Scheme &s, int64_t n, int64_t k) {
  return s.validFor(n, k) && (!s.isQuantized() || s.kernelSupported());
}

/// A fixed layer's loss: the stats' value for that scheme, 0 for f32.
std::optional<double> knownLoss(const quant::LayerStats &ls, const Scheme &s, bool kl) {
  if (s.format == quant::Format::F32)
    return 0.0;
  auto it = ls.sensitivity.find(s.name());
  if (it == ls.sensitivity.end())
    return std::nullopt;
  return kl ? it->second.kl : it->second.hessian;
}

/// Whether every free layer has \p kl (else hessian) for every usable candidate.
std::string missingFor(const CalibrationStats &stats, const std::vector<Scheme> &candidates,
                       const std::vector<LayerOverride> &overrides, bool kl) {
  for (const std::string &name : layerOrder(stats)) {
    if (findOverride(overrides, name))
      continue;
    const quant::LayerStats &ls = stats.layers.at(name);
    for (const Scheme &s : candidates) {
      if (!usable(s, ls.outFeatures, ls.inFeatures))
        continue;
      if (!knownLoss(ls, s, kl))
        return std::string(kl ? "kl" : "hessian") + " of " + s.name() + " for layer '" + name + "'";
    }
  }
  return "";
}

} // namespace

std::string missingSensitivities(const CalibrationStats &stats, const Budget &budget,
                                 const std::vector<Scheme> &candidates,
                                 const std::vector<LayerOverride> &overrides) {
  std::string kl = missingFor(stats, candidates, overrides, /*kl=*/true);
  if (kl.empty() || budget.isLossBudget())
    return kl;
  std::string h = missingFor(stats, candidates, overrides, /*kl=*/false);
  return h.empty() ? "" : kl;
}

std::string formatMB(double bytes) { return fmt("%.3f MB", bytes / 1e6); }

std::optional<Assignment> solveBudget(const CalibrationStats &stats, const std::string &statsPath,
                                      const Budget &budget,
                                      const std::vector<Scheme> &candidates,
                                      const std::vector<LayerOverride> &overrides,
                                      std::string &error) {
  Assignment a;
  a.budget = budget;
  std::vector<std::string> order = layerOrder(stats);
  if (order.empty()) {
    error = statsPath + ": the statistics list no linear layer";
    return std::nullopt;
  }
  // kl when complete; size budgets fall back to the Hessian estimates.
  bool useKl = missingFor(stats, candidates, overrides, true).empty();
  if (!useKl) {
    std::string missing = missingFor(stats, candidates, overrides, false);
    if (budget.isLossBudget() || !missing.empty()) {
      error = "'" + statsPath + "' has no " +
              (budget.isLossBudget() ? missingFor(stats, candidates, overrides, true) : missing) +
              " (measure it with qcc --sensitivity=" + (budget.isLossBudget() ? "kl" : "all") +
              " --stats " + statsPath + ")";
      return std::nullopt;
    }
    a.warnings.push_back("the statistics have no measured kl for every layer and candidate; "
                         "minimizing the sum of the Hessian estimates instead (units differ "
                         "from KL: no perplexity prediction)");
  }
  // Encoders store the measured loss of their sentence embeddings (1 - cos)
  // where causal LMs store next-token KL (Sensitivity.cpp).
  bool cosine = useKl && stats.summary && stats.summary->klMetric == "cosine";
  if (cosine && budget.kind == BudgetKind::MaxPplIncrease) {
    error = budget.option + " needs next-token KL (a causal LM); '" + statsPath +
            "' holds the measured sentence-embedding losses (1 - cos) of an encoder: give "
            "--max-kl (a bound on their sum), --avg-bits or --max-size";
    return std::nullopt;
  }
  a.lossKind = cosine ? "cosine" : useKl ? "kl" : "hessian";

  // One knapsack group per free layer; fixed layers add a constant.
  quant::KnapsackGroups groups;
  std::vector<size_t> groupLayer;
  uint64_t fixedBits = 0;
  double fixedLoss = 0;
  for (const std::string &name : order) {
    const quant::LayerStats &ls = stats.layers.at(name);
    LayerDecision d;
    d.name = name;
    d.outFeatures = ls.outFeatures;
    d.inFeatures = ls.inFeatures;
    a.totalWeights += static_cast<uint64_t>(ls.outFeatures) * static_cast<uint64_t>(ls.inFeatures);
    auto fill = [&](const Scheme &s) {
      Candidate c;
      c.scheme = s;
      c.bits = s.sizeInBits(ls.outFeatures, ls.inFeatures);
      auto it = ls.sensitivity.find(s.name());
      if (it != ls.sensitivity.end()) {
        c.hessian = it->second.hessian;
        c.kl = it->second.kl;
      }
      if (s.format == quant::Format::F32)
        c.hessian = c.kl = 0.0;
      return c;
    };
    if (const LayerOverride *ov = findOverride(overrides, name)) {
      std::string why;
      if (!ov->scheme.validFor(ls.outFeatures, ls.inFeatures, &why) ||
          (ov->scheme.isQuantized() && !ov->scheme.kernelSupported())) {
        error = "--layer-precision '" + ov->pattern + "=" + ov->scheme.name() + "': layer '" +
                name + "' [" + std::to_string(ls.outFeatures) + ", " +
                std::to_string(ls.inFeatures) + "] cannot use it" +
                (why.empty() ? std::string(" (the kernels cannot pack it)") : ": " + why);
        return std::nullopt;
      }
      Candidate c = fill(ov->scheme);
      std::optional<double> loss = knownLoss(ls, ov->scheme, useKl);
      if (!loss && ov->scheme.isQuantized())
        a.warnings.push_back("layer '" + name + "' is fixed to " + ov->scheme.name() +
                             " by --layer-precision but the statistics have no " + a.lossKind +
                             " for it; its predicted loss counts as 0");
      c.loss = loss.value_or(0.0);
      d.candidates.push_back(c);
      d.fixed = true;
      if (ov->method)
        d.method = *ov->method;
      fixedBits += c.bits;
      fixedLoss += c.loss;
    } else {
      std::vector<quant::KnapsackOption> options;
      for (const Scheme &s : candidates) {
        if (!usable(s, ls.outFeatures, ls.inFeatures))
          continue;
        Candidate c = fill(s);
        c.loss = *(useKl ? c.kl : c.hessian);
        if (!std::isfinite(c.loss) || c.loss < 0)
          c.loss = std::max(0.0, std::isfinite(c.loss) ? c.loss : 0.0);
        d.candidates.push_back(c);
        options.push_back({c.bits, c.loss});
      }
      if (options.empty()) {
        error = "layer '" + name + "' [" + std::to_string(ls.outFeatures) + ", " +
                std::to_string(ls.inFeatures) + "] can use none of the candidate schemes";
        return std::nullopt;
      }
      groupLayer.push_back(a.layers.size());
      groups.push_back(std::move(options));
    }
    a.layers.push_back(std::move(d));
  }

  // The whole-model extremes, for the impossible-budget messages.
  uint64_t minBits = fixedBits;
  double minLoss = fixedLoss;
  for (const auto &g : groups) {
    uint64_t b = std::numeric_limits<uint64_t>::max();
    double l = std::numeric_limits<double>::infinity();
    for (const auto &opt : g) {
      b = std::min(b, opt.cost);
      l = std::min(l, opt.loss);
    }
    minBits += b;
    minLoss += l;
  }
  double weights = static_cast<double>(a.totalWeights);
  std::string why;
  std::optional<quant::KnapsackSolution> sol;
  if (budget.isLossBudget()) {
    double limit = budget.kind == BudgetKind::MaxPplIncrease ? std::log1p(budget.value)
                                                             : budget.value;
    double free = limit - fixedLoss;
    if (free >= 0) {
      if (groups.empty())
        sol = quant::KnapsackSolution{};
      else
        sol = quant::minCostWithinLoss(groups, free, why);
    }
    if (!sol) {
      std::string smallest = budget.kind == BudgetKind::MaxPplIncrease
                                 ? fmt("%.4g%%", std::expm1(minLoss) * 100) + " (sum kl " +
                                       fmt("%.4g", minLoss) + " nats)"
                             : a.lossKind == "cosine" ? fmt("%.4g", minLoss) + " (sum of 1 - cos)"
                                                      : fmt("%.4g", minLoss) + " nats per token";
      error = budget.option + " is impossible: the smallest achievable predicted " +
              (budget.kind == BudgetKind::MaxPplIncrease ? "perplexity increase" : "KL") + " is " +
              smallest + " with every layer at its least lossy candidate";
      return std::nullopt;
    }
  } else {
    double limitBits = budget.kind == BudgetKind::AvgBits ? budget.value * weights
                                                          : budget.value * 8.0;
    double free = std::floor(limitBits) - static_cast<double>(fixedBits);
    if (free >= 0) {
      if (groups.empty())
        sol = quant::KnapsackSolution{};
      else
        sol = quant::minLossWithinCost(groups, static_cast<uint64_t>(free), why);
    }
    if (!sol) {
      std::string smallest = budget.kind == BudgetKind::AvgBits
                                 ? fmt("%.4g", static_cast<double>(minBits) / weights) +
                                       " bits per weight"
                                 : formatMB(static_cast<double>(minBits) / 8) + " (" +
                                       fmt("%.4g", static_cast<double>(minBits) / 8 / 1048576) +
                                       " MiB)";
      error = budget.option + " is impossible: the smallest achievable " +
              (budget.kind == BudgetKind::AvgBits ? "average" : "size of the linear weights") +
              " is " + smallest + " with every layer at its cheapest candidate";
      return std::nullopt;
    }
  }
  for (size_t g = 0; g < groupLayer.size(); ++g)
    a.layers[groupLayer[g]].chosen = sol->choice[g];
  for (LayerDecision &d : a.layers) {
    const Candidate &c = d.choice();
    a.totalBits += c.bits;
    a.predictedLoss += c.loss;
    const quant::LayerStats &ls = stats.layers.at(d.name);
    if (c.scheme.isW8A8())
      d.smoothQuant = true;
    if (!d.fixed || !findOverride(overrides, d.name)->method) {
      // GPTQ for uniform schemes when the statistics have X^T X.
      d.method = c.scheme.format == quant::Format::Uniform && !ls.xtx.empty() ? quant::Method::GPTQ
                                                                             : quant::Method::RTN;
    }
  }
  return a;
}

quant::QuantPlan toPlan(const Assignment &a, const CalibrationStats &stats) {
  quant::QuantPlan plan;
  plan.modelPath = stats.model.path;
  plan.modelDigest = stats.model.digest();
  for (const LayerDecision &d : a.layers) {
    quant::PlanEntry e;
    e.layer = d.name;
    e.scheme = d.choice().scheme;
    e.method = d.method;
    e.outFeatures = d.outFeatures;
    e.inFeatures = d.inFeatures;
    e.predictedLoss = d.choice().loss;
    // w8a8: SmoothQuant with alpha searched per layer (APPLY).
    e.smoothQuant = d.smoothQuant;
    plan.layers.push_back(std::move(e));
  }
  return plan;
}

std::string summary(const Assignment &a) {
  std::string s = std::to_string(a.layers.size()) + " layers, " +
                  fmt("%.3f", a.averageBits()) + " bits/weight, " +
                  formatMB(static_cast<double>(a.totalBits) / 8) + " of linear weights";
  if (std::optional<double> p = a.predictedPplIncrease())
    s += ", predicted perplexity " + fmt("%+.3f%%", *p * 100) + " (sum kl " +
         fmt("%.5g", a.predictedLoss) + " nats)";
  else if (a.lossKind == "cosine")
    s += ", predicted loss (sum of measured 1 - cos of the sentence embeddings) " +
         fmt("%.5g", a.predictedLoss);
  else
    s += ", predicted loss (sum of Hessian estimates) " + fmt("%.5g", a.predictedLoss);
  return s;
}

} // namespace qcc::budget
