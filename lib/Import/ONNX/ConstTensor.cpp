//===- ConstTensor.cpp - host-side constant tensors for import folding ----===//
//
// Decoding of ONNX TensorProto contents, encoding into MLIR attributes and raw
// blobs, and the small evaluator that folds shape computations at import.
//
//===----------------------------------------------------------------------===//
#include "ImporterInternal.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/Endian.h"

#include <cmath>

using namespace mlir;
using namespace qcc;
using namespace qcc::onnx_import;

int64_t qcc::onnx_import::numElementsOf(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t ConstTensor::numElements() const { return numElementsOf(shape); }

ConstTensor ConstTensor::empty(ArrayRef<int64_t> shape, Type type) {
  ConstTensor c;
  c.shape.assign(shape.begin(), shape.end());
  c.elementType = type;
  return c;
}

void ConstTensor::push(double v) {
  if (isFloat())
    floats.push_back(v);
  else
    ints.push_back(elementType.isInteger(1) ? (v != 0) : static_cast<int64_t>(v));
}

void ConstTensor::pushInt(int64_t v) {
  if (isFloat())
    floats.push_back(static_cast<double>(v));
  else
    ints.push_back(elementType.isInteger(1) ? (v != 0) : v);
}

void ConstTensor::normalizeIntegers() {
  auto it = dyn_cast<IntegerType>(elementType);
  if (!it)
    return;
  unsigned w = it.getWidth();
  for (int64_t &v : ints) {
    if (w == 1)
      v = v != 0;
    else if (w < 64)
      v = it.isUnsigned() ? static_cast<int64_t>(static_cast<uint64_t>(v) &
                                                 ((uint64_t(1) << w) - 1))
                          : llvm::SignExtend64(static_cast<uint64_t>(v), w);
  }
}

Type qcc::onnx_import::convertElementType(int32_t t, MLIRContext *ctx) {
  Builder b(ctx);
  switch (t) {
  case onnx::TensorProto::FLOAT: return b.getF32Type();
  case onnx::TensorProto::UINT8: return b.getIntegerType(8, false);
  case onnx::TensorProto::INT8: return b.getIntegerType(8);
  case onnx::TensorProto::UINT16: return b.getIntegerType(16, false);
  case onnx::TensorProto::INT16: return b.getIntegerType(16);
  case onnx::TensorProto::INT32: return b.getIntegerType(32);
  case onnx::TensorProto::INT64: return b.getIntegerType(64);
  case onnx::TensorProto::BOOL: return b.getI1Type();
  case onnx::TensorProto::FLOAT16: return b.getF16Type();
  case onnx::TensorProto::DOUBLE: return b.getF64Type();
  case onnx::TensorProto::UINT32: return b.getIntegerType(32, false);
  case onnx::TensorProto::UINT64: return b.getIntegerType(64, false);
  case onnx::TensorProto::BFLOAT16: return b.getBF16Type();
  case 17: return b.getType<Float8E4M3FNType>();
  case 18: return b.getType<Float8E4M3FNUZType>();
  case 19: return b.getType<Float8E5M2Type>();
  case 20: return b.getType<Float8E5M2FNUZType>();
  case 21: return b.getIntegerType(4, false);
  case 22: return b.getIntegerType(4);
  case 23: return b.getType<Float4E2M1FNType>();
  case 24: return b.getType<Float8E8M0FNUType>();
  case 25: return b.getIntegerType(2, false);
  case 26: return b.getIntegerType(2);
  default: return Type();
  }
}

std::string qcc::onnx_import::onnxTypeName(int32_t t) {
  static const char *names[] = {
      "UNDEFINED", "FLOAT",        "UINT8",         "INT8",        "UINT16",
      "INT16",     "INT32",        "INT64",         "STRING",      "BOOL",
      "FLOAT16",   "DOUBLE",       "UINT32",        "UINT64",      "COMPLEX64",
      "COMPLEX128", "BFLOAT16",    "FLOAT8E4M3FN",  "FLOAT8E4M3FNUZ",
      "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4",      "INT4",        "FLOAT4E2M1",
      "FLOAT8E8M0", "UINT2",       "INT2"};
  if (t >= 0 && t < (int32_t)std::size(names))
    return names[t];
  return "data type " + std::to_string(t);
}

/// Converts the bit pattern of a float of type `ft` to double.
static double bitsToDouble(FloatType ft, uint64_t bits) {
  if (ft.isF32()) {
    float f;
    uint32_t u = bits;
    memcpy(&f, &u, 4);
    return f;
  }
  if (ft.isF64()) {
    double d;
    memcpy(&d, &bits, 8);
    return d;
  }
  llvm::APFloat v(ft.getFloatSemantics(), llvm::APInt(ft.getWidth(), bits));
  bool lost;
  v.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven, &lost);
  return v.convertToDouble();
}

/// Rounds `v` to the float type `ft` and returns its bit pattern.
static uint64_t doubleToBits(FloatType ft, double v) {
  llvm::APFloat f(v);
  bool lost;
  f.convert(ft.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven, &lost);
  return f.bitcastToAPInt().getZExtValue();
}

/// Rounds `v` to the precision of `ft`.
static double roundTo(FloatType ft, double v) {
  if (ft.isF64())
    return v;
  return bitsToDouble(ft, doubleToBits(ft, v));
}

FailureOr<ConstTensor> qcc::onnx_import::decodeTensor(const onnx::TensorProto &t,
                                                      MLIRContext *ctx,
                                                      std::string &error) {
  Type elt = convertElementType(t.data_type(), ctx);
  if (!elt) {
    error = "unsupported tensor data type " + onnxTypeName(t.data_type());
    return failure();
  }
  ConstTensor c = ConstTensor::empty({}, elt);
  for (int64_t d : t.dims()) {
    if (d < 0) {
      error = "negative dimension in tensor";
      return failure();
    }
    c.shape.push_back(d);
  }
  int64_t n = c.numElements();
  unsigned width = elt.getIntOrFloatBitWidth();
  auto ft = dyn_cast<FloatType>(elt);
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    error = "external data cannot be decoded as a small constant";
    return failure();
  }
  if (t.has_raw_data()) {
    const std::string &raw = t.raw_data();
    int64_t need = width < 8 ? (n * width + 7) / 8 : n * (width / 8);
    if ((int64_t)raw.size() != need) {
      error = "raw_data holds " + std::to_string(raw.size()) + " bytes, expected " +
              std::to_string(need);
      return failure();
    }
    const auto *p = reinterpret_cast<const uint8_t *>(raw.data());
    for (int64_t i = 0; i < n; ++i) {
      uint64_t bits = 0;
      if (width < 8) {
        unsigned perByte = 8 / width;
        bits = (p[i / perByte] >> ((i % perByte) * width)) & ((1u << width) - 1);
      } else {
        for (unsigned k = 0; k < width / 8; ++k)
          bits |= uint64_t(p[i * (width / 8) + k]) << (8 * k);
      }
      if (ft)
        c.floats.push_back(bitsToDouble(ft, bits));
      else
        c.ints.push_back(static_cast<int64_t>(bits));
    }
    c.normalizeIntegers();
    return c;
  }
  // Typed storage fields.
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    for (float f : t.float_data())
      c.floats.push_back(f);
    break;
  case onnx::TensorProto::DOUBLE:
    for (double d : t.double_data())
      c.floats.push_back(d);
    break;
  case onnx::TensorProto::INT64:
    for (int64_t v : t.int64_data())
      c.ints.push_back(v);
    break;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    for (uint64_t v : t.uint64_data())
      c.ints.push_back(static_cast<int64_t>(v));
    break;
  default:
    if (width < 8) {
      // Packed sub-byte values, two (or four) per int32 entry.
      unsigned perByte = 8 / width;
      for (int64_t i = 0; i < n && i / perByte < t.int32_data_size(); ++i)
        c.ints.push_back((t.int32_data(i / perByte) >> ((i % perByte) * width)) &
                         ((1 << width) - 1));
    } else {
      for (int32_t v : t.int32_data()) {
        if (ft)
          c.floats.push_back(bitsToDouble(ft, static_cast<uint32_t>(v)));
        else
          c.ints.push_back(v);
      }
    }
    break;
  }
  int64_t have = ft ? c.floats.size() : c.ints.size();
  if (have != n) {
    error = "tensor holds " + std::to_string(have) + " values, expected " +
            std::to_string(n);
    return failure();
  }
  c.normalizeIntegers();
  return c;
}

DenseElementsAttr qcc::onnx_import::toDenseAttr(const ConstTensor &c) {
  auto type = RankedTensorType::get(c.shape, c.elementType);
  if (c.elementType.isInteger(1)) {
    SmallVector<bool> v(c.ints.begin(), c.ints.end());
    return DenseElementsAttr::get(type, ArrayRef<bool>(v));
  }
  if (auto ft = dyn_cast<FloatType>(c.elementType)) {
    SmallVector<APFloat> v;
    for (double d : c.floats)
      v.push_back(APFloat(ft.getFloatSemantics(),
                          APInt(ft.getWidth(), doubleToBits(ft, d))));
    return DenseElementsAttr::get(type, v);
  }
  unsigned w = c.elementType.getIntOrFloatBitWidth();
  SmallVector<APInt> v;
  for (int64_t x : c.ints)
    v.push_back(APInt(w, static_cast<uint64_t>(x), /*isSigned=*/false,
                      /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, v);
}

std::vector<char> qcc::onnx_import::toRawBytes(const ConstTensor &c) {
  unsigned w = c.elementType.getIntOrFloatBitWidth();
  unsigned bytes = std::max(1u, w / 8);
  std::vector<char> out(c.numElements() * bytes);
  auto ft = dyn_cast<FloatType>(c.elementType);
  for (int64_t i = 0, n = c.numElements(); i < n; ++i) {
    uint64_t bits = ft ? doubleToBits(ft, c.floats[i]) : static_cast<uint64_t>(c.ints[i]);
    for (unsigned k = 0; k < bytes; ++k)
      out[i * bytes + k] = static_cast<char>((bits >> (8 * k)) & 0xff);
  }
  return out;
}

ConstTensor qcc::onnx_import::castConst(const ConstTensor &c, Type type) {
  ConstTensor r = ConstTensor::empty(c.shape, type);
  auto ft = dyn_cast<FloatType>(type);
  for (int64_t i = 0, n = c.numElements(); i < n; ++i) {
    if (ft)
      r.floats.push_back(roundTo(ft, c.getDouble(i)));
    else if (type.isInteger(1))
      r.ints.push_back(c.getDouble(i) != 0);
    else if (c.isFloat())
      r.ints.push_back(static_cast<int64_t>(std::trunc(c.floats[i])));
    else
      r.ints.push_back(c.ints[i]);
  }
  r.normalizeIntegers();
  return r;
}

/// Row-major strides of `shape`.
static Shape stridesOf(ArrayRef<int64_t> shape) {
  Shape s(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    s[d] = s[d + 1] * shape[d + 1];
  return s;
}

/// Flat index into `in` (broadcast to `out`) of flat output index `i`.
static int64_t broadcastIndex(int64_t i, ArrayRef<int64_t> out,
                              ArrayRef<int64_t> outStrides, ArrayRef<int64_t> in) {
  Shape inStrides = stridesOf(in);
  int64_t off = out.size() - in.size(), idx = 0;
  for (size_t d = 0; d < out.size(); ++d) {
    int64_t coord = (i / outStrides[d]) % out[d];
    if ((int64_t)d >= off && in[d - off] != 1)
      idx += coord * inStrides[d - off];
  }
  return idx;
}

FailureOr<ConstTensor> qcc::onnx_import::foldBinary(StringRef op, const ConstTensor &a,
                                                    const ConstTensor &b) {
  auto shape = broadcastShapes(a.shape, b.shape);
  if (failed(shape))
    return failure();
  bool compare = llvm::is_contained(
      {"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"}, op);
  Type rt = compare ? IntegerType::get(a.elementType.getContext(), 1) : a.elementType;
  ConstTensor r = ConstTensor::empty(*shape, rt);
  Shape os = stridesOf(*shape);
  bool fl = a.isFloat();
  for (int64_t i = 0, n = r.numElements(); i < n; ++i) {
    int64_t ia = broadcastIndex(i, *shape, os, a.shape);
    int64_t ib = broadcastIndex(i, *shape, os, b.shape);
    if (fl) {
      double x = a.getDouble(ia), y = b.getDouble(ib), z;
      if (op == "Add") z = x + y;
      else if (op == "Sub") z = x - y;
      else if (op == "Mul") z = x * y;
      else if (op == "Div") z = x / y;
      else if (op == "Pow") z = std::pow(x, y);
      else if (op == "Max") z = std::max(x, y);
      else if (op == "Min") z = std::min(x, y);
      else if (op == "Mod") z = std::fmod(x, y);
      else if (op == "Equal") z = x == y;
      else if (op == "Less") z = x < y;
      else if (op == "LessOrEqual") z = x <= y;
      else if (op == "Greater") z = x > y;
      else if (op == "GreaterOrEqual") z = x >= y;
      else return failure();
      if (!compare)
        z = roundTo(cast<FloatType>(rt), z);
      r.push(z);
    } else {
      int64_t x = a.getInt(ia), y = b.getInt(ib), z;
      if (op == "Add") z = x + y;
      else if (op == "Sub") z = x - y;
      else if (op == "Mul") z = x * y;
      else if (op == "Div" || op == "Mod") {
        if (y == 0)
          return failure();
        if (op == "Div")
          z = x / y;
        else {
          z = x % y;
          if (z != 0 && ((z < 0) != (y < 0)))
            z += y;
        }
      } else if (op == "Pow") z = static_cast<int64_t>(std::pow(double(x), double(b.getDouble(ib))));
      else if (op == "Max") z = std::max(x, y);
      else if (op == "Min") z = std::min(x, y);
      else if (op == "Equal") z = x == y;
      else if (op == "Less") z = x < y;
      else if (op == "LessOrEqual") z = x <= y;
      else if (op == "Greater") z = x > y;
      else if (op == "GreaterOrEqual") z = x >= y;
      else if (op == "And") z = x && y;
      else if (op == "Or") z = x || y;
      else if (op == "Xor") z = (x != 0) != (y != 0);
      else return failure();
      r.pushInt(z);
    }
  }
  r.normalizeIntegers();
  return r;
}

FailureOr<ConstTensor> qcc::onnx_import::foldUnary(StringRef op, const ConstTensor &a) {
  ConstTensor r = ConstTensor::empty(a.shape, a.elementType);
  for (int64_t i = 0, n = a.numElements(); i < n; ++i) {
    if (!a.isFloat()) {
      int64_t x = a.ints[i], z;
      if (op == "Neg") z = -x;
      else if (op == "Abs") z = x < 0 ? -x : x;
      else if (op == "Relu") z = x < 0 ? 0 : x;
      else if (op == "Not") z = !x;
      else if (op == "Sign") z = (x > 0) - (x < 0);
      else if (op == "Identity" || op == "Floor" || op == "Ceil" || op == "Round") z = x;
      else return failure();
      r.pushInt(z);
      continue;
    }
    double x = a.floats[i], z;
    if (op == "Neg") z = -x;
    else if (op == "Abs") z = std::fabs(x);
    else if (op == "Sqrt") z = std::sqrt(x);
    else if (op == "Reciprocal") z = 1.0 / x;
    else if (op == "Floor") z = std::floor(x);
    else if (op == "Ceil") z = std::ceil(x);
    else if (op == "Round") z = std::nearbyint(x);
    else if (op == "Exp") z = std::exp(x);
    else if (op == "Log") z = std::log(x);
    else if (op == "Relu") z = x < 0 ? 0 : x;
    else if (op == "Sign") z = (x > 0) - (x < 0);
    else if (op == "Identity") z = x;
    else return failure();
    r.floats.push_back(roundTo(cast<FloatType>(a.elementType), z));
  }
  r.normalizeIntegers();
  return r;
}

FailureOr<ConstTensor> qcc::onnx_import::foldGather(const ConstTensor &data,
                                                    const ConstTensor &indices,
                                                    int64_t axis) {
  auto shape = inferGatherShape(data.shape, indices.shape, axis);
  if (failed(shape))
    return failure();
  ConstTensor r = ConstTensor::empty(*shape, data.elementType);
  int64_t outer = numElementsOf(ArrayRef<int64_t>(data.shape).take_front(axis));
  int64_t inner = numElementsOf(ArrayRef<int64_t>(data.shape).drop_front(axis + 1));
  int64_t dim = data.shape[axis];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0, nk = indices.numElements(); k < nk; ++k) {
      int64_t idx = indices.getInt(k);
      if (idx < 0)
        idx += dim;
      if (idx < 0 || idx >= dim)
        return failure();
      for (int64_t j = 0; j < inner; ++j) {
        int64_t src = (o * dim + idx) * inner + j;
        if (data.isFloat())
          r.floats.push_back(data.floats[src]);
        else
          r.ints.push_back(data.ints[src]);
      }
    }
  return r;
}

ConstTensor qcc::onnx_import::foldConcat(ArrayRef<const ConstTensor *> parts,
                                         int64_t axis) {
  Shape shape = parts[0]->shape;
  shape[axis] = 0;
  for (const ConstTensor *p : parts)
    shape[axis] += p->shape[axis];
  ConstTensor r = ConstTensor::empty(shape, parts[0]->elementType);
  int64_t outer = numElementsOf(ArrayRef<int64_t>(shape).take_front(axis));
  for (int64_t o = 0; o < outer; ++o)
    for (const ConstTensor *p : parts) {
      int64_t chunk = numElementsOf(ArrayRef<int64_t>(p->shape).drop_front(axis));
      for (int64_t j = 0; j < chunk; ++j) {
        if (r.isFloat())
          r.floats.push_back(p->getDouble(o * chunk + j));
        else
          r.ints.push_back(p->getInt(o * chunk + j));
      }
    }
  return r;
}

/// Copies element `src` of `in` to the end of `r`.
static void copyElement(ConstTensor &r, const ConstTensor &in, int64_t src) {
  if (in.isFloat())
    r.floats.push_back(in.floats[src]);
  else
    r.ints.push_back(in.ints[src]);
}

ConstTensor qcc::onnx_import::foldSlice(const ConstTensor &in, ArrayRef<int64_t> starts,
                                        ArrayRef<int64_t> steps,
                                        ArrayRef<int64_t> outShape) {
  ConstTensor r = ConstTensor::empty(outShape, in.elementType);
  Shape os = stridesOf(outShape), is = stridesOf(in.shape);
  for (int64_t i = 0, n = r.numElements(); i < n; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < outShape.size(); ++d)
      src += (starts[d] + ((i / os[d]) % outShape[d]) * steps[d]) * is[d];
    copyElement(r, in, src);
  }
  return r;
}

ConstTensor qcc::onnx_import::foldTranspose(const ConstTensor &in,
                                            ArrayRef<int64_t> perm) {
  Shape outShape;
  for (int64_t p : perm)
    outShape.push_back(in.shape[p]);
  ConstTensor r = ConstTensor::empty(outShape, in.elementType);
  Shape os = stridesOf(outShape), is = stridesOf(in.shape);
  for (int64_t i = 0, n = r.numElements(); i < n; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < perm.size(); ++d)
      src += ((i / os[d]) % outShape[d]) * is[perm[d]];
    copyElement(r, in, src);
  }
  return r;
}

ConstTensor qcc::onnx_import::foldExpand(const ConstTensor &in, ArrayRef<int64_t> shape) {
  ConstTensor r = ConstTensor::empty(shape, in.elementType);
  Shape os = stridesOf(shape);
  for (int64_t i = 0, n = r.numElements(); i < n; ++i)
    copyElement(r, in, broadcastIndex(i, shape, os, in.shape));
  return r;
}

FailureOr<ConstTensor> qcc::onnx_import::foldWhere(const ConstTensor &c,
                                                   const ConstTensor &x,
                                                   const ConstTensor &y) {
  auto s1 = broadcastShapes(c.shape, x.shape);
  if (failed(s1))
    return failure();
  auto shape = broadcastShapes(*s1, y.shape);
  if (failed(shape))
    return failure();
  ConstTensor r = ConstTensor::empty(*shape, x.elementType);
  Shape os = stridesOf(*shape);
  for (int64_t i = 0, n = r.numElements(); i < n; ++i) {
    bool cond = c.getInt(broadcastIndex(i, *shape, os, c.shape)) != 0;
    if (cond)
      copyElement(r, x, broadcastIndex(i, *shape, os, x.shape));
    else
      copyElement(r, y, broadcastIndex(i, *shape, os, y.shape));
  }
  return r;
}
