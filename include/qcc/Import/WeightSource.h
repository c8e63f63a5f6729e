//===- WeightSource.h - uniform f32 access to checkpoint tensors (no MLIR) -===//
//
// A WeightSource is one checkpoint (a GGUF file, or one or several safetensors
// shards), memory-mapped. Graph builders look tensors up by name, check their
// logical shape, and read them as f32 (dequantized / converted on the fly).
// Contract 5, part A (docs/Design.md).
//
//===----------------------------------------------------------------------===//
#ifndef QCC_IMPORT_WEIGHTSOURCE_H
#define QCC_IMPORT_WEIGHTSOURCE_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qcc {

/// Element storage of a checkpoint tensor as found in the file.
enum class WeightDType { F32, F16, BF16, GGUFQuant /* any ggml block type */, Other };

/// Spelling of \p t for messages ("F32", "GGUFQuant", ...).
const char *weightDTypeName(WeightDType t);

/// One named tensor of a checkpoint: logical row-major shape (outermost first,
/// i.e. HF order [out_features, in_features] for linear weights; GGUF ne[]
/// reversed), and where its bytes are in which file.
struct WeightInfo {
  std::string name;
  std::vector<int64_t> shape;
  WeightDType dtype = WeightDType::Other;
  std::string file;        ///< path of the file holding the bytes
  uint64_t fileOffset = 0; ///< absolute offset of the first byte in `file`
  uint64_t byteSize = 0;   ///< bytes as stored (quantized size for GGUF blocks)
  uint32_t ggmlType = 0;   ///< GGUF only: the ggml type id (qcc::gguf::TensorType)
  /// Number of elements (product of shape).
  int64_t numel() const;
};

/// A checkpoint (one GGUF file, or one/several safetensors shards), memory-mapped
/// for as long as the object lives.
class WeightSource {
public:
  virtual ~WeightSource();
  /// The tensor called \p name, or null.
  virtual const WeightInfo *find(const std::string &name) const = 0;
  /// All tensor names, in file order.
  virtual std::vector<std::string> names() const = 0;
  /// Converts/dequantizes the whole tensor to f32 row-major into \p out (size
  /// = numel). Streams from the map. False with \p error (naming file and
  /// tensor) when the tensor is missing or its element type is not supported.
  virtual bool readF32(const std::string &name, float *out, std::string &error) const = 0;
  /// The path the source was opened from (the .gguf, .safetensors, index or directory).
  virtual const std::string &path() const = 0;
};

/// Opens a GGUF file: every tensor with its logical (reversed ggml) shape;
/// F32/F16/BF16 keep their dtype, block types are GGUFQuant.
std::unique_ptr<WeightSource> openGGUFWeights(const std::string &path, std::string &error);

/// path: a model.safetensors file, a model.safetensors.index.json, or a
/// directory holding either (the index wins). Readable dtypes: F32, F16, BF16
/// (others are listed with dtype Other and fail in readF32).
std::unique_ptr<WeightSource> openSafetensorsWeights(const std::string &path, std::string &error);

/// Checks that \p name exists in \p src with exactly \p shape; otherwise false
/// with a one-line \p error "<file>: tensor 'name': expected shape [a, b], found [c, d]"
/// (or "... is missing").
bool checkWeightShape(const WeightSource &src, const std::string &name,
                      const std::vector<int64_t> &shape, std::string &error);

/// "[a, b, c]" for messages.
std::string formatShape(const std::vector<int64_t> &shape);

} // namespace qcc

#endif // QCC_IMPORT_WEIGHTSOURCE_H
