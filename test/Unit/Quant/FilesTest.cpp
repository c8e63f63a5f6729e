//===- FilesTest.cpp - statistics and plan files: round trips, corrupt files -===//
#include "qcc/Quant/PlanFile.h"
#include "qcc/Quant/StatsAccumulator.h"
#include "qcc/Quant/StatsFile.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

using namespace qcc::quant;

namespace {

/// A fresh directory under the system temp dir, removed with the object.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/qcc-quant-files-XXXXXX";
    const char *d = mkdtemp(tmpl);
    path = d ? std::string(d) + "/" : std::string("/tmp/");
  }
  ~TempDir() {
    if (path != "/tmp/")
      std::filesystem::remove_all(path);
  }
};

std::string slurp(const std::string &p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void spit(const std::string &p, const std::string &s) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << s;
}

void replaceOnce(std::string &s, const std::string &from, const std::string &to) {
  size_t at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
}

CalibrationStats sampleStats() {
  CalibrationStats st;
  st.model.path = "models/tiny.gguf";
  st.model.arch = "llama";
  st.model.tensors = {{"blk.0.attn_q.weight", {8, 4}}, {"blk.0.attn_k.weight", {4, 4}},
                      {"blk.0.ffn_down.weight", {4, 6}}};
  st.source = "sotu/train.txt";
  st.samples = 4;
  st.seqLen = 16;
  auto layer = [](int64_t out, int64_t in, float base) {
    LayerStats l;
    l.inFeatures = in;
    l.outFeatures = out;
    l.rows = 64;
    for (int64_t j = 0; j < in; ++j) {
      l.absMax.push_back(base + 0.1f * static_cast<float>(j));
      l.meanAbs.push_back(0.3f * base + 0.01f * static_cast<float>(j));
      l.p999.push_back(0.9f * base + 0.1f * static_cast<float>(j));
    }
    for (int64_t i = 0; i < in * in; ++i)
      l.xtx.push_back(1.0 / 3.0 + static_cast<double>(i));
    l.sampleRows = 2;
    for (int64_t i = 0; i < 2 * in; ++i)
      l.samples.push_back(0.5f * static_cast<float>(i) - 1.0f);
    l.sensitivity["int4_g128_asym"].hessian = 0.125;
    l.sensitivity["int4_g128_asym"].kl = 1e-3;
    l.sensitivity["w8a8"].hessian = 1e-5;
    return l;
  };
  st.layers["blk.0.attn_q.weight"] = layer(8, 4, 1.0f);
  st.layers["blk.0.attn_k.weight"] = layer(4, 4, 1.0f); // same input as q: stored once
  st.layers["blk.0.ffn_down.weight"] = layer(4, 6, 2.5f);
  st.layers["blk.0.ffn_down.weight"].p999.clear();
  return st;
}

void expectSame(const CalibrationStats &a, const CalibrationStats &b) {
  EXPECT_EQ(a.model.digest(), b.model.digest());
  EXPECT_EQ(a.model.path, b.model.path);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.samples, b.samples);
  EXPECT_EQ(a.seqLen, b.seqLen);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (const auto &[name, l] : a.layers) {
    const LayerStats &m = b.layers.at(name);
    EXPECT_EQ(l.inFeatures, m.inFeatures);
    EXPECT_EQ(l.outFeatures, m.outFeatures);
    EXPECT_EQ(l.rows, m.rows);
    EXPECT_EQ(l.absMax, m.absMax) << name;
    EXPECT_EQ(l.meanAbs, m.meanAbs) << name;
    EXPECT_EQ(l.p999, m.p999) << name;
    EXPECT_EQ(l.xtx, m.xtx) << name;
    EXPECT_EQ(l.sampleRows, m.sampleRows);
    EXPECT_EQ(l.samples, m.samples);
    ASSERT_EQ(l.sensitivity.size(), m.sensitivity.size());
    for (const auto &[s, v] : l.sensitivity) {
      EXPECT_EQ(v.hessian, m.sensitivity.at(s).hessian);
      EXPECT_EQ(v.kl, m.sensitivity.at(s).kl);
    }
  }
}

} // namespace

TEST(StatsFile, RoundTripAndDedup) {
  TempDir tmp;
  std::string dir = tmp.path, path = dir + "stats.json", err;
  CalibrationStats st = sampleStats();
  ASSERT_TRUE(writeStats(st, path, err)) << err;
  auto back = readStats(path, err);
  ASSERT_TRUE(back) << err;
  expectSame(st, *back);
  // q and k share X^T X and samples: stored once. 4x4 f64 + 2x4 f32 + 6x6 f64 + 2x6 f32.
  EXPECT_EQ(slurp(path + ".bin").size(), 128u + 32u + 288u + 48u);
  // Writing what was read gives the same files.
  std::string again = dir + "again.json";
  ASSERT_TRUE(writeStats(*back, again, err)) << err;
  EXPECT_EQ(slurp(again + ".bin"), slurp(path + ".bin"));
}

TEST(StatsFile, WriterRefusesLayersOutsideTheModel) {
  TempDir tmp;
  CalibrationStats st = sampleStats();
  st.layers["output.weight"] = st.layers["blk.0.attn_k.weight"];
  std::string err;
  EXPECT_FALSE(writeStats(st, tmp.path + "s.json", err));
  EXPECT_NE(err.find("layer 'output.weight' is not a [4, 4] tensor of the model"), std::string::npos) << err;
}

TEST(StatsFile, NonUtf8NamesAreAnErrorNotACrash) {
  TempDir tmp;
  CalibrationStats st = sampleStats();
  st.model.path = "bad\xff\xfe";
  std::string err;
  EXPECT_FALSE(writeStats(st, tmp.path + "s.json", err));
  EXPECT_NE(err.find("cannot write"), std::string::npos) << err;
  QuantPlan p;
  p.layers.push_back({"bad\xc3", *Scheme::parse("w8a8"), Method::RTN, std::nullopt, 0, 0, std::nullopt});
  EXPECT_FALSE(writePlan(p, tmp.path + "p.json", err));
  EXPECT_NE(err.find("cannot write"), std::string::npos) << err;
}

TEST(StatsFile, ModelCheck) {
  CalibrationStats st = sampleStats();
  std::string err;
  EXPECT_TRUE(checkStatsModel(st, st.model, "s.json", err));
  ModelFingerprint other = st.model;
  other.tensors[2].shape = {4, 7};
  EXPECT_FALSE(checkStatsModel(st, other, "s.json", err));
  EXPECT_NE(err.find("s.json: "), std::string::npos) << err;
  EXPECT_NE(err.find("'blk.0.ffn_down.weight' has another shape"), std::string::npos) << err;
}

TEST(StatsFile, Merge) {
  CalibrationStats base = sampleStats(), upd = sampleStats();
  upd.layers.erase("blk.0.attn_q.weight");
  upd.layers.erase("blk.0.ffn_down.weight");
  LayerStats &k = upd.layers["blk.0.attn_k.weight"];
  k.absMax.clear(); // sensitivity-only update
  k.sensitivity.clear();
  k.sensitivity["int4_g128_asym"].kl = 0.5;
  k.sensitivity["nf4_g64"].hessian = 2.0;
  std::string err;
  ASSERT_TRUE(mergeStats(base, upd, err)) << err;
  const LayerStats &m = base.layers.at("blk.0.attn_k.weight");
  EXPECT_EQ(m.absMax.size(), 4u);
  EXPECT_EQ(m.sensitivity.at("int4_g128_asym").hessian, 0.125);
  EXPECT_EQ(m.sensitivity.at("int4_g128_asym").kl, 0.5);
  EXPECT_EQ(m.sensitivity.at("nf4_g64").hessian, 2.0);
  EXPECT_EQ(base.layers.size(), 3u);
  upd.seqLen = 99;
  EXPECT_FALSE(mergeStats(base, upd, err));
}

/// Each corruption gives one line naming the file and the place.
TEST(StatsFile, CorruptFiles) {
  TempDir tmp;
  std::string dir = tmp.path, path = dir + "stats.json", err;
  ASSERT_TRUE(writeStats(sampleStats(), path, err)) << err;
  const std::string json = slurp(path), blob = slurp(path + ".bin");
  auto expectError = [&](const std::string &what) {
    auto r = readStats(path, err);
    EXPECT_FALSE(r) << what;
    EXPECT_EQ(err.rfind(path + ":", 0), 0u) << err;
    EXPECT_NE(err.find(what), std::string::npos) << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    spit(path, json);
    spit(path + ".bin", blob);
  };
  spit(path + ".bin", blob.substr(0, blob.size() - 8));
  expectError("(truncated?)");
  { // same size, one byte changed inside ffn_down's X^T X
    std::string b = blob;
    b[200] ^= 0x40;
    spit(path + ".bin", b);
    expectError("layer 'blk.0.ffn_down.weight': key 'xtx': checksum mismatch");
  }
  { // the JSON claims a shorter blob: an array runs past the end
    std::string j = json;
    replaceOnce(j, "\"bytes\": 496", "\"bytes\": 400");
    spit(path, j);
    spit(path + ".bin", blob.substr(0, 400));
    expectError("needs bytes [");
  }
  spit(path, json.substr(0, json.size() / 2));
  expectError("invalid JSON");
  std::remove((path + ".bin").c_str());
  expectError("blob: ");
  {
    std::string j = json;
    replaceOnce(j, "\"w8a8\"", "\"int9_g1_sym\"");
    spit(path, j);
    expectError("sensitivity 'int9_g1_sym': unknown scheme name");
  }
  {
    std::string j = json;
    replaceOnce(j, "\"mean_abs\"", "\"mean_abs_typo\"");
    spit(path, j);
    expectError("layer 'blk.0.attn_k.weight': missing key 'mean_abs'");
  }
  {
    std::string j = json;
    replaceOnce(j, "\"in_features\": 4", "\"in_features\": 5");
    spit(path, j);
    expectError("layer 'blk.0.attn_k.weight': in_features/out_features do not match the tensor's shape");
  }
  {
    std::string j = json;
    replaceOnce(j, "\"absmax\": [\n    1.0,\n", "\"absmax\": [\n");
    spit(path, j);
    expectError("layer 'blk.0.attn_k.weight': key 'absmax' must be an array of 4 numbers");
  }
  {
    std::string j = json;
    replaceOnce(j, "[\n     8,", "[\n     9,"); // the first tensor shape
    spit(path, j);
    expectError("model: key 'digest' does not match");
  }
  {
    std::string j = json;
    replaceOnce(j, "qcc-calibration-stats", "something-else");
    spit(path, j);
    expectError("not a calibration statistics file");
  }
  {
    std::string j = json;
    replaceOnce(j, "\"blk.0.attn_k.weight\": {", "\"blk.0.attn_z.weight\": {");
    spit(path, j);
    expectError("layer 'blk.0.attn_z.weight': unknown layer: not a tensor of the model");
  }
  spit(path, "[1, 2]");
  expectError("not a calibration statistics file");
  std::remove(path.c_str());
  EXPECT_FALSE(readStats(path, err));
  EXPECT_NE(err.find("cannot open"), std::string::npos) << err;
}

namespace {
QuantPlan samplePlan() {
  QuantPlan p;
  p.modelPath = "models/tiny.gguf";
  p.modelDigest = "fnv1a64:0123456789abcdef";
  PlanEntry q{"blk.0.attn_q.weight", *Scheme::parse("int4_g32_asym"), Method::GPTQ, std::nullopt,
              8, 64, 0.25};
  PlanEntry k{"blk.0.attn_k.weight", *Scheme::parse("w8a8"), Method::RTN, 0.55, 4, 64, 0.01};
  PlanEntry d{"blk.0.ffn_down.weight", *Scheme::parse("nf4_g64"), Method::AWQ, std::nullopt, 4, 128,
              std::nullopt};
  p.layers = {q, k, d};
  return p;
}
std::vector<ModelLayer> sampleModel() {
  return {{"blk.0.attn_q.weight", 8, 64}, {"blk.0.attn_k.weight", 4, 64},
          {"blk.0.ffn_down.weight", 4, 128}};
}
} // namespace

TEST(PlanFile, RoundTripAndResolve) {
  TempDir tmp;
  std::string path = tmp.path + "plan.json", err;
  QuantPlan p = samplePlan();
  ASSERT_TRUE(writePlan(p, path, err)) << err;
  std::string text = slurp(path);
  EXPECT_NE(text.find("\"scheme\": \"int4_g32_asym\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"size_bits\": " + std::to_string(8 * 64 * 4 + 8 * 2 * 32 + 4 * 64 * 8 +
                                                          4 * 16 + 4 * 128 * 4 + 4 * 2 * 16)),
            std::string::npos)
      << text;
  auto back = readPlan(path, err);
  ASSERT_TRUE(back) << err;
  ASSERT_EQ(back->layers.size(), 3u);
  EXPECT_EQ(back->modelDigest, p.modelDigest);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back->layers[i].layer, p.layers[i].layer); // model order kept
    EXPECT_EQ(back->layers[i].scheme, p.layers[i].scheme);
    EXPECT_EQ(back->layers[i].method, p.layers[i].method);
    EXPECT_EQ(back->layers[i].smoothQuantAlpha, p.layers[i].smoothQuantAlpha);
  }
  auto resolved = resolvePlan(*back, sampleModel(), p.modelDigest, path, err);
  ASSERT_TRUE(resolved) << err;
  EXPECT_EQ((*resolved)[2].inFeatures, 128);
  EXPECT_FALSE(resolvePlan(*back, sampleModel(), "fnv1a64:ffff", path, err));
  EXPECT_NE(err.find("another model"), std::string::npos) << err;
}

TEST(PlanFile, ValidationAgainstTheModel) {
  std::string path = "plan.json", err;
  QuantPlan p = samplePlan();
  auto model = sampleModel();
  model.pop_back(); // the plan names a layer the model lacks
  EXPECT_FALSE(resolvePlan(p, model, "", path, err));
  EXPECT_NE(err.find("plan.json: layer 'blk.0.ffn_down.weight' is not a linear layer"),
            std::string::npos) << err;
  model = sampleModel();
  model.push_back({"output.weight", 100, 64});
  EXPECT_FALSE(resolvePlan(p, model, "", path, err));
  EXPECT_NE(err.find("1 layer(s) of the model are missing, 'output.weight' first"),
            std::string::npos) << err;
  p.defaultScheme = *Scheme::parse("int8_pc_sym");
  auto r = resolvePlan(p, model, "", path, err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->back().scheme.name(), "int8_pc_sym");
  p.layers[0].scheme = *Scheme::parse("int4_g48_asym"); // a partial last group is fine
  EXPECT_TRUE(resolvePlan(p, model, "", path, err)) << err;
  p.layers[0].scheme = *Scheme::parse("int7_g32_asym");
  EXPECT_FALSE(resolvePlan(p, model, "", path, err));
  EXPECT_NE(err.find("layer 'blk.0.attn_q.weight': scheme int7_g32_asym cannot quantize its weight "
                     "[8, 64]: the runtime kernels support uniform 2, 3, 4, 5, 6 and 8 bits"),
            std::string::npos) << err;
}

TEST(PlanFile, HandEditErrors) {
  TempDir tmp;
  std::string path = tmp.path + "plan.json", err;
  ASSERT_TRUE(writePlan(samplePlan(), path, err)) << err;
  const std::string good = slurp(path);
  auto expectError = [&](const std::string &from, const std::string &to, const std::string &what) {
    std::string j = good;
    replaceOnce(j, from, to);
    spit(path, j);
    EXPECT_FALSE(readPlan(path, err)) << what;
    EXPECT_EQ(err.rfind(path + ":", 0), 0u) << err;
    EXPECT_NE(err.find(what), std::string::npos) << err;
  };
  expectError("\"int4_g32_asym\"", "\"int4_g32\"",
              "layer 'blk.0.attn_q.weight': unknown scheme 'int4_g32' (expected e.g.");
  expectError("\"gptq\"", "\"gtpq\"", "layer 'blk.0.attn_q.weight': unknown method 'gtpq'");
  expectError("\"w8a8\"", "\"int8_pc_sym\"",
              "layer 'blk.0.attn_k.weight': smoothquant_alpha is only meaningful with scheme w8a8");
  expectError("\"smoothquant_alpha\": 0.55", "\"smoothquant_alpha\": 1.5", "must be in [0, 1]");
  expectError("\"nf4_g64\"", "\"f16\"", "method awq needs a quantized scheme");
  expectError("\"method\": \"gptq\"", "\"methd\": \"gptq\"", "unknown key 'methd'");
  expectError("\"layers\": {", "\"layers\": {,", "invalid JSON");
  expectError("qcc-quant-plan", "qcc-plan", "not a quantization plan");
  std::string j = good;
  replaceOnce(j, "\"layers\": {", "\"default\": \"int5\",\n  \"layers\": {");
  spit(path, j);
  EXPECT_FALSE(readPlan(path, err));
  EXPECT_NE(err.find("key 'default': unknown scheme 'int5'"), std::string::npos) << err;
}

/// APPLY's extensions: "smoothquant": true, default_method, default_smoothquant.
TEST(PlanFile, SmoothQuantSearchAndDefaultMethod) {
  TempDir tmp;
  std::string path = tmp.path + "plan.json", err;
  QuantPlan p = samplePlan();
  p.layers[1].smoothQuantAlpha.reset();
  p.layers[1].smoothQuant = true;
  p.defaultScheme = *Scheme::parse("w8a8");
  p.defaultMethod = Method::GPTQ;
  p.defaultSmoothQuant = true;
  ASSERT_TRUE(writePlan(p, path, err)) << err;
  std::string text = slurp(path);
  EXPECT_NE(text.find("\"smoothquant\": true"), std::string::npos) << text;
  EXPECT_NE(text.find("\"default_method\": \"gptq\""), std::string::npos) << text;
  auto back = readPlan(path, err);
  ASSERT_TRUE(back) << err;
  EXPECT_TRUE(back->layers[1].smoothQuant);
  EXPECT_TRUE(back->layers[1].smoothed());
  EXPECT_FALSE(back->layers[0].smoothed());
  EXPECT_EQ(back->defaultMethod, Method::GPTQ);
  EXPECT_TRUE(back->defaultSmoothQuant);
  auto model = sampleModel();
  model.push_back({"output.weight", 100, 64});
  auto r = resolvePlan(*back, model, "", path, err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->back().method, Method::GPTQ);
  EXPECT_TRUE(r->back().smoothQuant);
  const std::string good = text;
  auto expectError = [&](const std::string &from, const std::string &to, const std::string &what) {
    std::string j = good;
    replaceOnce(j, from, to);
    spit(path, j);
    EXPECT_FALSE(readPlan(path, err)) << what;
    EXPECT_NE(err.find(what), std::string::npos) << err;
  };
  expectError("\"smoothquant\": true", "\"smoothquant\": 1", "key 'smoothquant' must be true or false");
  expectError("\"smoothquant\": true", "\"smoothquant\": true, \"smoothquant_alpha\": 0.5", "not both");
  expectError("\"scheme\": \"w8a8\"", "\"scheme\": \"int8_pc_sym\"",
              "smoothquant is only meaningful with scheme w8a8");
  expectError("\"default_method\": \"gptq\"", "\"default_method\": \"gpt\"",
              "key 'default_method': unknown method 'gpt'");
  expectError("\"default\": \"w8a8\"", "\"default\": \"int4\"",
              "default: smoothquant is only meaningful with scheme w8a8");
}

/// The accumulator against direct computations over all rows.
TEST(StatsAccumulator, MatchesDirectStatistics) {
  const int64_t k = 12, rows = 3001;
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(rows * k));
  for (auto &v : x)
    v = nd(rng) * 2.0f;
  StatsAccumulator acc(k, 5, rows, 4);
  for (int64_t r0 = 0; r0 < rows; r0 += 500) // uneven batches
    acc.addRows(x.data() + r0 * k, std::min<int64_t>(500, rows - r0));
  EXPECT_TRUE(acc.p999Exact());
  LayerStats l = acc.finish();
  EXPECT_EQ(l.rows, static_cast<uint64_t>(rows));
  ASSERT_EQ(l.sampleRows, 4);
  EXPECT_TRUE(std::equal(l.samples.begin(), l.samples.end(), x.begin()));
  for (int64_t j = 0; j < k; ++j) {
    std::vector<float> col;
    double sum = 0;
    for (int64_t r = 0; r < rows; ++r) {
      col.push_back(std::fabs(x[r * k + j]));
      sum += std::fabs(x[r * k + j]);
    }
    std::sort(col.begin(), col.end());
    EXPECT_EQ(l.absMax[j], col.back());
    EXPECT_FLOAT_EQ(l.meanAbs[j], static_cast<float>(sum / rows));
    // Nearest rank: ceil(0.999 * 3001) = 2998 -> col[2997].
    EXPECT_EQ(l.p999[j], col[2997]) << j;
    for (int64_t i = 0; i < k; ++i) {
      double s = 0;
      for (int64_t r = 0; r < rows; ++r)
        s += static_cast<double>(x[r * k + i]) * x[r * k + j];
      EXPECT_NEAR(l.xtx[i * k + j], s, 1e-9 * std::fabs(s) + 1e-9);
    }
  }
  // The result is writable as is.
  TempDir tmp;
  CalibrationStats st;
  st.model.arch = "test";
  st.model.tensors = {{"lin.weight", {5, k}}};
  st.layers["lin.weight"] = l;
  std::string err;
  ASSERT_TRUE(writeStats(st, tmp.path + "s.json", err)) << err;
  auto back = readStats(tmp.path + "s.json", err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->layers.at("lin.weight").p999, l.p999);
}
