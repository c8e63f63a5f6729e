//===- qcc-run.cpp - runs a compiled model.so on .npy inputs and checks it --===//
//
//   qcc-run model.so [--input name=file.npy]... [--random-inputs --seed N]
//           [--output-dir DIR] [--expected name=file.npy]... [--rtol R --atol A]
//           [--repeat N --warmup W] [--threads T]
//   qcc-run model.so --prompt TEXT [--prompt TEXT | --prompt-file F]...
//           [--max-tokens N]
//           [--temperature T --top-k K --top-p P --repeat-penalty R --seed N]
//           [--chat] [--system TEXT] [--ctx C] [--tokenizer FILE] [--threads T]
//
// The --prompt mode generates text with a causal-LM model.so (Contract 5,
// include/qcc-c/llm.h; see Generate.cpp).
//
// Exit codes: 0 success (and every expected output matched), 1 mismatch
// against an expected output, 2 any other error.
//
//===----------------------------------------------------------------------===//
#include "Generate.h"
#include "Npy.h"

#include "qcc-c/runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace {

const char *kUsage =
    "usage: qcc-run model.so [options]\n"
    "  --input NAME=FILE.npy     value of input NAME (repeatable)\n"
    "  --random-inputs           fill inputs not given with random values\n"
    "  --seed N                  seed of --random-inputs (default 0)\n"
    "  --output-dir DIR          write every output to DIR/<name>.npy\n"
    "  --expected NAME=FILE.npy  compare output NAME with FILE (repeatable)\n"
    "  --rtol R --atol A         tolerances: |out - exp| <= A + R * |exp|\n"
    "                            (defaults 1e-4 and 1e-5)\n"
    "  --repeat N --warmup W     time N runs after W untimed ones\n"
    "  --threads T               thread pool size (0 = all CPUs, default)\n"
    "  --print                   print the outputs' first values\n"
    "  --info                    print the model's inputs and outputs and exit\n"
    "generation (causal-LM model.so):\n"
    "  --prompt TEXT             generate from TEXT (repeatable: one sequence\n"
    "                            per prompt, decoded together)\n"
    "  --prompt-file FILE        a prompt read from FILE (repeatable)\n"
    "  --max-tokens N            new tokens per sequence (default 128)\n"
    "  --temperature T           0 = greedy (default); else sample with\n"
    "  --top-k K --top-p P       (defaults 40 and 0.95) and --seed N\n"
    "  --repeat-penalty R        repetition penalty (default 1 = off)\n"
    "  --chat                    wrap the prompt in the ChatML template (with\n"
    "                            the default system message of the model's\n"
    "                            template, if any)\n"
    "  --system TEXT             ChatML system message (implies --chat)\n"
    "  --ctx C                   KV-cache capacity (default: the model's\n"
    "                            context length, at most 4096)\n"
    "  --tokenizer FILE          tokenizer.json or .gguf (default: the model's\n"
    "                            qcc.tokenizer)\n"
    "  --print-ids               print the generated token ids to stderr\n";

int error(const std::string &msg) {
  std::fprintf(stderr, "qcc-run: error: %s\n", msg.c_str());
  return 2;
}

/// Frees a status and returns its message.
std::string take(qcc_status_t status) {
  std::string msg = std::string(qcc_status_code_name(qcc_status_code(status))) +
                    ": " + qcc_status_message(status);
  qcc_status_free(status);
  return msg;
}

bool splitAssignment(const std::string &arg, std::string &name,
                     std::string &file) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    return false;
  name = arg.substr(0, eq);
  file = arg.substr(eq + 1);
  return true;
}

std::string shapeString(const int64_t *dims, int32_t rank) {
  std::string s = "[";
  for (int32_t i = 0; i < rank; ++i)
    s += (i ? "," : "") + (dims[i] < 0 ? std::string("?")
                                       : std::to_string(dims[i]));
  return s + "]";
}

/// Reads element `i` of `data` as double.
double loadAsDouble(const void *data, qcc_element_type_t type, size_t i) {
  switch (type) {
  case QCC_ELEMENT_TYPE_F32:
    return static_cast<const float *>(data)[i];
  case QCC_ELEMENT_TYPE_F64:
    return static_cast<const double *>(data)[i];
  case QCC_ELEMENT_TYPE_F16: {
    uint16_t h = static_cast<const uint16_t *>(data)[i];
    int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v = exp == 0    ? std::ldexp(mant, -24)
               : exp == 31 ? (mant ? NAN : INFINITY)
                           : std::ldexp(mant + 1024, exp - 25);
    return (h & 0x8000) ? -v : v;
  }
  case QCC_ELEMENT_TYPE_BF16: {
    uint32_t bits = static_cast<uint32_t>(static_cast<const uint16_t *>(data)[i])
                    << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  case QCC_ELEMENT_TYPE_I8:
    return static_cast<const int8_t *>(data)[i];
  case QCC_ELEMENT_TYPE_I16:
    return static_cast<const int16_t *>(data)[i];
  case QCC_ELEMENT_TYPE_I32:
    return static_cast<const int32_t *>(data)[i];
  case QCC_ELEMENT_TYPE_I64:
    return static_cast<double>(static_cast<const int64_t *>(data)[i]);
  case QCC_ELEMENT_TYPE_U8:
  case QCC_ELEMENT_TYPE_BOOL:
    return static_cast<const uint8_t *>(data)[i];
  case QCC_ELEMENT_TYPE_U16:
    return static_cast<const uint16_t *>(data)[i];
  case QCC_ELEMENT_TYPE_U32:
    return static_cast<const uint32_t *>(data)[i];
  case QCC_ELEMENT_TYPE_U64:
    return static_cast<double>(static_cast<const uint64_t *>(data)[i]);
  default:
    return NAN;
  }
}

/// Fills `t` with uniform values: [-1, 1) for floats, [0, 10) for integers.
void fillRandom(qcc_tensor_t *t, std::mt19937_64 &rng) {
  size_t n = static_cast<size_t>(qcc_tensor_element_count(t));
  void *data = qcc_tensor_data(t);
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::uniform_int_distribution<int> integer(0, 9);
  for (size_t i = 0; i < n; ++i) {
    switch (qcc_tensor_element_type(t)) {
    case QCC_ELEMENT_TYPE_F32:
      static_cast<float *>(data)[i] = real(rng);
      break;
    case QCC_ELEMENT_TYPE_F64:
      static_cast<double *>(data)[i] = real(rng);
      break;
    case QCC_ELEMENT_TYPE_I8:
    case QCC_ELEMENT_TYPE_U8:
      static_cast<uint8_t *>(data)[i] = static_cast<uint8_t>(integer(rng));
      break;
    case QCC_ELEMENT_TYPE_BOOL:
      static_cast<uint8_t *>(data)[i] = static_cast<uint8_t>(integer(rng) & 1);
      break;
    case QCC_ELEMENT_TYPE_I16:
    case QCC_ELEMENT_TYPE_U16:
      static_cast<uint16_t *>(data)[i] = static_cast<uint16_t>(integer(rng));
      break;
    case QCC_ELEMENT_TYPE_I32:
    case QCC_ELEMENT_TYPE_U32:
      static_cast<uint32_t *>(data)[i] = static_cast<uint32_t>(integer(rng));
      break;
    case QCC_ELEMENT_TYPE_I64:
    case QCC_ELEMENT_TYPE_U64:
      static_cast<uint64_t *>(data)[i] = static_cast<uint64_t>(integer(rng));
      break;
    default: // f16/bf16: leave zeros.
      break;
    }
  }
}

std::string sanitize(const std::string &name) {
  std::string s;
  for (char c : name)
    s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
          c == '.')
             ? c
             : '_';
  return s.empty() ? "output" : s;
}

struct Options {
  std::string model;
  std::vector<std::pair<std::string, std::string>> inputs, expected;
  bool randomInputs = false, print = false, info = false;
  uint64_t seed = 0;
  std::string outputDir;
  double rtol = 1e-4, atol = 1e-5;
  int repeat = 1, warmup = 0, threads = 0;
  /// Generation mode (--prompt).
  qcc::run::GenerateOptions gen;
  bool generationFlag = false;
};

int parseArgs(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string value;
    auto next = [&](const char *flag) -> bool {
      size_t len = std::strlen(flag);
      if (a.compare(0, len, flag) == 0 && a.size() > len && a[len] == '=') {
        value = a.substr(len + 1);
        return true;
      }
      if (a != flag)
        return false;
      if (i + 1 >= argc) {
        value.clear();
        return true;
      }
      value = argv[++i];
      return true;
    };
    auto number = [&](const char *flag, double &out) {
      char *end = nullptr;
      out = std::strtod(value.c_str(), &end);
      if (value.empty() || *end)
        return error(std::string("bad value '") + value + "' for " + flag);
      return 0;
    };
    double num;
    std::string name, file;
    if (a == "-h" || a == "--help") {
      std::printf("%s", kUsage);
      std::exit(0);
    } else if (next("--input") || next("--expected")) {
      bool isInput = a.compare(0, 7, "--input") == 0;
      if (!splitAssignment(value, name, file))
        return error("expected NAME=FILE.npy after " +
                     std::string(isInput ? "--input" : "--expected") +
                     ", got '" + value + "'");
      (isInput ? o.inputs : o.expected).emplace_back(name, file);
    } else if (a == "--prompt" && i + 1 >= argc) {
      return error("--prompt needs a value");
    } else if (next("--prompt")) {
      o.gen.prompts.push_back(value);
    } else if (next("--prompt-file")) {
      std::ifstream in(value, std::ios::binary);
      if (value.empty() || !in)
        return error("cannot read prompt file '" + value +
                     "': " + std::strerror(errno));
      std::stringstream text;
      text << in.rdbuf();
      o.gen.prompts.push_back(text.str());
    } else if (next("--tokenizer")) {
      o.gen.tokenizer = value;
      o.generationFlag = true;
    } else if (a == "--print-ids") {
      o.gen.printIds = true;
      o.generationFlag = true;
    } else if (next("--system")) {
      o.gen.system = value;
      o.gen.chat = true;
      o.generationFlag = true;
    } else if (a == "--chat") {
      o.gen.chat = true;
      o.generationFlag = true;
    } else if (next("--max-tokens")) {
      if (number("--max-tokens", num) || num < 0 || num != (int)num)
        return error("--max-tokens must be an integer >= 0");
      o.gen.maxTokens = static_cast<int>(num);
      o.generationFlag = true;
    } else if (next("--temperature")) {
      if (number("--temperature", o.gen.temperature) ||
          o.gen.temperature < 0)
        return error("--temperature must be >= 0");
      o.generationFlag = true;
    } else if (next("--top-k")) {
      if (number("--top-k", num) || num < 0 || num != (int)num)
        return error("--top-k must be an integer >= 0");
      o.gen.topK = static_cast<int>(num);
      o.generationFlag = true;
    } else if (next("--top-p")) {
      if (number("--top-p", o.gen.topP) || !(o.gen.topP > 0 && o.gen.topP <= 1))
        return error("--top-p must be in (0, 1]");
      o.generationFlag = true;
    } else if (next("--repeat-penalty")) {
      if (number("--repeat-penalty", o.gen.repeatPenalty) ||
          !(o.gen.repeatPenalty > 0))
        return error("--repeat-penalty must be > 0");
      o.generationFlag = true;
    } else if (next("--ctx")) {
      if (number("--ctx", num) || num < 1 || num != (int)num)
        return error("--ctx must be an integer >= 1");
      o.gen.ctx = static_cast<int>(num);
      o.generationFlag = true;
    } else if (a == "--random-inputs") {
      o.randomInputs = true;
    } else if (a == "--print") {
      o.print = true;
    } else if (a == "--info") {
      o.info = true;
    } else if (next("--seed")) {
      if (number("--seed", num))
        return 2;
      o.seed = static_cast<uint64_t>(num);
    } else if (next("--output-dir")) {
      o.outputDir = value;
    } else if (next("--rtol")) {
      if (number("--rtol", o.rtol))
        return 2;
    } else if (next("--atol")) {
      if (number("--atol", o.atol))
        return 2;
    } else if (next("--repeat")) {
      if (number("--repeat", num) || num < 1)
        return error("--repeat must be >= 1");
      o.repeat = static_cast<int>(num);
    } else if (next("--warmup")) {
      if (number("--warmup", num) || num < 0)
        return error("--warmup must be >= 0");
      o.warmup = static_cast<int>(num);
    } else if (next("--threads")) {
      if (number("--threads", num) || num < 0)
        return error("--threads must be >= 0");
      o.threads = static_cast<int>(num);
    } else if (!a.empty() && a[0] == '-') {
      return error("unknown option '" + a + "'\n" + kUsage);
    } else if (o.model.empty()) {
      o.model = a;
    } else {
      return error("more than one model given ('" + o.model + "', '" + a +
                   "')");
    }
  }
  if (o.model.empty())
    return error(std::string("no model given\n") + kUsage);
  if (o.generationFlag && o.gen.prompts.empty())
    return error("generation options need --prompt");
  if (!o.gen.prompts.empty() &&
      (!o.inputs.empty() || !o.expected.empty() || o.randomInputs ||
       !o.outputDir.empty() || o.info || o.print))
    return error("--prompt cannot be combined with --input, --expected, "
                 "--random-inputs, --output-dir, --info or --print");
  o.gen.model = o.model;
  o.gen.seed = o.seed;
  o.gen.threads = o.threads;
  return 0;
}

/// Owns the objects of one qcc-run invocation.
struct Session {
  qcc_model_t *model = nullptr;
  qcc_context_t *context = nullptr;
  std::vector<qcc_tensor_t *> inputs, outputs;
  std::vector<qcc::npy::Array> inputArrays;
  ~Session() {
    for (qcc_tensor_t *t : inputs)
      qcc_tensor_free(t);
    for (qcc_tensor_t *t : outputs)
      qcc_tensor_free(t);
    qcc_context_free(context);
    qcc_model_free(model);
  }
  void freeOutputs() {
    for (qcc_tensor_t *&t : outputs) {
      qcc_tensor_free(t);
      t = nullptr;
    }
  }
};

} // namespace

int main(int argc, char **argv) {
  Options o;
  if (int rc = parseArgs(argc, argv, o))
    return rc;
  if (!o.gen.prompts.empty())
    return qcc::run::generate(o.gen);
  Session s;
  if (qcc_status_t st = qcc_model_open(o.model.c_str(), nullptr, &s.model))
    return error(take(st));
  size_t numInputs = qcc_model_input_count(s.model);
  size_t numOutputs = qcc_model_output_count(s.model);
  if (o.info) {
    for (size_t k = 0; k < numInputs + numOutputs; ++k) {
      bool isInput = k < numInputs;
      qcc_value_info_t v;
      qcc_status_t st = isInput ? qcc_model_input_info(s.model, k, &v)
                                : qcc_model_output_info(s.model, k - numInputs,
                                                        &v);
      if (st)
        return error(take(st));
      std::string dims;
      for (int32_t d = 0; d < v.rank; ++d)
        dims += std::string(d ? "," : "") +
                (v.dims[d] >= 0 ? std::to_string(v.dims[d])
                 : *v.dim_names[d] ? std::string(v.dim_names[d])
                                   : std::string("?"));
      std::printf("%s %s: %s[%s]\n", isInput ? "input" : "output", v.name,
                  qcc_element_type_name(v.element_type), dims.c_str());
    }
    return 0;
  }

  // Inputs: from files by name, else random when asked.
  std::map<std::string, std::string> inputFiles;
  for (auto &[name, file] : o.inputs) {
    if (qcc_model_find_input(s.model, name.c_str()) < 0) {
      std::string names;
      for (size_t i = 0; i < numInputs; ++i) {
        qcc_value_info_t info;
        qcc_status_free(qcc_model_input_info(s.model, i, &info));
        names += (i ? ", " : "") + std::string(info.name);
      }
      return error("the model has no input '" + name + "' (inputs: " + names +
                   ")");
    }
    inputFiles[name] = file;
  }
  std::mt19937_64 rng(o.seed);
  s.inputArrays.resize(numInputs);
  for (size_t i = 0; i < numInputs; ++i) {
    qcc_value_info_t info;
    if (qcc_status_t st = qcc_model_input_info(s.model, i, &info))
      return error(take(st));
    qcc_tensor_t *t = nullptr;
    auto it = inputFiles.find(info.name);
    if (it != inputFiles.end()) {
      std::string err;
      qcc::npy::Array &arr = s.inputArrays[i];
      if (!qcc::npy::readFile(it->second, arr, err))
        return error(err);
      if (qcc_status_t st = qcc_tensor_wrap(
              arr.elementType, static_cast<int32_t>(arr.shape.size()),
              arr.shape.data(), arr.data.data(), arr.data.size(), &t))
        return error("input '" + std::string(info.name) + "': " + take(st));
    } else if (o.randomInputs) {
      for (int32_t d = 0; d < info.rank; ++d)
        if (info.dims[d] < 0)
          return error("input '" + std::string(info.name) + "' has shape " +
                       shapeString(info.dims, info.rank) +
                       " with dynamic dimensions; give it with --input");
      if (qcc_status_t st =
              qcc_tensor_create(info.element_type, info.rank, info.dims, &t))
        return error(take(st));
      fillRandom(t, rng);
    } else {
      return error("missing input '" + std::string(info.name) + "' " +
                   qcc_element_type_name(info.element_type) +
                   shapeString(info.dims, info.rank) +
                   " (use --input NAME=FILE.npy or --random-inputs)");
    }
    s.inputs.push_back(t);
  }

  qcc_context_options_t copts;
  qcc_context_options_initialize(&copts);
  copts.num_threads = o.threads;
  if (qcc_status_t st = qcc_context_create(&copts, &s.context))
    return error(take(st));

  s.outputs.assign(numOutputs, nullptr);
  std::vector<double> times;
  for (int r = 0; r < o.warmup + o.repeat; ++r) {
    s.freeOutputs();
    auto start = std::chrono::steady_clock::now();
    qcc_status_t st = qcc_model_run(s.model, s.context, s.inputs.data(),
                                    s.inputs.size(), s.outputs.data(),
                                    s.outputs.size());
    auto end = std::chrono::steady_clock::now();
    if (st)
      return error(take(st));
    if (r >= o.warmup)
      times.push_back(std::chrono::duration<double, std::milli>(end - start)
                          .count());
  }
  std::sort(times.begin(), times.end());
  double mean = 0;
  for (double t : times)
    mean += t / times.size();
  std::printf("time: min %.3f ms, median %.3f ms, mean %.3f ms over %zu run(s)"
              " (%d thread(s))\n",
              times.front(), times[times.size() / 2], mean, times.size(),
              qcc_context_num_threads(s.context));

  std::map<std::string, size_t> outputIndex;
  for (size_t j = 0; j < numOutputs; ++j) {
    qcc_value_info_t info;
    qcc_status_free(qcc_model_output_info(s.model, j, &info));
    outputIndex[info.name] = j;
    const qcc_tensor_t *t = s.outputs[j];
    std::printf("output %s: %s%s\n", info.name,
                qcc_element_type_name(qcc_tensor_element_type(t)),
                shapeString(qcc_tensor_shape(t), qcc_tensor_rank(t)).c_str());
    if (o.print) {
      size_t n = static_cast<size_t>(qcc_tensor_element_count(t));
      std::printf("  [");
      for (size_t k = 0; k < n && k < 16; ++k)
        std::printf("%s%g", k ? ", " : "",
                    loadAsDouble(qcc_tensor_data(t), qcc_tensor_element_type(t),
                                 k));
      std::printf("%s]\n", n > 16 ? ", ..." : "");
    }
    if (!o.outputDir.empty()) {
      mkdir(o.outputDir.c_str(), 0777);
      std::string path = o.outputDir + "/" + sanitize(info.name) + ".npy";
      std::vector<int64_t> shape(qcc_tensor_shape(t),
                                 qcc_tensor_shape(t) + qcc_tensor_rank(t));
      std::string err;
      if (!qcc::npy::writeFile(path, qcc_tensor_element_type(t), shape,
                               qcc_tensor_data(t), err))
        return error(err);
    }
  }

  bool allPass = true;
  for (auto &[name, file] : o.expected) {
    auto it = outputIndex.find(name);
    if (it == outputIndex.end())
      return error("the model has no output '" + name + "'");
    const qcc_tensor_t *t = s.outputs[it->second];
    qcc::npy::Array exp;
    std::string err;
    if (!qcc::npy::readFile(file, exp, err))
      return error(err);
    std::vector<int64_t> shape(qcc_tensor_shape(t),
                               qcc_tensor_shape(t) + qcc_tensor_rank(t));
    if (shape != exp.shape) {
      std::printf("FAIL %s: shape %s, expected %s\n", name.c_str(),
                  shapeString(shape.data(), shape.size()).c_str(),
                  shapeString(exp.shape.data(), exp.shape.size()).c_str());
      allPass = false;
      continue;
    }
    size_t n = static_cast<size_t>(qcc_tensor_element_count(t));
    double maxAbs = 0, maxRel = 0;
    size_t bad = 0, firstBad = 0;
    for (size_t k = 0; k < n; ++k) {
      double a = loadAsDouble(qcc_tensor_data(t), qcc_tensor_element_type(t), k);
      double b = loadAsDouble(exp.data.data(), exp.elementType, k);
      if (std::isnan(a) && std::isnan(b))
        continue;
      double diff = std::fabs(a - b);
      if (std::isnan(diff))
        diff = INFINITY;
      maxAbs = std::max(maxAbs, diff);
      maxRel = std::max(maxRel, diff / std::max(std::fabs(b), 1e-30));
      if (!(diff <= o.atol + o.rtol * std::fabs(b))) {
        if (!bad)
          firstBad = k;
        ++bad;
      }
    }
    std::printf("%s %s: max abs err %.3g, max rel err %.3g (rtol %g, atol %g)",
                bad ? "FAIL" : "PASS", name.c_str(), maxAbs, maxRel, o.rtol,
                o.atol);
    if (bad)
      std::printf(", %zu of %zu elements differ (first at flat index %zu: "
                  "%g vs %g)",
                  bad, n, firstBad,
                  loadAsDouble(qcc_tensor_data(t), qcc_tensor_element_type(t),
                               firstBad),
                  loadAsDouble(exp.data.data(), exp.elementType, firstBad));
    std::printf("\n");
    allPass = allPass && !bad;
  }
  return allPass ? 0 : 1;
}
