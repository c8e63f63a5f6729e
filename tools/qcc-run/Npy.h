//===- Npy.h - reading and writing NumPy .npy files for qcc-run and tests ---===//
#ifndef QCC_TOOLS_QCCRUN_NPY_H
#define QCC_TOOLS_QCCRUN_NPY_H

#include <cstdint>
#include <string>
#include <vector>

#include "qcc-c/runtime.h"

namespace qcc {
namespace npy {

/// An array read from or written to a .npy file (C order, little endian).
struct Array {
  qcc_element_type_t elementType = QCC_ELEMENT_TYPE_INVALID;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

/// The .npy dtype descriptor of `type` ("<f4", "|b1", ...), "" if none.
std::string dtypeDescr(qcc_element_type_t type);

/// Reads `path`. Supports format versions 1-3, little-endian or
/// byte-order-free numeric and bool dtypes, C order. On failure returns false
/// and sets `error` to a message naming the file.
bool readFile(const std::string &path, Array &out, std::string &error);

/// Parses an in-memory .npy image (`name` is used in messages).
bool parseBuffer(const std::string &bytes, const std::string &name, Array &out,
                 std::string &error);

/// Writes `data` (row-major, `shape`) as a version 1.0 .npy file.
bool writeFile(const std::string &path, qcc_element_type_t type,
               const std::vector<int64_t> &shape, const void *data,
               std::string &error);

} // namespace npy
} // namespace qcc

#endif // QCC_TOOLS_QCCRUN_NPY_H
