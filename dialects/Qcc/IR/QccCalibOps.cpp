//===- QccCalibOps.cpp - verifier of qcc.observe ---------------------------===//
#include "qcc/Dialect/Qcc/IR/QccOps.h"

using namespace mlir;
using namespace qcc;

/// A non-negative id, at least one non-empty layer name, rank >= 1 and a
/// static channel (last) dimension, which sizes the observer's X^T X.
LogicalResult ObserveOp::verify() {
  int64_t id = getIdAttr().getInt();
  if (id < 0)
    return emitOpError() << "id must be non-negative, got " << id;
  if (getLayers().empty())
    return emitOpError() << "needs at least one layer name";
  for (Attribute a : getLayers())
    if (cast<StringAttr>(a).getValue().empty())
      return emitOpError() << "layer names must not be empty";
  auto type = getInput().getType();
  if (type.getRank() < 1)
    return emitOpError() << "input must have rank >= 1 (rows x channels)";
  if (type.isDynamicDim(type.getRank() - 1))
    return emitOpError() << "input channel (last) dimension must be static";
  return success();
}
