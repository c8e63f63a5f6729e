//===- qcc.cpp - the qcc compiler: model.onnx -> model.so ------------------===//
#include "qcc/Driver/Driver.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

namespace cl = llvm::cl;

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::OptionCategory category("qcc options");
  cl::opt<std::string> input(cl::Positional, cl::desc("<model.onnx|.onnxtxt|.mlir|.gguf|hf_dir|config.json>"),
                             cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("Output file"),
                              cl::value_desc("path"), cl::cat(category));
  cl::opt<std::string> target(
      "target", cl::desc("Code generation target (see --list-targets)"),
      cl::init("native"), cl::cat(category));
  cl::opt<std::string> emit(
      "emit",
      cl::desc("Stage to stop after: mlir (imported qcc dialect), linalg, "
               "llvm-mlir, llvm (.ll), asm, obj, so (default)"),
      cl::init("so"), cl::cat(category));
  cl::opt<unsigned> optLevel(
      "O", cl::desc("Optimization level 0-3 (default 2)"), cl::Prefix,
      cl::init(2), cl::cat(category));
  cl::list<std::string> inputShapes(
      "input-shape",
      cl::desc("Static shape of a graph input: name=d0,d1,... (repeatable)"),
      cl::value_desc("name=d0,d1,..."), cl::cat(category));
  cl::opt<std::string> weights(
      "weights",
      cl::desc("Where weights go: external (default: streamed from the "
               "checkpoint file into model.so at link time) or inline "
               "(constants in the IR)"),
      cl::init("external"), cl::cat(category));
  cl::opt<std::string> ggufWeights(
      "gguf-weights",
      cl::desc("GGUF checkpoints: native (linear layers stored as Q4_0..Q8_0 "
               "or Q2_K..Q6_K stay quantized: qcc.qlinear on the repacked "
               "blocks) or f32 (default: every tensor dequantized)"),
      cl::value_desc("native|f32"), cl::init("f32"), cl::cat(category));
  cl::opt<std::string> quantize(
      "quantize",
      cl::desc("Quantize every linear layer with a constant weight to this "
               "scheme, round-to-nearest (e.g. int8_pc_sym, int4_g128_asym, "
               "nf4_g64, fp8_e4m3_pc, w8a8)"),
      cl::value_desc("scheme"), cl::init(""), cl::cat(category));
  cl::opt<std::string> quantizeLayers(
      "quantize-layers",
      cl::desc("With --quantize: only layers whose name (qcc.layer) matches "
               "this regex"),
      cl::value_desc("regex"), cl::init(""), cl::cat(category));
  // APPLY: plan-driven quantization.
  cl::opt<std::string> plan(
      "plan",
      cl::desc("Quantize each linear layer as this plan file says (scheme, "
               "rtn/gptq/awq, SmoothQuant); gptq/awq/SmoothQuant need --stats"),
      cl::value_desc("plan.json"), cl::init(""), cl::cat(category));
  cl::opt<std::string> quantizeMethod(
      "quantize-method",
      cl::desc("With --quantize: rounding method rtn (default), gptq or awq "
               "(gptq/awq need --stats)"),
      cl::value_desc("rtn|gptq|awq"), cl::init("rtn"), cl::cat(category));
  cl::opt<bool> smoothQuant(
      "smoothquant",
      cl::desc("With --quantize=w8a8: SmoothQuant, alpha searched per input "
               "group on the --stats sample rows"),
      cl::init(false), cl::cat(category));
  cl::opt<int64_t> ctx("ctx",
                       cl::desc("LLM checkpoints: context length recorded in "
                                "the model (default: the checkpoint's)"),
                       cl::init(0), cl::cat(category));
  cl::opt<std::string> calib(
      "calib",
      cl::desc("Calibrate: run this text through the float model (LLM "
               "checkpoints) and write the input statistics of every linear "
               "layer to --stats"),
      cl::value_desc("text.txt"), cl::cat(category));
  cl::opt<int64_t> calibSamples("calib-samples",
                                cl::desc("Calibration windows (default 16)"),
                                cl::init(16), cl::cat(category));
  cl::opt<int64_t> calibSeqLen("calib-seqlen",
                               cl::desc("Tokens per calibration window (default 512)"),
                               cl::init(512), cl::cat(category));
  cl::opt<int64_t> calibRows("calib-rows",
                             cl::desc("Input rows per layer kept by reservoir "
                                      "sampling (default 16)"),
                             cl::init(16), cl::cat(category));
  cl::opt<std::string> calibTokens(
      "calib-tokens",
      cl::desc("Also write the int32 token ids of the calibration windows"),
      cl::value_desc("file"), cl::cat(category));
  // SENS: the sensitivity stage.
  cl::opt<std::string> sensitivity(
      "sensitivity",
      cl::desc("Per layer and candidate scheme, write into --stats the Hessian "
               "estimate from the statistics (hessian), the measured KL of the "
               "logits with only that layer quantized (kl), or both (all)"),
      cl::value_desc("hessian|kl|all"), cl::init(""), cl::cat(category));
  cl::opt<std::string> candidates(
      "candidates",
      cl::desc("Candidate schemes of --sensitivity (default f16,int8_pc_sym,"
               "int6_g128_asym,int5_g128_asym,int4_g128_asym,int3_g128_asym)"),
      cl::value_desc("a,b,c"), cl::init(""), cl::cat(category));
  cl::opt<std::string> sensText(
      "sens-text",
      cl::desc("Held text of the KL measurement (default: the calibration "
               "text of --stats, after its calibration windows)"),
      cl::value_desc("text.txt"), cl::init(""), cl::cat(category));
  cl::opt<int64_t> sensWindows("sens-windows",
                               cl::desc("Windows of the KL measurement (default 2)"),
                               cl::init(2), cl::cat(category));
  cl::opt<int64_t> sensSeqLen("sens-seqlen",
                              cl::desc("Tokens per KL window (default 128)"),
                              cl::init(128), cl::cat(category));
  cl::opt<int64_t> sensSentences(
      "sens-sentences",
      cl::desc("Encoders: held-out sentences of the measured sensitivity (default 64)"),
      cl::init(64), cl::cat(category));
  cl::opt<std::string> sensLayers(
      "sens-layers",
      cl::desc("With --sensitivity: only layers whose name matches this regex"),
      cl::value_desc("regex"), cl::init(""), cl::cat(category));
  cl::opt<std::string> sensTokens(
      "sens-tokens",
      cl::desc("Also write the int32 token ids of the KL windows"),
      cl::value_desc("file"), cl::init(""), cl::cat(category));
  // end SENS
  // BUDGET: budgeted mixed precision and the pipeline (Driver.h).
  cl::opt<std::string> maxPplIncrease(
      "max-ppl-increase",
      cl::desc("Budget: smallest model whose predicted perplexity rise (sum of "
               "the layers' measured KL) stays within this (0.5% or 0.005); "
               "runs calibration, sensitivity, solve, compile and verify"),
      cl::value_desc("percent"), cl::cat(category));
  cl::opt<std::string> maxKl(
      "max-kl", cl::desc("Budget: smallest model whose predicted KL (nats per "
                         "token, sum over layers) stays within this"),
      cl::value_desc("nats"), cl::cat(category));
  cl::opt<std::string> avgBits(
      "avg-bits",
      cl::desc("Budget: least predicted loss at this average of bits per "
               "weight over the linear layers (scales and mins included)"),
      cl::value_desc("bits"), cl::cat(category));
  cl::opt<std::string> maxSize(
      "max-size",
      cl::desc("Budget: least predicted loss with the linear layers' weights "
               "(codes + scales, not embeddings or norms) within this size: "
               "80MB (10^6 bytes), 76MiB (2^20), KB/KiB, GB/GiB"),
      cl::value_desc("size"), cl::cat(category));
  cl::opt<std::string> layerPrecision(
      "layer-precision",
      cl::desc("With a budget: fix the layers whose name matches REGEX to a "
               "scheme (and rounding method) before solving"),
      cl::value_desc("REGEX=scheme[:method],..."), cl::cat(category));
  cl::opt<std::string> savePlan(
      "save-plan",
      cl::desc("With a budget: write the solved plan here (editable, for "
               "--plan); without -o the pipeline stops after it"),
      cl::value_desc("plan.json"), cl::cat(category));
  cl::opt<std::string> reportDir(
      "report",
      cl::desc("With a budget: write report.json, report.md, plan.json and "
               "sensitivity.png into this directory"),
      cl::value_desc("dir"), cl::cat(category));
  cl::opt<int64_t> verifyWindows(
      "verify-windows",
      cl::desc("With a budget: held-out calibration windows on which the F32 "
               "and the quantized model are compared (default 4; 0 = skip)"),
      cl::init(4), cl::cat(category));
  // end BUDGET
  // libLLVM already registers a global `-threads` option, so --threads and
  // --no-threads are taken out of argv before the command line is parsed.
  bool threads = true;
  // libLLVM also registers `-stats`, so --stats FILE / --stats=FILE (the
  // calibration statistics file: written by --calib, otherwise read and
  // checked against the model) is taken out of argv here too.
  std::string stats;
  std::vector<char *> args;
  for (int i = 0; i < argc; ++i) {
    llvm::StringRef a(argv[i]);
    if (i > 0 && (a == "--stats" || a == "-stats")) {
      if (i + 1 >= argc) {
        llvm::errs() << "qcc: error: --stats needs a file name\n";
        return 1;
      }
      stats = argv[++i];
      continue;
    }
    if (i > 0 && (a.consume_front("--stats=") || a.consume_front("-stats="))) {
      stats = a.str();
      continue;
    }
    if (i > 0 && (a == "--threads" || a == "-threads" ||
                  a == "--threads=true" || a == "--threads=1")) {
      threads = true;
      continue;
    }
    if (i > 0 && (a == "--no-threads" || a == "-no-threads" ||
                  a == "--threads=false" || a == "--threads=0")) {
      threads = false;
      continue;
    }
    args.push_back(argv[i]);
  }
  cl::opt<bool> listTargets("list-targets",
                            cl::desc("List the available targets and exit"),
                            cl::cat(category));

  cl::SetVersionPrinter([](llvm::raw_ostream &os) { qcc::printVersion(os); });
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      static_cast<int>(args.size()), args.data(),
      "qcc: compiles an ONNX model (or an MLIR module) into a shared library\n"
      "that the qcc runtime loads (see docs/GettingStarted.md)\n\n"
      "  qcc model.onnx -target=avx512 -o model.so\n\n"
      "  --threads / --no-threads   run parallel loops on the runtime thread "
      "pool\n                             (default) or generate serial code\n"
      "  --stats FILE               calibration statistics: written by --calib,\n"
      "                             otherwise read and checked against the "
      "model\n");

  if (listTargets) {
    llvm::outs() << "Available targets:\n";
    qcc::printTargets(llvm::outs());
    return 0;
  }
  qcc::DriverOptions options;
  options.inputPath = input;
  options.outputPath = output;
  options.target = target;
  if (!qcc::parseEmitKind(emit, options.emit)) {
    llvm::errs() << "qcc: error: unknown -emit value '" << emit
                 << "' (expected mlir, linalg, llvm-mlir, llvm, asm, obj or "
                    "so)\n";
    return 1;
  }
  options.optLevel = optLevel;
  options.threads = threads;
  options.inputShapes.assign(inputShapes.begin(), inputShapes.end());
  options.weights = weights;
  options.contextLength = ctx;
  options.ggufWeights = ggufWeights;
  options.quantize = quantize;
  options.quantizeLayers = quantizeLayers;
  options.calibPath = calib;
  options.calibSamples = calibSamples;
  options.calibSeqLen = calibSeqLen;
  options.calibSampleRows = calibRows;
  options.calibTokensPath = calibTokens;
  options.statsPath = stats;
  options.planPath = plan; // APPLY
  options.quantizeMethod = quantizeMethod;
  options.smoothQuant = smoothQuant;
  options.sensitivity = sensitivity; // SENS
  options.candidates = candidates;
  options.sensText = sensText;
  options.sensWindows = sensWindows;
  options.sensSeqLen = sensSeqLen;
  options.sensSentences = sensSentences;
  options.sensLayers = sensLayers;
  options.sensTokensPath = sensTokens;
  options.maxPplIncrease = maxPplIncrease; // BUDGET
  options.maxKl = maxKl;
  options.avgBits = avgBits;
  options.maxSize = maxSize;
  options.layerPrecision = layerPrecision;
  options.savePlan = savePlan;
  options.reportDir = reportDir;
  options.verifyWindows = verifyWindows;
  return qcc::runDriver(options);
}
