//===- Api.cpp - qcc runtime C API: statuses, element types, tensors, contexts -===//
#include "Internal.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <system_error>
#include <thread>

using qcc::rt::makeStatus;

namespace {
/// Returned when not even a status can be allocated; never freed.
qcc_status_s outOfMemoryStatus{QCC_STATUS_OUT_OF_MEMORY, "out of memory"};

qcc_status_t checkShape(int32_t rank, const int64_t *shape, size_t elemSize,
                        size_t &outBytes) {
  if (elemSize == 0)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "invalid element type");
  if (rank < 0 || rank > QCC_MAX_RANK)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "rank " + std::to_string(rank) + " is out of range [0, " +
                          std::to_string(QCC_MAX_RANK) + "]");
  if (rank > 0 && !shape)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "shape is null");
  size_t bytes = elemSize;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                        "dimension " + std::to_string(i) + " is negative (" +
                            std::to_string(shape[i]) + ")");
    if (shape[i] && bytes > SIZE_MAX / static_cast<size_t>(shape[i]))
      return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "tensor size overflows");
    bytes *= static_cast<size_t>(shape[i]);
  }
  outBytes = bytes;
  return nullptr;
}
} // namespace

qcc_status_t qcc::rt::makeStatus(qcc_status_code_t code,
                                 const std::string &message) {
  try {
    return new qcc_status_s{code, message};
  } catch (...) {
    return &outOfMemoryStatus;
  }
}

extern "C" {

qcc_status_code_t qcc_status_code(qcc_status_t status) {
  return status ? status->code : QCC_STATUS_OK;
}

const char *qcc_status_message(qcc_status_t status) {
  return status ? status->message.c_str() : "";
}

const char *qcc_status_code_name(qcc_status_code_t code) {
  switch (code) {
  case QCC_STATUS_OK:
    return "OK";
  case QCC_STATUS_INVALID_ARGUMENT:
    return "INVALID_ARGUMENT";
  case QCC_STATUS_NOT_FOUND:
    return "NOT_FOUND";
  case QCC_STATUS_OUT_OF_MEMORY:
    return "OUT_OF_MEMORY";
  case QCC_STATUS_INCOMPATIBLE:
    return "INCOMPATIBLE";
  case QCC_STATUS_INTERNAL:
    return "INTERNAL";
  case QCC_STATUS_UNAVAILABLE:
    return "UNAVAILABLE";
  }
  return "UNKNOWN";
}

void qcc_status_free(qcc_status_t status) {
  if (status && status != &outOfMemoryStatus)
    delete status;
}

size_t qcc_element_type_size(qcc_element_type_t type) {
  return qcc::rt::elementTypeSize(type);
}

const char *qcc_element_type_name(qcc_element_type_t type) {
  return qcc::rt::elementTypeName(type);
}

qcc_element_type_t qcc_element_type_parse(const char *name) {
  if (!name)
    return QCC_ELEMENT_TYPE_INVALID;
  return static_cast<qcc_element_type_t>(qcc::rt::parseElementType(name));
}

qcc_status_t qcc_tensor_create(qcc_element_type_t type, int32_t rank,
                               const int64_t *shape,
                               qcc_tensor_t **out_tensor) {
  if (!out_tensor)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "out_tensor is null");
  *out_tensor = nullptr;
  size_t bytes = 0;
  if (qcc_status_t s =
          checkShape(rank, shape, qcc::rt::elementTypeSize(type), bytes))
    return s;
  // aligned_alloc needs a multiple of the alignment.
  size_t rounded = (bytes + 63) / 64 * 64;
  void *data = std::aligned_alloc(64, rounded ? rounded : 64);
  auto *t = new (std::nothrow) qcc_tensor_s;
  if (!data || !t) {
    std::free(data);
    delete t;
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY,
                      "cannot allocate a tensor of " + std::to_string(bytes) +
                          " bytes");
  }
  std::memset(data, 0, rounded ? rounded : 64);
  t->elementType = type;
  t->rank = rank;
  std::memset(t->shape, 0, sizeof(t->shape));
  for (int32_t i = 0; i < rank; ++i)
    t->shape[i] = shape[i];
  t->data = data;
  t->byteSize = bytes;
  t->ownedBlock = data;
  *out_tensor = t;
  return nullptr;
}

qcc_status_t qcc_tensor_wrap(qcc_element_type_t type, int32_t rank,
                             const int64_t *shape, void *data,
                             size_t byte_size, qcc_tensor_t **out_tensor) {
  if (!out_tensor)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "out_tensor is null");
  *out_tensor = nullptr;
  size_t bytes = 0;
  if (qcc_status_t s =
          checkShape(rank, shape, qcc::rt::elementTypeSize(type), bytes))
    return s;
  if (byte_size < bytes)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "buffer of " + std::to_string(byte_size) +
                          " bytes is too small for the shape (" +
                          std::to_string(bytes) + " bytes needed)");
  if (!data && bytes)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "data is null");
  auto *t = new (std::nothrow) qcc_tensor_s;
  if (!t)
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
  t->elementType = type;
  t->rank = rank;
  std::memset(t->shape, 0, sizeof(t->shape));
  for (int32_t i = 0; i < rank; ++i)
    t->shape[i] = shape[i];
  t->data = data;
  t->byteSize = bytes;
  t->ownedBlock = nullptr;
  *out_tensor = t;
  return nullptr;
}

void qcc_tensor_free(qcc_tensor_t *tensor) {
  if (!tensor)
    return;
  std::free(tensor->ownedBlock);
  delete tensor;
}

qcc_element_type_t qcc_tensor_element_type(const qcc_tensor_t *tensor) {
  return tensor ? static_cast<qcc_element_type_t>(tensor->elementType)
                : QCC_ELEMENT_TYPE_INVALID;
}

int32_t qcc_tensor_rank(const qcc_tensor_t *tensor) {
  return tensor ? tensor->rank : 0;
}

const int64_t *qcc_tensor_shape(const qcc_tensor_t *tensor) {
  return tensor ? tensor->shape : nullptr;
}

int64_t qcc_tensor_element_count(const qcc_tensor_t *tensor) {
  return tensor ? qcc::rt::elementCount(tensor->shape, tensor->rank) : 0;
}

size_t qcc_tensor_byte_size(const qcc_tensor_t *tensor) {
  return tensor ? tensor->byteSize : 0;
}

void *qcc_tensor_data(const qcc_tensor_t *tensor) {
  return tensor ? tensor->data : nullptr;
}

void qcc_context_options_initialize(qcc_context_options_t *options) {
  if (!options)
    return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->num_threads = 0;
}

qcc_status_t qcc_context_create(const qcc_context_options_t *options,
                                qcc_context_t **out_context) {
  if (!out_context)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "out_context is null");
  *out_context = nullptr;
  qcc_context_options_t defaults;
  qcc_context_options_initialize(&defaults);
  if (!options)
    options = &defaults;
  if (options->struct_size < sizeof(qcc_context_options_t))
    return makeStatus(QCC_STATUS_INCOMPATIBLE,
                      "qcc_context_options_t was not initialized with "
                      "qcc_context_options_initialize");
  int32_t n = options->num_threads;
  if (n < 0)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "num_threads must be >= 0, got " + std::to_string(n));
  if (n == 0)
    n = std::max(1u, std::thread::hardware_concurrency());
  try {
    auto ctx = std::make_unique<qcc_context_s>();
    ctx->pool = std::make_unique<qcc::rt::ThreadPool>(n);
    *out_context = ctx.release();
    return nullptr;
  } catch (const std::bad_alloc &) {
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
  } catch (const std::system_error &e) {
    return makeStatus(QCC_STATUS_UNAVAILABLE,
                      std::string("cannot start threads: ") + e.what());
  }
}

int32_t qcc_context_num_threads(const qcc_context_t *context) {
  return context ? context->pool->numThreads() : 0;
}

void qcc_context_free(qcc_context_t *context) { delete context; }

} // extern "C"
