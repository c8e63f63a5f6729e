//===- Detokenizer.cpp - incremental detokenizer and its C API ------------===//
#include "Detokenizer.h"

#include "Llm.h"

#include "qcc/Tokenizer/Tokenizer.h"

#include <new>

using namespace qcc::llm;
using qcc::rt::makeStatus;

size_t qcc::llm::incompleteUtf8Tail(std::string_view s) {
  // Walk back over at most 3 continuation bytes to the lead byte.
  size_t n = s.size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    unsigned char c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80)
      continue; // continuation byte
    size_t need = c < 0x80             ? 1
                  : (c & 0xE0) == 0xC0 ? 2
                  : (c & 0xF0) == 0xE0 ? 3
                  : (c & 0xF8) == 0xF0 ? 4
                                       : 0; // invalid lead
    return need > back ? back : 0;
  }
  return 0;
}

std::string_view Utf8Streamer::push(std::string_view bytes) {
  pending.append(bytes);
  size_t hold = incompleteUtf8Tail(pending);
  out.assign(pending, 0, pending.size() - hold);
  pending.erase(0, pending.size() - hold);
  return out;
}

std::string_view Utf8Streamer::flush() {
  out.swap(pending);
  pending.clear();
  return out;
}

extern "C" {

qcc_status_t qcc_llm_detokenizer_create(const qcc_llm_t *llm,
                                        int32_t skip_special,
                                        qcc_llm_detokenizer_t **out) {
  if (!llm || !out)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "llm or out is null");
  *out = nullptr;
  if (!llm->tokenizer)
    return makeStatus(QCC_STATUS_NOT_FOUND, noTokenizerMessage(llm));
  *out = new (std::nothrow)
      qcc_llm_detokenizer_s{llm->tokenizer.get(), skip_special != 0, {}};
  return *out ? nullptr : makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
}

qcc_status_t qcc_llm_detokenizer_push(qcc_llm_detokenizer_t *d, int32_t token,
                                      const char **out_piece,
                                      size_t *out_length) {
  if (!d || !out_piece || !out_length)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "detokenizer, out_piece or out_length is null");
  *out_piece = "";
  *out_length = 0;
  try {
    std::string bytes = d->tokenizer->decode({token}, d->skipSpecial);
    std::string_view piece = d->streamer.push(bytes);
    *out_piece = piece.data();
    *out_length = piece.size();
  } catch (const std::exception &e) {
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, e.what());
  }
  return nullptr;
}

void qcc_llm_detokenizer_flush(qcc_llm_detokenizer_t *d, const char **out_piece,
                               size_t *out_length) {
  if (!out_piece || !out_length)
    return;
  *out_piece = "";
  *out_length = 0;
  if (!d)
    return;
  std::string_view piece = d->streamer.flush();
  *out_piece = piece.data();
  *out_length = piece.size();
}

void qcc_llm_detokenizer_free(qcc_llm_detokenizer_t *d) { delete d; }

} // extern "C"
