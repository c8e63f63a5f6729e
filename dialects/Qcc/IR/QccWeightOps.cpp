//===- QccWeightOps.cpp - verifier of qcc.external_weight -----------------===//
#include "qcc/Dialect/Qcc/IR/QccOps.h"

using namespace mlir;
using namespace qcc;

/// Checks what can be checked without opening the file: a known format, a
/// named source and tensor, a byte-sized element type, and an offset only
/// (and always non-negative) for raw files. Whether the tensor exists and has
/// this shape is checked by the driver before lowering (ExternalWeights.h).
LogicalResult ExternalWeightOp::verify() {
  StringRef format = getFormat();
  if (format != "gguf" && format != "safetensors" && format != "raw" &&
      format != "gguf-packed")
    return emitOpError() << "format must be gguf, safetensors, raw or "
                            "gguf-packed, not '"
                         << format << "'";
  bool packed = format == "gguf-packed";
  if (packed != bool(getBits()) || packed != bool(getGroupSize()))
    return emitOpError() << "bits and group_size "
                         << (packed ? "are required for" : "apply only to")
                         << " gguf-packed weights";
  if (packed) {
    auto type = cast<RankedTensorType>(getType());
    if (type.getRank() != 1 || !type.getElementType().isInteger(8))
      return emitOpError() << "a gguf-packed weight is a 1-D i8 blob, not "
                           << type;
  }
  if (getSource().empty())
    return emitOpError() << "needs a non-empty source file path";
  if (getSymName().empty())
    return emitOpError() << "needs a non-empty sym_name";
  if (getTensor().empty())
    return emitOpError() << "needs a non-empty tensor name";
  std::optional<int64_t> offset = getOffset();
  if (offset && format != "raw")
    return emitOpError() << "offset applies to raw sources only";
  if (offset && *offset < 0)
    return emitOpError() << "offset must be non-negative, got " << *offset;
  Type elem = getType().getElementType();
  unsigned width = elem.isIntOrFloat() ? elem.getIntOrFloatBitWidth() : 0;
  if (width == 0 || width % 8 != 0)
    return emitOpError() << "element type " << elem
                         << " is not a whole number of bytes";
  return success();
}
