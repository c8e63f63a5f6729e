//===- GGUF.h - memory-mapped, bounds-checked GGUF (v2/v3) reader ----------===//
#ifndef QCC_IMPORT_GGUF_H
#define QCC_IMPORT_GGUF_H

#include <cstddef>
#include <cstdint>
#include "qcc/Import/MappedFile.h"
#include "qcc/Import/ModelConfig.h"
#include <memory>
#include <string>
#include <vector>

namespace qcc::gguf {

/// ggml tensor types this reader understands (values are the on-disk ids).
enum class TensorType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, BF16 = 30,
};

/// Name ("Q4_1", ...) of \p t.
const char *typeName(TensorType t);
/// Elements per block and bytes per block of \p t.
void blockLayout(TensorType t, size_t &elems, size_t &bytes);

/// Metadata value types (on-disk ids).
enum class ValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
  String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};

/// One metadata value; arrays hold their elements (possibly nested arrays).
struct Value {
  ValueType type = ValueType::U8;
  uint64_t u = 0; ///< unsigned ints and bool
  int64_t i = 0;  ///< signed ints
  double f = 0;   ///< floats
  std::string s;
  ValueType elemType = ValueType::U8; ///< arrays only
  std::vector<Value> array;
  /// Renders the value for printing (long arrays are abbreviated).
  std::string toString() const;
};

/// One tensor: ggml dims (ne[0] fastest), type, and a view into the mapping.
struct TensorInfo {
  std::string name;
  TensorType type;
  std::vector<uint64_t> dims;
  uint64_t numel = 0;
  const uint8_t *data = nullptr;
  size_t size = 0; ///< bytes
};

/// A read-only memory-mapped GGUF file, validated on open.
class File {
public:
  /// Opens and validates \p path; on failure returns null and sets \p error
  /// to a one-line message naming the file (and key/tensor).
  static std::unique_ptr<File> open(const std::string &path, std::string &error);
  File(const File &) = delete;
  File &operator=(const File &) = delete;

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  const std::vector<std::pair<std::string, Value>> &metadata() const { return kv_; }
  const Value *find(const std::string &key) const;
  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  const TensorInfo *findTensor(const std::string &name) const;
  /// First byte of the mapping (TensorInfo::data - base() is the file offset).
  const uint8_t *base() const { return map_.data(); }

private:
  File() = default;
  MappedFile map_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  std::vector<std::pair<std::string, Value>> kv_;
  std::vector<TensorInfo> tensors_;
};

/// Fills \p config from the llama.* metadata of \p file (general.architecture must be "llama");
/// on failure returns false with \p error naming the missing or mistyped key.
bool loadLlamaConfig(const File &file, const std::string &path, ModelConfig &config,
                     std::string &error);

/// tokenizer.ggml.tokens / merges as plain strings; false with \p error if absent or mistyped.
bool tokenizerStrings(const File &file, const std::string &key, std::vector<std::string> &out,
                      std::string &error);
/// tokenizer.ggml.scores as floats.
bool tokenizerScores(const File &file, std::vector<float> &out, std::string &error);
/// tokenizer.ggml.token_type as ints.
bool tokenizerTypes(const File &file, std::vector<int32_t> &out, std::string &error);

/// Dequantizes \p t into \p out (resized to numel) in ggml element order.
void dequantize(const TensorInfo &t, std::vector<float> &out);
/// Dequantizes \p t into \p out, which holds t.numel floats.
void dequantize(const TensorInfo &t, float *out);

} // namespace qcc::gguf

#endif // QCC_IMPORT_GGUF_H
