//===- Text.cpp - tokenizer loading (tokenizer.json / GGUF) and text C API ===//
#include "Llm.h"

#include "qcc/Import/GGUF.h"
#include "qcc/Tokenizer/Tokenizer.h"

#include <cstring>
#include <new>
#include <sys/stat.h>

using namespace qcc::llm;
using qcc::rt::makeStatus;
using qcc::tokenizer::Tokenizer;

namespace {

bool endsWith(const std::string &s, const char *suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

/// Reads an integer-valued GGUF key into `out` (left unchanged if absent).
void readInt(const qcc::gguf::File &f, const char *key, int32_t &out) {
  using VT = qcc::gguf::ValueType;
  const qcc::gguf::Value *v = f.find(key);
  if (!v)
    return;
  switch (v->type) {
  case VT::U8:
  case VT::U16:
  case VT::U32:
  case VT::U64:
  case VT::Bool:
    out = static_cast<int32_t>(v->u);
    break;
  case VT::I8:
  case VT::I16:
  case VT::I32:
  case VT::I64:
    out = static_cast<int32_t>(v->i);
    break;
  default:
    break;
  }
}

std::unique_ptr<Tokenizer> fromGGUF(const std::string &path,
                                    std::string &chatTemplate,
                                    std::string &error) {
  std::unique_ptr<qcc::gguf::File> f = qcc::gguf::File::open(path, error);
  if (!f)
    return nullptr;
  const qcc::gguf::Value *model = f->find("tokenizer.ggml.model");
  if (!model || model->type != qcc::gguf::ValueType::String) {
    error = path + ": no tokenizer.ggml.model string (no tokenizer in this "
                   "GGUF file)";
    return nullptr;
  }
  if (model->s != "gpt2") {
    error = path + ": tokenizer.ggml.model '" + model->s +
            "' is not supported (only byte-level BPE, 'gpt2')";
    return nullptr;
  }
  qcc::tokenizer::BpeArrays a;
  a.source = path;
  std::string e;
  // A vocabulary without merges (bytes only) may leave the key out.
  if (!qcc::gguf::tokenizerStrings(*f, "tokenizer.ggml.tokens", a.tokens, e) ||
      (f->find("tokenizer.ggml.merges") &&
       !qcc::gguf::tokenizerStrings(*f, "tokenizer.ggml.merges", a.merges,
                                    e))) {
    error = path + ": " + e;
    return nullptr;
  }
  if (f->find("tokenizer.ggml.token_type") &&
      !qcc::gguf::tokenizerTypes(*f, a.tokenTypes, e)) {
    error = path + ": " + e;
    return nullptr;
  }
  if (const qcc::gguf::Value *pre = f->find("tokenizer.ggml.pre");
      pre && pre->type == qcc::gguf::ValueType::String)
    a.pre = pre->s;
  readInt(*f, "tokenizer.ggml.bos_token_id", a.bosId);
  readInt(*f, "tokenizer.ggml.eos_token_id", a.eosId);
  int32_t addBos = 0;
  readInt(*f, "tokenizer.ggml.add_bos_token", addBos);
  a.addBos = addBos != 0;
  if (const qcc::gguf::Value *t = f->find("tokenizer.chat_template");
      t && t->type == qcc::gguf::ValueType::String)
    chatTemplate = t->s;
  return Tokenizer::fromBpeArrays(a);
}

} // namespace

std::unique_ptr<Tokenizer> qcc::llm::loadTokenizer(const std::string &path,
                                                   std::string &chatTemplate,
                                                   std::string &error) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    error = "cannot open tokenizer '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  try {
    if (endsWith(path, ".gguf"))
      return fromGGUF(path, chatTemplate, error);
    return Tokenizer::fromJsonFile(path);
  } catch (const std::exception &e) {
    error = e.what();
    return nullptr;
  }
}

extern "C" {

const char *qcc_llm_chat_template(const qcc_llm_t *llm) {
  return llm && !llm->chatTemplate.empty() ? llm->chatTemplate.c_str()
                                           : nullptr;
}

qcc_status_t qcc_llm_tokenize(const qcc_llm_t *llm, const char *text,
                              size_t length, int32_t add_special, int32_t *ids,
                              size_t capacity, size_t *out_count) {
  if (!llm || (!text && length) || !out_count || (!ids && capacity))
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "llm, text, ids or out_count is null");
  *out_count = 0;
  if (!llm->tokenizer)
    return makeStatus(QCC_STATUS_NOT_FOUND, noTokenizerMessage(llm));
  try {
    std::vector<int32_t> v =
        llm->tokenizer->encode(std::string_view(text, length), add_special);
    std::copy(v.begin(), v.begin() + std::min(v.size(), capacity), ids);
    *out_count = v.size();
  } catch (const std::bad_alloc &) {
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, e.what());
  }
  return nullptr;
}

qcc_status_t qcc_llm_detokenize(const qcc_llm_t *llm, const int32_t *ids,
                                size_t count, int32_t skip_special, char *text,
                                size_t capacity, size_t *out_length) {
  if (!llm || (!ids && count) || !out_length || (!text && capacity))
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "llm, ids, text or out_length is null");
  *out_length = 0;
  if (!llm->tokenizer)
    return makeStatus(QCC_STATUS_NOT_FOUND, noTokenizerMessage(llm));
  try {
    std::string s = llm->tokenizer->decode(
        std::vector<int32_t>(ids, ids + count), skip_special);
    if (capacity)
      std::memcpy(text, s.data(), std::min(s.size(), capacity));
    *out_length = s.size();
  } catch (const std::bad_alloc &) {
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, e.what());
  }
  return nullptr;
}

} // extern "C"
