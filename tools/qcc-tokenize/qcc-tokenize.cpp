//===- qcc-tokenize.cpp - Encode text to token ids or decode ids ----------===//
//
//   qcc-tokenize --tokenizer tokenizer.json --text "Hello world"
//   qcc-tokenize --tokenizer tokenizer.json --file a.txt [--file b.txt] [--lines]
//   qcc-tokenize --tokenizer tokenizer.json --decode "9906 1917"
//   qcc-tokenize --bpe-arrays arrays.json --text "..."
//
// --bpe-arrays loads a JSON object with the GGUF tokenizer metadata arrays
// ({"tokens": [...], "merges": [...], "token_type": [...], "pre": "smollm",
// "bos_token_id": 1, "eos_token_id": 2, "add_bos_token": false}) through
// Tokenizer::fromBpeArrays, the constructor the GGUF importer uses; it lets
// tests check that path on a real vocabulary without a GGUF reader here.
//
// Prints one line of space-separated ids per input (per line with --lines).
// --no-special leaves out BOS/[CLS]/[SEP]; --skip-special drops special
// tokens when decoding; --time prints "BYTES SECONDS" of pure encoding to
// stderr (for benchmarks/tokenizer).
//
//===----------------------------------------------------------------------===//
#include "qcc/Tokenizer/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

using qcc::tokenizer::Tokenizer;
using qcc::tokenizer::TokenizerError;

namespace {
int usage() {
  std::cerr << "usage: qcc-tokenize (--tokenizer FILE | --bpe-arrays FILE) (--text STR | --file PATH... [--lines] | "
               "--decode \"ID ...\") [--no-special] [--skip-special] [--time]\n";
  return 2;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw TokenizerError(path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void printIds(const std::vector<int32_t> &ids, std::string &out) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i)
      out.push_back(' ');
    out += std::to_string(ids[i]);
  }
  out.push_back('\n');
}

/// Reads the --bpe-arrays JSON into BpeArrays (see the file comment).
std::unique_ptr<Tokenizer> loadBpeArrays(const std::string &path) {
  qcc::tokenizer::BpeArrays a;
  a.source = path;
  try {
    nlohmann::json j = nlohmann::json::parse(readFile(path));
    a.tokens = j.at("tokens").get<std::vector<std::string>>();
    a.merges = j.value("merges", std::vector<std::string>{});
    a.tokenTypes = j.value("token_type", std::vector<int32_t>{});
    a.pre = j.value("pre", std::string("gpt2"));
    a.bosId = j.value("bos_token_id", -1);
    a.eosId = j.value("eos_token_id", -1);
    a.addBos = j.value("add_bos_token", false);
  } catch (const nlohmann::json::exception &e) {
    throw TokenizerError(path + ": " + e.what());
  }
  return Tokenizer::fromBpeArrays(a);
}

std::vector<int32_t> parseIds(const std::string &s) {
  std::vector<int32_t> ids;
  std::istringstream in(s);
  std::string word;
  while (in >> word) {
    char *end = nullptr;
    long v = std::strtol(word.c_str(), &end, 10);
    if (*end != '\0' || v < INT32_MIN || v > INT32_MAX)
      throw TokenizerError("--decode: '" + word + "' is not an integer token id");
    ids.push_back(int32_t(v));
  }
  return ids;
}
} // namespace

int main(int argc, char **argv) {
  std::string tokPath, arraysPath, text, decodeIds;
  std::vector<std::string> files;
  bool haveText = false, haveDecode = false, lines = false, special = true, skipSpecial = false,
       time = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
    const char *v = nullptr;
    if (a == "--tokenizer" && (v = value())) tokPath = v;
    else if (a == "--bpe-arrays" && (v = value())) arraysPath = v;
    else if (a == "--text" && (v = value())) { text = v; haveText = true; }
    else if (a == "--file" && (v = value())) files.push_back(v);
    else if (a == "--decode" && (v = value())) { decodeIds = v; haveDecode = true; }
    else if (a == "--lines") lines = true;
    else if (a == "--no-special") special = false;
    else if (a == "--skip-special") skipSpecial = true;
    else if (a == "--time") time = true;
    else return usage();
  }
  if (tokPath.empty() == arraysPath.empty() || (haveText + haveDecode + !files.empty()) != 1)
    return usage();
  try {
    std::unique_ptr<Tokenizer> tok =
        tokPath.empty() ? loadBpeArrays(arraysPath) : Tokenizer::fromJsonFile(tokPath);
    if (haveDecode) {
      std::string s = tok->decode(parseIds(decodeIds), skipSpecial);
      std::fwrite(s.data(), 1, s.size(), stdout);
      return 0;
    }
    std::vector<std::string> inputs;
    if (haveText)
      inputs.push_back(text);
    for (const std::string &f : files)
      inputs.push_back(readFile(f));
    std::string out;
    size_t bytes = 0;
    auto start = std::chrono::steady_clock::now();
    for (const std::string &doc : inputs) {
      bytes += doc.size();
      if (!lines) {
        printIds(tok->encode(doc, special), out);
        continue;
      }
      size_t pos = 0;
      while (pos < doc.size()) {
        size_t nl = doc.find('\n', pos);
        if (nl == std::string::npos)
          nl = doc.size();
        printIds(tok->encode(std::string_view(doc).substr(pos, nl - pos), special), out);
        pos = nl + 1;
      }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (time)
      std::fprintf(stderr, "%zu %.6f\n", bytes, secs);
    return 0;
  } catch (const TokenizerError &e) {
    std::fprintf(stderr, "qcc-tokenize: error: %s\n", e.what());
    return 1;
  }
}
