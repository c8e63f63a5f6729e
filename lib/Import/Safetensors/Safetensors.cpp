//===- Safetensors.cpp - memory-mapped, bounds-checked safetensors reader --===//
#include "qcc/Import/Safetensors.h"
#include "qcc/Import/HalfFloat.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

namespace qcc::safetensors {

namespace {
/// Headers above this size are rejected as absurd (real ones are a few MiB).
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

bool parseDType(const std::string &s, DType &t) {
  static const std::pair<const char *, DType> table[] = {
      {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16},
      {"I8", DType::I8},   {"I32", DType::I32}, {"I64", DType::I64}};
  for (auto &[name, dt] : table)
    if (s == name) {
      t = dt;
      return true;
    }
  return false;
}

} // namespace

size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F32: case DType::I32: return 4;
  case DType::F16: case DType::BF16: return 2;
  case DType::I8: return 1;
  case DType::I64: return 8;
  }
  return 0;
}

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "F32";
  case DType::F16: return "F16";
  case DType::BF16: return "BF16";
  case DType::I8: return "I8";
  case DType::I32: return "I32";
  case DType::I64: return "I64";
  }
  return "?";
}

float elementToFloat(DType t, const uint8_t *p) {
  switch (t) {
  case DType::F32: { float f; std::memcpy(&f, p, 4); return f; }
  case DType::F16: { uint16_t h; std::memcpy(&h, p, 2); return halfToFloat(h); }
  case DType::BF16: {
    uint16_t h; std::memcpy(&h, p, 2);
    uint32_t b = uint32_t(h) << 16; float f; std::memcpy(&f, &b, 4); return f;
  }
  case DType::I8: return float(int8_t(*p));
  case DType::I32: { int32_t v; std::memcpy(&v, p, 4); return float(v); }
  case DType::I64: { int64_t v; std::memcpy(&v, p, 8); return float(v); }
  }
  return 0;
}


const TensorView *File::find(const std::string &name) const {
  for (const TensorView &t : tensors_)
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
  file->path_ = path;
  std::string why;
  if (!file->map_.open(path, why))
    return fail(why);
  if (file->map_.size() < 8)
    return fail("file of " + std::to_string(file->map_.size()) +
                " bytes is too short for the 8-byte header length");
  const uint8_t *base = file->map_.data();
  const uint64_t fileSize = file->map_.size();

  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = headerLen << 8 | base[i];
  if (headerLen > kMaxHeaderBytes)
    return fail("header length " + std::to_string(headerLen) +
                " is absurd (limit " + std::to_string(kMaxHeaderBytes) + ")");
  if (headerLen > fileSize - 8)
    return fail("header length " + std::to_string(headerLen) +
                " exceeds the file size " + std::to_string(fileSize));
  const char *text = reinterpret_cast<const char *>(base + 8);
  nlohmann::json header =
      nlohmann::json::parse(text, text + headerLen, nullptr, false);
  if (header.is_discarded())
    return fail("header is not valid JSON");
  if (!header.is_object())
    return fail("header is not a JSON object");
  const uint64_t dataBegin = 8 + headerLen, dataSize = fileSize - dataBegin;

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string &name = it.key();
    const nlohmann::json &entry = it.value();
    if (name == "__metadata__") {
      if (!entry.is_object())
        return fail("__metadata__ is not an object");
      for (auto m = entry.begin(); m != entry.end(); ++m) {
        if (!m.value().is_string())
          return fail("__metadata__ entry '" + m.key() + "' is not a string");
        file->metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    auto bad = [&](const std::string &what) {
      return fail("tensor '" + name + "': " + what);
    };
    if (!entry.is_object())
      return bad("entry is not an object");
    auto dt = entry.find("dtype"), sh = entry.find("shape"),
         off = entry.find("data_offsets");
    if (dt == entry.end() || !dt->is_string())
      return bad("missing or non-string dtype");
    TensorView view;
    view.name = name;
    if (!parseDType(dt->get<std::string>(), view.dtype))
      return bad("unknown dtype '" + dt->get<std::string>() + "'");
    if (sh == entry.end() || !sh->is_array())
      return bad("missing or non-array shape");
    // numel with overflow check: any product above the data size is a lie.
    uint64_t numel = 1;
    for (const auto &d : *sh) {
      if (!d.is_number_unsigned())
        return bad("shape has a non-natural dimension");
      uint64_t v = d.get<uint64_t>();
      view.shape.push_back(int64_t(std::min<uint64_t>(v, INT64_MAX)));
      if (v != 0 && numel > dataSize / v + 1)
        numel = dataSize + 1; // saturate: certainly too big
      else
        numel *= v;
    }
    if (off == entry.end() || !off->is_array() || off->size() != 2 ||
        !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned())
      return bad("data_offsets must be two non-negative integers");
    uint64_t begin = (*off)[0].get<uint64_t>(), end = (*off)[1].get<uint64_t>();
    if (end < begin)
      return bad("data_offsets end " + std::to_string(end) + " < begin " +
                 std::to_string(begin));
    if (end > dataSize)
      return bad("data_offsets [" + std::to_string(begin) + ", " +
                 std::to_string(end) + ") lie outside the " +
                 std::to_string(dataSize) + "-byte data section");
    uint64_t expected = numel > dataSize ? UINT64_MAX : numel * dtypeSize(view.dtype);
    if (end - begin != expected)
      return bad("holds " + std::to_string(end - begin) +
                 " bytes but shape and dtype need " +
                 (expected == UINT64_MAX ? std::string("more than the file")
                                         : std::to_string(expected)));
    view.data = base + dataBegin + begin;
    view.size = end - begin;
    file->tensors_.push_back(std::move(view));
  }
  std::sort(file->tensors_.begin(), file->tensors_.end(),
            [](const TensorView &a, const TensorView &b) { return a.data < b.data; });
  for (size_t i = 1; i < file->tensors_.size(); ++i) {
    const TensorView &a = file->tensors_[i - 1], &b = file->tensors_[i];
    if (a.data + a.size > b.data)
      return fail("tensors '" + a.name + "' and '" + b.name + "' overlap");
  }
  return file;
}

} // namespace qcc::safetensors
