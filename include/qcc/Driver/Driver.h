//===- Driver.h - the qcc compiler driver: ONNX/MLIR in, model.so out ------===//
#ifndef QCC_DRIVER_DRIVER_H
#define QCC_DRIVER_DRIVER_H

#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace qcc {

/// The stage after which the driver stops and what it writes.
enum class EmitKind {
  QccMLIR,   ///< `mlir`: the imported module in the qcc dialect
  Linalg,    ///< `linalg`: after the qcc -> linalg conversion
  LLVMMLIR,  ///< `llvm-mlir`: the LLVM dialect module
  LLVMIR,    ///< `llvm`: optimized LLVM IR (.ll)
  Assembly,  ///< `asm`: target assembly (.s)
  Object,    ///< `obj`: relocatable object (.o)
  SharedLib, ///< `so`: model.so linked with the runtime
};

/// Parses an `-emit=` value; returns false when unknown.
bool parseEmitKind(llvm::StringRef name, EmitKind &out);
/// The `-emit=` spelling of `kind`.
llvm::StringRef emitKindName(EmitKind kind);

/// Everything the command line of `qcc` selects.
struct DriverOptions {
  /// Input: .onnx / .onnxtxt (ONNX importer) or .mlir (any stage up to the
  /// LLVM dialect; "-" reads MLIR from stdin).
  std::string inputPath;
  /// Output path; empty picks a default from the input name and the stage
  /// ("-" writes textual stages to stdout).
  std::string outputPath;
  /// Target name (see --list-targets).
  std::string target = "native";
  EmitKind emit = EmitKind::SharedLib;
  /// 0..3: LLVM optimization level.
  unsigned optLevel = 2;
  /// Outline parallel loops to the runtime's thread pool.
  bool threads = true;
  /// `name=d0,d1,...` static shapes for graph inputs.
  std::vector<std::string> inputShapes;
  /// `--weights=`: where checkpoint weights and `qcc.external_weight` ops end
  /// up: "external" (streamed from the file into model.so at link time) or
  /// "inline" (arith.constant dense_resource blobs in the IR).
  std::string weights = "external";
  /// LLM checkpoints: context length recorded in qcc.context_length (0 = the
  /// checkpoint's).
  int64_t contextLength = 0;
  /// `--gguf-weights=`: GGUF checkpoints: "native" keeps block-quantized
  /// linear weights in their quantization (qcc.qlinear), "f32" dequantizes.
  std::string ggufWeights = "f32";
  /// `--quantize=<scheme>` (e.g. int4_g128_asym, int8_pc_sym, nf4_g64):
  /// every linear layer with a constant f32 weight becomes a qcc.qlinear
  /// quantized round-to-nearest (pass qcc-quantize-linear); "" = off.
  std::string quantize;
  /// `--quantize-layers=<regex>`: only layers whose qcc.layer (or weight
  /// symbol) matches are quantized ("" = all).
  std::string quantizeLayers;
  /// `--calib`: calibration text (LLM checkpoints); the statistics of every
  /// linear layer's input are measured and written to `statsPath` instead of
  /// producing a model (docs/Quantization.md, "Calibration").
  std::string calibPath;
  /// `--calib-samples`: number of windows of `calibSeqLen` tokens.
  int64_t calibSamples = 16;
  /// `--calib-seqlen`: tokens per window (prefill, batch 1, empty cache).
  int64_t calibSeqLen = 512;
  /// `--calib-rows`: input rows kept per layer by reservoir sampling.
  int64_t calibSampleRows = 16;
  /// `--calib-tokens`: also write the int32 token ids of the windows here.
  std::string calibTokensPath;
  /// `--stats`: the statistics file written by --calib, or read (and checked
  /// against the model) without it.
  std::string statsPath;
  // APPLY: plan-driven quantization (pass qcc-apply-quant-plan).
  /// `--plan FILE`: quantize each linear layer as the plan file says
  /// (docs/Quantization.md, "Applying a plan"); needs `statsPath` when the
  /// plan uses gptq, awq or SmoothQuant.
  std::string planPath;
  /// `--quantize-method=rtn|gptq|awq`: rounding of the uniform --quantize plan.
  std::string quantizeMethod = "rtn";
  /// `--smoothquant`: with --quantize=w8a8, SmoothQuant with alpha searched.
  bool smoothQuant = false;
  // SENS: the sensitivity stage (lib/Driver/Sensitivity.cpp).
  /// `--sensitivity=hessian|kl|all`: per layer and candidate scheme, the
  /// Hessian estimate and/or the measured KL, written into --stats; "" = off.
  std::string sensitivity;
  /// `--candidates a,b,c`: candidate schemes ("" = quant::defaultCandidates()).
  std::string candidates;
  /// `--sens-text`: held text of the KL measurement ("" = the statistics'
  /// calibration text, windows taken after the calibration windows).
  std::string sensText;
  /// `--sens-windows`: windows (sequences, one batch) of the KL measurement.
  int64_t sensWindows = 2;
  /// `--sens-seqlen`: tokens per window of the KL measurement.
  int64_t sensSeqLen = 128;
  /// `--sens-sentences`: held-out sentences of an encoder's measured
  /// sensitivity (1 - cos of the sentence embeddings; encoders only).
  int64_t sensSentences = 64;
  /// `--sens-layers`: only layers whose name matches this regex ("" = all).
  std::string sensLayers;
  /// `--sens-tokens`: also write the int32 token ids of the KL windows here.
  std::string sensTokensPath;
  // end SENS
  // BUDGET: budgeted mixed precision, the whole pipeline and its report
  // (lib/Driver/QuantPipeline.cpp, docs/Quantization.md "Budgets, pipeline
  // and report"). Budgets are kept as typed; lib/Driver/Budget.cpp parses.
  /// `--max-ppl-increase 0.5%` (or 0.005): predicted perplexity rise bound.
  std::string maxPplIncrease;
  /// `--max-kl X`: bound on the predicted KL (nats per token).
  std::string maxKl;
  /// `--avg-bits B`: bits per weight of the linear layers (scales included).
  std::string avgBits;
  /// `--max-size 80MB`: size of the linear layers' weights (codes + scales).
  std::string maxSize;
  /// `--layer-precision 'REGEX=scheme[:method],...'`: fixed layers.
  std::string layerPrecision;
  /// `--save-plan FILE`: where the solved plan goes (without -o: stop there).
  std::string savePlan;
  /// `--report DIR`: report.json, report.md, plan.json, sensitivity.png.
  std::string reportDir;
  /// `--verify-windows N`: held-out windows of the verification (0 = skip).
  int64_t verifyWindows = 4;
  // end BUDGET
};

/// Compiles according to `options`. Errors are printed to stderr as one line
/// starting with "qcc: error:" (plus MLIR diagnostics with locations). Returns
/// the process exit code; on failure no output file is created.
int runDriver(const DriverOptions &options);

/// Prints the selectable targets, one per line.
void printTargets(llvm::raw_ostream &os);

/// Prints the version of qcc and of the LLVM it is built with.
void printVersion(llvm::raw_ostream &os);

} // namespace qcc

#endif // QCC_DRIVER_DRIVER_H
