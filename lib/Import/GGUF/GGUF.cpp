//===- GGUF.cpp - memory-mapped, bounds-checked GGUF (v2/v3) reader --------===//
#include "qcc/Import/GGUF.h"
#include "qcc/Import/HalfFloat.h"

#include <cstring>

namespace qcc::gguf {

namespace {
constexpr int kMaxArrayDepth = 8;
constexpr uint32_t kMaxDims = 8;

/// Sequential reader over the mapping that never reads past its end.
struct Cursor {
  const uint8_t *base;
  uint64_t size, pos = 0;
  bool ok = true;
  bool take(void *dst, uint64_t n) {
    if (!ok || n > size - pos)
      return ok = false;
    std::memcpy(dst, base + pos, n);
    pos += n;
    return true;
  }
  template <typename T> T get() {
    T v{};
    take(&v, sizeof(T));
    return v;
  }
  uint64_t left() const { return size - pos; }
};

bool readString(Cursor &c, std::string &s) {
  uint64_t n = c.get<uint64_t>();
  if (!c.ok || n > c.left())
    return c.ok = false;
  s.assign(reinterpret_cast<const char *>(c.base + c.pos), n);
  c.pos += n;
  return true;
}

bool knownValueType(uint32_t t) { return t <= 12; }

/// Reads a value of \p type; sets \p error on an unknown type or bad count.
bool readValue(Cursor &c, ValueType type, Value &v, int depth, std::string &error) {
  v.type = type;
  switch (type) {
  case ValueType::U8: v.u = c.get<uint8_t>(); break;
  case ValueType::I8: v.i = c.get<int8_t>(); break;
  case ValueType::U16: v.u = c.get<uint16_t>(); break;
  case ValueType::I16: v.i = c.get<int16_t>(); break;
  case ValueType::U32: v.u = c.get<uint32_t>(); break;
  case ValueType::I32: v.i = c.get<int32_t>(); break;
  case ValueType::U64: v.u = c.get<uint64_t>(); break;
  case ValueType::I64: v.i = c.get<int64_t>(); break;
  case ValueType::F32: v.f = c.get<float>(); break;
  case ValueType::F64: v.f = c.get<double>(); break;
  case ValueType::Bool: v.u = c.get<uint8_t>(); break;
  case ValueType::String: readString(c, v.s); break;
  case ValueType::Array: {
    uint32_t et = c.get<uint32_t>();
    uint64_t n = c.get<uint64_t>();
    if (!c.ok)
      return false;
    if (!knownValueType(et)) {
      error = "array of unknown value type " + std::to_string(et);
      return false;
    }
    if (depth >= kMaxArrayDepth) {
      error = "arrays nested deeper than " + std::to_string(kMaxArrayDepth);
      return false;
    }
    // Every element takes at least one byte: a larger count is a lie.
    if (n > c.left()) {
      error = "array count " + std::to_string(n) + " exceeds the file";
      return false;
    }
    v.elemType = ValueType(et);
    v.array.resize(n);
    for (uint64_t k = 0; k < n && c.ok; ++k)
      if (!readValue(c, v.elemType, v.array[k], depth + 1, error))
        return false;
    break;
  }
  }
  return c.ok;
}


float f16At(const uint8_t *p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return halfToFloat(h);
}
} // namespace

const char *typeName(TensorType t) {
  switch (t) {
  case TensorType::F32: return "F32";
  case TensorType::F16: return "F16";
  case TensorType::BF16: return "BF16";
  case TensorType::Q4_0: return "Q4_0";
  case TensorType::Q4_1: return "Q4_1";
  case TensorType::Q5_0: return "Q5_0";
  case TensorType::Q5_1: return "Q5_1";
  case TensorType::Q8_0: return "Q8_0";
  case TensorType::Q2_K: return "Q2_K";
  case TensorType::Q3_K: return "Q3_K";
  case TensorType::Q4_K: return "Q4_K";
  case TensorType::Q5_K: return "Q5_K";
  case TensorType::Q6_K: return "Q6_K";
  }
  return "?";
}

void blockLayout(TensorType t, size_t &elems, size_t &bytes) {
  elems = 32;
  switch (t) {
  case TensorType::F32: elems = 1; bytes = 4; return;
  case TensorType::F16: case TensorType::BF16: elems = 1; bytes = 2; return;
  case TensorType::Q4_0: bytes = 18; return;
  case TensorType::Q4_1: bytes = 20; return;
  case TensorType::Q5_0: bytes = 22; return;
  case TensorType::Q5_1: bytes = 24; return;
  case TensorType::Q8_0: bytes = 34; return;
  case TensorType::Q2_K: elems = 256; bytes = 84; return;
  case TensorType::Q3_K: elems = 256; bytes = 110; return;
  case TensorType::Q4_K: elems = 256; bytes = 144; return;
  case TensorType::Q5_K: elems = 256; bytes = 176; return;
  case TensorType::Q6_K: elems = 256; bytes = 210; return;
  }
  elems = 0;
  bytes = 0;
}

static bool knownTensorType(uint32_t t) {
  size_t e, b;
  blockLayout(TensorType(t), e, b);
  return e != 0;
}

std::string Value::toString() const {
  switch (type) {
  case ValueType::U8: case ValueType::U16: case ValueType::U32: case ValueType::U64:
    return std::to_string(u);
  case ValueType::I8: case ValueType::I16: case ValueType::I32: case ValueType::I64:
    return std::to_string(i);
  case ValueType::F32: case ValueType::F64: {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", f);
    return buf;
  }
  case ValueType::Bool: return u ? "true" : "false";
  case ValueType::String: return "\"" + s + "\"";
  case ValueType::Array: {
    std::string r = "[";
    for (size_t k = 0; k < array.size() && k < 4; ++k)
      r += (k ? ", " : "") + array[k].toString();
    if (array.size() > 4)
      r += ", ... (" + std::to_string(array.size()) + " items)";
    return r + "]";
  }
  }
  return "?";
}


const Value *File::find(const std::string &key) const {
  for (auto &[k, v] : kv_)
    if (k == key)
      return &v;
  return nullptr;
}

const TensorInfo *File::findTensor(const std::string &name) const {
  for (const TensorInfo &t : tensors_)
    if (t.name == name)
      return &t;
  return nullptr;
}

std::unique_ptr<File> File::open(const std::string &path, std::string &error) {
  auto fail = [&](const std::string &what) -> std::unique_ptr<File> {
    error = path + ": " + what;
    return nullptr;
  };
  std::unique_ptr<File> file(new File());
  std::string why;
  if (!file->map_.open(path, why))
    return fail(why);
  if (file->map_.size() < 4)
    return fail("truncated header (file shorter than the magic)");
  Cursor c{file->map_.data(), file->map_.size()};

  if (std::memcmp(c.base, "GGUF", 4) != 0)
    return fail("bad magic (not a GGUF file)");
  c.pos = 4;
  file->version_ = c.get<uint32_t>();
  uint64_t nTensors = c.get<uint64_t>(), nKV = c.get<uint64_t>();
  if (!c.ok)
    return fail("truncated header");
  if (file->version_ != 2 && file->version_ != 3)
    return fail("unsupported GGUF version " + std::to_string(file->version_) +
                " (need 2 or 3)");
  // A key-value pair takes at least 12 bytes, a tensor info at least 24.
  if (nKV > c.left() / 12)
    return fail("metadata count " + std::to_string(nKV) + " is absurd for the file size");
  if (nTensors > c.left() / 24)
    return fail("tensor count " + std::to_string(nTensors) + " is absurd for the file size");

  for (uint64_t k = 0; k < nKV; ++k) {
    std::string key, why;
    if (!readString(c, key))
      return fail("truncated metadata (key " + std::to_string(k) + ")");
    uint32_t vt = c.get<uint32_t>();
    if (!c.ok)
      return fail("truncated metadata (key '" + key + "')");
    if (!knownValueType(vt))
      return fail("metadata '" + key + "' has unknown value type " + std::to_string(vt));
    Value v;
    if (!readValue(c, ValueType(vt), v, 0, why))
      return fail("metadata '" + key + "': " + (why.empty() ? "truncated" : why));
    file->kv_.emplace_back(std::move(key), std::move(v));
  }
  if (const Value *a = file->find("general.alignment")) {
    if (a->type != ValueType::U32 || a->u == 0 || (a->u & (a->u - 1)))
      return fail("general.alignment must be a power-of-two uint32");
    file->alignment_ = a->u;
  }

  std::vector<uint64_t> offsets;
  for (uint64_t k = 0; k < nTensors; ++k) {
    TensorInfo t;
    if (!readString(c, t.name))
      return fail("truncated tensor info " + std::to_string(k));
    uint32_t nd = c.get<uint32_t>();
    if (!c.ok)
      return fail("truncated tensor info '" + t.name + "'");
    if (nd > kMaxDims)
      return fail("tensor '" + t.name + "' has " + std::to_string(nd) + " dims (max 8)");
    t.numel = 1;
    bool overflow = false;
    for (uint32_t d = 0; d < nd; ++d) {
      uint64_t n = c.get<uint64_t>();
      t.dims.push_back(n);
      if (n && t.numel > UINT64_MAX / n)
        overflow = true;
      t.numel *= n;
    }
    uint32_t type = c.get<uint32_t>();
    uint64_t off = c.get<uint64_t>();
    if (!c.ok)
      return fail("truncated tensor info '" + t.name + "'");
    if (!knownTensorType(type))
      return fail("tensor '" + t.name + "' has unknown or unsupported type " +
                  std::to_string(type));
    t.type = TensorType(type);
    if (overflow)
      return fail("tensor '" + t.name + "' has an absurd element count");
    size_t be, bb;
    blockLayout(t.type, be, bb);
    if (t.dims.empty() ? be != 1 : t.dims[0] % be != 0)
      return fail("tensor '" + t.name + "' row length is not a multiple of the " +
                  typeName(t.type) + " block size " + std::to_string(be));
    if (t.numel / be > UINT64_MAX / bb)
      return fail("tensor '" + t.name + "' has an absurd byte size");
    t.size = t.numel / be * bb;
    if (off % file->alignment_ != 0)
      return fail("tensor '" + t.name + "' offset " + std::to_string(off) +
                  " is not aligned to " + std::to_string(file->alignment_));
    offsets.push_back(off);
    file->tensors_.push_back(std::move(t));
  }
  uint64_t dataBegin = (c.pos + file->alignment_ - 1) / file->alignment_ * file->alignment_;
  if (dataBegin > c.size && nTensors)
    return fail("truncated tensor data (data section starts past the end)");
  uint64_t dataSize = dataBegin > c.size ? 0 : c.size - dataBegin;
  for (size_t k = 0; k < file->tensors_.size(); ++k) {
    TensorInfo &t = file->tensors_[k];
    if (offsets[k] > dataSize || t.size > dataSize - offsets[k])
      return fail("tensor '" + t.name + "' data [" + std::to_string(offsets[k]) +
                  ", +" + std::to_string(t.size) + ") lies outside the " +
                  std::to_string(dataSize) + "-byte data section (truncated?)");
    t.data = c.base + dataBegin + offsets[k];
  }
  return file;
}

/// Unpacks the twelve 6-bit (scale, min) pairs of a Q4_K/Q5_K block: pair j < 4 is the low six
/// bits of bytes j and j + 4; pair j >= 4 takes its low four bits from byte j + 4 and its top two
/// bits from the top of bytes j - 4 (scale) and j (min).
static void kScaleMin(int j, const uint8_t *q, float &sc, float &mn) {
  if (j < 4) {
    sc = float(q[j] & 63);
    mn = float(q[j + 4] & 63);
  } else {
    sc = float((q[j + 4] & 15) | (q[j - 4] >> 6) << 4);
    mn = float((q[j + 4] >> 4) | (q[j] >> 6) << 4);
  }
}

/// Dequantizes the K-quant types (256-element super-blocks).
static void dequantizeK(const TensorInfo &t, float *y) {
  const uint8_t *p = t.data;
  uint64_t nb = t.numel / 256;
  size_t e, bytes;
  blockLayout(t.type, e, bytes);
  for (uint64_t b = 0; b < nb; ++b, p += bytes) {
    switch (t.type) {
    case TensorType::Q2_K: {
      const uint8_t *scales = p, *q = p + 16;
      float d = f16At(p + 80), dmin = f16At(p + 82);
      int is = 0;
      for (int n = 0; n < 256; n += 128, q += 32)
        for (int shift = 0; shift < 8; shift += 2)
          for (int half = 0; half < 2; ++half) {
            uint8_t sc = scales[is++];
            float dl = d * float(sc & 15), ml = dmin * float(sc >> 4);
            for (int l = 0; l < 16; ++l)
              *y++ = dl * float((q[l + 16 * half] >> shift) & 3) - ml;
          }
      break;
    }
    case TensorType::Q3_K: {
      const uint8_t *hm = p, *q = p + 32, *raw = p + 96;
      float d = f16At(p + 108);
      int8_t scales[16];
      for (int j = 0; j < 16; ++j) {
        int low = j < 8 ? raw[j] & 15 : raw[j - 8] >> 4;
        int high = (raw[8 + j % 4] >> (2 * (j / 4))) & 3;
        scales[j] = int8_t(low | high << 4);
      }
      int is = 0;
      uint8_t m = 1;
      for (int n = 0; n < 256; n += 128, q += 32)
        for (int shift = 0; shift < 8; shift += 2, m <<= 1)
          for (int half = 0; half < 2; ++half) {
            float dl = d * float(scales[is++] - 32);
            for (int l = 16 * half; l < 16 * half + 16; ++l)
              *y++ = dl * float(int((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
          }
      break;
    }
    case TensorType::Q4_K:
    case TensorType::Q5_K: {
      bool five = t.type == TensorType::Q5_K;
      float d = f16At(p), dmin = f16At(p + 2);
      const uint8_t *scales = p + 4, *qh = p + 16, *ql = p + (five ? 48 : 16);
      for (int j = 0, is = 0; j < 256; j += 64, ql += 32, is += 2) {
        float s1, m1, s2, m2;
        kScaleMin(is, scales, s1, m1);
        kScaleMin(is + 1, scales, s2, m2);
        float d1 = d * s1, d2 = d * s2, o1 = dmin * m1, o2 = dmin * m2;
        int bit = j / 32;
        for (int l = 0; l < 32; ++l)
          *y++ = d1 * float((ql[l] & 15) + (five && (qh[l] >> bit & 1) ? 16 : 0)) - o1;
        for (int l = 0; l < 32; ++l)
          *y++ = d2 * float((ql[l] >> 4) + (five && (qh[l] >> (bit + 1) & 1) ? 16 : 0)) - o2;
      }
      break;
    }
    case TensorType::Q6_K: {
      const uint8_t *ql = p, *qh = p + 128;
      const int8_t *sc = reinterpret_cast<const int8_t *>(p + 192);
      float d = f16At(p + 208);
      for (int n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8, y += 128)
        for (int l = 0; l < 32; ++l) {
          int is = l / 16;
          int q1 = ((ql[l] & 15) | ((qh[l] >> 0) & 3) << 4) - 32;
          int q2 = ((ql[l + 32] & 15) | ((qh[l] >> 2) & 3) << 4) - 32;
          int q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
          int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
          y[l] = d * float(sc[is]) * float(q1);
          y[l + 32] = d * float(sc[is + 2]) * float(q2);
          y[l + 64] = d * float(sc[is + 4]) * float(q3);
          y[l + 96] = d * float(sc[is + 6]) * float(q4);
        }
      break;
    }
    default:
      return;
    }
  }
}

void dequantize(const TensorInfo &t, std::vector<float> &out) {
  out.resize(t.numel);
  dequantize(t, out.data());
}

void dequantize(const TensorInfo &t, float *y) {
  const uint8_t *p = t.data;
  uint64_t nb = t.numel / 32;
  switch (t.type) {
  case TensorType::F32:
    std::memcpy(y, p, t.numel * 4);
    return;
  case TensorType::F16:
    for (uint64_t k = 0; k < t.numel; ++k)
      y[k] = f16At(p + 2 * k);
    return;
  case TensorType::BF16:
    for (uint64_t k = 0; k < t.numel; ++k) {
      uint32_t b = uint32_t(p[2 * k] | p[2 * k + 1] << 8) << 16;
      std::memcpy(&y[k], &b, 4);
    }
    return;
  case TensorType::Q8_0:
    for (uint64_t b = 0; b < nb; ++b, p += 34, y += 32) {
      float d = f16At(p);
      for (int j = 0; j < 32; ++j)
        y[j] = d * float(int8_t(p[2 + j]));
    }
    return;
  case TensorType::Q4_0:
  case TensorType::Q4_1: {
    bool hasMin = t.type == TensorType::Q4_1;
    size_t bytes = hasMin ? 20 : 18;
    for (uint64_t b = 0; b < nb; ++b, p += bytes, y += 32) {
      float d = f16At(p), m = hasMin ? f16At(p + 2) : 0;
      const uint8_t *qs = p + (hasMin ? 4 : 2);
      for (int j = 0; j < 16; ++j) {
        int lo = qs[j] & 15, hi = qs[j] >> 4;
        if (hasMin) {
          y[j] = float(lo) * d + m;
          y[j + 16] = float(hi) * d + m;
        } else {
          y[j] = float(lo - 8) * d;
          y[j + 16] = float(hi - 8) * d;
        }
      }
    }
    return;
  }
  case TensorType::Q5_0:
  case TensorType::Q5_1: {
    bool hasMin = t.type == TensorType::Q5_1;
    size_t bytes = hasMin ? 24 : 22;
    for (uint64_t b = 0; b < nb; ++b, p += bytes, y += 32) {
      float d = f16At(p), m = hasMin ? f16At(p + 2) : 0;
      const uint8_t *q = p + (hasMin ? 4 : 2);
      uint32_t qh;
      std::memcpy(&qh, q, 4);
      const uint8_t *qs = q + 4;
      for (int j = 0; j < 16; ++j) {
        int lo = (qs[j] & 15) | int((qh >> j) & 1) << 4;
        int hi = (qs[j] >> 4) | int((qh >> (j + 16)) & 1) << 4;
        if (hasMin) {
          y[j] = float(lo) * d + m;
          y[j + 16] = float(hi) * d + m;
        } else {
          y[j] = float(lo - 16) * d;
          y[j + 16] = float(hi - 16) * d;
        }
      }
    }
    return;
  }
  case TensorType::Q2_K: case TensorType::Q3_K: case TensorType::Q4_K:
  case TensorType::Q5_K: case TensorType::Q6_K:
    dequantizeK(t, y);
    return;
  }
}

} // namespace qcc::gguf
