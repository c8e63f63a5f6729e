//===- WeightSource.cpp - GGUF and safetensors checkpoints behind one interface ===//
#include "qcc/Import/WeightSource.h"

#include "qcc/Import/GGUF.h"
#include "qcc/Import/Safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/stat.h>

namespace qcc {

WeightSource::~WeightSource() = default;

const char *weightDTypeName(WeightDType t) {
  switch (t) {
  case WeightDType::F32: return "F32";
  case WeightDType::F16: return "F16";
  case WeightDType::BF16: return "BF16";
  case WeightDType::GGUFQuant: return "GGUFQuant";
  case WeightDType::Other: return "Other";
  }
  return "?";
}

int64_t WeightInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool checkWeightShape(const WeightSource &src, const std::string &name,
                      const std::vector<int64_t> &shape, std::string &error) {
  const WeightInfo *w = src.find(name);
  if (!w) {
    error = src.path() + ": tensor '" + name + "' is missing (expected shape " +
            formatShape(shape) + ")";
    return false;
  }
  if (w->shape != shape) {
    error = w->file + ": tensor '" + name + "': expected shape " + formatShape(shape) +
            ", found " + formatShape(w->shape);
    return false;
  }
  return true;
}

namespace {

/// The tensor table both file formats share: infos in file order and a name index.
class IndexedWeightSource : public WeightSource {
public:
  const WeightInfo *find(const std::string &name) const override {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &infos_[it->second];
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const WeightInfo &w : infos_)
      out.push_back(w.name);
    return out;
  }

protected:
  std::vector<WeightInfo> infos_;
  std::map<std::string, size_t> index_;
};

//===----------------------------------------------------------------------===//
// GGUF
//===----------------------------------------------------------------------===//

class GGUFWeights : public IndexedWeightSource {
public:
  GGUFWeights(std::string path, std::unique_ptr<gguf::File> file)
      : path_(std::move(path)), file_(std::move(file)) {
    for (const gguf::TensorInfo &t : file_->tensors()) {
      WeightInfo w;
      w.name = t.name;
      // ggml lists ne[0] (fastest) first: the logical row-major shape is reversed.
      for (auto it = t.dims.rbegin(); it != t.dims.rend(); ++it)
        w.shape.push_back(int64_t(*it));
      switch (t.type) {
      case gguf::TensorType::F32: w.dtype = WeightDType::F32; break;
      case gguf::TensorType::F16: w.dtype = WeightDType::F16; break;
      case gguf::TensorType::BF16: w.dtype = WeightDType::BF16; break;
      default: w.dtype = WeightDType::GGUFQuant; break;
      }
      w.file = path_;
      w.fileOffset = uint64_t(t.data - file_->base());
      w.byteSize = t.size;
      w.ggmlType = uint32_t(t.type);
      index_[w.name] = infos_.size();
      infos_.push_back(std::move(w));
    }
  }
  bool readF32(const std::string &name, float *out, std::string &error) const override {
    const gguf::TensorInfo *t = file_->findTensor(name);
    if (!t) {
      error = path_ + ": tensor '" + name + "' is missing";
      return false;
    }
    gguf::dequantize(*t, out);
    return true;
  }
  const std::string &path() const override { return path_; }
  /// The underlying file (metadata access for config loading).
  const gguf::File &file() const { return *file_; }

private:
  std::string path_;
  std::unique_ptr<gguf::File> file_;
};

//===----------------------------------------------------------------------===//
// safetensors (single file or sharded)
//===----------------------------------------------------------------------===//

class SafetensorsWeights : public IndexedWeightSource {
public:
  explicit SafetensorsWeights(std::string path) : path_(std::move(path)) {}

  /// Adds every tensor of shard \p f; false with \p error on a name seen before.
  bool addShard(std::unique_ptr<safetensors::File> f, std::string &error) {
    size_t shard = shards_.size();
    for (const safetensors::TensorView &t : f->tensors()) {
      if (index_.count(t.name)) {
        error = f->path() + ": tensor '" + t.name + "' also appears in " +
                infos_[index_[t.name]].file;
        return false;
      }
      WeightInfo w;
      w.name = t.name;
      w.shape = t.shape;
      switch (t.dtype) {
      case safetensors::DType::F32: w.dtype = WeightDType::F32; break;
      case safetensors::DType::F16: w.dtype = WeightDType::F16; break;
      case safetensors::DType::BF16: w.dtype = WeightDType::BF16; break;
      default: w.dtype = WeightDType::Other; break;
      }
      w.file = f->path();
      w.fileOffset = uint64_t(t.data - f->base());
      w.byteSize = t.size;
      index_[w.name] = infos_.size();
      infos_.push_back(std::move(w));
      views_.push_back({shard, &t});
    }
    shards_.push_back(std::move(f));
    return true;
  }
  bool readF32(const std::string &name, float *out, std::string &error) const override {
    auto it = index_.find(name);
    if (it == index_.end()) {
      error = path_ + ": tensor '" + name + "' is missing";
      return false;
    }
    const WeightInfo &w = infos_[it->second];
    const safetensors::TensorView &t = *views_[it->second].second;
    if (w.dtype == WeightDType::Other) {
      error = w.file + ": tensor '" + name + "' has dtype " +
              safetensors::dtypeName(t.dtype) + "; weights must be F32, F16 or BF16";
      return false;
    }
    size_t es = safetensors::dtypeSize(t.dtype);
    int64_t n = w.numel();
    for (int64_t k = 0; k < n; ++k)
      out[k] = safetensors::elementToFloat(t.dtype, t.data + k * es);
    return true;
  }
  const std::string &path() const override { return path_; }

private:
  std::string path_;
  std::vector<std::unique_ptr<safetensors::File>> shards_;
  std::vector<std::pair<size_t, const safetensors::TensorView *>> views_;
};

bool isDirectory(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool isFile(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
std::string dirName(const std::string &p) {
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? "." : p.substr(0, slash);
}

/// Reads the weight_map of a sharded checkpoint's index: the shard file names in first-seen order.
bool readIndex(const std::string &index, std::vector<std::string> &shards, std::string &error) {
  std::ifstream in(index);
  if (!in) {
    error = index + ": cannot open";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("weight_map") ||
      !j["weight_map"].is_object()) {
    error = index + ": not a safetensors index (no \"weight_map\" object)";
    return false;
  }
  for (auto &[tensor, file] : j["weight_map"].items()) {
    if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos) {
      error = index + ": weight_map entry '" + tensor + "' is not a file name in the same directory";
      return false;
    }
    std::string f = file.get<std::string>();
    if (std::find(shards.begin(), shards.end(), f) == shards.end())
      shards.push_back(f);
  }
  if (shards.empty()) {
    error = index + ": weight_map is empty";
    return false;
  }
  return true;
}

} // namespace

std::unique_ptr<WeightSource> openGGUFWeights(const std::string &path, std::string &error) {
  auto f = gguf::File::open(path, error);
  if (!f)
    return nullptr;
  return std::make_unique<GGUFWeights>(path, std::move(f));
}

std::unique_ptr<WeightSource> openSafetensorsWeights(const std::string &path, std::string &error) {
  std::string file = path;
  if (isDirectory(path)) {
    if (isFile(path + "/model.safetensors.index.json"))
      file = path + "/model.safetensors.index.json";
    else if (isFile(path + "/model.safetensors"))
      file = path + "/model.safetensors";
    else {
      error = path + ": no model.safetensors or model.safetensors.index.json in this directory";
      return nullptr;
    }
  }
  auto src = std::make_unique<SafetensorsWeights>(path);
  if (endsWith(file, ".json")) {
    std::vector<std::string> shards;
    if (!readIndex(file, shards, error))
      return nullptr;
    for (const std::string &s : shards) {
      auto f = safetensors::File::open(dirName(file) + "/" + s, error);
      if (!f || !src->addShard(std::move(f), error))
        return nullptr;
    }
    return src;
  }
  auto f = safetensors::File::open(file, error);
  if (!f || !src->addShard(std::move(f), error))
    return nullptr;
  return src;
}

} // namespace qcc
