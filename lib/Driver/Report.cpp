//===- Report.cpp - qcc --report DIR: report.json, report.md, chart --------===//
#include "Report.h"

#include "ReportPng.h"

#include "qcc/Target/Common/ModelEmitter.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace qcc::report {

using budget::Assignment;
using budget::LayerDecision;

double Verification::pplF32() const { return std::exp(nllF32); }
double Verification::pplQuant() const { return std::exp(nllQuant); }
double Verification::pplIncrease() const { return std::expm1(nllQuant - nllF32); }

namespace {

std::string fmt(const char *f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

const char *budgetKindName(budget::BudgetKind k) {
  switch (k) {
  case budget::BudgetKind::MaxPplIncrease:
    return "max-ppl-increase";
  case budget::BudgetKind::MaxKL:
    return "max-kl";
  case budget::BudgetKind::AvgBits:
    return "avg-bits";
  case budget::BudgetKind::MaxSize:
    return "max-size";
  case budget::BudgetKind::None:
    break;
  }
  return "none";
}

/// Every scheme named in some layer's sensitivities or chosen, fewest bits last.
std::vector<std::string> schemeColumns(const ReportInput &in) {
  std::set<std::string> names;
  for (const LayerDecision &d : in.assignment->layers) {
    names.insert(d.choice().scheme.name());
    auto it = in.stats->layers.find(d.name);
    if (it != in.stats->layers.end())
      for (const auto &[s, v] : it->second.sensitivity)
        names.insert(s);
  }
  std::vector<std::string> out(names.begin(), names.end());
  std::sort(out.begin(), out.end(), [](const std::string &a, const std::string &b) {
    auto sa = quant::Scheme::parse(a), sb = quant::Scheme::parse(b);
    double ba = sa ? sa->bitsPerWeight() : 0, bb = sb ? sb->bitsPerWeight() : 0;
    return ba != bb ? ba > bb : a < b;
  });
  return out;
}

struct Totals {
  uint64_t bits = 0, weights = 0;
  double fp16Bytes() const { return static_cast<double>(weights) * 2; }
  double bytes() const { return static_cast<double>(bits) / 8; }
};

Totals totals(const Assignment &a) { return {a.totalBits, a.totalWeights}; }

llvm::json::Value optNumber(std::optional<double> v) {
  return v ? llvm::json::Value(*v) : llvm::json::Value(nullptr);
}

std::string jsonReport(const ReportInput &in) {
  const Assignment &a = *in.assignment;
  llvm::json::Array layers;
  for (const LayerDecision &d : a.layers) {
    llvm::json::Object sens;
    auto it = in.stats->layers.find(d.name);
    if (it != in.stats->layers.end())
      for (const auto &[s, v] : it->second.sensitivity)
        sens[s] = llvm::json::Object{{"hessian", optNumber(v.hessian)}, {"kl", optNumber(v.kl)}};
    const budget::Candidate &c = d.choice();
    layers.push_back(llvm::json::Object{
        {"name", d.name},
        {"shape", llvm::json::Array{d.outFeatures, d.inFeatures}},
        {"sensitivity", std::move(sens)},
        {"scheme", c.scheme.name()},
        {"method", quant::methodName(d.method)},
        {"smoothquant", d.smoothQuant},
        {"fixed", d.fixed},
        {"bits", c.scheme.bitsPerWeight(d.inFeatures)},
        {"size_bits", static_cast<int64_t>(c.bits)},
        {"predicted_loss", c.loss},
    });
  }
  Totals t = totals(a);
  llvm::json::Object tot{
      {"layers", static_cast<int64_t>(a.layers.size())},
      {"weights", static_cast<int64_t>(t.weights)},
      {"size_bytes", t.bytes()},
      {"average_bits", a.averageBits()},
      {"fp16_size_bytes", t.fp16Bytes()},
      {"compression_vs_fp16", t.bytes() > 0 ? t.fp16Bytes() / t.bytes() : 0.0},
      {"predicted_loss", a.predictedLoss},
      {"predicted_ppl_increase", optNumber(a.predictedPplIncrease())},
      {"measured_ppl_increase",
       optNumber(in.verification && !in.verification->encoder
                     ? std::optional<double>(in.verification->pplIncrease())
                     : std::nullopt)},
  };
  if (in.f32LibraryBytes)
    tot["f32_library_bytes"] = static_cast<int64_t>(in.f32LibraryBytes);
  if (in.quantLibraryBytes)
    tot["library_bytes"] = static_cast<int64_t>(in.quantLibraryBytes);
  llvm::json::Array warnings;
  for (const std::string &w : a.warnings)
    warnings.push_back(w);
  llvm::json::Object root{
      {"format", "qcc-quant-report"},
      {"version", 1},
      {"model", in.modelPath},
      {"statistics", in.statsPath},
      {"output", in.outputPath},
      {"budget", llvm::json::Object{{"option", a.budget.option},
                                    {"kind", budgetKindName(a.budget.kind)},
                                    {"value", a.budget.value}}},
      {"loss", a.lossKind},
      {"warnings", std::move(warnings)},
      {"layers", std::move(layers)},
      {"totals", std::move(tot)},
  };
  if (in.verification && in.verification->encoder) {
    const Verification &v = *in.verification;
    root["verification"] = llvm::json::Object{
        {"text", v.text},
        {"sentences", v.sentences},
        {"mean_cosine_loss", v.meanCosLoss},
        {"min_cosine", v.minCos},
        {"mean_cosine", v.meanCos},
    };
  } else if (in.verification) {
    const Verification &v = *in.verification;
    root["verification"] = llvm::json::Object{
        {"text", v.text},
        {"windows", v.windows},
        {"seq_len", v.seqLen},
        {"token_offset", v.tokenOffset},
        {"scored_tokens", v.scoredTokens},
        {"ppl_f32", v.pplF32()},
        {"ppl_quantized", v.pplQuant()},
        {"ppl_increase", v.pplIncrease()},
        {"mean_kl", v.meanKl},
    };
  }
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  return out;
}

std::string markdownReport(const ReportInput &in) {
  const Assignment &a = *in.assignment;
  Totals t = totals(a);
  std::string md;
  llvm::raw_string_ostream os(md);
  os << "# qcc quantization report\n\n";
  os << "- model: `" << in.modelPath << "`\n";
  os << "- statistics: `" << in.statsPath << "`\n";
  if (!in.outputPath.empty())
    os << "- output: `" << in.outputPath << "`\n";
  os << "- budget: `" << a.budget.option << "`; loss minimized/bounded: " << a.lossKind
     << (a.lossKind == "kl" ? " (nats per token, measured with only that layer quantized)"
         : a.lossKind == "cosine"
             ? " (mean 1 - cos of the sentence embeddings, measured with only that layer "
               "quantized)"
             : " (Hessian estimate 1/2 tr(dW H dW^T) per token)")
     << "\n";
  for (const std::string &w : a.warnings)
    os << "- warning: " << w << "\n";
  os << "\n## Totals\n\n";
  os << "| figure | value |\n|---|---|\n";
  os << "| layers | " << a.layers.size() << " |\n";
  os << "| weights | " << t.weights << " |\n";
  os << "| size of the linear weights | " << budget::formatMB(t.bytes()) << " |\n";
  os << "| average bits per weight | " << fmt("%.3f", a.averageBits()) << " |\n";
  os << "| FP16 size | " << budget::formatMB(t.fp16Bytes()) << " |\n";
  os << "| compression vs FP16 | " << fmt("%.2fx", t.bytes() > 0 ? t.fp16Bytes() / t.bytes() : 0)
     << " |\n";
  os << "| predicted loss (sum " << a.lossKind << ") | " << fmt("%.6g", a.predictedLoss) << " |\n";
  if (auto p = a.predictedPplIncrease())
    os << "| predicted perplexity change | " << fmt("%+.3f%%", *p * 100) << " |\n";
  if (in.verification && in.verification->encoder) {
    const Verification &v = *in.verification;
    os << "| measured mean 1 - cos (sentence embeddings) | " << fmt("%.6g", v.meanCosLoss) << " ("
       << v.sentences << " held-out sentences of `" << v.text << "`) |\n";
    os << "| measured cosine to F32, min / mean | " << fmt("%.5f", v.minCos) << " / "
       << fmt("%.5f", v.meanCos) << " |\n";
  } else if (in.verification) {
    const Verification &v = *in.verification;
    os << "| measured perplexity change | " << fmt("%+.3f%%", v.pplIncrease() * 100) << " ("
       << fmt("%.4f", v.pplF32()) << " -> " << fmt("%.4f", v.pplQuant()) << ", " << v.windows
       << " held-out windows x " << v.seqLen << " tokens from token " << v.tokenOffset
       << " of `" << v.text << "`) |\n";
    os << "| measured mean KL(f32 || quantized) | " << fmt("%.6g", v.meanKl) << " nats |\n";
  }
  if (in.f32LibraryBytes)
    os << "| F32 library | " << budget::formatMB(static_cast<double>(in.f32LibraryBytes))
       << " |\n";
  if (in.quantLibraryBytes)
    os << "| quantized library | " << budget::formatMB(static_cast<double>(in.quantLibraryBytes))
       << " |\n";

  std::vector<std::string> columns = schemeColumns(in);
  os << "\n## Layers\n\nSensitivity cells: kl (hessian); `-` = not measured.\n\n";
  os << "| # | layer | shape | chosen | method | bits | predicted loss |";
  for (const std::string &c : columns)
    os << " " << c << " |";
  os << "\n|---|---|---|---|---|---|---|";
  for (size_t i = 0; i < columns.size(); ++i)
    os << "---|";
  os << "\n";
  int index = 0;
  for (const LayerDecision &d : a.layers) {
    const budget::Candidate &c = d.choice();
    os << "| " << index++ << " | " << d.name << " | " << d.outFeatures << "x" << d.inFeatures
       << " | " << c.scheme.name() << (d.fixed ? " (fixed)" : "") << " | "
       << quant::methodName(d.method) << (d.smoothQuant ? "+smoothquant" : "") << " | "
       << fmt("%.3f", c.scheme.bitsPerWeight(d.inFeatures)) << " | " << fmt("%.4g", c.loss)
       << " |";
    auto it = in.stats->layers.find(d.name);
    for (const std::string &col : columns) {
      const quant::SchemeSensitivity *s = nullptr;
      if (it != in.stats->layers.end()) {
        auto si = it->second.sensitivity.find(col);
        if (si != it->second.sensitivity.end())
          s = &si->second;
      }
      os << " " << (s && s->kl ? fmt("%.3g", *s->kl) : "-") << " ("
         << (s && s->hessian ? fmt("%.3g", *s->hessian) : "-") << ") |";
    }
    os << "\n";
  }
  return md;
}

} // namespace

bool writeSensitivityChart(const ReportInput &in, const std::string &path, int width, int height,
                           std::string &error) {
  const Assignment &a = *in.assignment;
  // The reference scheme: the candidate with the fewest bits per weight that
  // the free layers share; a layer's sensitivity is its loss there.
  std::string ref;
  double refBits = 1e9;
  for (const LayerDecision &d : a.layers)
    if (!d.fixed)
      for (const budget::Candidate &c : d.candidates)
        if (c.scheme.bitsPerWeight() < refBits) {
          refBits = c.scheme.bitsPerWeight();
          ref = c.scheme.name();
        }
  struct Point {
    double logS, bits;
    bool fixed;
  };
  std::vector<Point> points;
  for (const LayerDecision &d : a.layers) {
    std::optional<double> s;
    for (const budget::Candidate &c : d.candidates)
      if (c.scheme.name() == ref)
        s = c.loss;
    if (!s) { // fixed layers: the statistics' value for the reference scheme
      auto it = in.stats->layers.find(d.name);
      if (it != in.stats->layers.end()) {
        auto si = it->second.sensitivity.find(ref);
        if (si != it->second.sensitivity.end())
          s = a.lossKind == "hessian" ? si->second.hessian : si->second.kl;
      }
    }
    if (s && *s > 0)
      points.push_back({std::log10(*s), d.choice().scheme.bitsPerWeight(d.inFeatures), d.fixed});
  }
  double lo = 0, hi = 1;
  if (!points.empty()) {
    lo = hi = points[0].logS;
    for (const Point &p : points) {
      lo = std::min(lo, p.logS);
      hi = std::max(hi, p.logS);
    }
  }
  lo = std::floor(lo);
  hi = std::max(std::ceil(hi), lo + 1);
  double bitsHi = 8;
  for (const Point &p : points)
    bitsHi = std::max(bitsHi, p.bits);
  bitsHi = std::ceil(bitsHi / 2) * 2;

  Canvas cv(width, height);
  const Color ink = 0x202020, grid = 0xDDDDDD, dot = 0x1F5FBF, fixedDot = 0xD04020;
  int left = 70, right = width - 20, top = 40, bottom = height - 50;
  std::string title = "sensitivity (" + a.lossKind + " at " + ref + ") vs chosen bits, " +
                      std::to_string(a.layers.size()) + " layers";
  cv.text((width - Canvas::textWidth(title, 2)) / 2, 10, title, ink, 2);
  auto xOf = [&](double logS) {
    return left + static_cast<int>((logS - lo) / (hi - lo) * (right - left));
  };
  auto yOf = [&](double bits) {
    return bottom - static_cast<int>(bits / bitsHi * (bottom - top));
  };
  for (double d = lo; d <= hi + 1e-9; d += 1) {
    int x = xOf(d);
    cv.line(x, top, x, bottom, grid, 3);
    cv.line(x, bottom, x, bottom + 4, ink);
    std::string label = "1e" + std::to_string(static_cast<int>(d));
    cv.text(x - Canvas::textWidth(label) / 2, bottom + 8, label, ink);
  }
  for (double b = 0; b <= bitsHi + 1e-9; b += 2) {
    int y = yOf(b);
    cv.line(left, y, right, y, grid, 3);
    cv.line(left - 4, y, left, y, ink);
    std::string label = std::to_string(static_cast<int>(b));
    cv.text(left - 8 - Canvas::textWidth(label), y - 3, label, ink);
  }
  cv.rect(left, top, right - left + 1, bottom - top + 1, ink);
  std::string xLabel = "layer sensitivity (log scale)";
  cv.text((left + right - Canvas::textWidth(xLabel, 2)) / 2, height - 22, xLabel, ink, 2);
  std::string yLabel = "chosen bits per weight";
  cv.textUp(12, (top + bottom + Canvas::textWidth(yLabel, 2)) / 2, yLabel, ink, 2);
  // Legend, top left inside the frame.
  cv.fillRect(left + 8, top + 8, 5, 5, dot);
  int lx = left + 16 + cv.text(left + 16, top + 7, "solved", ink);
  cv.fillRect(lx + 10, top + 8, 5, 5, fixedDot);
  cv.text(lx + 18, top + 7, "fixed (--layer-precision)", ink);
  for (const Point &p : points) {
    int x = xOf(p.logS), y = yOf(p.bits);
    cv.fillRect(x - 2, y - 2, 5, 5, p.fixed ? fixedDot : dot);
  }
  return writePng(cv, path, error);
}

bool writeReport(const std::string &dir, const ReportInput &in, std::string &error) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    error = "cannot create the report directory '" + dir + "': " + ec.message();
    return false;
  }
  auto file = [&](const char *name) {
    llvm::SmallString<256> p(dir);
    llvm::sys::path::append(p, name);
    return p.str().str();
  };
  for (auto [name, text] : {std::pair<const char *, std::string>{"report.json", jsonReport(in)},
                            {"report.md", markdownReport(in)}})
    if (llvm::Error e = writeFileAtomically(file(name), text)) {
      error = llvm::toString(std::move(e));
      return false;
    }
  if (!quant::writePlan(*in.plan, file("plan.json"), error))
    return false;
  return writeSensitivityChart(in, file("sensitivity.png"), 800, 480, error);
}

} // namespace qcc::report
