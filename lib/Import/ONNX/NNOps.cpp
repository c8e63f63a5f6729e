//===- NNOps.cpp - ONNX matmul, convolution, pooling, norms, reductions ---===//
//
// MatMul/Gemm, Conv/ConvTranspose with auto_pad resolution, pooling (global
// pooling as reductions), batch/layer/RMS/instance normalization, Softmax
// (with the pre-13 2-D coercion), reductions (attribute or input axes) and
// ArgMax/ArgMin.
//
//===----------------------------------------------------------------------===//
#include "ImporterInternal.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::onnx_import;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

LogicalResult convertMatMul(NodeContext &nc) {
  std::string why;
  auto shape = inferMatMulShape(nc.shape(0), nc.shape(1), &why);
  if (failed(shape))
    return nc.emitError() << "shape mismatch: cannot multiply "
                          << shapeToString(nc.shape(0)) << " by "
                          << shapeToString(nc.shape(1)) << ": " << why;
  if (nc.elementType(0) != nc.elementType(1))
    return nc.emitError() << "operand element types differ: " << nc.elementType(0)
                          << " vs " << nc.elementType(1);
  auto type = nc.tensorType(*shape, nc.elementType(0));
  nc.setOutput(0, MatMulOp::create(nc.b, nc.loc, type, nc.operand(0), nc.operand(1)));
  return success();
}

LogicalResult convertGemm(NodeContext &nc) {
  if (nc.rank(0) != 2 || nc.rank(1) != 2)
    return nc.emitError() << "A and B must be 2-D, got " << shapeToString(nc.shape(0))
                          << " and " << shapeToString(nc.shape(1));
  bool ta = nc.attrInt("transA", 0), tb = nc.attrInt("transB", 0);
  auto a = nc.shape(0), bs = nc.shape(1);
  int64_t m = ta ? a[1] : a[0], ka = ta ? a[0] : a[1];
  int64_t kb = tb ? bs[1] : bs[0], n = tb ? bs[0] : bs[1];
  if (ka != kDyn && kb != kDyn && ka != kb)
    return nc.emitError() << "shape mismatch: A' is " << m << "x" << ka << " but B' is "
                          << kb << "x" << n;
  Shape out{m, n};
  Value c;
  if (nc.hasInput(2)) {
    if (!isBroadcastableTo(nc.shape(2), out))
      return nc.emitError() << "C of shape " << shapeToString(nc.shape(2))
                            << " does not broadcast to " << shapeToString(out);
    c = nc.operand(2);
  }
  auto type = nc.tensorType(out, nc.elementType(0));
  nc.setOutput(0, GemmOp::create(nc.b, nc.loc, type, nc.operand(0), nc.operand(1), c,
                                 nc.b.getF32FloatAttr(nc.attrFloat("alpha", 1.0f)),
                                 nc.b.getF32FloatAttr(nc.attrFloat("beta", 1.0f)),
                                 nc.b.getBoolAttr(ta), nc.b.getBoolAttr(tb)));
  return success();
}

/// Window attributes shared by convolutions and pooling.
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, pads;
};

/// Reads kernel/strides/dilations/pads and resolves auto_pad for the spatial
/// dims of `inShape` (NC + spatial).
FailureOr<Window> readWindow(NodeContext &nc, ArrayRef<int64_t> inShape,
                             ArrayRef<int64_t> kernel) {
  Window w;
  size_t n = kernel.size();
  if (inShape.size() != n + 2) {
    nc.emitError() << "input of shape " << shapeToString(inShape) << " needs rank "
                   << n + 2 << " for a " << n << "-D window";
    return failure();
  }
  w.kernel.assign(kernel.begin(), kernel.end());
  w.strides = nc.attrInts("strides").value_or(SmallVector<int64_t>(n, 1));
  w.dilations = nc.attrInts("dilations").value_or(SmallVector<int64_t>(n, 1));
  w.pads = nc.attrInts("pads").value_or(SmallVector<int64_t>(2 * n, 0));
  if (w.strides.size() != n || w.dilations.size() != n || w.pads.size() != 2 * n) {
    nc.emitError() << "strides, dilations and pads must have " << n << ", " << n
                   << " and " << 2 * n << " entries";
    return failure();
  }
  std::string autoPad = nc.attrString("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    w.pads.assign(2 * n, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t d = 0; d < n; ++d) {
      int64_t in = inShape[d + 2];
      if (in == kDyn) {
        nc.emitError() << "auto_pad " << autoPad
                       << " needs static spatial dimensions; bind the input shapes "
                          "with --input-shape";
        return failure();
      }
      int64_t out = (in + w.strides[d] - 1) / w.strides[d];
      int64_t total = std::max<int64_t>(
          0, (out - 1) * w.strides[d] + (w.kernel[d] - 1) * w.dilations[d] + 1 - in);
      int64_t small = total / 2, big = total - small;
      w.pads[d] = autoPad == "SAME_UPPER" ? small : big;
      w.pads[d + n] = autoPad == "SAME_UPPER" ? big : small;
    }
  } else if (autoPad != "NOTSET") {
    nc.emitError() << "unknown auto_pad '" << autoPad << "'";
    return failure();
  }
  return w;
}

LogicalResult convertConv(NodeContext &nc) {
  auto ws = nc.shape(1);
  if (ws.size() < 3)
    return nc.emitError() << "weight must have rank >= 3, got " << shapeToString(ws);
  SmallVector<int64_t> kernel(ws.begin() + 2, ws.end());
  if (auto k = nc.attrInts("kernel_shape"); k && *k != kernel && !llvm::is_contained(kernel, kDyn))
    return nc.emitError() << "kernel_shape does not match the weight shape "
                          << shapeToString(ws);
  auto w = readWindow(nc, nc.shape(0), kernel);
  if (failed(w))
    return failure();
  int64_t group = nc.attrInt("group", 1);
  std::string why;
  auto shape = inferConvShape(nc.shape(0), ws, w->strides, w->pads, w->dilations, group,
                              &why);
  if (failed(shape))
    return nc.emitError() << "shape mismatch: input " << shapeToString(nc.shape(0))
                          << ", weight " << shapeToString(ws) << ": " << why;
  Value bias = nc.hasInput(2) ? nc.operand(2) : Value();
  auto type = nc.tensorType(*shape, nc.elementType(0));
  nc.setOutput(0, ConvOp::create(nc.b, nc.loc, type, nc.operand(0), nc.operand(1), bias,
                                 nc.b.getDenseI64ArrayAttr(w->strides),
                                 nc.b.getDenseI64ArrayAttr(w->pads),
                                 nc.b.getDenseI64ArrayAttr(w->dilations),
                                 nc.b.getI64IntegerAttr(group)));
  return success();
}

LogicalResult convertConvTranspose(NodeContext &nc) {
  auto xs = nc.shape(0), ws = nc.shape(1);
  if (ws.size() < 3 || xs.size() != ws.size())
    return nc.emitError() << "input " << shapeToString(xs) << " and weight "
                          << shapeToString(ws) << " ranks do not fit a convolution";
  size_t n = ws.size() - 2;
  SmallVector<int64_t> kernel(ws.begin() + 2, ws.end());
  auto strides = nc.attrInts("strides").value_or(SmallVector<int64_t>(n, 1));
  auto dilations = nc.attrInts("dilations").value_or(SmallVector<int64_t>(n, 1));
  auto pads = nc.attrInts("pads").value_or(SmallVector<int64_t>(2 * n, 0));
  auto outPad = nc.attrInts("output_padding").value_or(SmallVector<int64_t>(n, 0));
  if (strides.size() != n || dilations.size() != n || pads.size() != 2 * n ||
      outPad.size() != n)
    return nc.emitError() << "strides/dilations/pads/output_padding have wrong sizes";
  std::string autoPad = nc.attrString("auto_pad", "NOTSET");
  auto outputShape = nc.attrInts("output_shape");
  if (outputShape || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    if (outputShape && outputShape->size() == n + 2)
      outputShape->erase(outputShape->begin(), outputShape->begin() + 2);
    for (size_t d = 0; d < n; ++d) {
      int64_t in = xs[d + 2];
      if (in == kDyn)
        return nc.emitError() << "output_shape/auto_pad need static spatial dims";
      int64_t target = outputShape ? (*outputShape)[d] : in * strides[d];
      int64_t total = strides[d] * (in - 1) + outPad[d] +
                      ((kernel[d] - 1) * dilations[d] + 1) - target;
      if (total < 0) {
        // Grow the output with extra end padding (ONNX reference behaviour).
        outPad[d] -= total;
        total = 0;
      }
      int64_t half = total / 2;
      bool upper = autoPad != "SAME_LOWER";
      pads[d] = upper ? half : total - half;
      pads[d + n] = upper ? total - half : half;
    }
  } else if (autoPad == "VALID") {
    pads.assign(2 * n, 0);
  }
  int64_t group = nc.attrInt("group", 1);
  std::string why;
  auto shape = inferConvTransposeShape(xs, ws, strides, pads, dilations, outPad, group,
                                       &why);
  if (failed(shape))
    return nc.emitError() << "shape mismatch: " << why;
  Value bias = nc.hasInput(2) ? nc.operand(2) : Value();
  auto type = nc.tensorType(*shape, nc.elementType(0));
  nc.setOutput(0, ConvTransposeOp::create(
                      nc.b, nc.loc, type, nc.operand(0), nc.operand(1), bias,
                      nc.b.getDenseI64ArrayAttr(strides), nc.b.getDenseI64ArrayAttr(pads),
                      nc.b.getDenseI64ArrayAttr(dilations),
                      nc.b.getDenseI64ArrayAttr(outPad), nc.b.getI64IntegerAttr(group)));
  return success();
}

LogicalResult convertPool(NodeContext &nc) {
  bool isMax = nc.node.op_type() == "MaxPool";
  if (isMax && failed(nc.rejectOutputsFrom(1, "MaxPool indices")))
    return failure();
  auto kernel = nc.attrInts("kernel_shape");
  if (!kernel)
    return nc.emitError() << "missing kernel_shape";
  auto w = readWindow(nc, nc.shape(0), *kernel);
  if (failed(w))
    return failure();
  bool ceil = nc.attrInt("ceil_mode", 0);
  std::string why;
  auto shape = inferPoolShape(nc.shape(0), w->kernel, w->strides, w->pads, w->dilations,
                              ceil, &why);
  if (failed(shape))
    return nc.emitError() << "shape mismatch: " << why;
  auto type = nc.tensorType(*shape, nc.elementType(0));
  auto &b = nc.b;
  Value y;
  if (isMax)
    y = MaxPoolOp::create(b, nc.loc, type, nc.operand(0),
                          b.getDenseI64ArrayAttr(w->kernel),
                          b.getDenseI64ArrayAttr(w->strides),
                          b.getDenseI64ArrayAttr(w->pads),
                          b.getDenseI64ArrayAttr(w->dilations), b.getBoolAttr(ceil));
  else
    y = AvgPoolOp::create(b, nc.loc, type, nc.operand(0),
                          b.getDenseI64ArrayAttr(w->kernel),
                          b.getDenseI64ArrayAttr(w->strides),
                          b.getDenseI64ArrayAttr(w->pads),
                          b.getDenseI64ArrayAttr(w->dilations), b.getBoolAttr(ceil),
                          b.getBoolAttr(nc.attrInt("count_include_pad", 0)));
  nc.setOutput(0, y);
  return success();
}

/// Builds a reduction `OpT` of `x` over sorted unique `axes`.
template <typename OpT>
Value buildReduce(NodeContext &nc, Value x, ArrayRef<int64_t> axes, bool keep) {
  auto t = cast<RankedTensorType>(x.getType());
  auto shape = inferReduceShape(t.getShape(), axes, keep);
  auto type = nc.tensorType(*shape, t.getElementType());
  return OpT::create(nc.b, nc.loc, type, x, nc.b.getDenseI64ArrayAttr(axes),
                     nc.b.getBoolAttr(keep));
}

LogicalResult convertGlobalPool(NodeContext &nc) {
  if (nc.rank(0) < 3)
    return nc.emitError() << "input must have rank >= 3";
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < nc.rank(0); ++d)
    axes.push_back(d);
  Value x = nc.operand(0);
  nc.setOutput(0, nc.node.op_type() == "GlobalMaxPool"
                      ? buildReduce<ReduceMaxOp>(nc, x, axes, true)
                      : buildReduce<ReduceMeanOp>(nc, x, axes, true));
  return success();
}

/// Evaluates Sum/Mean/Max/Min/Prod reductions of constants (shape arithmetic
/// such as the product of trailing dimensions).
FailureOr<ConstTensor> foldReduce(StringRef op, const ConstTensor &c,
                                  ArrayRef<int64_t> axes, bool keep) {
  if (!llvm::is_contained({"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin",
                           "ReduceProd"},
                          op))
    return failure();
  auto keptShape = inferReduceShape(c.shape, axes, true);
  auto outShape = inferReduceShape(c.shape, axes, keep);
  if (failed(keptShape) || failed(outShape))
    return failure();
  int64_t n = numElementsOf(*keptShape), rank = c.shape.size();
  if (c.numElements() == 0)
    return failure();
  SmallVector<double> acc(n, 0.0);
  SmallVector<bool> seen(n, false);
  int64_t count = c.numElements() / std::max<int64_t>(1, n);
  for (int64_t i = 0, e = c.numElements(); i < e; ++i) {
    // Output index: the input coordinates with reduced axes set to 0.
    int64_t rem = i, out = 0, stride = 1;
    SmallVector<int64_t> coords(rank);
    for (int64_t d = rank - 1; d >= 0; --d) {
      coords[d] = rem % c.shape[d];
      rem /= c.shape[d];
    }
    for (int64_t d = rank - 1; d >= 0; --d) {
      out += (llvm::is_contained(axes, d) ? 0 : coords[d]) * stride;
      stride *= (*keptShape)[d];
    }
    double v = c.getDouble(i);
    if (!seen[out]) {
      acc[out] = v;
      seen[out] = true;
    } else if (op == "ReduceSum" || op == "ReduceMean") {
      acc[out] += v;
    } else if (op == "ReduceProd") {
      acc[out] *= v;
    } else if (op == "ReduceMax") {
      acc[out] = std::max(acc[out], v);
    } else {
      acc[out] = std::min(acc[out], v);
    }
  }
  ConstTensor r = ConstTensor::empty(*outShape, c.elementType);
  for (double v : acc)
    r.push(op == "ReduceMean" ? v / count : v);
  return r;
}

LogicalResult convertReduce(NodeContext &nc) {
  StringRef op = nc.node.op_type();
  int64_t rank = nc.rank(0);
  bool keep = nc.attrInt("keepdims", 1);
  bool noop = nc.attrInt("noop_with_empty_axes", 0);
  int64_t inputAxesSince = op == "ReduceSum" ? 13 : 18;
  SmallVector<int64_t> axes;
  if (nc.opset >= inputAxesSince) {
    if (nc.hasInput(1)) {
      auto a = nc.constInts(1, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
  } else if (auto a = nc.attrInts("axes")) {
    axes = *a;
  }
  if (axes.empty()) {
    if (noop) {
      nc.setOutput(0, nc.operand(0));
      return success();
    }
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  for (int64_t &a : axes) {
    auto n = nc.normalizeAxis(a, rank);
    if (failed(n))
      return failure();
    a = *n;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  if (const ConstTensor *c = nc.constant(0)) {
    auto folded = foldReduce(op, *c, axes, keep);
    if (succeeded(folded)) {
      nc.setOutput(0, std::move(*folded));
      return success();
    }
  }
  Value x = nc.operand(0);
  Type t = x.getType();
  Value y;
  if (op == "ReduceSum")
    y = buildReduce<ReduceSumOp>(nc, x, axes, keep);
  else if (op == "ReduceMean")
    y = buildReduce<ReduceMeanOp>(nc, x, axes, keep);
  else if (op == "ReduceMax")
    y = buildReduce<ReduceMaxOp>(nc, x, axes, keep);
  else if (op == "ReduceMin")
    y = buildReduce<ReduceMinOp>(nc, x, axes, keep);
  else if (op == "ReduceProd")
    y = buildReduce<ReduceProdOp>(nc, x, axes, keep);
  else if (op == "ReduceL1")
    y = buildReduce<ReduceSumOp>(nc, AbsOp::create(nc.b, nc.loc, t, x), axes, keep);
  else if (op == "ReduceSumSquare" || op == "ReduceL2") {
    y = buildReduce<ReduceSumOp>(nc, MulOp::create(nc.b, nc.loc, t, x, x), axes, keep);
    if (op == "ReduceL2")
      y = SqrtOp::create(nc.b, nc.loc, y.getType(), y);
  } else if (op == "ReduceLogSum") {
    y = buildReduce<ReduceSumOp>(nc, x, axes, keep);
    y = LogOp::create(nc.b, nc.loc, y.getType(), y);
  } else if (op == "ReduceLogSumExp") {
    // log(sum(exp(x - m))) + m with m = max(x): stable for large inputs.
    Value m = buildReduce<ReduceMaxOp>(nc, x, axes, true);
    Value e = ExpOp::create(nc.b, nc.loc, t, SubOp::create(nc.b, nc.loc, t, x, m));
    y = buildReduce<ReduceSumOp>(nc, e, axes, keep);
    y = LogOp::create(nc.b, nc.loc, y.getType(), y);
    Value mk = keep ? m : *nc.reshape(m, cast<RankedTensorType>(y.getType()).getShape());
    y = AddOp::create(nc.b, nc.loc, y.getType(), y, mk);
  } else {
    return nc.emitError() << "no reduction mapping";
  }
  nc.setOutput(0, y);
  return success();
}

LogicalResult convertArgReduce(NodeContext &nc) {
  auto axis = nc.normalizeAxis(nc.attrInt("axis", 0), nc.rank(0));
  if (failed(axis))
    return failure();
  bool keep = nc.attrInt("keepdims", 1);
  auto shape = inferReduceShape(nc.shape(0), {*axis}, keep);
  auto type = nc.tensorType(*shape, nc.b.getI64Type());
  auto axisAttr = nc.b.getI64IntegerAttr(*axis);
  auto last = nc.b.getBoolAttr(nc.attrInt("select_last_index", 0));
  Value y = nc.node.op_type() == "ArgMax"
                ? ArgMaxOp::create(nc.b, nc.loc, type, nc.operand(0), axisAttr,
                                   nc.b.getBoolAttr(keep), last)
                      .getResult()
                : ArgMinOp::create(nc.b, nc.loc, type, nc.operand(0), axisAttr,
                                   nc.b.getBoolAttr(keep), last)
                      .getResult();
  nc.setOutput(0, y);
  return success();
}

LogicalResult convertSoftmax(NodeContext &nc) {
  bool log = nc.node.op_type() == "LogSoftmax";
  int64_t rank = nc.rank(0);
  auto axis = nc.normalizeAxis(nc.attrInt("axis", nc.opset < 13 ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  if (!isa<FloatType>(nc.elementType(0)))
    return nc.emitError() << "expects a float input";
  Value x = nc.operand(0);
  auto build = [&](Value v, int64_t ax) -> Value {
    auto a = nc.b.getI64IntegerAttr(ax);
    return log ? LogSoftmaxOp::create(nc.b, nc.loc, v.getType(), v, a).getResult()
               : SoftmaxOp::create(nc.b, nc.loc, v.getType(), v, a).getResult();
  };
  if (nc.opset >= 13 || *axis == rank - 1) {
    nc.setOutput(0, build(x, *axis));
    return success();
  }
  // Before opset 13 the input is coerced to 2-D [prod(d < axis), prod(d >= axis)].
  auto shape = nc.shape(0);
  auto prod = [](ArrayRef<int64_t> s) {
    int64_t p = 1;
    for (int64_t d : s) {
      if (d == kDyn)
        return kDyn;
      p *= d;
    }
    return p;
  };
  Shape flat{prod(shape.take_front(*axis)), prod(shape.drop_front(*axis))};
  auto flatV = nc.reshape(x, flat);
  if (failed(flatV))
    return failure();
  Value y = build(*flatV, 1);
  auto back = nc.reshape(y, shape);
  if (failed(back))
    return failure();
  nc.setOutput(0, *back);
  return success();
}

LogicalResult convertBatchNorm(NodeContext &nc) {
  if (nc.attrInt("training_mode", 0))
    return nc.emitError() << "unsupported feature: training_mode = 1 (qcc compiles inference graphs)";
  if (failed(nc.rejectOutputsFrom(1, "training statistics")))
    return failure();
  if (nc.rank(0) < 2)
    return nc.emitError() << "input must have rank >= 2";
  int64_t c = nc.shape(0)[1];
  for (unsigned i = 1; i <= 4; ++i)
    if (nc.rank(i) != 1 || !shapesCompatible(nc.shape(i), {c}))
      return nc.emitError() << "input " << i << " ('" << nc.node.input(i)
                            << "') must be 1-D of size " << c << ", got "
                            << shapeToString(nc.shape(i));
  nc.setOutput(0, BatchNormOp::create(nc.b, nc.loc, nc.type(0), nc.operand(0),
                                      nc.operand(1), nc.operand(2), nc.operand(3),
                                      nc.operand(4),
                                      nc.b.getF32FloatAttr(nc.attrFloat("epsilon", 1e-5f))));
  return success();
}

LogicalResult convertNorm(NodeContext &nc) {
  bool rms = nc.node.op_type() == "RMSNormalization";
  if (failed(nc.rejectOutputsFrom(1, "normalization statistics")))
    return failure();
  auto axis = nc.normalizeAxis(nc.attrInt("axis", -1), nc.rank(0));
  if (failed(axis))
    return failure();
  if (!isa<FloatType>(nc.elementType(0)))
    return nc.emitError() << "expects a float input";
  auto normalized = nc.shape(0).drop_front(*axis);
  if (!isBroadcastableTo(nc.shape(1), normalized))
    return nc.emitError() << "scale of shape " << shapeToString(nc.shape(1))
                          << " does not broadcast to " << shapeToString(normalized);
  auto eps = nc.b.getF32FloatAttr(nc.attrFloat("epsilon", 1e-5f));
  auto ax = nc.b.getI64IntegerAttr(*axis);
  Value y;
  if (rms) {
    y = RmsNormOp::create(nc.b, nc.loc, nc.type(0), nc.operand(0), nc.operand(1), ax, eps);
  } else {
    Value bias;
    if (nc.hasInput(2)) {
      if (!isBroadcastableTo(nc.shape(2), normalized))
        return nc.emitError() << "bias does not broadcast to the normalized dims";
      bias = nc.operand(2);
    }
    y = LayerNormOp::create(nc.b, nc.loc, nc.type(0), nc.operand(0), nc.operand(1), bias,
                            ax, eps);
  }
  nc.setOutput(0, y);
  return success();
}

/// InstanceNormalization: per (n, c) normalization over the spatial dims.
///   y = (x - mean) / sqrt(var + eps) * scale[c] + bias[c]
LogicalResult convertInstanceNorm(NodeContext &nc) {
  int64_t rank = nc.rank(0);
  if (rank < 3)
    return nc.emitError() << "input must have rank >= 3";
  if (!isa<FloatType>(nc.elementType(0)))
    return nc.emitError() << "expects a float input";
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  auto &b = nc.b;
  Location loc = nc.loc;
  Value x = nc.operand(0);
  Type t = x.getType(), elt = nc.elementType(0);
  Value mean = buildReduce<ReduceMeanOp>(nc, x, axes, true);
  Value d = SubOp::create(b, loc, t, x, mean);
  Value var = buildReduce<ReduceMeanOp>(nc, MulOp::create(b, loc, t, d, d), axes, true);
  Value eps = nc.constantOf(elt, {}, {nc.attrFloat("epsilon", 1e-5f)});
  var = AddOp::create(b, loc, var.getType(), var, eps);
  Value inv = RsqrtOp::create(b, loc, var.getType(), var);
  Value y = MulOp::create(b, loc, t, d, inv);
  Shape chan(rank - 1, 1);
  chan[0] = nc.shape(0)[1];
  for (unsigned i : {1u, 2u}) {
    if (nc.rank(i) != 1 || !shapesCompatible(nc.shape(i), {chan[0]}))
      return nc.emitError() << "scale and bias must be 1-D of size " << chan[0];
    auto r = nc.reshape(nc.operand(i), chan);
    if (failed(r))
      return failure();
    y = i == 1 ? Value(MulOp::create(b, loc, t, y, *r)) : Value(AddOp::create(b, loc, t, y, *r));
  }
  nc.setOutput(0, y);
  return success();
}

/// LpNormalization: x / norm_p(x) along one axis (p = 1 or 2).
LogicalResult convertLpNorm(NodeContext &nc) {
  auto axis = nc.normalizeAxis(nc.attrInt("axis", -1), nc.rank(0));
  if (failed(axis))
    return failure();
  int64_t p = nc.attrInt("p", 2);
  if (p != 1 && p != 2)
    return nc.emitError() << "p must be 1 or 2, got " << p;
  Value x = nc.operand(0);
  Type t = x.getType();
  Value n = p == 1 ? buildReduce<ReduceSumOp>(nc, AbsOp::create(nc.b, nc.loc, t, x),
                                              {*axis}, true)
                   : buildReduce<ReduceSumOp>(nc, MulOp::create(nc.b, nc.loc, t, x, x),
                                              {*axis}, true);
  if (p == 2)
    n = SqrtOp::create(nc.b, nc.loc, n.getType(), n);
  // A zero norm means an all-zero slice: ONNX defines the result as 0 there,
  // so divide by 1 instead of 0 (0/1 = 0, not 0/0 = NaN).
  auto nType = cast<RankedTensorType>(n.getType());
  Type elt = nType.getElementType();
  if (!isa<FloatType>(elt))
    return nc.emitError() << "expects a float input, got " << nc.type(0);
  auto scalarType = RankedTensorType::get({}, elt);
  auto scalar = [&](double v) -> Value {
    return arith::ConstantOp::create(
        nc.b, nc.loc, scalarType,
        DenseElementsAttr::get(scalarType, nc.b.getFloatAttr(elt, v)));
  };
  auto maskType = RankedTensorType::get(nType.getShape(), nc.b.getI1Type());
  Value isZero = EqualOp::create(nc.b, nc.loc, maskType, n, scalar(0.0));
  Value divisor = WhereOp::create(nc.b, nc.loc, nType, isZero, scalar(1.0), n);
  nc.setOutput(0, DivOp::create(nc.b, nc.loc, t, x, divisor));
  return success();
}

} // namespace

void qcc::onnx_import::registerNNConverters(ConverterMap &m) {
  m["MatMul"] = convertMatMul;
  m["Gemm"] = convertGemm;
  m["Conv"] = convertConv;
  m["ConvTranspose"] = convertConvTranspose;
  m["MaxPool"] = convertPool;
  m["AveragePool"] = convertPool;
  m["GlobalAveragePool"] = convertGlobalPool;
  m["GlobalMaxPool"] = convertGlobalPool;
  for (const char *op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
                         "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum",
                         "ReduceLogSumExp"})
    m[op] = convertReduce;
  m["ArgMax"] = convertArgReduce;
  m["ArgMin"] = convertArgReduce;
  m["Softmax"] = convertSoftmax;
  m["LogSoftmax"] = convertSoftmax;
  m["BatchNormalization"] = convertBatchNorm;
  m["LayerNormalization"] = convertNorm;
  m["RMSNormalization"] = convertNorm;
  m["InstanceNormalization"] = convertInstanceNorm;
  m["LpNormalization"] = convertLpNorm;
}
