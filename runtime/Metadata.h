//===- Metadata.h - model metadata text: types, parser, writer, validation -===//
//
// Shared by the runtime loader (libqcc_runtime), the glue linked into every
// model.so, and the compiler (lib/Target/Common), which writes the text. The
// format is documented in include/qcc-c/model_abi.h. Plain C++17, no LLVM.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_RUNTIME_METADATA_H
#define QCC_RUNTIME_METADATA_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "qcc-c/model_abi.h"

namespace qcc {
namespace rt {

/// Size in bytes of one element of `type` (0 when unknown).
size_t elementTypeSize(int32_t type);
/// Short name of `type` ("f32", ...), "invalid" when unknown.
const char *elementTypeName(int32_t type);
/// Parses a short element type name; QCC_ELEMENT_TYPE_INVALID when unknown.
int32_t parseElementType(const std::string &name);

/// One input or output of a model.
struct ValueInfo {
  std::string name;
  int32_t elementType = QCC_ELEMENT_TYPE_INVALID;
  /// Dimensions, -1 for dynamic.
  std::vector<int64_t> dims;
  /// Symbolic dimension names, "" when static or unnamed (same size as dims).
  std::vector<std::string> dimNames;
};

/// The signature of a compiled model.
struct ModelSignature {
  std::string source;
  /// CPU and LLVM feature string ("+avx2,+fma,...") the code was compiled
  /// for; empty when unknown.
  std::string targetCpu, targetFeatures;
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
};

/// Escapes `s` as a metadata token (see model_abi.h).
std::string escapeToken(const std::string &s);
/// Reverses escapeToken; returns false on a malformed token.
bool unescapeToken(const std::string &token, std::string &out);

/// Writes `sig` as metadata text (without the trailing NUL).
std::string writeMetadata(const ModelSignature &sig);
/// Parses metadata text into `sig`; on failure returns false and sets `error`.
bool parseMetadata(const char *text, ModelSignature &sig, std::string &error);

/// Checks `inputs` against `sig`: count, element types, ranks, static dims and
/// consistency of dims sharing a symbolic name. Returns a qcc_status_code_t and
/// sets `error` to a message naming the offending input on failure.
int32_t validateInputs(const ModelSignature &sig,
                       const qcc_buffer_view_t *inputs, size_t numInputs,
                       size_t numOutputs, std::string &error);

/// Checks that the host CPU has every x86 feature that `sig.targetFeatures`
/// enables (among those the runtime can detect). Returns false and sets
/// `error` (naming the missing features) otherwise.
bool hostSupportsTarget(const ModelSignature &sig, std::string &error);

/// Number of elements of a shape (product of dims; 1 for rank 0).
int64_t elementCount(const int64_t *shape, int32_t rank);

} // namespace rt
} // namespace qcc

#endif // QCC_RUNTIME_METADATA_H
