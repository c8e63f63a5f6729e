//===- TargetInfo.h - named x86-64 code generation targets ------*- C++ -*-===//
//
// A TargetInfo describes what the x86 code generator needs to know about the
// machine it compiles for: the LLVM triple, CPU and feature string that the
// object emitter passes to LLVM, and the vector register file that the tiling
// and vectorization passes size their micro-kernels for.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_TARGET_X86_TARGETINFO_H
#define QCC_TARGET_X86_TARGETINFO_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace qcc::x86 {

/// Description of one x86-64 code generation target.
struct TargetInfo {
  /// Name under which the target is selected (`avx512`, `avx2`, `native`).
  std::string name;
  /// One-line human readable description shown by `qcc --list-targets`.
  std::string description;
  /// LLVM target triple, e.g. `x86_64-unknown-linux-gnu`.
  std::string triple;
  /// LLVM CPU name passed to the backend, e.g. `skylake-avx512`.
  std::string cpu;
  /// LLVM feature string, e.g. `+avx512f,+avx512bw,+fma`.
  std::string features;
  /// Width in bits of the widest vector register used by generated code
  /// (512 for zmm, 256 for ymm, 128 for xmm).
  unsigned vectorBits = 256;
  /// Number of architectural vector registers of that width (32 with AVX-512,
  /// 16 otherwise).
  unsigned numVectorRegisters = 16;
  /// True when the target has FMA instructions (vfmadd...).
  bool hasFMA = true;

  /// Number of lanes of a vector register for elements of `elementBits` bits.
  unsigned lanes(unsigned elementBits) const {
    return elementBits == 0 ? 1 : std::max(1u, vectorBits / elementBits);
  }
};

/// Returns the names of all selectable targets, in the order that
/// `qcc --list-targets` prints them.
std::vector<std::string> listTargetNames();

/// Returns the description of every selectable target (for `--list-targets`).
/// `native` is resolved against the host CPU.
std::vector<TargetInfo> listTargets();

/// Looks up the target called `name`. Fails with a message naming the unknown
/// target and the valid names.
llvm::Expected<TargetInfo> lookupTarget(llvm::StringRef name);

/// Describes the host CPU (the `native` target): CPU name and feature string
/// from LLVM's host detection; vector width from the detected features.
TargetInfo getHostTarget();

} // namespace qcc::x86

#endif // QCC_TARGET_X86_TARGETINFO_H
