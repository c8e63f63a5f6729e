//===- ModelEmitter.h - LLVM IR translation, object emission, model.so link -===//
//
// The back end shared by every CPU target: takes a module in the LLVM dialect
// (the output of the lowering pipeline, Contract 2), translates it to LLVM IR,
// adds the model metadata (Contract 4) and the `qcc_model_entry` wrapper the
// runtime calls, optimizes it for a target machine and writes LLVM IR,
// assembly, an object file or a model.so linked with the runtime. Every output
// is written atomically (temporary file + rename).
//
//===----------------------------------------------------------------------===//
#ifndef QCC_TARGET_COMMON_MODELEMITTER_H
#define QCC_TARGET_COMMON_MODELEMITTER_H

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "qcc/Target/Common/ExternalWeights.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/LogicalResult.h"

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace qcc {

/// What the back end writes.
enum class ArtifactKind {
  LLVMIR,        ///< textual LLVM IR (.ll)
  Assembly,      ///< target assembly (.s)
  Object,        ///< relocatable object (.o)
  SharedLibrary, ///< model.so linked with the runtime
};

/// The machine code generates for.
struct MachineOptions {
  std::string triple;   ///< empty: the host triple
  std::string cpu;      ///< e.g. "skylake-avx512"; empty: generic
  std::string features; ///< e.g. "+avx512f,+avx512bw"
  unsigned optLevel = 2; ///< 0..3: LLVM optimization and codegen level
};

/// Options of emitModel.
struct EmitOptions {
  ArtifactKind kind = ArtifactKind::SharedLibrary;
  MachineOptions machine;
  /// Directory holding libqcc_model_rt.a; empty: found next to the tool
  /// (<bin>/../lib), then in the build tree.
  std::string runtimeLibDir;
  /// Linker driver (clang++); empty: $QCC_CLANG, then the configured clang.
  std::string linker;
  /// Weights the code declares as external globals (collectExternalWeights):
  /// their symbols get hidden visibility, and a SharedLibrary links a weight
  /// object streamed from their sources (writeWeightObject). Other kinds
  /// leave them undefined.
  std::vector<ExternalWeight> weights;
};

/// Name of the metadata global (Contract 4) and of the entry wrapper.
inline constexpr const char *kMetadataSymbol = "qcc_model_metadata_v1";
inline constexpr const char *kEntrySymbol = "qcc_model_entry";
inline constexpr const char *kCInterfaceSymbol = "_mlir_ciface_main";

/// Builds the metadata text of `module` from `func.func @main`: element types
/// and shapes of its arguments and results (tensor or memref types) and the
/// qcc.input_names / qcc.output_names / qcc.input_dims attributes. Returns
/// std::nullopt (with `error` set) when there is no such function or a type
/// cannot be described. When `machine` is given, its CPU and features are
/// recorded so that the runtime can refuse to run on a CPU lacking them.
std::optional<std::string>
buildModelMetadata(mlir::ModuleOp module, std::string &error,
                   const MachineOptions *machine = nullptr);

/// Adds the metadata text as the exported constant global
/// `qcc_model_metadata_v1` (an llvm.mlir.global) to `module`, unless the
/// module already defines it (fails when it does not and `metadata` is
/// empty). Done after lowering so that the LLVM-dialect
/// module (`qcc -emit=llvm-mlir`) is self-describing and can be compiled again.
llvm::LogicalResult attachModelMetadata(mlir::ModuleOp module,
                                        llvm::StringRef metadata);

/// Creates a target machine for `options` (initializes the LLVM targets).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const MachineOptions &options);

/// Translates an LLVM-dialect module to LLVM IR for `tm`, adds the metadata
/// global (unless the module already defines it; `metadata` may then be
/// empty) and the qcc_model_entry wrapper, internalizes everything else and
/// runs LLVM's optimization pipeline at `optLevel` (unless `optimize` is
/// false: the caller then runs optimizeModel, e.g. after freeing `module`).
llvm::Expected<std::unique_ptr<llvm::Module>>
translateModel(mlir::ModuleOp module, llvm::LLVMContext &llvmContext,
               llvm::TargetMachine &tm, llvm::StringRef metadata,
               unsigned optLevel, bool optimize = true);

/// Runs LLVM's optimization pipeline at `optLevel` on a module returned by
/// translateModel(..., /*optimize=*/false).
void optimizeModel(llvm::Module &llvmModule, llvm::TargetMachine &tm,
                   unsigned optLevel);

/// Writes `llvmModule` as `kind` to `outputPath` atomically. For
/// SharedLibrary the object is linked with the runtime archive.
llvm::Error writeArtifact(llvm::Module &llvmModule, llvm::TargetMachine &tm,
                          const EmitOptions &options,
                          llvm::StringRef outputPath);

/// Links `objectPath` with the runtime into the shared library `outputPath`
/// (atomically) using the clang driver and lld.
llvm::Error linkModelLibrary(llvm::StringRef objectPath,
                             const EmitOptions &options,
                             llvm::StringRef outputPath);

/// Writes `contents` to `outputPath` atomically.
llvm::Error writeFileAtomically(llvm::StringRef outputPath,
                                llvm::StringRef contents);

} // namespace qcc

#endif // QCC_TARGET_COMMON_MODELEMITTER_H
