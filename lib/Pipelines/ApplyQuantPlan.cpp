//===- ApplyQuantPlan.cpp - qcc-apply-quant-plan: per-layer quantization ---===//
//
// Resolves the plan (or a uniform scheme) against the module's linear layers,
// computes the shared smoothing factors of each input group (SmoothQuant or
// AWQ), folds 1/s into the producers, rounds every quantized layer with its
// method (RTN, GPTQ, AWQ) and rewrites it into qcc.qlinear. See
// include/qcc/Pipelines/ApplyQuantPlan.h.
//===----------------------------------------------------------------------===//
#include "ApplyQuantPlanIR.h"

#include "qcc/Passes/Calib/Passes.h"
#include "qcc/Quant/Awq.h"
#include "qcc/Quant/Gptq.h"
#include "qcc/Quant/PlanFile.h"
#include "qcc/Quant/SmoothQuant.h"
#include "qcc/Quant/StatsFile.h"
#include "qcc/Runtime/QKernels.h"

#include "qcc/Dialect/Qcc/IR/QccDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/Regex.h"

#include <cmath>
#include <map>
#include <set>

using namespace mlir;
namespace q = qcc::quant;

namespace qcc::applyplan {
namespace {

/// One rewritable linear layer and what the plan does to it.
struct Layer {
  std::string name;
  Linear lin;
  q::PlanEntry entry;
  const q::LayerStats *stats = nullptr;
  std::vector<float> w;           ///< W [N, K] once loaded (scaled in place)
  bool loaded = false, modified = false;
  std::vector<float> colScale;    ///< s of the group (W' = W diag(s)); empty = 1
  bool awqScaled = false;         ///< colScale came from an AWQ search
  std::optional<std::vector<float>> newBias; ///< bias / s after a row fold
};

/// The identity of the module for plan and statistics files, computed as
/// the driver's calibration does (lib/Driver/Calibrate.cpp, modelFingerprint).
q::ModelFingerprint fingerprint(ModuleOp module, const std::vector<LinearLayer> &layers) {
  q::ModelFingerprint fp;
  fp.arch = "mlir";
  module.walk([&](Operation *op) {
    if (auto attrs = op->getAttrOfType<DictionaryAttr>("qcc.model_attrs"))
      if (auto arch = attrs.getAs<StringAttr>("qcc.arch"))
        fp.arch = arch.str();
  });
  std::set<std::string> seen;
  for (const LinearLayer &l : layers)
    if (seen.insert(l.name).second)
      fp.tensors.push_back({l.name, {l.out, l.in}});
  return fp;
}

class Applier {
public:
  Applier(ModuleOp module, const ApplyQuantPlanOptions &o, StringRef pass)
      : module_(module), o_(o), pass_(pass.str()) {}

  LogicalResult run();

private:
  LogicalResult fail(const std::string &msg) {
    module_.emitError() << pass_ << ": " << msg;
    return failure();
  }
  LogicalResult collect();
  LogicalResult resolveEntries();
  LogicalResult loadStats();
  LogicalResult load(Layer &l);
  LogicalResult smoothGroups();
  LogicalResult emit(Layer &l);
  bool openSide() {
    if (side_.isOpen())
      return true;
    std::string error;
    if (side_.open(o_.sideFile, error))
      return true;
    (void)fail(error);
    return false;
  }

  ModuleOp module_;
  const ApplyQuantPlanOptions &o_;
  std::string pass_;
  std::vector<LinearLayer> all_;        ///< every linear layer (findLinearLayers)
  std::vector<std::unique_ptr<Layer>> layers_; ///< the rewritable ones
  std::map<Operation *, Layer *> byOp_;
  std::optional<q::CalibrationStats> stats_;
  SideFile side_;
  // Summary.
  int smoothGroups_ = 0, awqGroups_ = 0, normFolds_ = 0, rowFolds_ = 0, mulFolds_ = 0;
  std::map<std::string, int> byMethod_;
  int keptF32_ = 0;
  std::vector<std::string> mulLayers_;
};

LogicalResult Applier::collect() {
  all_ = findLinearLayers(module_);
  for (const LinearLayer &ll : all_) {
    std::optional<Linear> lin = matchLinear(ll.op);
    if (!lin)
      continue;
    auto l = std::make_unique<Layer>();
    l->name = ll.name;
    l->lin = *lin;
    l->entry.layer = ll.name;
    l->entry.scheme = *q::Scheme::parse("f32");
    byOp_[ll.op] = l.get();
    layers_.push_back(std::move(l));
  }
  return success();
}

LogicalResult Applier::resolveEntries() {
  if (!o_.plan.empty()) {
    std::string error;
    std::optional<q::QuantPlan> plan = q::readPlan(o_.plan, error);
    if (!plan)
      return fail(error);
    std::vector<q::ModelLayer> model;
    std::set<std::string> seen;
    for (const LinearLayer &l : all_)
      if (seen.insert(l.name).second)
        model.push_back({l.name, l.out, l.in});
    std::optional<std::vector<q::PlanEntry>> entries =
        q::resolvePlan(*plan, model, fingerprint(module_, all_).digest(), o_.plan, error);
    if (!entries)
      return fail(error);
    std::map<std::string, const q::PlanEntry *> byName;
    for (const q::PlanEntry &e : *entries)
      byName[e.layer] = &e;
    std::set<std::string> rewritable;
    for (auto &l : layers_) {
      l->entry = *byName.at(l->name);
      rewritable.insert(l->name);
    }
    for (const q::PlanEntry &e : *entries)
      if (e.scheme.isPacked() && !rewritable.count(e.layer)) // QF16: + f16/bf16
        return fail(o_.plan + ": layer '" + e.layer + "': scheme " + e.scheme.name() +
                    " cannot be applied: the op is not a plain linear layer with a constant "
                    "f32 weight (alpha/beta 1, no trans_a)");
    return success();
  }
  // The uniform plan.
  std::optional<q::Scheme> s = q::Scheme::parse(o_.scheme);
  if (!s || !s->isPacked()) // QF16: f16/bf16 are packed too
    return fail("unknown or unquantized scheme '" + o_.scheme + "'");
  std::optional<q::Method> m = q::parseMethod(o_.method);
  if (!m)
    return fail("unknown method '" + o_.method + "' (expected rtn, gptq or awq)");
  if (o_.smoothQuant && !s->isW8A8())
    return fail("smoothquant needs a w8a8 scheme, not " + s->name());
  llvm::Regex filter(o_.layers);
  std::string why;
  if (!o_.layers.empty() && !filter.isValid(why))
    return fail("bad layers regex '" + o_.layers + "': " + why);
  int skipped = 0;
  std::string firstSkipped;
  for (auto &l : layers_) {
    if (!o_.layers.empty() && !filter.match(l->name))
      continue;
    std::string invalid;
    if (!s->validFor(l->lin.n, l->lin.k, &invalid)) {
      if (!skipped++)
        firstSkipped = l->name + " (" + invalid + ")";
      continue;
    }
    if (!qcc_rt_qscheme_valid(int32_t(s->format), s->bits, l->lin.n, l->lin.k,
                              s->groupSize(l->lin.k))) {
      if (!skipped++)
        firstSkipped = l->name + " (the quantized kernels do not support it)";
      continue;
    }
    l->entry.scheme = *s;
    l->entry.method = *m;
    l->entry.smoothQuant = o_.smoothQuant;
  }
  if (skipped)
    module_.emitWarning() << pass_ << ": " << skipped << " linear layer(s) stay f32, scheme "
                          << o_.scheme << " does not fit them; first: " << firstSkipped;
  return success();
}

LogicalResult Applier::loadStats() {
  const Layer *needs = nullptr;
  std::string why;
  for (auto &l : layers_) {
    const q::PlanEntry &e = l->entry;
    if (e.smoothed())
      why = "SmoothQuant";
    else if (e.scheme.isQuantized() && e.method != q::Method::RTN)
      why = q::methodName(e.method);
    else
      continue;
    needs = l.get();
    break;
  }
  if (!needs)
    return success();
  std::string src = o_.plan.empty() ? "the uniform plan" : o_.plan;
  if (o_.stats.empty())
    return fail(src + ": layer '" + needs->name + "' uses " + why +
                ", which needs calibration statistics: give the statistics file (qcc --stats "
                "FILE, made by qcc --calib)");
  std::string error;
  stats_ = q::readStats(o_.stats, error);
  if (!stats_)
    return fail(error);
  if (!q::checkStatsModel(*stats_, fingerprint(module_, all_), o_.stats, error))
    return fail(error);
  for (auto &l : layers_) {
    auto it = stats_->layers.find(l->name);
    if (it != stats_->layers.end())
      l->stats = &it->second;
  }
  return success();
}

LogicalResult Applier::load(Layer &l) {
  if (l.loaded)
    return success();
  std::string error;
  if (!readWeightNK(l.lin, l.w, error))
    return fail("layer '" + l.name + "': " +
                (error.empty() ? std::string("the weight is not a readable f32 constant") : error));
  for (float v : l.w)
    if (!std::isfinite(v))
      return fail("layer '" + l.name + "' has a non-finite weight");
  l.loaded = true;
  return success();
}

LogicalResult Applier::smoothGroups() {
  llvm::MapVector<Value, std::vector<Layer *>> groups;
  for (auto &l : layers_)
    groups[l->lin.x].push_back(l.get());
  for (auto &[x, members] : groups) {
    std::vector<Layer *> smooth, awqs;
    for (Layer *l : members) {
      if (l->entry.smoothed())
        smooth.push_back(l);
      else if (l->entry.scheme.isQuantized() && l->entry.method == q::Method::AWQ)
        awqs.push_back(l);
    }
    if (smooth.empty() && awqs.empty())
      continue;
    Layer *first = smooth.empty() ? awqs.front() : smooth.front();
    const q::LayerStats *st = first->stats;
    std::string src = o_.stats;
    if (!st)
      return fail(src + ": no statistics for layer '" + first->name + "'");
    int64_t k = first->lin.k;
    if (int64_t(st->absMax.size()) != k)
      return fail(src + ": layer '" + first->name + "': statistics for " +
                  std::to_string(st->absMax.size()) + " input channels, the layer has " +
                  std::to_string(k));
    for (Layer *l : members)
      if (failed(load(*l)))
        return failure();
    std::vector<float> s;
    std::string error;
    if (!smooth.empty()) {
      std::vector<q::SmoothQuantLayer> ls;
      std::optional<double> alpha;
      for (Layer *l : members) {
        q::SmoothQuantLayer sl{l->w.data(), l->lin.n, l->entry.scheme.isW8A8()};
        if (sl.w8a8)
          sl.scheme = l->entry.scheme;
        ls.push_back(sl);
        if (!alpha && l->entry.smoothQuantAlpha)
          alpha = l->entry.smoothQuantAlpha;
      }
      if (alpha) {
        s = q::smoothQuantGroupScales(st->absMax.data(), ls, k, *alpha);
      } else {
        if (st->sampleRows <= 0)
          return fail(src + ": layer '" + first->name +
                      "': no sample rows to search the SmoothQuant alpha on (use "
                      "smoothquant_alpha, or calibrate with --calib-rows > 0)");
        auto r = q::smoothQuantGroup(st->absMax.data(), st->samples.data(), st->sampleRows, ls, k,
                                     q::SmoothQuantOptions{}, error);
        if (!r)
          return fail("layer '" + first->name + "': " + error);
        s = std::move(r->scales);
      }
      ++smoothGroups_;
    } else {
      if (st->xtx.size() != size_t(k * k) || st->meanAbs.size() != size_t(k))
        return fail(src + ": layer '" + first->name +
                    "': AWQ needs mean|x| and X^T X, the statistics file lacks them");
      std::vector<q::AwqLayer> ls;
      for (Layer *l : awqs)
        ls.push_back({l->w.data(), l->lin.n, l->entry.scheme});
      auto r = q::awqGroup(ls, k, st->meanAbs.data(), st->xtx.data(), q::AwqOptions{}, error);
      if (!r)
        return fail("layer '" + first->name + "': " + error);
      s = std::move(r->scales);
      ++awqGroups_;
    }
    // W' = W diag(s) for every layer reading x.
    std::vector<Operation *> ops;
    for (Layer *l : members) {
      for (int64_t r = 0; r < l->lin.n; ++r)
        for (int64_t j = 0; j < k; ++j)
          l->w[r * k + j] *= s[j];
      l->colScale = s;
      l->awqScaled = smooth.empty();
      l->modified = true;
      ops.push_back(l->lin.op);
    }
    // x / s: into the rows of a producing linear, a norm, or a qcc.mul.
    Layer *producer = nullptr;
    if (Operation *p = rowFoldProducer(x, ops)) {
      auto it = byOp_.find(p);
      if (it != byOp_.end() && it->second->lin.n == k)
        producer = it->second;
    }
    std::vector<float> bias;
    if (producer && producer->lin.bias) {
      std::string berr;
      if (producer->newBias)
        bias = *producer->newBias;
      else if (!readConstant(producer->lin.bias, bias, berr))
        producer = nullptr; // a bias we cannot rewrite: fold elsewhere
    }
    if (producer) {
      if (failed(load(*producer)))
        return failure();
      int64_t pk = producer->lin.k;
      for (int64_t r = 0; r < k; ++r)
        for (int64_t j = 0; j < pk; ++j)
          producer->w[r * pk + j] /= s[r];
      if (!bias.empty()) {
        for (int64_t r = 0; r < k; ++r)
          bias[r] /= s[r];
        producer->newBias = bias;
      }
      producer->modified = true;
      ++rowFolds_;
      continue;
    }
    std::string what;
    if (foldIntoNormOrMul(x, ops, s, what) == FoldKind::Mul) {
      ++mulFolds_;
      for (Layer *l : members) {
        l->lin.x = l->lin.op->getOperand(0);
        mulLayers_.push_back(l->name);
      }
    } else {
      ++normFolds_;
    }
  }
  return success();
}

LogicalResult Applier::emit(Layer &l) {
  const q::PlanEntry &e = l.entry;
  // x may be the result of a layer rewritten before this one (k -> k2).
  l.lin.x = l.lin.op->getOperand(0);
  Value bias;
  if (l.newBias)
    bias = makeConstant(l.lin.op, {l.lin.n}, *l.newBias);
  if (!e.scheme.isPacked() || o_.foldOnly) { // QF16: f16/bf16 are packed below
    if (l.modified) {
      if (!openSide())
        return failure();
      replaceWeight(l.lin, l.name, l.w, bias, side_);
    }
    ++keptF32_;
    return success();
  }
  if (failed(load(l)))
    return failure();
  int64_t n = l.lin.n, k = l.lin.k;
  std::string error;
  q::QuantizedWeight qw;
  std::string method = q::methodName(e.method);
  if (e.method == q::Method::GPTQ) {
    if (!l.stats || l.stats->xtx.size() != size_t(k * k))
      return fail(o_.stats + ": layer '" + l.name +
                  "': GPTQ needs X^T X, the statistics file lacks it");
    std::vector<double> h(l.stats->xtx);
    if (!l.colScale.empty()) // x' = x / s: H' = diag(1/s) H diag(1/s)
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < k; ++j)
          h[i * k + j] /= double(l.colScale[i]) * double(l.colScale[j]);
    q::GptqOptions go;
    go.actOrder = true;
    go.dampFrac = 0.01;
    auto r = q::gptq(l.w.data(), n, k, h.data(), e.scheme, go, error);
    if (!r)
      return fail("layer '" + l.name + "': " + error);
    qw = std::move(r->weight);
  } else {
    // rtn, and awq: the AWQ factors are already in W' (its RTN is AWQ's
    // weight); an awq layer in a SmoothQuant group is rounded RTN on W'.
    if (e.method == q::Method::AWQ && !l.awqScaled)
      method = "rtn (awq layer in a SmoothQuant group)";
    qw = q::quantizeRTN(l.w.data(), n, k, e.scheme);
  }
  if (!openSide())
    return failure();
  if (!emitQLinear(l.lin, l.name, qw, bias, side_, error))
    return fail(error);
  ++byMethod_[method];
  return success();
}

LogicalResult Applier::run() {
  if (failed(collect()) || failed(resolveEntries()) || failed(loadStats()) ||
      failed(smoothGroups()))
    return failure();
  for (auto &l : layers_) {
    if (failed(emit(*l)))
      return failure();
    l->w.clear();
    l->w.shrink_to_fit();
  }
  std::string error;
  if (!side_.close(error))
    return fail(error);
  bool plainRtn = o_.plan.empty() && o_.method == "rtn" && !o_.smoothQuant;
  if (!plainRtn) { // qcc-quantize-linear / --quantize=S alone stay quiet
    std::string methods;
    for (auto &[m, c] : byMethod_)
      methods += (methods.empty() ? "" : ", ") + m + " " + std::to_string(c);
    llvm::errs() << pass_ << ": " << layers_.size() << " linear layers: " << keptF32_
                 << " f32, quantized: " << (methods.empty() ? "none" : methods) << "; "
                 << smoothGroups_ << " SmoothQuant + " << awqGroups_
                 << " AWQ input groups folded (" << normFolds_ << " into norms, " << rowFolds_
                 << " into producer rows, " << mulFolds_ << " as qcc.mul"
                 << (mulLayers_.empty() ? std::string() : ", e.g. before '" + mulLayers_[0] + "'")
                 << ")\n";
  }
  return success();
}

} // namespace

LogicalResult runApplyQuantPlan(ModuleOp module, const ApplyQuantPlanOptions &options,
                                StringRef passName) {
  return Applier(module, options, passName).run();
}

} // namespace qcc::applyplan

namespace {

struct ApplyQuantPlanPass
    : public PassWrapper<ApplyQuantPlanPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ApplyQuantPlanPass)

  ApplyQuantPlanPass() = default;
  ApplyQuantPlanPass(const ApplyQuantPlanPass &other) : PassWrapper(other) {}
  explicit ApplyQuantPlanPass(const qcc::ApplyQuantPlanOptions &o) {
    plan = o.plan;
    stats = o.stats;
    sideFile = o.sideFile;
    foldOnly = o.foldOnly;
    scheme = o.scheme;
    method = o.method;
    smoothQuant = o.smoothQuant;
    layers = o.layers;
  }

  StringRef getArgument() const final { return "qcc-apply-quant-plan"; }
  StringRef getDescription() const final {
    return "Quantize each linear layer as a plan file says (RTN/GPTQ/AWQ, SmoothQuant "
           "W8A8) into qcc.qlinear, folding the smoothing factors into the preceding "
           "norm or linear (or a qcc.mul, e.g. before Llama's attn_output)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<qcc::QccDialect, arith::ArithDialect>();
  }

  Option<std::string> plan{*this, "plan", llvm::cl::desc("Plan file (qcc-quant-plan JSON)"),
                           llvm::cl::init("")};
  Option<std::string> stats{*this, "stats",
                            llvm::cl::desc("Calibration statistics (gptq, awq, SmoothQuant)"),
                            llvm::cl::init("")};
  Option<std::string> sideFile{*this, "side-file",
                               llvm::cl::desc("File the packed / rescaled weights go to"),
                               llvm::cl::init("qcc-packed.bin")};
  Option<bool> foldOnly{*this, "fold-only",
                        llvm::cl::desc("Fold the smoothing factors, keep weights f32"),
                        llvm::cl::init(false)};
  Option<std::string> scheme{*this, "scheme",
                             llvm::cl::desc("Without plan: one scheme for every layer"),
                             llvm::cl::init("")};
  Option<std::string> method{*this, "method",
                             llvm::cl::desc("Without plan: rtn, gptq or awq"),
                             llvm::cl::init("rtn")};
  Option<bool> smoothQuant{*this, "smoothquant",
                           llvm::cl::desc("Without plan: SmoothQuant (scheme w8a8)"),
                           llvm::cl::init(false)};
  Option<std::string> layers{*this, "layers",
                             llvm::cl::desc("Without plan: regex of the layers to quantize"),
                             llvm::cl::init("")};

  void runOnOperation() override {
    qcc::ApplyQuantPlanOptions o;
    o.plan = plan;
    o.stats = stats;
    o.sideFile = sideFile;
    o.foldOnly = foldOnly;
    o.scheme = scheme;
    o.method = method;
    o.smoothQuant = smoothQuant;
    o.layers = layers;
    if (o.plan.empty() && o.scheme.empty()) {
      getOperation().emitError() << "qcc-apply-quant-plan: give plan=FILE or scheme=NAME";
      return signalPassFailure();
    }
    if (failed(qcc::applyplan::runApplyQuantPlan(getOperation(), o, "qcc-apply-quant-plan")))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> qcc::createApplyQuantPlanPass(const ApplyQuantPlanOptions &options) {
  return std::make_unique<ApplyQuantPlanPass>(options);
}

void qcc::registerApplyQuantPlanPass() { PassRegistration<ApplyQuantPlanPass>(); }
