//===- Safetensors.h - memory-mapped, bounds-checked safetensors reader ----===//
#ifndef QCC_IMPORT_SAFETENSORS_H
#define QCC_IMPORT_SAFETENSORS_H

#include <cstddef>
#include <cstdint>
#include "qcc/Import/MappedFile.h"
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace qcc::safetensors {

/// Element types a safetensors file may declare that this reader accepts.
enum class DType { F32, F16, BF16, I8, I32, I64 };

/// Size in bytes of one element of \p t.
size_t dtypeSize(DType t);
/// The safetensors spelling of \p t ("F32", ...).
const char *dtypeName(DType t);

/// One tensor of a file: its dtype, shape and a view of its bytes inside the
/// mapping (never a copy). Valid while the owning File lives.
struct TensorView {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const uint8_t *data = nullptr;
  size_t size = 0; ///< bytes, == numel * dtypeSize(dtype)
};

/// A read-only memory-mapped safetensors file. Every offset in the header is
/// checked against the file before any view is handed out.
class File {
public:
  /// Opens and validates \p path. On failure returns null and sets \p error to
  /// a one-line message naming the file (and tensor) and what is wrong.
  static std::unique_ptr<File> open(const std::string &path, std::string &error);
  File(const File &) = delete;
  File &operator=(const File &) = delete;

  const std::string &path() const { return path_; }
  /// Tensors in header order of their data offsets.
  const std::vector<TensorView> &tensors() const { return tensors_; }
  /// The tensor called \p name, or null.
  const TensorView *find(const std::string &name) const;
  /// The string-to-string "__metadata__" entries.
  const std::map<std::string, std::string> &metadata() const { return metadata_; }
  /// First byte of the mapping (TensorView::data - base() is the file offset).
  const uint8_t *base() const { return map_.data(); }

private:
  File() = default;
  std::string path_;
  MappedFile map_;
  std::vector<TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

/// Converts one element at \p p of type \p t to float (integers are cast).
float elementToFloat(DType t, const uint8_t *p);

} // namespace qcc::safetensors

#endif // QCC_IMPORT_SAFETENSORS_H
