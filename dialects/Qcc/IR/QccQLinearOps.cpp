//===- QccQLinearOps.cpp - verifier of qcc.qlinear ------------------------===//
#include "qcc/Dialect/Qcc/IR/QccOps.h"

#include "qcc/Runtime/QKernels.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace qcc;

int32_t QLinearOp::formatCode(StringRef format) {
  return llvm::StringSwitch<int32_t>(format)
      .Case("uniform", QCC_QF_UNIFORM)
      .Case("nf4", QCC_QF_NF4)
      .Case("fp8_e4m3", QCC_QF_FP8_E4M3)
      .Case("int8_w8a8", QCC_QF_INT8_W8A8)
      .Case("int8_w8a8_azp", QCC_QF_INT8_W8A8_AZP)
      .Case("f16", QCC_QF_F16)
      .Case("bf16", QCC_QF_BF16)
      .Default(0);
}

/// Checks the scheme with the runtime's own rules (qcc_rt_qscheme_valid), the
/// blob size against qcc_rt_qpacked_size, and the shapes of input, bias and
/// result.
LogicalResult QLinearOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getOutput().getType());
  auto w = cast<RankedTensorType>(getWeight().getType());
  int32_t format = formatCode(getFormat());
  if (!format)
    return emitOpError() << "format must be uniform, nf4, fp8_e4m3, "
                            "int8_w8a8, int8_w8a8_azp, f16 or bf16, not '"
                         << getFormat() << "'";
  if (in.getRank() < 1 || in.isDynamicDim(in.getRank() - 1))
    return emitOpError() << "input must have a static last dim (K), got "
                         << in;
  int64_t k = in.getShape().back(), n = getOutFeatures();
  int64_t bits = getBits(), group = getGroupSize();
  if (n <= 0)
    return emitOpError() << "out_features must be positive, got " << n;
  if (!qcc_rt_qscheme_valid(format, int32_t(bits), n, k, group))
    return emitOpError() << "scheme " << getFormat() << " bits=" << bits
                         << " group_size=" << group
                         << " is not supported by the quantized kernels";
  uint64_t size = qcc_rt_qpacked_size(format, int32_t(bits), n, k, group);
  if (w.getRank() != 1 || w.isDynamicDim(0) || uint64_t(w.getDimSize(0)) != size)
    return emitOpError() << "weight must be a 1-D i8 blob of " << size
                         << " bytes for W[" << n << ", " << k << "], got " << w;
  if (Value bias = getBias()) {
    auto b = cast<RankedTensorType>(bias.getType());
    if (b.getRank() != 1 || b.getDimSize(0) != n)
      return emitOpError() << "bias must be tensor<" << n << "xf32>, got " << b;
  }
  if (out.getRank() != in.getRank() || out.getShape().back() != n)
    return emitOpError() << "result must be " << in.getRank()
                         << "-D with last dim " << n << ", got " << out;
  for (int64_t i = 0; i + 1 < in.getRank(); ++i)
    if (!in.isDynamicDim(i) && !out.isDynamicDim(i) &&
        in.getDimSize(i) != out.getDimSize(i))
      return emitOpError() << "result dim " << i << " is " << out.getDimSize(i)
                           << " but the input's is " << in.getDimSize(i);
  if (Attribute layer = (*this)->getAttr("qcc.layer"))
    if (!isa<StringAttr>(layer))
      return emitOpError() << "qcc.layer must be a string attribute";
  return success();
}
