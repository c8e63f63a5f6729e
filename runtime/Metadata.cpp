//===- Metadata.cpp - model metadata text: parser, writer, input validation -===//
#include "Metadata.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>

namespace qcc {
namespace rt {

namespace {
struct TypeEntry {
  int32_t type;
  const char *name;
  size_t size;
};
const TypeEntry kTypes[] = {
    {QCC_ELEMENT_TYPE_F32, "f32", 4},   {QCC_ELEMENT_TYPE_F64, "f64", 8},
    {QCC_ELEMENT_TYPE_F16, "f16", 2},   {QCC_ELEMENT_TYPE_BF16, "bf16", 2},
    {QCC_ELEMENT_TYPE_I8, "i8", 1},     {QCC_ELEMENT_TYPE_I16, "i16", 2},
    {QCC_ELEMENT_TYPE_I32, "i32", 4},   {QCC_ELEMENT_TYPE_I64, "i64", 8},
    {QCC_ELEMENT_TYPE_U8, "u8", 1},     {QCC_ELEMENT_TYPE_U16, "u16", 2},
    {QCC_ELEMENT_TYPE_U32, "u32", 4},   {QCC_ELEMENT_TYPE_U64, "u64", 8},
    {QCC_ELEMENT_TYPE_BOOL, "bool", 1},
};

bool isPlainTokenChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || std::strchr("_.:/+-,", c) != nullptr;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::vector<std::string> splitTokens(const std::string &line) {
  std::vector<std::string> tokens;
  std::istringstream in(line);
  std::string tok;
  while (in >> tok)
    tokens.push_back(tok);
  return tokens;
}

bool parseInt64(const std::string &s, int64_t &out) {
  if (s.empty())
    return false;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0')
    return false;
  out = v;
  return true;
}

std::string shapeString(const int64_t *dims, size_t rank) {
  std::string s = "[";
  for (size_t i = 0; i < rank; ++i) {
    if (i)
      s += ",";
    s += dims[i] < 0 ? std::string("?") : std::to_string(dims[i]);
  }
  return s + "]";
}
} // namespace

size_t elementTypeSize(int32_t type) {
  for (const TypeEntry &e : kTypes)
    if (e.type == type)
      return e.size;
  return 0;
}

const char *elementTypeName(int32_t type) {
  for (const TypeEntry &e : kTypes)
    if (e.type == type)
      return e.name;
  return "invalid";
}

int32_t parseElementType(const std::string &name) {
  for (const TypeEntry &e : kTypes)
    if (name == e.name)
      return e.type;
  return QCC_ELEMENT_TYPE_INVALID;
}

std::string escapeToken(const std::string &s) {
  if (s.empty())
    return "%";
  std::string out;
  static const char *hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (isPlainTokenChar(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool unescapeToken(const std::string &token, std::string &out) {
  out.clear();
  if (token == "%")
    return true;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] != '%') {
      out += token[i];
      continue;
    }
    if (i + 2 >= token.size())
      return false;
    int hi = hexValue(token[i + 1]), lo = hexValue(token[i + 2]);
    if (hi < 0 || lo < 0)
      return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::string writeMetadata(const ModelSignature &sig) {
  std::string out = "qcc-model-metadata 1\n";
  out += "source " + escapeToken(sig.source) + "\n";
  if (!sig.targetCpu.empty() || !sig.targetFeatures.empty())
    out += "target " + escapeToken(sig.targetCpu) + " " +
           escapeToken(sig.targetFeatures) + "\n";
  auto writeValue = [&](const char *kind, const ValueInfo &v) {
    out += kind;
    out += " " + escapeToken(v.name) + " " + elementTypeName(v.elementType) +
           " " + std::to_string(v.dims.size());
    for (int64_t d : v.dims)
      out += " " + std::to_string(d < 0 ? -1 : d);
    for (size_t i = 0; i < v.dims.size(); ++i)
      out += " " + escapeToken(i < v.dimNames.size() ? v.dimNames[i] : "");
    out += "\n";
  };
  for (const ValueInfo &v : sig.inputs)
    writeValue("input", v);
  for (const ValueInfo &v : sig.outputs)
    writeValue("output", v);
  out += "end\n";
  return out;
}

bool parseMetadata(const char *text, ModelSignature &sig, std::string &error) {
  sig = ModelSignature();
  if (!text) {
    error = "model has no metadata";
    return false;
  }
  std::istringstream in(text);
  std::string line;
  int lineNo = 0;
  bool sawHeader = false, sawEnd = false;
  while (std::getline(in, line)) {
    ++lineNo;
    std::vector<std::string> tok = splitTokens(line);
    if (tok.empty())
      continue;
    auto fail = [&](const std::string &why) {
      error = "malformed model metadata (line " + std::to_string(lineNo) +
              "): " + why;
      return false;
    };
    if (!sawHeader) {
      if (tok.size() != 2 || tok[0] != "qcc-model-metadata")
        return fail("missing 'qcc-model-metadata' header");
      if (tok[1] != "1")
        return fail("unsupported metadata version " + tok[1]);
      sawHeader = true;
      continue;
    }
    if (tok[0] == "end") {
      sawEnd = true;
      break;
    }
    if (tok[0] == "source") {
      if (tok.size() != 2 || !unescapeToken(tok[1], sig.source))
        return fail("bad source record");
      continue;
    }
    if (tok[0] == "target") {
      if (tok.size() != 3 || !unescapeToken(tok[1], sig.targetCpu) ||
          !unescapeToken(tok[2], sig.targetFeatures))
        return fail("bad target record");
      continue;
    }
    if (tok[0] != "input" && tok[0] != "output")
      continue; // Unknown records are skipped for forward compatibility.
    if (tok.size() < 4)
      return fail("truncated value record");
    ValueInfo v;
    if (!unescapeToken(tok[1], v.name))
      return fail("bad value name '" + tok[1] + "'");
    v.elementType = parseElementType(tok[2]);
    if (v.elementType == QCC_ELEMENT_TYPE_INVALID)
      return fail("unknown element type '" + tok[2] + "'");
    int64_t rank;
    if (!parseInt64(tok[3], rank) || rank < 0 || rank > QCC_MAX_RANK)
      return fail("bad rank '" + tok[3] + "'");
    if (tok.size() != static_cast<size_t>(4 + 2 * rank))
      return fail("value '" + v.name + "' has the wrong number of fields");
    for (int64_t i = 0; i < rank; ++i) {
      int64_t d;
      if (!parseInt64(tok[4 + i], d) || d < -1)
        return fail("bad dimension '" + tok[4 + i] + "'");
      v.dims.push_back(d);
      std::string dn;
      if (!unescapeToken(tok[4 + rank + i], dn))
        return fail("bad dimension name '" + tok[4 + rank + i] + "'");
      v.dimNames.push_back(dn);
    }
    (tok[0] == "input" ? sig.inputs : sig.outputs).push_back(std::move(v));
  }
  if (!sawHeader) {
    error = "malformed model metadata: empty";
    return false;
  }
  if (!sawEnd) {
    error = "malformed model metadata: missing 'end'";
    return false;
  }
  if (sig.outputs.empty()) {
    error = "malformed model metadata: the model has no outputs";
    return false;
  }
  return true;
}

namespace {
/// Whether the host has the x86 feature `name`; -1 when it cannot tell.
int hostHasFeature(const std::string &name) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
#define QCC_FEATURE(str)                                                       \
  if (name == str)                                                             \
    return __builtin_cpu_supports(str) ? 1 : 0;
  QCC_FEATURE("sse4.1")
  QCC_FEATURE("sse4.2")
  QCC_FEATURE("popcnt")
  QCC_FEATURE("avx")
  QCC_FEATURE("avx2")
  QCC_FEATURE("fma")
  QCC_FEATURE("f16c")
  QCC_FEATURE("bmi")
  QCC_FEATURE("bmi2")
  QCC_FEATURE("avx512f")
  QCC_FEATURE("avx512bw")
  QCC_FEATURE("avx512dq")
  QCC_FEATURE("avx512vl")
  QCC_FEATURE("avx512cd")
  QCC_FEATURE("avx512vnni")
  QCC_FEATURE("avx512bf16")
#undef QCC_FEATURE
#endif
  (void)name;
  return -1;
}
} // namespace

bool hostSupportsTarget(const ModelSignature &sig, std::string &error) {
  std::string missing;
  std::istringstream in(sig.targetFeatures);
  std::string feature;
  while (std::getline(in, feature, ',')) {
    if (feature.size() < 2 || feature[0] != '+')
      continue;
    if (hostHasFeature(feature.substr(1)) == 0)
      missing += (missing.empty() ? "" : ", ") + feature.substr(1);
  }
  if (missing.empty())
    return true;
  error = "the model was compiled for " +
          (sig.targetCpu.empty() ? std::string("another CPU") : sig.targetCpu) +
          " and needs CPU features this machine lacks: " + missing;
  return false;
}

int64_t elementCount(const int64_t *shape, int32_t rank) {
  int64_t n = 1;
  for (int32_t i = 0; i < rank; ++i)
    n *= shape[i];
  return n;
}

int32_t validateInputs(const ModelSignature &sig,
                       const qcc_buffer_view_t *inputs, size_t numInputs,
                       size_t numOutputs, std::string &error) {
  if (numInputs != sig.inputs.size()) {
    error = "expected " + std::to_string(sig.inputs.size()) +
            " input(s), got " + std::to_string(numInputs);
    return QCC_STATUS_INVALID_ARGUMENT;
  }
  if (numOutputs != sig.outputs.size()) {
    error = "expected " + std::to_string(sig.outputs.size()) +
            " output slot(s), got " + std::to_string(numOutputs);
    return QCC_STATUS_INVALID_ARGUMENT;
  }
  if (numInputs && !inputs) {
    error = "inputs array is null";
    return QCC_STATUS_INVALID_ARGUMENT;
  }
  std::map<std::string, std::pair<int64_t, std::string>> bound;
  for (size_t i = 0; i < numInputs; ++i) {
    const ValueInfo &v = sig.inputs[i];
    const qcc_buffer_view_t &in = inputs[i];
    std::string who = "input " + std::to_string(i) + " '" + v.name + "'";
    if (in.element_type != v.elementType) {
      error = who + ": expected element type " +
              elementTypeName(v.elementType) + ", got " +
              elementTypeName(in.element_type);
      return QCC_STATUS_INVALID_ARGUMENT;
    }
    std::string expected = shapeString(v.dims.data(), v.dims.size());
    if (in.rank < 0 || static_cast<size_t>(in.rank) != v.dims.size()) {
      error = who + ": expected shape " + expected + " (rank " +
              std::to_string(v.dims.size()) + "), got rank " +
              std::to_string(in.rank);
      return QCC_STATUS_INVALID_ARGUMENT;
    }
    for (int32_t d = 0; d < in.rank; ++d) {
      if (in.shape[d] < 0 || (v.dims[d] >= 0 && in.shape[d] != v.dims[d])) {
        error = who + ": expected shape " + expected + ", got " +
                shapeString(in.shape, in.rank) + " (dimension " +
                std::to_string(d) + ")";
        return QCC_STATUS_INVALID_ARGUMENT;
      }
      const std::string &sym = v.dimNames[d];
      if (v.dims[d] >= 0 || sym.empty())
        continue;
      auto it = bound.find(sym);
      if (it == bound.end()) {
        bound[sym] = {in.shape[d], who};
      } else if (it->second.first != in.shape[d]) {
        error = who + ": dimension " + std::to_string(d) + " ('" + sym +
                "') is " + std::to_string(in.shape[d]) + " but " +
                it->second.second + " binds '" + sym + "' to " +
                std::to_string(it->second.first);
        return QCC_STATUS_INVALID_ARGUMENT;
      }
    }
    if (!in.data && elementCount(in.shape, in.rank) != 0) {
      error = who + ": data pointer is null";
      return QCC_STATUS_INVALID_ARGUMENT;
    }
  }
  return QCC_STATUS_OK;
}

} // namespace rt
} // namespace qcc
