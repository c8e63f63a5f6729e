//===- QccShapeInference.cpp - result shapes of qcc ops --------------------===//
#include "qcc/Dialect/Qcc/IR/ShapeInference.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace qcc {
namespace {
constexpr int64_t kDyn = ShapedType::kDynamic;

LogicalResult fail(std::string *why, const llvm::Twine &msg) {
  if (why)
    *why = msg.str();
  return failure();
}

/// Ceil/floor division for non-negative numerators and positive divisors.
int64_t divRound(int64_t num, int64_t den, bool ceil) {
  return ceil ? (num + den - 1) / den : num / den;
}
} // namespace

std::string shapeToString(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      os << 'x';
    if (d == kDyn)
      os << '?';
    else
      os << d;
  }
  if (shape.empty())
    os << "scalar";
  return s;
}

bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip(a, b))
    if (x != kDyn && y != kDyn && x != y)
      return false;
  return true;
}

FailureOr<Shape> broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b,
                                 std::string *why) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x == 1)
      out[i] = y;
    else if (y == 1)
      out[i] = x;
    else if (x == kDyn)
      out[i] = y; // a dynamic dim broadcast against a static one takes it.
    else if (y == kDyn || x == y)
      out[i] = x;
    else {
      if (failed(fail(why, "shapes " + shapeToString(a) + " and " +
                               shapeToString(b) + " do not broadcast")))
        return failure();
    }
  }
  return out;
}

bool isBroadcastableTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
  if (from.size() > to.size())
    return false;
  size_t off = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    int64_t f = from[i], t = to[off + i];
    if (f == 1 || f == kDyn || t == kDyn || f == t)
      continue;
    return false;
  }
  return true;
}

FailureOr<Shape> inferMatMulShape(ArrayRef<int64_t> a, ArrayRef<int64_t> b,
                                  std::string *why) {
  if (a.empty() || b.empty())
    return fail(why, "matmul operands must have rank >= 1");
  Shape sa(a.begin(), a.end()), sb(b.begin(), b.end());
  bool vecA = sa.size() == 1, vecB = sb.size() == 1;
  if (vecA)
    sa.insert(sa.begin(), 1);
  if (vecB)
    sb.push_back(1);
  int64_t ka = sa.back(), kb = sb[sb.size() - 2];
  if (ka != kDyn && kb != kDyn && ka != kb)
    return fail(why, "matmul contraction sizes differ: " + shapeToString(a) +
                         " and " + shapeToString(b));
  auto batch = broadcastShapes(ArrayRef(sa).drop_back(2),
                               ArrayRef(sb).drop_back(2), why);
  if (failed(batch))
    return failure();
  Shape out = *batch;
  if (!vecA)
    out.push_back(sa[sa.size() - 2]);
  if (!vecB)
    out.push_back(sb.back());
  return out;
}

int64_t convOutputSize(int64_t in, int64_t kernel, int64_t stride,
                       int64_t padBegin, int64_t padEnd, int64_t dilation,
                       bool ceilMode) {
  if (in == kDyn)
    return kDyn;
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t avail = in + padBegin + padEnd - span;
  if (avail < 0)
    return -1;
  int64_t out = divRound(avail, stride, ceilMode) + 1;
  // With ceil_mode the last window must start inside the (begin-padded) input.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

static FailureOr<Shape> checkWindowAttrs(size_t spatial, ArrayRef<int64_t> strides,
                                         ArrayRef<int64_t> pads,
                                         ArrayRef<int64_t> dilations,
                                         std::string *why) {
  if (strides.size() != spatial || dilations.size() != spatial ||
      pads.size() != 2 * spatial)
    return fail(why, "expected " + llvm::Twine(spatial) +
                         " strides and dilations and " + llvm::Twine(2 * spatial) +
                         " pads");
  for (int64_t s : strides)
    if (s < 1)
      return fail(why, "strides must be positive");
  for (int64_t d : dilations)
    if (d < 1)
      return fail(why, "dilations must be positive");
  return Shape{};
}

FailureOr<Shape> inferConvShape(ArrayRef<int64_t> input, ArrayRef<int64_t> weight,
                                ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                                ArrayRef<int64_t> dilations, int64_t group,
                                std::string *why) {
  if (input.size() < 3 || weight.size() != input.size())
    return fail(why, "conv input and weight must have the same rank >= 3");
  size_t spatial = input.size() - 2;
  if (failed(checkWindowAttrs(spatial, strides, pads, dilations, why)))
    return failure();
  if (group < 1)
    return fail(why, "group must be positive");
  if (input[1] != kDyn && weight[1] != kDyn && input[1] != weight[1] * group)
    return fail(why, "input channels " + llvm::Twine(input[1]) +
                         " != weight channels " + llvm::Twine(weight[1]) +
                         " x group " + llvm::Twine(group));
  if (weight[0] != kDyn && weight[0] % group != 0)
    return fail(why, "output channels not divisible by group");
  Shape out{input[0], weight[0]};
  for (size_t i = 0; i < spatial; ++i) {
    if (weight[2 + i] == kDyn) {
      out.push_back(kDyn);
      continue;
    }
    int64_t o = convOutputSize(input[2 + i], weight[2 + i], strides[i], pads[i],
                               pads[spatial + i], dilations[i]);
    if (o != kDyn && o < 1)
      return fail(why, "kernel larger than padded input on spatial axis " +
                           llvm::Twine(i));
    out.push_back(o);
  }
  return out;
}

FailureOr<Shape> inferConvTransposeShape(ArrayRef<int64_t> input,
                                         ArrayRef<int64_t> weight,
                                         ArrayRef<int64_t> strides,
                                         ArrayRef<int64_t> pads,
                                         ArrayRef<int64_t> dilations,
                                         ArrayRef<int64_t> outputPadding,
                                         int64_t group, std::string *why) {
  if (input.size() < 3 || weight.size() != input.size())
    return fail(why, "conv_transpose input and weight must have the same rank >= 3");
  size_t spatial = input.size() - 2;
  if (failed(checkWindowAttrs(spatial, strides, pads, dilations, why)))
    return failure();
  if (outputPadding.size() != spatial)
    return fail(why, "expected " + llvm::Twine(spatial) + " output_padding values");
  if (group < 1)
    return fail(why, "group must be positive");
  if (input[1] != kDyn && weight[0] != kDyn && input[1] != weight[0])
    return fail(why, "input channels " + llvm::Twine(input[1]) +
                         " != weight dim 0 " + llvm::Twine(weight[0]));
  Shape out{input[0], weight[1] == kDyn ? kDyn : weight[1] * group};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = input[2 + i], k = weight[2 + i];
    if (in == kDyn || k == kDyn) {
      out.push_back(kDyn);
      continue;
    }
    int64_t o = strides[i] * (in - 1) + outputPadding[i] +
                ((k - 1) * dilations[i] + 1) - pads[i] - pads[spatial + i];
    if (o < 1)
      return fail(why, "conv_transpose output size is not positive");
    out.push_back(o);
  }
  return out;
}

FailureOr<Shape> inferPoolShape(ArrayRef<int64_t> input, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                                ArrayRef<int64_t> dilations, bool ceilMode,
                                std::string *why) {
  if (input.size() < 3)
    return fail(why, "pooling input must have rank >= 3");
  size_t spatial = input.size() - 2;
  if (kernel.size() != spatial)
    return fail(why, "expected " + llvm::Twine(spatial) + " kernel sizes");
  if (failed(checkWindowAttrs(spatial, strides, pads, dilations, why)))
    return failure();
  Shape out{input[0], input[1]};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t o = convOutputSize(input[2 + i], kernel[i], strides[i], pads[i],
                               pads[spatial + i], dilations[i], ceilMode);
    if (o != kDyn && o < 1)
      return fail(why, "pooling window larger than padded input");
    out.push_back(o);
  }
  return out;
}

FailureOr<Shape> inferReduceShape(ArrayRef<int64_t> input, ArrayRef<int64_t> axes,
                                  bool keepDims, std::string *why) {
  int64_t prev = -1;
  for (int64_t a : axes) {
    if (a <= prev || a >= (int64_t)input.size())
      return fail(why, "reduction axes must be sorted, unique and in [0, rank)");
    prev = a;
  }
  Shape out;
  for (auto [i, d] : llvm::enumerate(input)) {
    if (llvm::is_contained(axes, (int64_t)i)) {
      if (keepDims)
        out.push_back(1);
    } else {
      out.push_back(d);
    }
  }
  return out;
}

FailureOr<Shape> inferTransposeShape(ArrayRef<int64_t> input, ArrayRef<int64_t> perm,
                                     std::string *why) {
  if (perm.size() != input.size())
    return fail(why, "perm has " + llvm::Twine(perm.size()) +
                         " entries for rank " + llvm::Twine(input.size()));
  llvm::SmallVector<bool> seen(input.size(), false);
  Shape out;
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)input.size() || seen[p])
      return fail(why, "perm is not a permutation");
    seen[p] = true;
    out.push_back(input[p]);
  }
  return out;
}

FailureOr<Shape> inferConcatShape(ArrayRef<Shape> inputs, int64_t axis,
                                  std::string *why) {
  if (inputs.empty())
    return fail(why, "concat needs at least one operand");
  size_t rank = inputs[0].size();
  if (axis < 0 || axis >= (int64_t)rank)
    return fail(why, "concat axis out of range");
  Shape out = inputs[0];
  for (const Shape &s : inputs.drop_front()) {
    if (s.size() != rank)
      return fail(why, "concat operands differ in rank");
    for (size_t i = 0; i < rank; ++i) {
      if ((int64_t)i == axis) {
        out[i] = (out[i] == kDyn || s[i] == kDyn) ? kDyn : out[i] + s[i];
      } else if (out[i] == kDyn) {
        out[i] = s[i];
      } else if (s[i] != kDyn && s[i] != out[i]) {
        return fail(why, "concat operands differ in dimension " + llvm::Twine(i));
      }
    }
  }
  return out;
}

FailureOr<Shape> inferGatherShape(ArrayRef<int64_t> input, ArrayRef<int64_t> indices,
                                  int64_t axis, std::string *why) {
  if (axis < 0 || axis >= (int64_t)input.size())
    return fail(why, "gather axis out of range");
  Shape out(input.begin(), input.begin() + axis);
  out.append(indices.begin(), indices.end());
  out.append(input.begin() + axis + 1, input.end());
  return out;
}

int64_t sliceLength(int64_t dim, int64_t &start, int64_t end, int64_t step) {
  // Negative indices count from the end; then clamp as ONNX Slice does.
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    return end > start ? (end - start + step - 1) / step : 0;
  }
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  return start > end ? (start - end + (-step) - 1) / (-step) : 0;
}

} // namespace qcc
