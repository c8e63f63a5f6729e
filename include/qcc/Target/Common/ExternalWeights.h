//===- ExternalWeights.h - weights streamed from files into model.so -------===//
//
// `qcc.external_weight` ops name tensors that stay in checkpoint files
// (GGUF, safetensors, raw side files). Before lowering, the driver collects
// them and checks every source; the back end links model.so with a small
// object that reserves the weights' addresses (section .qcc_weights, one hidden
// 64-byte aligned symbol per weight, no data), then writes the final file with
// the weights streamed in, one tensor at a time in chunks. See
// docs/Codegen.md "External weights".
//
//===----------------------------------------------------------------------===//
#ifndef QCC_TARGET_COMMON_EXTERNALWEIGHTS_H
#define QCC_TARGET_COMMON_EXTERNALWEIGHTS_H

#include <cstdint>
#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace mlir {
class ModuleOp;
class Operation;
} // namespace mlir

namespace qcc {

/// One weight whose bytes model.so gets from a file at link time.
struct ExternalWeight {
  std::string symbol; ///< name of the global in the generated code
  std::string source; ///< file holding the data
  std::string format; ///< "gguf", "safetensors", "raw" or "gguf-packed"
  std::string tensor; ///< tensor name in the file (only named in messages for raw)
  uint64_t offset = 0; ///< raw: byte offset of the data in `source`
  /// gguf-packed: the uniform scheme (bits, group) the GGUF blocks are
  /// repacked into with qcc_rt_qpack (include/qcc/Import/GGUFUniform.h).
  int64_t packedBits = 0, packedGroup = 0;
  std::vector<int64_t> shape; ///< logical row-major shape, outermost first
  std::string elementType;    ///< "f32", "f16", "bf16", "i8", "i32", ...
  unsigned elementBytes = 4;  ///< bytes per element of elementType

  /// Number of elements (product of `shape`).
  uint64_t numElements() const;
  /// Bytes the weight occupies in model.so.
  uint64_t byteSize() const { return numElements() * elementBytes; }
};

/// Collects the external weights of `module`: every `qcc.external_weight` op
/// (before lowering) and every record of the module attribute
/// `qcc.external_weights` (left by qcc-lower-external-weights), deduplicated
/// by symbol. Fails when one symbol names two different weights.
llvm::Error collectExternalWeights(mlir::ModuleOp module,
                                   std::vector<ExternalWeight> &out);

/// Reads the weight described by one `qcc.external_weight` op.
llvm::Error describeExternalWeight(mlir::Operation *op, ExternalWeight &out);

/// Opens every source and checks that it holds the tensor with this shape,
/// in a stored type convertible to the element type; the error names the
/// weight, the file and the tensor.
llvm::Error checkExternalWeights(const std::vector<ExternalWeight> &weights);

/// Reads (converts, dequantizes) the whole weight `w` into `out`, which must
/// hold exactly w.byteSize() bytes; used to inline weights as constants.
llvm::Error readExternalWeight(const ExternalWeight &w, char *out,
                               uint64_t outSize);

/// Writes a small relocatable ELF object for `triple` (x86-64 or AArch64
/// Linux) that defines each weight as a hidden, 64-byte aligned object symbol
/// in the read-only SHT_NOBITS section .qcc_weights: the linker reserves the
/// address range at the end of a read-only segment without copying (or even
/// reading) a byte of weight data.
llvm::Error writeWeightObject(const std::vector<ExternalWeight> &weights,
                              llvm::StringRef path, llvm::StringRef triple);

/// Copies the linked shared library `linkedPath` (built with the object of
/// writeWeightObject) to `outPath`, turning .qcc_weights into file-backed
/// PROGBITS holding the weights: the bytes after the weight segment move by a
/// multiple of the page size, the program and section headers are patched,
/// and each tensor is streamed from its source (copied, converted or
/// dequantized in chunks of a few MiB, source pages released after use), so
/// memory stays bounded whatever the model size. On failure nothing is left
/// at `outPath`.
llvm::Error injectWeights(const std::vector<ExternalWeight> &weights,
                          llvm::StringRef linkedPath, llvm::StringRef outPath);

} // namespace qcc

#endif // QCC_TARGET_COMMON_EXTERNALWEIGHTS_H
