//===- Internal.h - definitions of the runtime's opaque C API objects -------===//
#ifndef QCC_RUNTIME_INTERNAL_H
#define QCC_RUNTIME_INTERNAL_H

#include <memory>
#include <string>
#include <vector>

#include "Metadata.h"
#include "ThreadPool.h"
#include "qcc-c/runtime.h"

/// An error: a code and a message.
struct qcc_status_s {
  qcc_status_code_t code;
  std::string message;
};

/// A dense row-major tensor.
struct qcc_tensor_s {
  int32_t elementType;
  int32_t rank;
  int64_t shape[QCC_MAX_RANK];
  void *data;
  size_t byteSize;
  /// Block released with free() when the tensor is freed (null when the
  /// buffer belongs to the caller).
  void *ownedBlock;
};

/// An execution context: a thread pool.
struct qcc_context_s {
  std::unique_ptr<qcc::rt::ThreadPool> pool;
};

/// A loaded model.so.
struct qcc_model_s {
  std::string path;
  void *handle = nullptr;
  const qcc_model_api_v1_t *api = nullptr;
  qcc::rt::ModelSignature sig;
  /// Storage behind qcc_value_info_t::dim_names.
  std::vector<std::vector<const char *>> inputDimNames, outputDimNames;
};

namespace qcc {
namespace rt {
/// Makes an error status (never returns null; falls back to a static
/// out-of-memory status if allocation fails).
qcc_status_t makeStatus(qcc_status_code_t code, const std::string &message);
} // namespace rt
} // namespace qcc

#endif // QCC_RUNTIME_INTERNAL_H
