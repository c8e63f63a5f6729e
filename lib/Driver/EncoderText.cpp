//===- EncoderText.cpp - sentences, batches and runs of an encoder model.so -===//
#include "EncoderText.h"
#include "StageUtil.h"

#include "qcc/Tokenizer/Tokenizer.h"

#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace qcc {
using namespace qcc::stage;

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// A letter or digit: ASCII alphanumeric or any byte of a non-ASCII character.
bool hasWordChar(llvm::StringRef s) {
  return llvm::any_of(s, [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') ||
           (u >= 'A' && u <= 'Z');
  });
}

/// Up to \p count of \p from, every k-th from the first, k = max(1, size / count).
std::vector<size_t> everyKth(const std::vector<size_t> &from, int64_t count) {
  std::vector<size_t> out;
  if (count <= 0 || from.empty())
    return out;
  size_t take = std::min(from.size(), static_cast<size_t>(count));
  size_t step = std::max<size_t>(1, from.size() / take);
  for (size_t i = 0; i < take; ++i)
    out.push_back(from[i * step]);
  return out;
}

} // namespace

std::vector<std::string> splitSentences(llvm::StringRef text) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    if (hasWordChar(current))
      out.push_back(current);
    current.clear();
  };
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n');
  for (llvm::StringRef line : lines) {
    size_t i = 0, n = line.size();
    bool blank = true;
    while (i < n) {
      while (i < n && isSpace(line[i]))
        ++i;
      size_t start = i;
      while (i < n && !isSpace(line[i]))
        ++i;
      if (i == start)
        break;
      blank = false;
      llvm::StringRef word = line.slice(start, i);
      if (!current.empty())
        current += ' ';
      current += word.str();
      if (word.back() == '.' || word.back() == '!' || word.back() == '?')
        flush();
    }
    if (blank) // a blank line ends the paragraph
      flush();
  }
  flush();
  return out;
}

std::vector<size_t> calibrationSentences(size_t n, int64_t count) {
  std::vector<size_t> all(n);
  for (size_t i = 0; i < n; ++i)
    all[i] = i;
  return everyKth(all, count);
}

std::vector<size_t> heldOutSentences(size_t n, int64_t calibCount, HeldOut half, int64_t count) {
  std::vector<size_t> calib = calibrationSentences(n, calibCount);
  std::set<size_t> used(calib.begin(), calib.end());
  std::vector<size_t> mine;
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (used.count(i))
      continue;
    if ((k++ % 2 == 0) == (half == HeldOut::Sensitivity))
      mine.push_back(i);
  }
  return everyKth(mine, count);
}

std::string readSentences(const std::string &textPath, const std::string &what,
                          std::vector<std::string> &out) {
  auto buffer = llvm::MemoryBuffer::getFile(textPath, /*IsText=*/false);
  if (!buffer)
    return "cannot read " + what + " '" + textPath + "': " + buffer.getError().message();
  out = splitSentences((*buffer)->getBuffer());
  if (out.empty())
    return what + " '" + textPath +
           "' has no sentences (no letters or digits outside whitespace and punctuation)";
  return "";
}

std::string tokenizeSentences(const std::vector<std::string> &sentences,
                              const std::vector<size_t> &pick, const std::string &tokenizerPath,
                              int64_t vocab, int64_t maxTokens, const std::string &textPath,
                              const std::string &modelPath, EncoderSentences &out) {
  std::unique_ptr<tokenizer::Tokenizer> tok;
  try {
    tok = tokenizer::Tokenizer::fromJsonFile(tokenizerPath);
  } catch (const std::exception &e) {
    return "cannot load the tokenizer of '" + modelPath + "': " + e.what();
  }
  out.sentencesInText = static_cast<int64_t>(sentences.size());
  for (size_t index : pick) {
    std::vector<int32_t> ids;
    try {
      ids = tok->encode(sentences[index], /*addSpecial=*/true);
    } catch (const std::exception &e) {
      return "cannot tokenize '" + textPath + "': " + e.what();
    }
    for (int32_t id : ids)
      if (vocab > 0 && (id < 0 || id >= vocab))
        return "the tokenizer '" + tokenizerPath + "' gives id " + std::to_string(id) +
               " for sentence " + std::to_string(index + 1) + " of '" + textPath +
               "', outside the vocabulary of '" + modelPath + "' (" + std::to_string(vocab) +
               " ids)";
    if (static_cast<int64_t>(ids.size()) > maxTokens) {
      int32_t last = ids.back(); // [SEP]
      ids.resize(static_cast<size_t>(maxTokens));
      if (maxTokens >= 2)
        ids.back() = last;
      ++out.truncated;
    }
    out.maxLength = std::max<int64_t>(out.maxLength, static_cast<int64_t>(ids.size()));
    out.ids.push_back(std::move(ids));
  }
  return "";
}

double cosineLoss(const float *a, const float *b, int64_t n) {
  double na = 0, nb = 0;
  for (int64_t i = 0; i < n; ++i) {
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  if (na == 0 || nb == 0)
    return 0;
  double ia = 1 / std::sqrt(na), ib = 1 / std::sqrt(nb), d = 0;
  for (int64_t i = 0; i < n; ++i) {
    double e = a[i] * ia - b[i] * ib;
    d += e * e;
  }
  return d / 2;
}

std::vector<EncoderBatch> groupByLength(const std::vector<std::vector<int32_t>> &ids,
                                        int64_t maxTokens) {
  std::map<int64_t, std::vector<size_t>> byLength;
  for (size_t i = 0; i < ids.size(); ++i)
    byLength[static_cast<int64_t>(ids[i].size())].push_back(i);
  std::vector<EncoderBatch> batches;
  for (const auto &[len, members] : byLength) {
    size_t per = static_cast<size_t>(std::max<int64_t>(1, maxTokens / std::max<int64_t>(len, 1)));
    for (size_t i = 0; i < members.size(); i += per)
      batches.push_back({len, std::vector<size_t>(members.begin() + i,
                                                  members.begin() +
                                                      std::min(members.size(), i + per))});
  }
  return batches;
}

EncoderRunner::~EncoderRunner() {
  qcc_context_free(context_);
  qcc_model_free(model_);
}

std::string EncoderRunner::open(const std::string &soPath, int64_t outputs) {
  if (std::string e = statusText(qcc_model_open(soPath.c_str(), nullptr, &model_)); !e.empty())
    return e;
  if (std::string e = statusText(qcc_context_create(nullptr, &context_)); !e.empty())
    return e;
  const char *names[3] = {"input_ids", "attention_mask", "token_type_ids"};
  if (qcc_model_input_count(model_) != 3 ||
      (outputs > 0 && qcc_model_output_count(model_) != static_cast<size_t>(outputs)))
    return "'" + soPath + "' does not have the encoder interface (3 inputs" +
           (outputs > 0 ? ", " + std::to_string(outputs) + " outputs" : std::string()) + ")";
  for (int i = 0; i < 3; ++i)
    if ((order_[i] = qcc_model_find_input(model_, names[i])) < 0)
      return "'" + soPath + "' has no input '" + names[i] + "'";
  return "";
}

int64_t EncoderRunner::findOutput(const char *name) const {
  for (size_t i = 0; i < qcc_model_output_count(model_); ++i) {
    qcc_value_info_t info;
    if (statusText(qcc_model_output_info(model_, i, &info)).empty() && info.name &&
        std::strcmp(info.name, name) == 0)
      return static_cast<int64_t>(i);
  }
  return -1;
}

int64_t EncoderRunner::numOutputs() const {
  return static_cast<int64_t>(qcc_model_output_count(model_));
}

int32_t EncoderRunner::numThreads() const { return qcc_context_num_threads(context_); }

std::string EncoderRunner::run(const EncoderSentences &sentences, const EncoderBatch &batch,
                               int64_t output, std::vector<float> *values, int64_t *width) {
  int64_t b = static_cast<int64_t>(batch.members.size()), s = batch.length;
  std::vector<int64_t> ids;
  ids.reserve(static_cast<size_t>(b * s));
  for (size_t m : batch.members)
    ids.insert(ids.end(), sentences.ids[m].begin(), sentences.ids[m].end());
  std::vector<int64_t> mask(ids.size(), 1), types(ids.size(), 0);
  int64_t shape[2] = {b, s};
  size_t bytes = ids.size() * sizeof(int64_t);
  int64_t *data[3] = {ids.data(), mask.data(), types.data()};
  qcc_tensor_t *inputs[3] = {nullptr, nullptr, nullptr};
  size_t numOut = qcc_model_output_count(model_);
  std::vector<qcc_tensor_t *> outputs(numOut, nullptr);
  std::string error;
  for (int i = 0; i < 3 && error.empty(); ++i)
    error = statusText(qcc_tensor_wrap(QCC_ELEMENT_TYPE_I64, 2, shape, data[i], bytes,
                                       &inputs[order_[i]]));
  if (error.empty())
    error = statusText(qcc_model_run(model_, context_, inputs, 3, outputs.data(), numOut));
  if (error.empty() && output >= 0) {
    qcc_tensor_t *t = outputs[static_cast<size_t>(output)];
    int32_t rank = qcc_tensor_rank(t);
    if (qcc_tensor_element_type(t) != QCC_ELEMENT_TYPE_F32 || rank < 1) {
      error = "output " + std::to_string(output) + " is not an f32 tensor of rank >= 1";
    } else {
      const float *p = static_cast<const float *>(qcc_tensor_data(t));
      values->assign(p, p + qcc_tensor_element_count(t));
      *width = qcc_tensor_shape(t)[rank - 1];
    }
  }
  for (qcc_tensor_t *t : inputs)
    qcc_tensor_free(t);
  for (qcc_tensor_t *t : outputs)
    qcc_tensor_free(t);
  return error;
}

} // namespace qcc
