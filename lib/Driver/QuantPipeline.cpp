//===- QuantPipeline.cpp - budget -> stats, sensitivity, plan, compile -----===//
#include "QuantPipeline.h"

#include "Budget.h"
#include "Report.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <cstdio>
#include <optional>

namespace qcc {

namespace {

int fail(const std::string &msg) {
  llvm::errs() << "qcc: error: " << msg << "\n";
  return 1;
}

std::string fmt(const char *f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

/// Stage lines: "qcc: pipeline [i/N] name: what (elapsed 1.2 s)".
struct Progress {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  int stage = 0, stages = 0;
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  void begin(const std::string &name, const std::string &what) {
    ++stage;
    llvm::errs() << "qcc: pipeline [" << stage << "/" << stages << "] " << name << ": " << what
                 << " (elapsed " << fmt("%.1f s", elapsed()) << ")\n";
  }
  void note(const std::string &what) { llvm::errs() << "qcc: pipeline: " << what << "\n"; }
};

/// The options of a stage: the pipeline's, minus the budget options (so that
/// runDriver does not start another pipeline).
DriverOptions stageOptions(const DriverOptions &o) {
  DriverOptions s = o;
  s.maxPplIncrease.clear();
  s.maxKl.clear();
  s.avgBits.clear();
  s.maxSize.clear();
  s.layerPrecision.clear();
  s.savePlan.clear();
  s.reportDir.clear();
  s.calibPath.clear();
  s.calibTokensPath.clear();
  return s;
}

/// A temporary file next to \p near (same file system: renames are atomic).
std::optional<std::string> tempNear(const std::string &near, const char *suffix,
                                    std::string &error) {
  llvm::SmallString<256> model(near);
  llvm::sys::path::remove_filename(model);
  llvm::sys::path::append(model, llvm::sys::path::filename(near) + ".tmp-%%%%%%" + suffix);
  llvm::SmallString<256> out;
  int fd = -1;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, out)) {
    error = "cannot create a temporary file next to '" + near + "': " + ec.message();
    return std::nullopt;
  }
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  return out.str().str();
}

std::optional<std::string> tempFile(const char *prefix, const char *ext, std::string &error) {
  llvm::SmallString<256> out;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(prefix, ext, out)) {
    error = std::string("cannot create a temporary file: ") + ec.message();
    return std::nullopt;
  }
  return out.str().str();
}

uint64_t fileSize(const std::string &path) {
  uint64_t s = 0;
  llvm::sys::fs::file_size(path, s);
  return s;
}

/// Compiles the model with the plan into \p soPath (APPLY's --plan; the
/// statistics feed GPTQ and SmoothQuant).
int compileWithPlan(const DriverOptions &o, const std::string &planPath,
                    const std::string &statsPath, const std::string &soPath) {
  DriverOptions c = stageOptions(o);
  c.outputPath = soPath;
  c.statsPath = statsPath;
  c.planPath = planPath;
  return runDriver(c);
}

/// The verification stage of a causal LM: held-out windows of \p text after
/// the calibration and KL tokens through \p f32So and \p quantSo
/// (verifyModels), printed as measured vs predicted perplexity and KL.
/// Returns 0 or the exit code.
int verifyLlm(const DriverOptions &o, const budget::Assignment &a, const std::string &f32So,
              const std::string &quantSo, const std::string &text,
              const quant::CalibrationStats &stats, Progress &progress, report::ReportInput &rin) {
  VerifyRequest req;
  req.f32Library = f32So;
  req.quantLibrary = quantSo;
  req.textPath = text;
  req.windows = o.verifyWindows;
  req.seqLen = stats.seqLen;
  // Calibration used the first samples x seqLen tokens; the KL
  // sensitivity windows (when measured on this text) come after them.
  req.tokenOffset = stats.samples * stats.seqLen;
  if (stats.summary && stats.summary->klSource == text)
    req.tokenOffset = std::max(req.tokenOffset, stats.summary->klTokenOffset +
                                                    stats.summary->klWindows *
                                                        stats.summary->klSeqLen);
  std::string note, error;
  std::optional<report::Verification> v = verifyModels(req, note, error);
  if (!v)
    return fail(error);
  if (!note.empty())
    progress.note("note: " + note);
  rin.verification = v;
  std::string predicted =
      a.predictedPplIncrease() ? fmt("%+.3f%%", *a.predictedPplIncrease() * 100) : "n/a";
  llvm::errs() << "qcc: verify: perplexity " << fmt("%.4f", v->pplF32()) << " (F32) -> "
               << fmt("%.4f", v->pplQuant()) << " (quantized) on " << v->scoredTokens
               << " held-out tokens: measured " << fmt("%+.3f%%", v->pplIncrease() * 100)
               << ", predicted " << predicted << "; mean KL measured " << fmt("%.5g", v->meanKl)
               << " nats, predicted "
               << (a.lossKind == "kl" ? fmt("%.5g", a.predictedLoss) : std::string("n/a")) << "\n";
  return 0;
}

/// Held-out sentences an encoder verifies on per --verify-windows.
constexpr int64_t kSentencesPerWindow = 32;

/// The verification stage of an encoder: held-out sentences of \p text
/// through \p f32So and \p quantSo (verifyEncoderModels), printed as
/// measured vs predicted 1 - cos. Returns 0 or the exit code.
int verifyEncoder(const DriverOptions &o, const budget::Assignment &a, const std::string &f32So,
                  const std::string &quantSo, const std::string &text,
                  const quant::CalibrationStats &stats, Progress &progress,
                  report::ReportInput &rin) {
  // The encoder importer reads tokenizer.json beside config.json.
  llvm::SmallString<256> tok(o.inputPath);
  if (!llvm::sys::fs::is_directory(o.inputPath))
    llvm::sys::path::remove_filename(tok);
  llvm::sys::path::append(tok, "tokenizer.json");
  if (!llvm::sys::fs::exists(tok))
    return fail("cannot verify '" + o.inputPath + "': no tokenizer '" + tok.str().str() + "'");
  VerifyRequest req;
  req.f32Library = f32So;
  req.quantLibrary = quantSo;
  req.textPath = text;
  // Cut like the calibration sentences were (the longest fitted the model).
  req.seqLen = std::max<int64_t>(stats.seqLen, 2);
  req.tokenizerPath = tok.str().str();
  req.calibSentences = stats.samples;
  req.sentences = o.verifyWindows * kSentencesPerWindow;
  std::string note, error;
  std::optional<report::Verification> v = verifyEncoderModels(req, note, error);
  if (!v)
    return fail(error);
  if (!note.empty())
    progress.note("note: " + note);
  rin.verification = v;
  llvm::errs() << "qcc: verify: sentence embeddings on " << v->sentences
               << " held-out sentences: cosine to F32 min " << fmt("%.5f", v->minCos)
               << ", mean " << fmt("%.5f", v->meanCos) << "; mean 1 - cos measured "
               << fmt("%.5g", v->meanCosLoss) << ", predicted "
               << (a.lossKind == "cosine" ? fmt("%.5g", a.predictedLoss) : std::string("n/a"))
               << "\n";
  return 0;
}

} // namespace

bool hasBudgetOptions(const DriverOptions &o) {
  return !o.maxPplIncrease.empty() || !o.maxKl.empty() || !o.avgBits.empty() ||
         !o.maxSize.empty() || !o.layerPrecision.empty() || !o.savePlan.empty() ||
         !o.reportDir.empty();
}

int runQuantPipeline(const DriverOptions &o) {
  std::string error;
  std::optional<budget::Budget> budget = budget::parseBudget(o, error);
  if (!budget)
    return fail(error);
  if (budget->kind == budget::BudgetKind::None)
    return fail(std::string(!o.layerPrecision.empty() ? "--layer-precision"
                            : !o.savePlan.empty()     ? "--save-plan"
                                                      : "--report") +
                " needs a budget: --max-ppl-increase, --max-kl, --avg-bits or --max-size");
  std::optional<std::vector<budget::LayerOverride>> overrides =
      budget::parseLayerPrecision(o.layerPrecision, error);
  if (!overrides)
    return fail(error);
  std::optional<std::vector<quant::Scheme>> candidates = budget::candidateSchemes(o.candidates, error);
  if (!candidates)
    return fail(error);
  if (!o.quantize.empty() || !o.planPath.empty())
    return fail((o.planPath.empty() ? "--quantize=" + o.quantize : "--plan " + o.planPath) +
                " and " + budget->option + " both choose the precision; give one");
  if (!o.sensitivity.empty())
    return fail("--sensitivity is a separate run (qcc model --sensitivity=kl --stats s.qstats); "
                "a budget reads its results from --stats");
  if (o.emit != EmitKind::SharedLib)
    return fail("a budget compiles a shared library; -emit=" + emitKindName(o.emit).str() +
                " does not apply");
  if (o.verifyWindows < 0)
    return fail("--verify-windows must be >= 0, got " + std::to_string(o.verifyWindows));
  if (o.inputPath.empty())
    return fail("no input file (usage: qcc model.gguf --calib text.txt --avg-bits 4.5 -o m.so)");
  if (!llvm::sys::fs::exists(o.inputPath))
    return fail("no such file: '" + o.inputPath + "'");
  if (o.outputPath.empty() && o.savePlan.empty())
    return fail(budget->option + " needs -o model.so (or --save-plan FILE to stop after solving)");
  if (!o.outputPath.empty()) {
    llvm::StringRef dir = llvm::sys::path::parent_path(o.outputPath);
    if (!dir.empty() && !llvm::sys::fs::is_directory(dir))
      return fail("cannot write '" + o.outputPath + "': directory '" + dir.str() +
                  "' does not exist");
  }
  bool compile = !o.outputPath.empty();
  bool verify = compile && o.verifyWindows > 0;

  Progress progress;
  progress.stages = 4 + (compile ? 1 : 0) + (verify ? 1 : 0) + (o.reportDir.empty() ? 0 : 1);
  // A deque: growing it never moves (and so never fires) a remover.
  std::deque<llvm::FileRemover> removers;

  // 1. Statistics.
  std::string statsPath = o.statsPath;
  if (statsPath.empty()) {
    std::optional<std::string> t = tempFile("qcc-budget", "qstats", error);
    if (!t)
      return fail(error);
    llvm::sys::fs::remove(*t);
    statsPath = *t;
    removers.emplace_back(statsPath);
    removers.emplace_back(statsPath + ".bin");
  }
  if (llvm::sys::fs::exists(statsPath)) {
    progress.begin("statistics", "reusing '" + statsPath + "'");
  } else {
    if (o.calibPath.empty())
      return fail(o.statsPath.empty()
                      ? budget->option + " needs calibration statistics: give --calib text.txt "
                                         "(and --stats FILE to keep them) or --stats FILE"
                      : "no statistics file '" + statsPath +
                            "': give --calib text.txt to measure it");
    progress.begin("calibration", "'" + o.calibPath + "' -> '" + statsPath + "'");
    DriverOptions c = stageOptions(o);
    c.calibPath = o.calibPath;
    c.calibTokensPath = o.calibTokensPath;
    c.statsPath = statsPath;
    c.outputPath.clear();
    if (int rc = runDriver(c))
      return rc;
  }
  std::optional<quant::CalibrationStats> stats = quant::readStats(statsPath, error);
  if (!stats)
    return fail(error);

  // 2. Sensitivity: SENS's --sensitivity stage when the statistics lack
  // what the budget needs (both estimates: the report shows them side by side).
  std::string missing = budget::missingSensitivities(*stats, *budget, *candidates, *overrides);
  if (!missing.empty()) {
    progress.begin("sensitivity", "measuring (the statistics lack " + missing + ")");
    DriverOptions c = stageOptions(o);
    c.statsPath = statsPath;
    c.sensitivity = "all";
    c.outputPath.clear();
    if (int rc = runDriver(c))
      return rc;
    stats = quant::readStats(statsPath, error);
    if (!stats)
      return fail(error);
    missing = budget::missingSensitivities(*stats, *budget, *candidates, *overrides);
    if (!missing.empty())
      return fail("after qcc --sensitivity, '" + statsPath + "' still has no " + missing);
  } else {
    progress.begin("sensitivity", "'" + statsPath + "' has what " + budget->option + " needs");
  }

  // 3. Solve.
  progress.begin("solve", budget->option + ", " + std::to_string(candidates->size()) +
                              " candidate schemes, " + std::to_string(overrides->size()) +
                              " override rule(s), " + std::to_string(stats->layers.size()) +
                              " layers");
  std::optional<budget::Assignment> a =
      budget::solveBudget(*stats, statsPath, *budget, *candidates, *overrides, error);
  if (!a)
    return fail(error);
  for (const std::string &w : a->warnings)
    llvm::errs() << "qcc: warning: " << w << "\n";
  progress.note("plan: " + budget::summary(*a));
  quant::QuantPlan plan = budget::toPlan(*a, *stats);

  // 4. The plan file.
  std::string planPath = o.savePlan;
  if (planPath.empty()) {
    std::optional<std::string> t = tempFile("qcc-plan", "json", error);
    if (!t)
      return fail(error);
    planPath = *t;
    removers.emplace_back(planPath);
  }
  progress.begin("plan", "writing '" + planPath + "'");
  if (!quant::writePlan(plan, planPath, error))
    return fail(error);

  report::ReportInput rin;
  rin.modelPath = o.inputPath;
  rin.statsPath = statsPath;
  rin.outputPath = o.outputPath;
  rin.assignment = &*a;
  rin.stats = &*stats;
  rin.plan = &plan;

  // 5. Compile, into a temporary next to -o.
  std::string tmpSo;
  if (compile) {
    std::optional<std::string> t = tempNear(o.outputPath, ".so", error);
    if (!t)
      return fail(error);
    tmpSo = *t;
    removers.emplace_back(tmpSo);
    progress.begin("compile", "'" + o.inputPath + "' with the plan");
    if (int rc = compileWithPlan(o, planPath, statsPath, tmpSo))
      return rc;
    rin.quantLibraryBytes = fileSize(tmpSo);
  }

  // 6. Verify on held-out windows of the calibration text.
  if (verify) {
    std::string text = !o.calibPath.empty() ? o.calibPath : stats->source;
    bool encoder = isEncoderLibrary(tmpSo);
    progress.begin("verify", "compiling the F32 model, then " +
                                 (encoder ? std::to_string(o.verifyWindows * kSentencesPerWindow) +
                                                " held-out sentences"
                                          : std::to_string(o.verifyWindows) +
                                                " held-out windows") +
                                 " of '" + text + "'");
    std::optional<std::string> f32 = tempFile("qcc-verify-f32", "so", error);
    if (!f32)
      return fail(error);
    removers.emplace_back(*f32);
    DriverOptions c = stageOptions(o);
    c.outputPath = *f32;
    c.statsPath.clear();
    if (int rc = runDriver(c))
      return rc;
    rin.f32LibraryBytes = fileSize(*f32);
    if (int rc = (encoder ? verifyEncoder : verifyLlm)(o, *a, *f32, tmpSo, text, *stats,
                                                      progress, rin))
      return rc;
  }

  // 7. Report.
  if (!o.reportDir.empty()) {
    progress.begin("report", "'" + o.reportDir + "'");
    if (!report::writeReport(o.reportDir, rin, error))
      return fail(error);
  }

  if (compile) {
    if (std::error_code ec = llvm::sys::fs::rename(tmpSo, o.outputPath))
      return fail("cannot write '" + o.outputPath + "': " + ec.message());
    llvm::errs() << "qcc: pipeline: wrote '" << o.outputPath << "' ("
                 << budget::formatMB(static_cast<double>(fileSize(o.outputPath))) << ") in "
                 << fmt("%.1f s", progress.elapsed()) << "\n";
  }
  return 0;
}

} // namespace qcc
