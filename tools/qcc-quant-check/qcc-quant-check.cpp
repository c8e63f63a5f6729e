//===- qcc-quant-check.cpp - run a QccQuant algorithm on .npy files --------===//
//
//   qcc-quant-check rtn         --scheme S --w W.npy --out DIR
//   qcc-quant-check gptq        --scheme S --w W.npy --h H.npy [--act-order] [--block B] [--damp F] --out DIR
//   qcc-quant-check awq         --scheme S --w W.npy --h XTX.npy --mean-abs M.npy [--grid G] --out DIR
//   qcc-quant-check smoothquant --w W.npy --x X.npy --act-max A.npy [--grid G] --out DIR
//   qcc-quant-check sensitivity --scheme S --w W.npy --h H.npy --out DIR
//   qcc-quant-check knapsack-bench [--groups N] [--options M] [--repeat R]
//
// W is f32 [n, k], H / XTX f64 [k, k], M / A f32 [k], X f32 [m, k]. Writes
// DIR/codes.npy (u8 [n, k]), scales.npy and mins.npy (f32 [n, k/group]),
// dequant.npy (f32 [n, k]), awq_scales.npy / smooth_scales.npy (f32 [k]) and
// DIR/result.json (losses, alphas). Errors: one line, exit code 1.
//===----------------------------------------------------------------------===//
#include "Npy.h"

#include "qcc/Quant/Awq.h"
#include "qcc/Quant/Gptq.h"
#include "qcc/Quant/Knapsack.h"
#include "qcc/Quant/Sensitivity.h"
#include "qcc/Quant/SmoothQuant.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>

using namespace qcc::quant;
namespace npy = qcc::npy;

namespace {

[[noreturn]] void die(const std::string &msg) {
  std::fprintf(stderr, "qcc-quant-check: error: %s\n", msg.c_str());
  std::exit(1);
}

/// --key value options and --flags.
struct Args {
  std::map<std::string, std::string> kv;
  bool has(const std::string &k) const { return kv.count(k) != 0; }
  std::string get(const std::string &k) const {
    auto it = kv.find(k);
    if (it == kv.end())
      die("missing option --" + k);
    return it->second;
  }
  double num(const std::string &k, double dflt) const {
    if (!has(k))
      return dflt;
    char *end = nullptr;
    std::string v = kv.at(k);
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end)
      die("option --" + k + ": '" + v + "' is not a number");
    return d;
  }
};

/// Reads a .npy of \p type with \p rank dimensions.
npy::Array load(const std::string &path, qcc_element_type_t type, size_t rank) {
  npy::Array a;
  std::string err;
  if (!npy::readFile(path, a, err))
    die(err);
  if (a.elementType != type)
    die(path + ": dtype must be " + npy::dtypeDescr(type) + ", got " + npy::dtypeDescr(a.elementType));
  if (a.shape.size() != rank)
    die(path + ": expected " + std::to_string(rank) + " dimensions, got " +
        std::to_string(a.shape.size()));
  return a;
}

void save(const std::string &dir, const std::string &name, qcc_element_type_t type,
          std::vector<int64_t> shape, const void *data) {
  std::string err;
  if (!npy::writeFile(dir + "/" + name, type, shape, data, err))
    die(err);
}

void saveWeight(const std::string &dir, const QuantizedWeight &q) {
  int64_t gpr = q.groupsPerRow();
  save(dir, "codes.npy", QCC_ELEMENT_TYPE_U8, {q.n, q.k}, q.codes.data());
  save(dir, "scales.npy", QCC_ELEMENT_TYPE_F32, {q.n, gpr}, q.scales.data());
  if (!q.mins.empty())
    save(dir, "mins.npy", QCC_ELEMENT_TYPE_F32, {q.n, gpr}, q.mins.data());
  std::vector<float> dq = q.dequantize();
  save(dir, "dequant.npy", QCC_ELEMENT_TYPE_F32, {q.n, q.k}, dq.data());
}

void saveResult(const std::string &dir, const std::string &json) {
  std::string path = dir + "/result.json";
  FILE *f = std::fopen(path.c_str(), "w");
  if (!f || std::fputs(json.c_str(), f) < 0 || std::fclose(f) != 0)
    die(path + ": cannot write");
}

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

Scheme schemeArg(const Args &a) {
  std::string name = a.get("scheme");
  auto s = Scheme::parse(name);
  if (!s)
    die("unknown scheme '" + name + "'");
  return *s;
}

/// Times the knapsack solver on a random instance shaped like a real model
/// (sizes in bits of layers of a few shapes, losses falling with bits).
int knapsackBench(const Args &a) {
  int groups = static_cast<int>(a.num("groups", 200)), options = static_cast<int>(a.num("options", 8));
  int repeat = static_cast<int>(a.num("repeat", 5));
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> shape(0, 3);
  std::uniform_real_distribution<double> u(0.5, 2.0);
  const int64_t shapes[4][2] = {{576, 576}, {192, 576}, {1536, 576}, {576, 1536}};
  KnapsackGroups g(static_cast<size_t>(groups));
  uint64_t maxCost = 0, minCost = 0;
  for (auto &grp : g) {
    const int64_t *sh = shapes[shape(rng)];
    double sens = u(rng);
    uint64_t lo = ~0ull, hi = 0;
    for (int o = 0; o < options; ++o) {
      int bits = 2 + o; // 2..9 bits per weight, group 32 overhead
      uint64_t cost = static_cast<uint64_t>(sh[0] * sh[1]) * bits + static_cast<uint64_t>(sh[0] * sh[1] / 32) * 32;
      double loss = sens * std::ldexp(1.0, -2 * bits) * u(rng);
      grp.push_back({cost, loss});
      lo = std::min(lo, cost);
      hi = std::max(hi, cost);
    }
    minCost += lo;
    maxCost += hi;
  }
  uint64_t budget = minCost + (maxCost - minCost) / 3;
  // Wall time and process CPU time (the machine may be shared: CPU time is
  // what the solver itself used).
  double best = 1e30, bestCpu = 1e30;
  KnapsackSolution sol;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    std::clock_t c0 = std::clock();
    std::string err;
    auto s = minLossWithinCost(g, budget, err);
    double cpu = 1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!s)
      die(err);
    sol = *s;
    best = std::min(best, ms);
    bestCpu = std::min(bestCpu, cpu);
  }
  double lossBudget = sol.loss * 1.5;
  auto t0 = std::chrono::steady_clock::now();
  std::clock_t c0 = std::clock();
  std::string err;
  auto b = minCostWithinLoss(g, lossBudget, err);
  double cpuB = 1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  double msB = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!b)
    die(err);
  std::printf("knapsack %d groups x %d options: min-loss-within-size %.2f ms wall / %.2f ms CPU (best of %d, "
              "largest front %zu), min-size-within-loss %.2f ms wall / %.2f ms CPU (largest front %zu)\n",
              groups, options, best, bestCpu, repeat, sol.largestFront, msB, cpuB, b->largestFront);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    die("usage: qcc-quant-check rtn|gptq|awq|smoothquant|sensitivity|knapsack-bench --option value ...");
  std::string cmd = argv[1];
  Args a;
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0)
      die("unexpected argument '" + k + "'");
    k = k.substr(2);
    if (k == "act-order") {
      a.kv[k] = "1";
      continue;
    }
    if (i + 1 >= argc)
      die("option --" + k + " needs a value");
    a.kv[k] = argv[++i];
  }
  if (cmd == "knapsack-bench")
    return knapsackBench(a);

  npy::Array w = load(a.get("w"), QCC_ELEMENT_TYPE_F32, 2);
  int64_t n = w.shape[0], k = w.shape[1];
  const float *wp = reinterpret_cast<const float *>(w.data.data());
  std::string out = a.get("out");
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec)
    die(out + ": cannot create the output directory: " + ec.message());
  auto loadH = [&](const std::string &key) {
    npy::Array h = load(a.get(key), QCC_ELEMENT_TYPE_F64, 2);
    if (h.shape[0] != k || h.shape[1] != k)
      die(a.get(key) + ": must be [" + std::to_string(k) + ", " + std::to_string(k) + "] for W [" +
          std::to_string(n) + ", " + std::to_string(k) + "]");
    return h;
  };
  auto loadVec = [&](const std::string &key) {
    npy::Array v = load(a.get(key), QCC_ELEMENT_TYPE_F32, 1);
    if (v.shape[0] != k)
      die(a.get(key) + ": must have " + std::to_string(k) + " elements");
    return v;
  };
  auto checkScheme = [&](const Scheme &s) {
    std::string why;
    if (!s.isQuantized() || !s.validFor(n, k, &why))
      die("scheme " + s.name() + " cannot quantize W [" + std::to_string(n) + ", " + std::to_string(k) +
          "]" + (why.empty() ? "" : ": " + why));
  };
  std::string err;
  if (cmd == "rtn") {
    Scheme s = schemeArg(a);
    checkScheme(s);
    saveWeight(out, quantizeRTN(wp, n, k, s));
    saveResult(out, "{\"scheme\": \"" + s.name() + "\"}\n");
  } else if (cmd == "gptq") {
    Scheme s = schemeArg(a);
    npy::Array h = loadH("h");
    GptqOptions o;
    o.actOrder = a.has("act-order");
    o.blockSize = static_cast<int64_t>(a.num("block", 128));
    o.dampFrac = a.num("damp", 0.01);
    auto r = gptq(wp, n, k, reinterpret_cast<const double *>(h.data.data()), s, o, err);
    if (!r)
      die(err);
    saveWeight(out, r->weight);
    saveResult(out, "{\"loss\": " + num(r->loss) + ", \"rtn_loss\": " + num(r->rtnLoss) +
                        ", \"damping\": " + num(r->damping) + ", \"dead_columns\": " +
                        std::to_string(r->deadColumns) + "}\n");
  } else if (cmd == "awq") {
    Scheme s = schemeArg(a);
    npy::Array h = loadH("h"), m = loadVec("mean-abs");
    AwqOptions o;
    o.gridPoints = static_cast<int>(a.num("grid", 20));
    auto r = awq(wp, n, k, reinterpret_cast<const float *>(m.data.data()),
                 reinterpret_cast<const double *>(h.data.data()), s, o, err);
    if (!r)
      die(err);
    saveWeight(out, r->weight);
    save(out, "awq_scales.npy", QCC_ELEMENT_TYPE_F32, {k}, r->scales.data());
    std::string errs;
    for (double e : r->errors)
      errs += (errs.empty() ? "" : ", ") + num(e);
    saveResult(out, "{\"alpha\": " + num(r->alpha) + ", \"error\": " + num(r->error) +
                        ", \"rtn_error\": " + num(r->rtnError) + ", \"errors\": [" + errs + "]}\n");
  } else if (cmd == "smoothquant") {
    npy::Array x = load(a.get("x"), QCC_ELEMENT_TYPE_F32, 2), am = loadVec("act-max");
    if (x.shape[1] != k)
      die(a.get("x") + ": must have " + std::to_string(k) + " columns");
    SmoothQuantOptions o;
    o.gridPoints = static_cast<int>(a.num("grid", 21));
    auto r = smoothQuant(reinterpret_cast<const float *>(am.data.data()),
                         reinterpret_cast<const float *>(x.data.data()), x.shape[0], wp, n, k, o, err);
    if (!r)
      die(err);
    save(out, "smooth_scales.npy", QCC_ELEMENT_TYPE_F32, {k}, r->scales.data());
    std::string errs;
    for (double e : r->errors)
      errs += (errs.empty() ? "" : ", ") + num(e);
    saveResult(out, "{\"alpha\": " + num(r->alpha) + ", \"error\": " + num(r->error) +
                        ", \"unsmoothed_error\": " + num(r->unsmoothedError) + ", \"errors\": [" +
                        errs + "]}\n");
  } else if (cmd == "sensitivity") {
    Scheme s = schemeArg(a);
    std::string why;
    if (!s.validFor(n, k, &why))
      die("scheme " + s.name() + ": " + why);
    npy::Array h = loadH("h");
    double v = hessianSensitivity(wp, n, k, reinterpret_cast<const double *>(h.data.data()), s);
    saveResult(out, "{\"sensitivity\": " + num(v) + "}\n");
  } else {
    die("unknown command '" + cmd + "' (rtn, gptq, awq, smoothquant, sensitivity, knapsack-bench)");
  }
  return 0;
}
