//===- Generate.cpp - qcc-run --prompt: generation with the llm.h API -----===//
#include "Generate.h"

#include "qcc-c/llm.h"

#include <cstdio>

using namespace qcc::run;

namespace {

int fail(qcc_status_t status) {
  std::fprintf(stderr, "qcc-run: error: %s\n", qcc_status_message(status));
  qcc_status_free(status);
  return 2;
}

/// Collects streamed pieces; prints them at once for a single sequence.
struct Stream {
  bool live;
  std::vector<std::string> texts;
  std::vector<std::vector<int32_t>> ids;
};

int32_t onToken(void *user, int32_t sequence, int32_t token, const char *piece,
                size_t length) {
  auto *s = static_cast<Stream *>(user);
  if (token >= 0)
    s->ids[sequence].push_back(token);
  if (s->live) {
    std::fwrite(piece, 1, length, stdout);
    std::fflush(stdout);
  } else {
    s->texts[sequence].append(piece, length);
  }
  return 0;
}

double perSecond(double count, double seconds) {
  return seconds > 0 ? count / seconds : 0;
}

} // namespace

bool qcc::run::applyChatTemplate(const char *modelTemplate,
                                 const std::string &system,
                                 const std::string &prompt, std::string &out,
                                 std::string &error) {
  std::string sys = system;
  if (modelTemplate) {
    std::string t = modelTemplate;
    if (t.find("<|im_start|>") == std::string::npos) {
      error = "the model's chat template is not ChatML (no <|im_start|>); "
              "--chat supports ChatML only";
      return false;
    }
    const std::string open = "<|im_start|>system\n", close = "<|im_end|>";
    size_t at = t.find(open);
    if (sys.empty() && at != std::string::npos) {
      size_t end = t.find(close, at + open.size());
      std::string text = t.substr(at + open.size(), end - at - open.size());
      if (end != std::string::npos && text.find("{{") == std::string::npos &&
          text.find("{%") == std::string::npos &&
          text.find('\'') == std::string::npos)
        sys = text;
    }
  }
  out.clear();
  if (!sys.empty())
    out += "<|im_start|>system\n" + sys + "<|im_end|>\n";
  out += "<|im_start|>user\n" + prompt + "<|im_end|>\n<|im_start|>assistant\n";
  return true;
}

int qcc::run::generate(const GenerateOptions &o) {
  qcc_llm_options_t lo;
  qcc_llm_options_initialize(&lo);
  lo.context_capacity = o.ctx;
  lo.num_sequences = static_cast<int32_t>(o.prompts.size());
  lo.num_threads = o.threads;
  lo.tokenizer_path = o.tokenizer.empty() ? nullptr : o.tokenizer.c_str();
  qcc_llm_t *llm = nullptr;
  if (qcc_status_t st = qcc_llm_open(o.model.c_str(), &lo, &llm))
    return fail(st);
  qcc_llm_info_t info;
  qcc_status_free(qcc_llm_get_info(llm, &info));

  std::vector<std::string> texts;
  std::vector<const char *> prompts;
  for (const std::string &p : o.prompts) {
    std::string text = p, error;
    if (o.chat && !applyChatTemplate(qcc_llm_chat_template(llm), o.system, p,
                                     text, error)) {
      qcc_llm_free(llm);
      std::fprintf(stderr, "qcc-run: error: %s\n", error.c_str());
      return 2;
    }
    texts.push_back(text);
  }
  for (const std::string &t : texts)
    prompts.push_back(t.c_str());

  qcc_llm_sampler_options_t so;
  qcc_llm_sampler_options_initialize(&so);
  so.temperature = static_cast<float>(o.temperature);
  so.top_k = o.topK;
  so.top_p = static_cast<float>(o.topP);
  so.repetition_penalty = static_cast<float>(o.repeatPenalty);
  so.seed = o.seed;
  qcc_llm_generate_options_t go;
  qcc_llm_generate_options_initialize(&go);
  go.max_tokens = o.maxTokens;
  go.skip_special = 1;

  Stream stream{o.prompts.size() == 1,
                std::vector<std::string>(o.prompts.size()),
                std::vector<std::vector<int32_t>>(o.prompts.size())};
  qcc_llm_generate_stats_t stats;
  qcc_status_t st = qcc_llm_generate(llm, prompts.data(),
                                     static_cast<int32_t>(prompts.size()), &so,
                                     &go, onToken, &stream, &stats);
  if (st) {
    qcc_llm_free(llm);
    if (stream.live)
      std::printf("\n");
    return fail(st);
  }
  if (stream.live) {
    std::printf("\n");
  } else {
    for (size_t i = 0; i < stream.texts.size(); ++i)
      std::printf("[sequence %zu] %s\n", i, stream.texts[i].c_str());
  }
  std::fflush(stdout);
  if (o.printIds)
    for (size_t i = 0; i < stream.ids.size(); ++i) {
      std::fprintf(stderr, "ids %zu:", i);
      for (int32_t id : stream.ids[i])
        std::fprintf(stderr, " %d", id);
      std::fprintf(stderr, "\n");
    }
  std::fprintf(stderr,
               "prefill: %lld tokens in %.3f s (%.1f tokens/s)\n"
               "decode: %lld tokens in %d steps, %.3f s (%.1f tokens/s); "
               "%lld tokens generated (%d sequence(s), %d thread(s))\n",
               static_cast<long long>(stats.prompt_tokens),
               stats.prefill_seconds,
               perSecond(stats.prompt_tokens, stats.prefill_seconds),
               static_cast<long long>(stats.decode_tokens), stats.decode_steps,
               stats.decode_seconds,
               perSecond(stats.decode_tokens, stats.decode_seconds),
               static_cast<long long>(stats.generated_tokens),
               info.num_sequences, info.num_threads);
  qcc_llm_free(llm);
  return 0;
}
