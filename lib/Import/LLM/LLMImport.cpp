//===- LLMImport.cpp - checkpoint path → config + weights → family builder ---===//
//
// Resolves what the user gave (model.gguf, an HF directory, or its
// config.json), loads the ModelConfig and the WeightSource, picks the weight
// provider, and dispatches on the architecture: llama/mistral/qwen2 →
// buildLlama, bert → buildBert, gpt2 → buildGPT2.
//
//===----------------------------------------------------------------------===//
#include "qcc/Import/LLM.h"

#include "qcc/Dialect/Qcc/IR/QccDialect.h"
#include "qcc/Import/GGUF.h"
#include "qcc/Import/ModelConfig.h"
#include "qcc/Import/WeightProvider.h"
#include "qcc/Import/WeightSource.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace mlir;

namespace qcc {

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string absolute(const std::string &p) {
  llvm::SmallString<256> a(p);
  (void)llvm::sys::fs::make_absolute(a);
  llvm::sys::path::remove_dots(a, /*remove_dot_dot=*/true);
  return std::string(a);
}

int64_t ggufInt(const gguf::File &f, const char *key, int64_t fallback) {
  const gguf::Value *v = f.find(key);
  if (!v)
    return fallback;
  switch (v->type) {
  case gguf::ValueType::I8: case gguf::ValueType::I16: case gguf::ValueType::I32:
  case gguf::ValueType::I64:
    return v->i;
  case gguf::ValueType::U8: case gguf::ValueType::U16: case gguf::ValueType::U32:
  case gguf::ValueType::U64:
    return int64_t(v->u);
  default:
    return fallback;
  }
}

/// bos/eos ids of a config.json (-1 when absent; lists take their first entry).
void hfSpecialIds(const std::string &configPath, CheckpointInfo &info) {
  std::ifstream in(configPath);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  auto id = [&](const char *key) -> int64_t {
    if (j.is_discarded() || !j.is_object() || !j.contains(key))
      return -1;
    const auto &v = j[key];
    if (v.is_number_integer())
      return v.get<int64_t>();
    if (v.is_array() && !v.empty() && v[0].is_number_integer())
      return v[0].get<int64_t>();
    return -1;
  };
  info.bosId = id("bos_token_id");
  info.eosId = id("eos_token_id");
}

} // namespace

bool isCheckpointPath(const std::string &path) {
  if (endsWith(path, ".gguf"))
    return true;
  if (llvm::sys::path::filename(path) == "config.json")
    return true;
  return llvm::sys::fs::is_directory(path) &&
         llvm::sys::fs::exists(path + "/config.json");
}

OwningOpRef<ModuleOp> importCheckpoint(MLIRContext &ctx, const std::string &path,
                                       const LLMImportOptions &options, std::string &error) {
  ctx.loadDialect<QccDialect, arith::ArithDialect, func::FuncDialect, tensor::TensorDialect>();
  ModelConfig config;
  CheckpointInfo info;
  info.path = path;
  std::unique_ptr<WeightSource> weights;
  if (endsWith(path, ".gguf")) {
    info.format = "gguf";
    auto file = gguf::File::open(path, error);
    if (!file || !gguf::loadLlamaConfig(*file, path, config, error))
      return nullptr;
    info.bosId = ggufInt(*file, "tokenizer.ggml.bos_token_id", -1);
    info.eosId = ggufInt(*file, "tokenizer.ggml.eos_token_id", -1);
    info.tokenizerPath = absolute(path);
    file.reset();
    weights = openGGUFWeights(path, error);
  } else {
    info.format = "safetensors";
    std::string dir = llvm::sys::fs::is_directory(path)
                          ? path
                          : std::string(llvm::sys::path::parent_path(path));
    if (dir.empty())
      dir = ".";
    std::string configPath = dir + "/config.json";
    if (!loadHFConfig(configPath, config, error))
      return nullptr;
    hfSpecialIds(configPath, info);
    if (llvm::sys::fs::exists(dir + "/tokenizer.json"))
      info.tokenizerPath = absolute(dir + "/tokenizer.json");
    weights = openSafetensorsWeights(dir, error);
  }
  if (!weights)
    return nullptr;
  info.contextLength = options.contextLength > 0 ? options.contextLength : config.maxPositions;
  if (options.ggufWeights != "native" && options.ggufWeights != "f32") {
    error = "unknown --gguf-weights mode '" + options.ggufWeights + "' (native or f32)";
    return nullptr;
  }
  info.nativeQuant = info.format == "gguf" && options.ggufWeights == "native";
  // Native blobs are created per layer outside the weight provider, so a
  // shared layer function would bake in layer 0's weights.
  info.shareLayers = options.shareLayers && !info.nativeQuant;

  std::unique_ptr<WeightProvider> provider;
  if (options.weights == "inline") {
    provider = makeInlineWeightProvider(ctx, *weights);
  } else if (options.weights == "external") {
#if QCC_HAVE_EXTERNAL_WEIGHTS
    provider = makeExternalWeightProvider(ctx, *weights);
#else
    error = "--weights=external is not available in this build (use --weights=inline)";
    return nullptr;
#endif
  } else {
    error = "unknown --weights mode '" + options.weights + "' (inline or external)";
    return nullptr;
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&ctx));
  (*module)->setAttr("qcc.source", StringAttr::get(&ctx, path));
  // Diagnostics raised while building (e.g. by the provider) become the error text.
  std::string diag;
  bool ok;
  {
    ScopedDiagnosticHandler h(&ctx, [&](Diagnostic &d) {
      if (diag.empty())
        diag = d.str();
      return success();
    });
    const std::string &arch = config.architecture;
    if (arch == "llama" || arch == "mistral" || arch == "qwen2") {
      ok = buildLlama(*module, config, *weights, *provider, info, error);
    } else if (arch == "bert") {
#if QCC_HAVE_BERT_BUILDER
      ok = buildBert(*module, config, *weights, *provider, info, error);
#else
      error = path + ": architecture 'bert' is not supported by this build yet (encoder builder missing)";
      ok = false;
#endif
#if QCC_HAVE_GPT2_BUILDER
    } else if (arch == "gpt2") {
      ok = buildGPT2(*module, config, *weights, *provider, info, error);
#endif
    } else {
      error = path + ": architecture '" + arch + "' is not a supported causal LM";
      ok = false;
    }
    if (ok && failed(verify(*module))) {
      error = path + ": the built graph does not verify: " + diag;
      ok = false;
    }
  }
  if (!ok) {
    if (error.empty())
      error = diag;
    return nullptr;
  }
  return module;
}

} // namespace qcc
