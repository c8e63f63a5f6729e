//===- qcc-inspect.cpp - print a .gguf/.safetensors file's metadata and tensors ===//
//
// Usage: qcc-inspect FILE                      metadata and tensor table
//        qcc-inspect FILE --dump NAME -o OUT.npy   one tensor as float32 .npy
//
// GGUF shapes are printed and dumped in numpy order (ggml dims reversed).
#include "qcc/Import/GGUF.h"
#include "qcc/Import/Safetensors.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

/// Writes a float32 little-endian C-order .npy file.
bool writeNpy(const std::string &path, const std::vector<int64_t> &shape,
              const float *data, size_t n) {
  std::string dims;
  for (int64_t d : shape)
    dims += std::to_string(d) + ",";
  if (shape.size() > 1)
    dims.pop_back();
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return false;
  uint16_t len = uint16_t(header.size());
  bool ok = std::fwrite("\x93NUMPY\x01\x00", 1, 8, f) == 8 &&
            std::fwrite(&len, 2, 1, f) == 1 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            std::fwrite(data, 4, n, f) == n;
  return std::fclose(f) == 0 && ok;
}

bool endsWith(const std::string &s, const char *suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

void printConfig(const qcc::ModelConfig &c) {
  std::printf("config %s hidden=%lld layers=%lld heads=%lld kv_heads=%lld intermediate=%lld "
              "vocab=%lld max_positions=%lld rope_theta=%g norm_eps=%g tie_embeddings=%s\n",
              c.architecture.c_str(), (long long)c.hiddenSize, (long long)c.numLayers,
              (long long)c.numHeads, (long long)c.numKVHeads, (long long)c.intermediateSize,
              (long long)c.vocabSize, (long long)c.maxPositions, c.ropeTheta, c.normEps,
              c.tieWordEmbeddings ? "true" : "false");
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string r = "[";
  for (size_t k = 0; k < shape.size(); ++k)
    r += (k ? "," : "") + std::to_string(shape[k]);
  return r + "]";
}

int inspectGGUF(const std::string &path, const std::string &dump, const std::string &out) {
  std::string error;
  auto file = qcc::gguf::File::open(path, error);
  if (!file) {
    std::fprintf(stderr, "qcc-inspect: error: %s\n", error.c_str());
    return 1;
  }
  auto npShape = [](const qcc::gguf::TensorInfo &t) {
    return std::vector<int64_t>(t.dims.rbegin(), t.dims.rend());
  };
  if (!dump.empty()) {
    const qcc::gguf::TensorInfo *t = file->findTensor(dump);
    if (!t) {
      std::fprintf(stderr, "qcc-inspect: error: %s: no tensor '%s'\n", path.c_str(), dump.c_str());
      return 1;
    }
    std::vector<float> values;
    qcc::gguf::dequantize(*t, values);
    if (!writeNpy(out, npShape(*t), values.data(), values.size())) {
      std::fprintf(stderr, "qcc-inspect: error: %s: cannot write\n", out.c_str());
      return 1;
    }
    return 0;
  }
  std::printf("format: gguf v%u, alignment %llu, %zu metadata, %zu tensors\n",
              file->version(), (unsigned long long)file->alignment(),
              file->metadata().size(), file->tensors().size());
  for (auto &[k, v] : file->metadata())
    std::printf("meta %s = %s\n", k.c_str(), v.toString().c_str());
  if (const auto *arch = file->find("general.architecture"); arch && arch->s == "llama") {
    qcc::ModelConfig config;
    // An incomplete llama config does not stop the inspection; it is reported instead.
    if (qcc::gguf::loadLlamaConfig(*file, path, config, error))
      printConfig(config);
    else
      std::printf("config unavailable: %s\n", error.c_str());
  }
  std::vector<std::string> tokens, merges;
  std::vector<int32_t> types;
  if (qcc::gguf::tokenizerStrings(*file, "tokenizer.ggml.tokens", tokens, error)) {
    std::printf("tokenizer tokens=%zu first='%s' last='%s'", tokens.size(),
                tokens.empty() ? "" : tokens.front().c_str(),
                tokens.empty() ? "" : tokens.back().c_str());
    if (qcc::gguf::tokenizerStrings(*file, "tokenizer.ggml.merges", merges, error) &&
        !merges.empty())
      std::printf(" merges=%zu first='%s' last='%s'", merges.size(), merges.front().c_str(),
                  merges.back().c_str());
    if (qcc::gguf::tokenizerTypes(*file, types, error) && !types.empty())
      std::printf(" types=%zu first=%d last=%d", types.size(), types.front(), types.back());
    std::printf("\n");
  }
  for (const auto &t : file->tensors())
    std::printf("tensor %s %s %s %zu\n", t.name.c_str(), qcc::gguf::typeName(t.type),
                shapeString(npShape(t)).c_str(), t.size);
  return 0;
}

int inspectSafetensors(const std::string &path, const std::string &dump,
                       const std::string &out) {
  std::string error;
  auto file = qcc::safetensors::File::open(path, error);
  if (!file) {
    std::fprintf(stderr, "qcc-inspect: error: %s\n", error.c_str());
    return 1;
  }
  if (!dump.empty()) {
    const qcc::safetensors::TensorView *t = file->find(dump);
    if (!t) {
      std::fprintf(stderr, "qcc-inspect: error: %s: no tensor '%s'\n", path.c_str(), dump.c_str());
      return 1;
    }
    size_t es = qcc::safetensors::dtypeSize(t->dtype), n = t->size / es;
    std::vector<float> values(n);
    for (size_t k = 0; k < n; ++k)
      values[k] = qcc::safetensors::elementToFloat(t->dtype, t->data + k * es);
    if (!writeNpy(out, t->shape, values.data(), n)) {
      std::fprintf(stderr, "qcc-inspect: error: %s: cannot write\n", out.c_str());
      return 1;
    }
    return 0;
  }
  std::printf("format: safetensors, %zu metadata, %zu tensors\n", file->metadata().size(),
              file->tensors().size());
  std::string configPath = path.substr(0, path.rfind('/') + 1) + "config.json";
  if (FILE *probe = std::fopen(configPath.c_str(), "r")) {
    std::fclose(probe);
    qcc::ModelConfig config;
    if (!qcc::loadHFConfig(configPath, config, error)) {
      std::fprintf(stderr, "qcc-inspect: error: %s\n", error.c_str());
      return 1;
    }
    printConfig(config);
  }
  for (auto &[k, v] : file->metadata())
    std::printf("meta %s = \"%s\"\n", k.c_str(), v.c_str());
  for (const auto &t : file->tensors())
    std::printf("tensor %s %s %s %zu\n", t.name.c_str(),
                qcc::safetensors::dtypeName(t.dtype), shapeString(t.shape).c_str(), t.size);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string path, dump, out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dump" && i + 1 < argc)
      dump = argv[++i];
    else if (a == "-o" && i + 1 < argc)
      out = argv[++i];
    else if (path.empty() && a[0] != '-')
      path = a;
    else {
      std::fprintf(stderr, "usage: qcc-inspect FILE [--dump NAME -o OUT.npy]\n");
      return 2;
    }
  }
  if (path.empty() || dump.empty() != out.empty()) {
    std::fprintf(stderr, "usage: qcc-inspect FILE [--dump NAME -o OUT.npy]\n");
    return 2;
  }
  if (endsWith(path, ".safetensors"))
    return inspectSafetensors(path, dump, out);
  return inspectGGUF(path, dump, out);
}
