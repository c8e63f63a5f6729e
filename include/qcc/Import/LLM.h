//===- LLM.h - build a causal-LM (or encoder) graph from a checkpoint -------===//
//
// importCheckpoint opens a .gguf file, a Hugging Face directory (config.json +
// safetensors) or a config.json, loads its ModelConfig, checks that every
// tensor the config implies exists with the right shape, and builds the qcc
// dialect @main of Contract 5 (docs/Design.md, docs/LLM.md).
//
//===----------------------------------------------------------------------===//
#ifndef QCC_IMPORT_LLM_H
#define QCC_IMPORT_LLM_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <cstdint>
#include <string>

namespace qcc {

class WeightSource;
class WeightProvider;
struct ModelConfig;

/// Options of importCheckpoint.
struct LLMImportOptions {
  /// How weights become SSA values: "inline" (dense_resource copies) or
  /// "external" (qcc.external_weight, resolved at link time).
  std::string weights = "inline";
  /// Overrides the context length recorded in qcc.context_length (0 = the
  /// checkpoint's max positions).
  int64_t contextLength = 0;
  /// GGUF checkpoints (`--gguf-weights`): "native" keeps every linear layer
  /// whose tensor is block-quantized (Q4_0 ... Q8_0, Q2_K ... Q6_K) in that
  /// precision as a qcc.qlinear with a gguf-packed weight; "f32" dequantizes
  /// every tensor to f32 (qcc.gemm).
  std::string ggufWeights = "f32";
  /// Emit the decoder layer once as a shared function called per layer
  /// (small IR, low compile memory). Off when per-layer treatment is needed:
  /// native GGUF weights (each layer's blob is its own op), calibration
  /// observers and quantization passes, which name and rewrite each layer's
  /// linear ops separately.
  bool shareLayers = true;
};

/// True if \p path looks like an LLM checkpoint input: a .gguf file, a
/// directory holding config.json, or a file named config.json.
bool isCheckpointPath(const std::string &path);

/// Imports the checkpoint at \p path. On failure returns null and sets
/// \p error to one line naming the file and the tensor/key at fault.
mlir::OwningOpRef<mlir::ModuleOp> importCheckpoint(mlir::MLIRContext &ctx,
                                                   const std::string &path,
                                                   const LLMImportOptions &options,
                                                   std::string &error);

/// Everything a family builder needs: the config, the weights, how tensors are
/// named in this checkpoint format, and the metadata for qcc.model_attrs.
struct CheckpointInfo {
  std::string path;          ///< as given
  std::string format;        ///< "gguf" or "safetensors"
  std::string tokenizerPath; ///< absolute path of the .gguf or tokenizer.json ("" if none)
  int64_t bosId = -1, eosId = -1;
  int64_t contextLength = 0;
  /// GGUF only: keep block-quantized linear weights native (qcc.qlinear).
  bool nativeQuant = false;
  /// Shared layer function (LLMImportOptions::shareLayers).
  bool shareLayers = true;
};

/// Builds the Llama-family causal LM (llama, mistral, qwen2) into \p module.
/// Checks every tensor's shape first; false with \p error otherwise.
bool buildLlama(mlir::ModuleOp module, const ModelConfig &config, const WeightSource &weights,
                WeightProvider &provider, const CheckpointInfo &info, std::string &error);

/// Builds a BERT encoder (ENCODER engineer, lib/Import/LLM/Bert.cpp).
bool buildBert(mlir::ModuleOp module, const ModelConfig &config, const WeightSource &weights,
               WeightProvider &provider, const CheckpointInfo &info, std::string &error);

/// Builds GPT-2 (learned positions, LayerNorm, fused Conv1D attention, tanh GELU, tied head) as a
/// Contract 5 causal LM (ENCODER engineer, lib/Import/LLM/GPT2.cpp).
bool buildGPT2(mlir::ModuleOp module, const ModelConfig &config, const WeightSource &weights,
               WeightProvider &provider, const CheckpointInfo &info, std::string &error);

} // namespace qcc

#endif // QCC_IMPORT_LLM_H
