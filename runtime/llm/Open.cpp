//===- Open.cpp - qcc_llm_open: Contract-5 checks, cache, tokenizer -------===//
#include "Llm.h"

#include "qcc/Tokenizer/Tokenizer.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>

using namespace qcc::llm;
using qcc::rt::makeStatus;

qcc_llm_s::~qcc_llm_s() {
  qcc_tensor_free(logits);
  qcc_context_free(context);
  qcc_model_free(model);
}

bool qcc::llm::parseAttributes(const char *metadata,
                               std::map<std::string, std::string> &attrs,
                               std::string &error) {
  std::istringstream lines(metadata ? metadata : "");
  std::string line;
  while (std::getline(lines, line)) {
    if (line.compare(0, 5, "attr ") != 0)
      continue;
    std::istringstream tokens(line.substr(5));
    std::string key, value, k, v, extra;
    if (!(tokens >> key >> value) || (tokens >> extra) ||
        !qcc::rt::unescapeToken(key, k) || !qcc::rt::unescapeToken(value, v)) {
      error = "malformed metadata record '" + line + "'";
      return false;
    }
    attrs[k] = v;
  }
  return true;
}

std::string qcc::llm::noTokenizerMessage(const qcc_llm_t *llm) {
  return "model '" + llm->path +
         "' has no tokenizer (no qcc.tokenizer attribute); give one "
         "(tokenizer.json or .gguf) with qcc_llm_options_t::tokenizer_path";
}

namespace {

/// Reads integer attribute `key`; `required` ones must exist and be > 0.
bool intAttr(const qcc_llm_t &llm, const char *key, bool required, int32_t &out,
             std::string &error) {
  auto it = llm.attrs.find(key);
  if (it == llm.attrs.end()) {
    if (required)
      error = std::string("missing metadata attribute ") + key;
    return !required;
  }
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end || errno || v > INT32_MAX || v < -1 ||
      (required && v <= 0)) {
    error = std::string("metadata attribute ") + key + "='" + it->second +
            "' is not a valid " + (required ? "positive " : "") + "integer";
    return false;
  }
  out = static_cast<int32_t>(v);
  return true;
}

/// Checks value `v` against Contract 5: `name`, element type, rank and the
/// static dims given in `expect` (-1 = anything).
bool checkValue(const qcc::rt::ValueInfo &v, const char *role, const char *name,
                int32_t type, std::vector<int64_t> expect, std::string &error) {
  auto fail = [&](const std::string &what) {
    error = std::string(role) + " '" + v.name + "' " + what +
            " (Contract 5 wants " + name + " " +
            qcc::rt::elementTypeName(type) + " of rank " +
            std::to_string(expect.size()) + ")";
    return false;
  };
  if (v.name != name)
    return fail("is not named " + std::string(name));
  if (v.elementType != type)
    return fail(std::string("has element type ") +
                qcc::rt::elementTypeName(v.elementType));
  if (v.dims.size() != expect.size())
    return fail("has rank " + std::to_string(v.dims.size()));
  for (size_t d = 0; d < expect.size(); ++d)
    if (v.dims[d] >= 0 && expect[d] >= 0 && v.dims[d] != expect[d])
      return fail("has dimension " + std::to_string(d) + " = " +
                  std::to_string(v.dims[d]) +
                  " but the attributes (and "
                  "num_sequences) imply " +
                  std::to_string(expect[d]));
  return true;
}

bool checkContract(qcc_llm_t &llm, std::string &error) {
  auto kind = llm.attrs.find("qcc.kind");
  if (kind == llm.attrs.end()) {
    error = "not a causal LM (no qcc.kind attribute in its metadata)";
    return false;
  }
  if (kind->second != "causal-lm") {
    error = "not a causal LM (qcc.kind is '" + kind->second + "')";
    return false;
  }
  qcc_llm_info_t &i = llm.info;
  if (!intAttr(llm, "qcc.num_layers", true, i.num_layers, error) ||
      !intAttr(llm, "qcc.num_kv_heads", true, i.num_kv_heads, error) ||
      !intAttr(llm, "qcc.head_dim", true, i.head_dim, error) ||
      !intAttr(llm, "qcc.vocab_size", true, i.vocab_size, error) ||
      !intAttr(llm, "qcc.context_length", true, i.context_length, error) ||
      !intAttr(llm, "qcc.bos_id", false, i.bos_id, error) ||
      !intAttr(llm, "qcc.eos_id", false, i.eos_id, error))
    return false;
  const qcc::rt::ModelSignature &sig = llm.model->sig;
  if (sig.inputs.size() != 4 || sig.outputs.size() != 3) {
    error = "has " + std::to_string(sig.inputs.size()) + " inputs and " +
            std::to_string(sig.outputs.size()) +
            " outputs; Contract 5 wants 4 (input_ids, positions, past_key, "
            "past_value) and 3 (logits, present_key, present_value)";
    return false;
  }
  int64_t L = i.num_layers, B = i.num_sequences, H = i.num_kv_heads,
          D = i.head_dim, V = i.vocab_size;
  int32_t f32 = QCC_ELEMENT_TYPE_F32, i64 = QCC_ELEMENT_TYPE_I64;
  return checkValue(sig.inputs[0], "input", "input_ids", i64, {B, -1}, error) &&
         checkValue(sig.inputs[1], "input", "positions", i64, {B, -1}, error) &&
         checkValue(sig.inputs[2], "input", "past_key", f32, {-1, L, B, H, D},
                    error) &&
         checkValue(sig.inputs[3], "input", "past_value", f32, {-1, L, B, H, D},
                    error) &&
         checkValue(sig.outputs[0], "output", "logits", f32, {B, -1, V},
                    error) &&
         checkValue(sig.outputs[1], "output", "present_key", f32,
                    {-1, L, B, H, D}, error) &&
         checkValue(sig.outputs[2], "output", "present_value", f32,
                    {-1, L, B, H, D}, error);
}

qcc_status_t openImpl(const char *path, const qcc_llm_options_t &o,
                      qcc_llm_t **out_llm) {
  auto llm = std::make_unique<qcc_llm_s>();
  llm->path = path;
  if (qcc_status_t st = qcc_model_open(path, nullptr, &llm->model))
    return st;
  auto fail = [&](qcc_status_code_t code, const std::string &msg) {
    return makeStatus(code, "model '" + std::string(path) + "': " + msg);
  };
  std::string error;
  if (!parseAttributes(llm->model->api->metadata, llm->attrs, error))
    return fail(QCC_STATUS_INCOMPATIBLE, error);
  if (o.num_sequences < 1)
    return fail(QCC_STATUS_INVALID_ARGUMENT,
                "num_sequences must be >= 1, got " +
                    std::to_string(o.num_sequences));
  llm->info.num_sequences = o.num_sequences;
  llm->info.bos_id = llm->info.eos_id = -1;
  if (!checkContract(*llm, error))
    return fail(QCC_STATUS_INCOMPATIBLE, error);
  qcc_llm_info_t &info = llm->info;
  if (o.context_capacity < 0 || o.context_capacity > info.context_length)
    return fail(QCC_STATUS_INVALID_ARGUMENT,
                "context capacity " + std::to_string(o.context_capacity) +
                    " is outside [1, " + std::to_string(info.context_length) +
                    "] (the model's qcc.context_length)");
  info.context_capacity = o.context_capacity
                              ? o.context_capacity
                              : std::min<int32_t>(info.context_length, 4096);
  if (!llm->cache.init(info.context_capacity, info.num_layers,
                       info.num_sequences, info.num_kv_heads, info.head_dim,
                       error))
    return fail(error.compare(0, 15, "cannot allocate") == 0
                    ? QCC_STATUS_OUT_OF_MEMORY
                    : QCC_STATUS_INVALID_ARGUMENT,
                error);

  std::string tokPath = o.tokenizer_path ? o.tokenizer_path : "";
  if (tokPath.empty()) {
    auto it = llm->attrs.find("qcc.tokenizer");
    if (it != llm->attrs.end())
      tokPath = it->second;
  }
  if (!tokPath.empty()) {
    llm->tokenizer = loadTokenizer(tokPath, llm->chatTemplate, error);
    if (!llm->tokenizer)
      return fail(QCC_STATUS_NOT_FOUND, "cannot load its tokenizer: " + error);
    llm->tokenizerSource = tokPath;
    info.has_tokenizer = 1;
    if (info.bos_id < 0)
      info.bos_id = llm->tokenizer->bosId();
    if (info.eos_id < 0)
      info.eos_id = llm->tokenizer->eosId();
    if (llm->tokenizer->vocabSize() > static_cast<size_t>(info.vocab_size))
      return fail(QCC_STATUS_INCOMPATIBLE,
                  "tokenizer '" + tokPath + "' has " +
                      std::to_string(llm->tokenizer->vocabSize()) +
                      " tokens but the model's vocabulary is " +
                      std::to_string(info.vocab_size));
  }

  qcc_context_options_t copts;
  qcc_context_options_initialize(&copts);
  copts.num_threads = o.num_threads;
  if (qcc_status_t st = qcc_context_create(&copts, &llm->context))
    return st;
  info.num_threads = qcc_context_num_threads(llm->context);
  *out_llm = llm.release();
  return nullptr;
}

} // namespace

extern "C" {

void qcc_llm_options_initialize(qcc_llm_options_t *options) {
  if (!options)
    return;
  *options = {};
  options->struct_size = sizeof(*options);
  options->num_sequences = 1;
}

qcc_status_t qcc_llm_open(const char *path, const qcc_llm_options_t *options,
                          qcc_llm_t **out_llm) {
  if (!out_llm)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "out_llm is null");
  *out_llm = nullptr;
  if (!path)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "path is null");
  qcc_llm_options_t o;
  qcc_llm_options_initialize(&o);
  if (options) {
    if (options->struct_size < sizeof(o))
      return makeStatus(QCC_STATUS_INCOMPATIBLE,
                        "qcc_llm_options_t was not initialized with "
                        "qcc_llm_options_initialize");
    o = *options;
  }
  try {
    return openImpl(path, o, out_llm);
  } catch (const std::bad_alloc &) {
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY,
                      "out of memory opening '" + std::string(path) + "'");
  }
}

void qcc_llm_free(qcc_llm_t *llm) { delete llm; }

qcc_status_t qcc_llm_get_info(const qcc_llm_t *llm, qcc_llm_info_t *out_info) {
  if (!llm || !out_info)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "llm or out_info is null");
  *out_info = llm->info;
  return nullptr;
}

const char *qcc_llm_attribute(const qcc_llm_t *llm, const char *key) {
  if (!llm || !key)
    return nullptr;
  auto it = llm->attrs.find(key);
  return it == llm->attrs.end() ? nullptr : it->second.c_str();
}

} // extern "C"
