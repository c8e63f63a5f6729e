//===- ShapeOps.cpp - ONNX data movement and shape ops to qcc -------------===//
//
// Reshape/Flatten/Squeeze/Unsqueeze (all as qcc.reshape), Transpose, Concat,
// Slice, Split, Gather, Expand, Tile, Pad, Resize/Upsample, DepthToSpace,
// SpaceToDepth, and the shape producers Shape, Size, Constant,
// ConstantOfShape and Range, which fold to constants whenever the shapes are
// known so that shape subgraphs of exported models vanish at import (else
// DynamicShapeOps.cpp builds them at run time, with Trilu).
//
//===----------------------------------------------------------------------===//
#include "DynamicShapeOps.h"
#include "ImporterInternal.h"
#include "RuntimeShape.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace qcc;
using namespace qcc::onnx_import;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

/// Defines output 0 as `x` reshaped to `shape`, folding constants.
LogicalResult setReshaped(NodeContext &nc, ArrayRef<int64_t> shape) {
  if (const ConstTensor *c = nc.constant(0); c && !llvm::is_contained(shape, kDyn)) {
    ConstTensor r = *c;
    r.shape.assign(shape.begin(), shape.end());
    nc.setOutput(0, std::move(r));
    return success();
  }
  auto v = nc.reshape(nc.operand(0), shape);
  if (failed(v))
    return failure();
  nc.setOutput(0, *v);
  return success();
}

/// Like setReshaped for reshapes that only add or remove unit dims: dynamic
/// dim d of `shape` is input dim `source[d]`, so several dynamic dims are
/// fine (the run-time shape reads them from the input).
LogicalResult setReshapedUnitDims(NodeContext &nc, ArrayRef<int64_t> shape,
                                  ArrayRef<int64_t> source) {
  if (llvm::count(shape, kDyn) <= 1 || nc.constant(0))
    return setReshaped(nc, shape);
  Value x = nc.operand(0);
  SmallVector<Value> dims;
  for (auto [d, size] : llvm::enumerate(shape))
    dims.push_back(size == kDyn ? dimI64(nc, x, source[d]) : constI64(nc, size));
  nc.setOutput(0, reshapeTo(nc, x, dims));
  return success();
}

LogicalResult convertReshape(NodeContext &nc) {
  auto in = nc.shape(0);
  if (!nc.constant(1)) {
    // A runtime shape: the rank is known from the shape operand's length.
    auto st = nc.type(1);
    if (st.getRank() != 1 || st.isDynamicDim(0))
      return nc.emitError() << "the shape input must be a 1-D tensor of known length";
    if (!st.getElementType().isInteger(64))
      return nc.emitError() << "the shape input must be i64";
    Shape out(st.getDimSize(0), kDyn);
    // Entries known at import (constants among run-time pieces) stay static.
    bool allowZero = nc.attrInt("allowzero", 0) != 0;
    auto known = knownShapeEntries(nc.operand(1));
    for (auto [d, e] : llvm::enumerate(known)) {
      if (e && *e > 0)
        out[d] = *e;
      else if (e && *e == 0 && allowZero)
        out[d] = 0;
      else if (e && *e == 0 && d < in.size())
        out[d] = in[d];
    }
    auto type = nc.tensorType(out, nc.elementType(0));
    auto op = ReshapeOp::create(nc.b, nc.loc, type, nc.operand(0), nc.operand(1));
    op.setAllowzero(nc.attrInt("allowzero", 0) != 0);
    nc.setOutput(0, op.getResult());
    return success();
  }
  auto spec = nc.constInts(1, "shape");
  if (failed(spec))
    return failure();
  bool allowZero = nc.attrInt("allowzero", 0);
  Shape out;
  int64_t inferIdx = -1, known = 1;
  for (auto [i, d] : llvm::enumerate(*spec)) {
    int64_t v = d;
    if (d == 0 && !allowZero) {
      if (i >= in.size())
        return nc.emitError() << "shape entry " << i << " copies a dimension that "
                              << "the input " << shapeToString(in) << " lacks";
      v = in[i];
    } else if (d == -1) {
      if (inferIdx >= 0)
        return nc.emitError() << "shape has more than one -1";
      inferIdx = i;
    } else if (d < 0) {
      return nc.emitError() << "invalid shape entry " << d;
    }
    out.push_back(v);
    if (d != -1) {
      if (v == kDyn)
        known = kDyn;
      else if (known != kDyn)
        known *= v;
    }
  }
  int64_t total = 1;
  for (int64_t d : in)
    total = (d == kDyn || total == kDyn) ? kDyn : total * d;
  if (inferIdx >= 0) {
    if (total == kDyn || known == kDyn)
      out[inferIdx] = kDyn;
    else if (known == 0 || total % known)
      return nc.emitError() << "shape mismatch: cannot reshape " << shapeToString(in)
                            << " to " << shapeToString(*spec);
    else
      out[inferIdx] = total / known;
  } else if (total != kDyn && known != kDyn && total != known) {
    return nc.emitError() << "shape mismatch: cannot reshape " << shapeToString(in)
                          << " (" << total << " elements) to " << shapeToString(out);
  }
  if (llvm::count(out, kDyn) > 1) {
    auto type = nc.tensorType(out, nc.elementType(0));
    auto op = ReshapeOp::create(nc.b, nc.loc, type, nc.operand(0), nc.operand(1));
    op.setAllowzero(allowZero);
    nc.setOutput(0, op.getResult());
    return success();
  }
  return setReshaped(nc, out);
}

LogicalResult convertFlatten(NodeContext &nc) {
  auto in = nc.shape(0);
  int64_t rank = in.size(), axis = nc.attrInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return nc.emitError() << "axis " << nc.attrInt("axis", 1) << " out of range";
  auto prod = [](ArrayRef<int64_t> s) {
    int64_t p = 1;
    for (int64_t d : s)
      p = (d == kDyn || p == kDyn) ? kDyn : p * d;
    return p;
  };
  return setReshaped(nc, {prod(in.take_front(axis)), prod(in.drop_front(axis))});
}

/// Axes of Squeeze/Unsqueeze: attribute before opset 13, input after.
FailureOr<SmallVector<int64_t>> squeezeAxes(NodeContext &nc) {
  if (nc.opset >= 13) {
    if (!nc.hasInput(1))
      return SmallVector<int64_t>();
    return nc.constInts(1, "axes");
  }
  return nc.attrInts("axes").value_or(SmallVector<int64_t>());
}

LogicalResult convertSqueeze(NodeContext &nc) {
  auto in = nc.shape(0);
  int64_t rank = in.size();
  auto axes = squeezeAxes(nc);
  if (failed(axes))
    return failure();
  SmallVector<bool> drop(rank, false);
  if (axes->empty()) {
    for (int64_t d = 0; d < rank; ++d) {
      if (in[d] == kDyn)
        return nc.emitError() << "squeezing without axes needs static dimensions; bind "
                                 "the input shapes with --input-shape";
      drop[d] = in[d] == 1;
    }
  }
  for (int64_t a : *axes) {
    auto n = nc.normalizeAxis(a, rank);
    if (failed(n))
      return failure();
    if (in[*n] != 1 && in[*n] != kDyn)
      return nc.emitError() << "cannot squeeze dimension " << *n << " of size " << in[*n];
    drop[*n] = true;
  }
  Shape out;
  SmallVector<int64_t> source;
  for (int64_t d = 0; d < rank; ++d)
    if (!drop[d]) {
      out.push_back(in[d]);
      source.push_back(d);
    }
  return setReshapedUnitDims(nc, out, source);
}

LogicalResult convertUnsqueeze(NodeContext &nc) {
  auto in = nc.shape(0);
  auto axes = squeezeAxes(nc);
  if (failed(axes))
    return failure();
  int64_t outRank = in.size() + axes->size();
  SmallVector<bool> isNew(outRank, false);
  for (int64_t a : *axes) {
    auto n = nc.normalizeAxis(a, outRank);
    if (failed(n))
      return failure();
    if (isNew[*n])
      return nc.emitError() << "axis " << a << " repeated";
    isNew[*n] = true;
  }
  Shape out;
  SmallVector<int64_t> source;
  for (int64_t d = 0, k = 0; d < outRank; ++d) {
    source.push_back(isNew[d] ? -1 : k);
    out.push_back(isNew[d] ? 1 : in[k++]);
  }
  return setReshapedUnitDims(nc, out, source);
}

/// Builds a transpose (folding constants).
Value buildTranspose(NodeContext &nc, Value x, ArrayRef<int64_t> perm) {
  auto t = cast<RankedTensorType>(x.getType());
  auto shape = inferTransposeShape(t.getShape(), perm);
  return TransposeOp::create(nc.b, nc.loc, nc.tensorType(*shape, t.getElementType()), x,
                             nc.b.getDenseI64ArrayAttr(perm));
}

LogicalResult convertTranspose(NodeContext &nc) {
  int64_t rank = nc.rank(0);
  SmallVector<int64_t> perm;
  if (auto p = nc.attrInts("perm"))
    perm = *p;
  else
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  for (int64_t &p : perm)
    if (p < 0)
      p += rank;
  std::string why;
  if (failed(inferTransposeShape(nc.shape(0), perm, &why)))
    return nc.emitError() << why;
  if (const ConstTensor *c = nc.constant(0)) {
    nc.setOutput(0, foldTranspose(*c, perm));
    return success();
  }
  nc.setOutput(0, buildTranspose(nc, nc.operand(0), perm));
  return success();
}

LogicalResult convertConcat(NodeContext &nc) {
  if (nc.numInputs() == 0)
    return nc.emitError() << "needs at least one input";
  auto axis = nc.normalizeAxis(nc.attrInt("axis", 0), nc.rank(0));
  if (failed(axis))
    return failure();
  SmallVector<Shape> shapes;
  SmallVector<Value> operands;
  for (unsigned i = 0; i < nc.numInputs(); ++i) {
    if (nc.elementType(i) != nc.elementType(0))
      return nc.emitError() << "inputs have different element types";
    shapes.emplace_back(nc.shape(i).begin(), nc.shape(i).end());
  }
  std::string why;
  auto shape = inferConcatShape(shapes, *axis, &why);
  if (failed(shape))
    return nc.emitError() << "shape mismatch: " << why;
  if (nc.allInputsConstant()) {
    SmallVector<const ConstTensor *> parts;
    for (unsigned i = 0; i < nc.numInputs(); ++i)
      parts.push_back(nc.constant(i));
    nc.setOutput(0, foldConcat(parts, *axis));
    return success();
  }
  for (unsigned i = 0; i < nc.numInputs(); ++i)
    if (shapes[i][*axis] != 0)
      operands.push_back(nc.operand(i));
  if (operands.size() == 1) {
    nc.setOutput(0, operands[0]);
    return success();
  }
  nc.setOutput(0, ConcatOp::create(nc.b, nc.loc, nc.tensorType(*shape, nc.elementType(0)),
                                   operands, nc.b.getI64IntegerAttr(*axis)));
  return success();
}

/// Emits (or folds) a slice of input 0 with per-dimension normalized starts
/// and steps and output shape `out`.
void setSlice(NodeContext &nc, ArrayRef<int64_t> starts, ArrayRef<int64_t> steps,
              ArrayRef<int64_t> out, unsigned result = 0) {
  if (const ConstTensor *c = nc.constant(0); c && !llvm::is_contained(out, kDyn)) {
    nc.setOutput(result, foldSlice(*c, starts, steps, out));
    return;
  }
  Value x = nc.operand(0);
  if (nc.shape(0) == out && llvm::all_of(starts, [](int64_t s) { return s == 0; })) {
    nc.setOutput(result, x);
    return;
  }
  nc.setOutput(result, SliceOp::create(nc.b, nc.loc, nc.tensorType(out, nc.elementType(0)),
                                       x, nc.b.getDenseI64ArrayAttr(starts),
                                       nc.b.getDenseI64ArrayAttr(steps)));
}

LogicalResult convertSlice(NodeContext &nc) {
  auto in = nc.shape(0);
  int64_t rank = in.size();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (nc.opset < 10) {
    starts = nc.attrInts("starts").value_or(SmallVector<int64_t>());
    ends = nc.attrInts("ends").value_or(SmallVector<int64_t>());
    axes = nc.attrInts("axes").value_or(SmallVector<int64_t>());
  } else {
    auto s = nc.constInts(1, "starts");
    if (failed(s))
      return failure();
    auto e = nc.constInts(2, "ends");
    if (failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (nc.hasInput(3)) {
      auto a = nc.constInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (nc.hasInput(4)) {
      auto st = nc.constInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return nc.emitError() << "starts, ends, axes and steps must have the same length";
  Shape outStarts(rank, 0), outSteps(rank, 1), out(in.begin(), in.end());
  for (size_t i = 0; i < axes.size(); ++i) {
    auto a = nc.normalizeAxis(axes[i], rank);
    if (failed(a))
      return failure();
    if (steps[i] == 0)
      return nc.emitError() << "step of axis " << *a << " is zero";
    int64_t dim = in[*a];
    if (dim == kDyn) {
      if (starts[i] == 0 && steps[i] == 1 && ends[i] >= (int64_t(1) << 31) - 1)
        continue; // the whole dimension
      return nc.emitError() << "slicing dynamic dimension " << *a
                            << "; bind the input shapes with --input-shape";
    }
    int64_t start = starts[i];
    out[*a] = sliceLength(dim, start, ends[i], steps[i]);
    outStarts[*a] = out[*a] == 0 ? 0 : start;
    outSteps[*a] = steps[i];
  }
  setSlice(nc, outStarts, outSteps, out);
  return success();
}

LogicalResult convertSplit(NodeContext &nc) {
  auto in = nc.shape(0);
  int64_t rank = in.size();
  auto axis = nc.normalizeAxis(nc.attrInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  int64_t dim = in[*axis];
  if (dim == kDyn)
    return nc.emitError() << "splitting dynamic dimension " << *axis
                          << "; bind the input shapes with --input-shape";
  SmallVector<int64_t> sizes;
  if (nc.opset >= 13 && nc.hasInput(1)) {
    auto s = nc.constInts(1, "split");
    if (failed(s))
      return failure();
    sizes = *s;
  } else if (auto s = nc.attrInts("split"); s && nc.opset < 13) {
    sizes = *s;
  }
  unsigned n = nc.numOutputs();
  if (sizes.empty()) {
    int64_t parts = nc.attrInt("num_outputs", n);
    int64_t chunk = (dim + parts - 1) / parts;
    for (int64_t i = 0, left = dim; i < parts; ++i, left -= chunk)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, left)));
  }
  if (sizes.size() != n)
    return nc.emitError() << "split has " << sizes.size() << " parts but the node has "
                          << n << " outputs";
  int64_t sum = 0;
  for (int64_t s : sizes)
    sum += s;
  if (sum != dim)
    return nc.emitError() << "split sizes add up to " << sum << ", not " << dim;
  int64_t offset = 0;
  for (unsigned i = 0; i < n; ++i) {
    Shape starts(rank, 0), steps(rank, 1), out(in.begin(), in.end());
    starts[*axis] = sizes[i] ? offset : 0;
    out[*axis] = sizes[i];
    setSlice(nc, starts, steps, out, i);
    offset += sizes[i];
  }
  return success();
}

LogicalResult convertGather(NodeContext &nc) {
  auto axis = nc.normalizeAxis(nc.attrInt("axis", 0), nc.rank(0));
  if (failed(axis))
    return failure();
  Type idx = nc.elementType(1);
  if (!idx.isInteger(32) && !idx.isInteger(64))
    return nc.emitError() << "indices must be int32 or int64";
  if (const ConstTensor *d = nc.constant(0))
    if (const ConstTensor *i = nc.constant(1)) {
      auto r = foldGather(*d, *i, *axis);
      if (failed(r))
        return nc.emitError() << "index out of range for dimension " << *axis
                              << " of size " << d->shape[*axis];
      nc.setOutput(0, std::move(*r));
      return success();
    }
  auto shape = inferGatherShape(nc.shape(0), nc.shape(1), *axis);
  nc.setOutput(0, GatherOp::create(nc.b, nc.loc, nc.tensorType(*shape, nc.elementType(0)),
                                   nc.operand(0), nc.operand(1),
                                   nc.b.getI64IntegerAttr(*axis)));
  return success();
}

LogicalResult convertExpand(NodeContext &nc) {
  if (!nc.constant(1))
    return convertExpandAtRunTime(nc);
  auto target = nc.constInts(1, "shape");
  if (failed(target))
    return failure();
  std::string why;
  auto shape = broadcastShapes(nc.shape(0), *target, &why);
  if (failed(shape))
    return nc.emitError() << "shape mismatch: cannot expand " << shapeToString(nc.shape(0))
                          << " to " << shapeToString(*target) << ": " << why;
  if (const ConstTensor *c = nc.constant(0);
      c && !llvm::is_contained(*shape, kDyn) && numElementsOf(*shape) <= kFoldLimit) {
    nc.setOutput(0, foldExpand(*c, *shape));
    return success();
  }
  Value x = nc.operand(0);
  if (nc.shape(0) == ArrayRef<int64_t>(*shape)) {
    nc.setOutput(0, x);
    return success();
  }
  nc.setOutput(0, ExpandOp::create(nc.b, nc.loc, nc.tensorType(*shape, nc.elementType(0)), x));
  return success();
}

LogicalResult convertTile(NodeContext &nc) {
  auto repeats = nc.constInts(1, "repeats");
  if (failed(repeats))
    return failure();
  auto in = nc.shape(0);
  if (repeats->size() != in.size())
    return nc.emitError() << "repeats needs " << in.size() << " entries";
  Shape out;
  for (auto [d, r] : llvm::zip(in, *repeats)) {
    if (r < 0)
      return nc.emitError() << "negative repeat " << r;
    out.push_back(d == kDyn ? kDyn : d * r);
  }
  nc.setOutput(0, TileOp::create(nc.b, nc.loc, nc.tensorType(out, nc.elementType(0)),
                                 nc.operand(0), nc.b.getDenseI64ArrayAttr(*repeats)));
  return success();
}

LogicalResult convertPad(NodeContext &nc) {
  auto in = nc.shape(0);
  int64_t rank = in.size();
  std::string mode = nc.attrString("mode", "constant");
  SmallVector<int64_t> pads;
  double value = 0;
  if (nc.opset < 11) {
    pads = nc.attrInts("pads").value_or(SmallVector<int64_t>());
    value = nc.attrFloat("value", 0.0f);
  } else {
    auto p = nc.constInts(1, "pads");
    if (failed(p))
      return failure();
    pads = *p;
    if (nc.hasInput(2)) {
      auto v = nc.constFloats(2, "constant_value");
      if (failed(v))
        return failure();
      if (!v->empty())
        value = (*v)[0];
    }
    if (nc.hasInput(3)) {
      auto axes = nc.constInts(3, "axes");
      if (failed(axes))
        return failure();
      if (pads.size() != 2 * axes->size())
        return nc.emitError() << "pads needs two entries per axis";
      SmallVector<int64_t> full(2 * rank, 0);
      for (auto [i, a] : llvm::enumerate(*axes)) {
        auto n = nc.normalizeAxis(a, rank);
        if (failed(n))
          return failure();
        full[*n] = pads[i];
        full[*n + rank] = pads[i + axes->size()];
      }
      pads = full;
    }
  }
  if ((int64_t)pads.size() != 2 * rank)
    return nc.emitError() << "pads needs " << 2 * rank << " entries, got " << pads.size();
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    return nc.emitError() << "unknown pad mode '" << mode << "'";
  Shape out;
  for (int64_t d = 0; d < rank; ++d)
    out.push_back(in[d] == kDyn ? kDyn : in[d] + pads[d] + pads[d + rank]);
  nc.setOutput(0, PadOp::create(nc.b, nc.loc, nc.tensorType(out, nc.elementType(0)),
                                nc.operand(0), nc.b.getDenseI64ArrayAttr(pads),
                                nc.b.getStringAttr(mode), nc.b.getF64FloatAttr(value)));
  return success();
}

/// Resize (opsets 10+) and Upsample.
LogicalResult convertResize(NodeContext &nc) {
  bool upsample = nc.node.op_type() == "Upsample";
  auto in = nc.shape(0);
  int64_t rank = in.size();
  std::string mode = nc.attrString("mode", "nearest");
  bool legacy = upsample || nc.opset < 11;
  std::string coord = nc.attrString("coordinate_transformation_mode",
                                    legacy ? "asymmetric" : "half_pixel");
  std::string nearest = nc.attrString("nearest_mode", legacy ? "floor" : "round_prefer_floor");
  if (mode == "bilinear" || mode == "trilinear")
    mode = "linear";
  if (coord == "tf_crop_and_resize")
    return nc.emitError()
           << "unsupported feature: coordinate_transformation_mode tf_crop_and_resize";
  if (nc.attrInt("antialias", 0))
    return nc.emitError() << "unsupported feature: antialias = 1";
  std::string policy = nc.attrString("keep_aspect_ratio_policy", "stretch");
  if (policy != "stretch")
    return nc.emitError() << "unsupported feature: keep_aspect_ratio_policy '" << policy << "'";
  SmallVector<double> scales;
  SmallVector<int64_t> sizes;
  if (upsample && nc.opset < 9) {
    scales = nc.attrFloats("scales").value_or(SmallVector<double>());
  } else {
    unsigned scalesIdx = legacy ? 1 : 2;
    if (nc.hasInput(scalesIdx)) {
      auto s = nc.constFloats(scalesIdx, "scales");
      if (failed(s))
        return failure();
      scales = *s;
    }
    if (!legacy && scales.empty() && nc.hasInput(3)) {
      auto s = nc.constInts(3, "sizes");
      if (failed(s))
        return failure();
      sizes = *s;
    }
  }
  // Opset 18 `axes` restricts scales/sizes to some dimensions.
  if (auto axes = nc.attrInts("axes")) {
    SmallVector<double> fullScales(rank, 1.0);
    SmallVector<int64_t> fullSizes(in.begin(), in.end());
    for (auto [i, a] : llvm::enumerate(*axes)) {
      auto n = nc.normalizeAxis(a, rank);
      if (failed(n))
        return failure();
      if (!scales.empty() && i < scales.size())
        fullScales[*n] = scales[i];
      if (!sizes.empty() && i < sizes.size())
        fullSizes[*n] = sizes[i];
    }
    if (!scales.empty())
      scales = fullScales;
    if (!sizes.empty())
      sizes = fullSizes;
  }
  Shape out;
  if (!sizes.empty()) {
    if ((int64_t)sizes.size() != rank)
      return nc.emitError() << "sizes needs " << rank << " entries";
    scales.clear();
    for (int64_t d = 0; d < rank; ++d) {
      if (in[d] == kDyn)
        return nc.emitError() << "resizing to sizes needs static input dimensions; bind "
                                 "the input shapes with --input-shape";
      scales.push_back(double(sizes[d]) / double(in[d]));
      out.push_back(sizes[d]);
    }
  } else {
    if ((int64_t)scales.size() != rank)
      return nc.emitError() << "scales needs " << rank << " entries, got "
                            << scales.size();
    for (int64_t d = 0; d < rank; ++d) {
      if (!(scales[d] > 0))
        return nc.emitError() << "scales must be positive";
      out.push_back(in[d] == kDyn ? kDyn
                                  : static_cast<int64_t>(std::floor(in[d] * scales[d])));
    }
  }
  auto &b = nc.b;
  nc.setOutput(0, ResizeOp::create(b, nc.loc, nc.tensorType(out, nc.elementType(0)),
                                   nc.operand(0), b.getDenseF64ArrayAttr(scales),
                                   b.getStringAttr(mode), b.getStringAttr(coord),
                                   b.getStringAttr(nearest),
                                   b.getF64FloatAttr(nc.attrFloat("cubic_coeff_a", -0.75f)),
                                   b.getBoolAttr(nc.attrInt("exclude_outside", 0))));
  return success();
}

/// DepthToSpace / SpaceToDepth as reshape -> transpose -> reshape.
LogicalResult convertDepthSpace(NodeContext &nc) {
  auto in = nc.shape(0);
  int64_t bs = nc.attrInt("blocksize", 0);
  if (in.size() != 4 || llvm::is_contained(in, kDyn) || bs <= 0)
    return nc.emitError() << "needs a static 4-D input and a positive blocksize";
  int64_t n = in[0], c = in[1], h = in[2], w = in[3];
  Shape mid, out;
  SmallVector<int64_t> perm;
  if (nc.node.op_type() == "DepthToSpace") {
    if (c % (bs * bs))
      return nc.emitError() << "channels " << c << " not divisible by blocksize^2";
    bool crd = nc.attrString("mode", "DCR") == "CRD";
    mid = crd ? Shape{n, c / (bs * bs), bs, bs, h, w} : Shape{n, bs, bs, c / (bs * bs), h, w};
    perm = crd ? SmallVector<int64_t>{0, 1, 4, 2, 5, 3}
               : SmallVector<int64_t>{0, 3, 4, 1, 5, 2};
    out = {n, c / (bs * bs), h * bs, w * bs};
  } else {
    if (h % bs || w % bs)
      return nc.emitError() << "spatial dims not divisible by blocksize";
    // DCR: channel = (bh * bs + bw) * c + ci; CRD: ci * bs^2 + bh * bs + bw.
    std::string mode = nc.attrString("mode", "DCR");
    if (mode != "DCR" && mode != "CRD")
      return nc.emitError() << "mode must be DCR or CRD, got '" << mode << "'";
    mid = {n, c, h / bs, bs, w / bs, bs};
    perm = mode == "CRD" ? SmallVector<int64_t>{0, 1, 3, 5, 2, 4}
                         : SmallVector<int64_t>{0, 3, 5, 1, 2, 4};
    out = {n, c * bs * bs, h / bs, w / bs};
  }
  Value x = *nc.reshape(nc.operand(0), mid);
  x = buildTranspose(nc, x, perm);
  nc.setOutput(0, *nc.reshape(x, out));
  return success();
}

LogicalResult convertShape(NodeContext &nc) {
  auto in = nc.shape(0);
  int64_t rank = in.size();
  int64_t start = nc.attrInt("start", 0), end = nc.attrInt("end", rank);
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  auto i64 = nc.b.getI64Type();
  ArrayRef<int64_t> dims = in.slice(start, end - start);
  if (!llvm::is_contained(dims, kDyn)) {
    ConstTensor c = ConstTensor::empty({(int64_t)dims.size()}, i64);
    c.ints.assign(dims.begin(), dims.end());
    nc.setOutput(0, std::move(c));
    return success();
  }
  // Dynamic dimensions are read at run time.
  Value x = nc.operand(0);
  SmallVector<Value> elems;
  for (int64_t d = start; d < end; ++d) {
    if (in[d] != kDyn) {
      elems.push_back(arith::ConstantOp::create(nc.b, nc.loc, nc.b.getI64IntegerAttr(in[d])));
      continue;
    }
    Value dim = tensor::DimOp::create(nc.b, nc.loc, x, d);
    elems.push_back(arith::IndexCastOp::create(nc.b, nc.loc, i64, dim));
  }
  auto type = nc.tensorType({(int64_t)elems.size()}, i64);
  nc.setOutput(0, tensor::FromElementsOp::create(nc.b, nc.loc, type, elems));
  return success();
}

LogicalResult convertSize(NodeContext &nc) {
  if (!nc.type(0).hasStaticShape())
    return nc.emitError() << "Size of a tensor with dynamic dimensions; bind the input "
                             "shapes with --input-shape";
  ConstTensor c = ConstTensor::empty({}, nc.b.getI64Type());
  c.ints.push_back(nc.type(0).getNumElements());
  nc.setOutput(0, std::move(c));
  return success();
}

LogicalResult convertConstant(NodeContext &nc) {
  if (const auto *a = nc.attr("value"))
    return nc.setOutput(0, a->t());
  ConstTensor c;
  if (const auto *a = nc.attr("value_float")) {
    c = ConstTensor::empty({}, nc.b.getF32Type());
    c.floats.push_back(a->f());
  } else if (const auto *a = nc.attr("value_floats")) {
    c = ConstTensor::empty({(int64_t)a->floats_size()}, nc.b.getF32Type());
    c.floats.assign(a->floats().begin(), a->floats().end());
  } else if (const auto *a = nc.attr("value_int")) {
    c = ConstTensor::empty({}, nc.b.getI64Type());
    c.ints.push_back(a->i());
  } else if (const auto *a = nc.attr("value_ints")) {
    c = ConstTensor::empty({(int64_t)a->ints_size()}, nc.b.getI64Type());
    c.ints.assign(a->ints().begin(), a->ints().end());
  } else {
    return nc.emitError() << "only value, value_float(s) and value_int(s) constants are "
                             "supported (not sparse or string constants)";
  }
  nc.setOutput(0, std::move(c));
  return success();
}

LogicalResult convertConstantOfShape(NodeContext &nc) {
  ConstTensor one = ConstTensor::empty({}, nc.b.getF32Type());
  one.floats.push_back(0.0);
  if (const auto *a = nc.attr("value")) {
    std::string error;
    auto v = decodeTensor(a->t(), nc.ctx, error);
    if (failed(v) || v->numElements() != 1)
      return nc.emitError() << "value must be a one-element tensor" << (error.empty() ? "" : ": ") << error;
    one = *v;
  }
  if (!nc.constant(0))
    return convertConstantOfShapeAtRunTime(nc, one);
  auto shape = nc.constInts(0, "shape");
  if (failed(shape))
    return failure();
  for (int64_t d : *shape)
    if (d < 0)
      return nc.emitError() << "negative dimension " << d;
  int64_t n = numElementsOf(*shape);
  if (n <= kFoldLimit) {
    ConstTensor c = ConstTensor::empty(*shape, one.elementType);
    for (int64_t i = 0; i < n; ++i)
      one.isFloat() ? c.floats.push_back(one.floats[0]) : c.ints.push_back(one.ints[0]);
    nc.setOutput(0, std::move(c));
    return success();
  }
  // Large fills stay a compact splat.
  ConstTensor scalar = one;
  scalar.shape.clear();
  auto type = nc.tensorType(*shape, one.elementType);
  auto splat = DenseElementsAttr::get(type, toDenseAttr(scalar).getSplatValue<Attribute>());
  nc.setOutput(0, arith::ConstantOp::create(nc.b, nc.loc, type, splat));
  return success();
}

LogicalResult convertRange(NodeContext &nc) {
  const ConstTensor *s = nc.constant(0), *l = nc.constant(1), *d = nc.constant(2);
  if (!s || !l || !d)
    return convertRangeAtRunTime(nc);
  double start = s->getDouble(0), limit = l->getDouble(0), delta = d->getDouble(0);
  if (delta == 0)
    return nc.emitError() << "delta is zero";
  int64_t n = std::max<int64_t>(0, (int64_t)std::ceil((limit - start) / delta));
  if (n > kFoldLimit)
    return nc.emitError() << "range of " << n << " elements is too large to fold";
  ConstTensor r = ConstTensor::empty({n}, s->elementType);
  for (int64_t i = 0; i < n; ++i) {
    if (r.isFloat())
      r.floats.push_back(start + i * delta);
    else
      r.ints.push_back(s->getInt(0) + i * d->getInt(0));
  }
  nc.setOutput(0, castConst(r, s->elementType));
  return success();
}

} // namespace

void qcc::onnx_import::registerShapeConverters(ConverterMap &m) {
  m["Reshape"] = convertReshape;
  m["Flatten"] = convertFlatten;
  m["Squeeze"] = convertSqueeze;
  m["Unsqueeze"] = convertUnsqueeze;
  m["Transpose"] = convertTranspose;
  m["Concat"] = convertConcat;
  m["Slice"] = convertSlice;
  m["Split"] = convertSplit;
  m["Gather"] = convertGather;
  m["Expand"] = convertExpand;
  m["Tile"] = convertTile;
  m["Pad"] = convertPad;
  m["Resize"] = convertResize;
  m["Upsample"] = convertResize;
  m["DepthToSpace"] = convertDepthSpace;
  m["SpaceToDepth"] = convertDepthSpace;
  m["Shape"] = convertShape;
  m["Size"] = convertSize;
  m["Constant"] = convertConstant;
  m["ConstantOfShape"] = convertConstantOfShape;
  m["Range"] = convertRange;
  m["Trilu"] = convertTrilu;
}
