//===- PlanFile.cpp - read/write/resolve the quantization plan -------------===//
#include "qcc/Quant/PlanFile.h"

#include "FileUtil.h"
#include "JsonUtil.h"

#include <map>
#include <set>

namespace qcc::quant {

using jsonutil::Json;
using jsonutil::JsonError;
using jsonutil::Where;

static constexpr const char *kFormat = "qcc-quant-plan";
static constexpr int kVersion = 1;
static constexpr const char *kSchemeHint =
    " (expected e.g. int4_g128_asym, int8_pc_sym, nf4_g64, fp8_e4m3_pc, w8a8, f16, bf16, f32)";

const char *methodName(Method m) {
  switch (m) {
  case Method::RTN:
    return "rtn";
  case Method::GPTQ:
    return "gptq";
  case Method::AWQ:
    return "awq";
  }
  return "?";
}

std::optional<Method> parseMethod(const std::string &s) {
  if (s == "rtn")
    return Method::RTN;
  if (s == "gptq")
    return Method::GPTQ;
  if (s == "awq")
    return Method::AWQ;
  return std::nullopt;
}

const PlanEntry *QuantPlan::find(const std::string &layer) const {
  for (const auto &e : layers)
    if (e.layer == layer)
      return &e;
  return nullptr;
}

namespace {

/// The consistency rules shared by the reader and the writer.
std::string entryProblem(const PlanEntry &e) {
  if (e.smoothQuantAlpha && !e.scheme.isW8A8())
    return "smoothquant_alpha is only meaningful with scheme w8a8";
  if (e.smoothQuant && !e.scheme.isW8A8())
    return "smoothquant is only meaningful with scheme w8a8";
  if (e.smoothQuant && e.smoothQuantAlpha)
    return "give smoothquant_alpha (a fixed alpha) or smoothquant: true (searched), not both";
  if (e.smoothQuantAlpha && !(*e.smoothQuantAlpha >= 0.0 && *e.smoothQuantAlpha <= 1.0))
    return "smoothquant_alpha must be in [0, 1]";
  if (e.method != Method::RTN && !e.scheme.isQuantized())
    return std::string("method ") + methodName(e.method) + " needs a quantized scheme, not " +
           e.scheme.name();
  return "";
}

} // namespace

static bool writePlanImpl(const QuantPlan &plan, const std::string &path, std::string &error) {
  Json layers = Json::object();
  uint64_t bits = 0, weights = 0;
  double loss = 0;
  bool lossKnown = true;
  for (const auto &e : plan.layers) {
    std::string p = entryProblem(e);
    if (!p.empty()) {
      error = path + ": layer '" + e.layer + "': " + p;
      return false;
    }
    Json j;
    j["scheme"] = e.scheme.name();
    j["method"] = methodName(e.method);
    if (e.smoothQuantAlpha)
      j["smoothquant_alpha"] = *e.smoothQuantAlpha;
    if (e.smoothQuant)
      j["smoothquant"] = true;
    if (e.outFeatures > 0 && e.inFeatures > 0) {
      j["shape"] = {e.outFeatures, e.inFeatures};
      j["bits"] = e.scheme.bitsPerWeight(e.inFeatures);
      bits += e.scheme.sizeInBits(e.outFeatures, e.inFeatures);
      weights += static_cast<uint64_t>(e.outFeatures) * static_cast<uint64_t>(e.inFeatures);
    }
    if (e.predictedLoss)
      j["predicted_loss"] = *e.predictedLoss;
    else
      lossKnown = false;
    if (e.predictedLoss)
      loss += *e.predictedLoss;
    layers[e.layer] = j;
  }
  Json root;
  root["format"] = kFormat;
  root["version"] = kVersion;
  root["model"] = {{"path", plan.modelPath}, {"digest", plan.modelDigest}};
  if (plan.defaultScheme) {
    root["default"] = plan.defaultScheme->name();
    PlanEntry d;
    d.layer = "default";
    d.scheme = *plan.defaultScheme;
    d.method = plan.defaultMethod;
    d.smoothQuant = plan.defaultSmoothQuant;
    std::string p = entryProblem(d);
    if (!p.empty()) {
      error = path + ": default: " + p;
      return false;
    }
    if (plan.defaultMethod != Method::RTN)
      root["default_method"] = methodName(plan.defaultMethod);
    if (plan.defaultSmoothQuant)
      root["default_smoothquant"] = true;
  }
  root["layers"] = layers;
  Json totals;
  totals["layers"] = plan.layers.size();
  totals["size_bits"] = bits;
  totals["size_mib"] = static_cast<double>(bits) / 8.0 / 1048576.0;
  totals["avg_bits"] = weights ? static_cast<double>(bits) / static_cast<double>(weights) : 0.0;
  if (lossKnown && !plan.layers.empty())
    totals["predicted_loss"] = loss;
  root["totals"] = totals;
  return fileutil::writeFileAtomic(path, root.dump(2) + "\n", error);
}

std::optional<QuantPlan> readPlan(const std::string &path, std::string &error) {
  std::string text;
  if (!fileutil::readFile(path, text, error))
    return std::nullopt;
  try {
    Json root = jsonutil::parse(text, path);
    Where w{path};
    if (!root.is_object() || !root.contains("format") || root["format"] != kFormat)
      w.fail(std::string("not a quantization plan (key 'format' must be '") + kFormat + "')");
    if (w.integer(root, "version") != kVersion)
      w.fail("unsupported version " + root["version"].dump());
    QuantPlan plan;
    if (const Json *m = w.find(root, "model")) {
      Where wm = w.sub("model");
      if (wm.find(*m, "path"))
        plan.modelPath = wm.str(*m, "path");
      if (wm.find(*m, "digest"))
        plan.modelDigest = wm.str(*m, "digest");
    }
    if (w.find(root, "default")) {
      std::string d = w.str(root, "default");
      plan.defaultScheme = Scheme::parse(d);
      if (!plan.defaultScheme)
        w.fail("key 'default': unknown scheme '" + d + "'" + kSchemeHint);
    }
    if (w.find(root, "default_method")) {
      std::string m = w.str(root, "default_method");
      auto pm = parseMethod(m);
      if (!pm)
        w.fail("key 'default_method': unknown method '" + m + "' (expected rtn, gptq or awq)");
      plan.defaultMethod = *pm;
    }
    if (const Json *sq = w.find(root, "default_smoothquant")) {
      if (!sq->is_boolean())
        w.fail("key 'default_smoothquant' must be true or false");
      plan.defaultSmoothQuant = sq->get<bool>();
    }
    if ((plan.defaultMethod != Method::RTN || plan.defaultSmoothQuant) && !plan.defaultScheme)
      w.fail("default_method / default_smoothquant need a \"default\" scheme");
    if (plan.defaultScheme) {
      PlanEntry d;
      d.scheme = *plan.defaultScheme;
      d.method = plan.defaultMethod;
      d.smoothQuant = plan.defaultSmoothQuant;
      std::string p = entryProblem(d);
      if (!p.empty())
        w.fail("default: " + p);
    }
    const Json &layers = w.get(root, "layers");
    if (!layers.is_object())
      w.fail("key 'layers' must be an object mapping layer names to entries");
    std::set<std::string> seen;
    for (auto it = layers.begin(); it != layers.end(); ++it) {
      Where wl = w.sub("layer '" + it.key() + "'");
      if (!seen.insert(it.key()).second)
        wl.fail("listed twice");
      const Json &j = it.value();
      PlanEntry e;
      e.layer = it.key();
      std::string scheme = wl.str(j, "scheme");
      auto s = Scheme::parse(scheme);
      if (!s)
        wl.fail("unknown scheme '" + scheme + "'" + kSchemeHint);
      e.scheme = *s;
      if (wl.find(j, "method")) {
        std::string m = wl.str(j, "method");
        auto pm = parseMethod(m);
        if (!pm)
          wl.fail("unknown method '" + m + "' (expected rtn, gptq or awq)");
        e.method = *pm;
      }
      if (const Json *a = wl.find(j, "smoothquant_alpha"))
        e.smoothQuantAlpha = wl.number(*a, "smoothquant_alpha");
      if (const Json *sq = wl.find(j, "smoothquant")) {
        if (!sq->is_boolean())
          wl.fail("key 'smoothquant' must be true or false");
        e.smoothQuant = sq->get<bool>();
      }
      if (const Json *pl = wl.find(j, "predicted_loss"))
        e.predictedLoss = wl.number(*pl, "predicted_loss");
      for (auto k = j.begin(); k != j.end(); ++k)
        if (k.key() != "scheme" && k.key() != "method" && k.key() != "smoothquant_alpha" &&
            k.key() != "predicted_loss" && k.key() != "shape" && k.key() != "bits" &&
            k.key() != "smoothquant")
          wl.fail("unknown key '" + k.key() + "'");
      std::string p = entryProblem(e);
      if (!p.empty())
        wl.fail(p);
      plan.layers.push_back(std::move(e));
    }
    return plan;
  } catch (const JsonError &e) {
    error = e.what();
  } catch (const nlohmann::json::exception &e) {
    error = path + ": " + e.what();
  }
  return std::nullopt;
}

std::optional<std::vector<PlanEntry>> resolvePlan(const QuantPlan &plan,
                                                  const std::vector<ModelLayer> &model,
                                                  const std::string &modelDigest,
                                                  const std::string &path, std::string &error) {
  if (!plan.modelDigest.empty() && !modelDigest.empty() && plan.modelDigest != modelDigest) {
    error = path + ": the plan was made for another model (" + plan.modelPath +
            "): model digest differs";
    return std::nullopt;
  }
  std::map<std::string, const ModelLayer *> byName;
  for (const auto &l : model)
    byName[l.name] = &l;
  for (const auto &e : plan.layers)
    if (!byName.count(e.layer)) {
      error = path + ": layer '" + e.layer + "' is not a linear layer of the model (" +
              std::to_string(model.size()) + " layers, e.g. '" +
              (model.empty() ? std::string() : model.front().name) + "')";
      return std::nullopt;
    }
  std::vector<PlanEntry> out;
  std::vector<std::string> missing;
  for (const auto &l : model) {
    PlanEntry e;
    if (const PlanEntry *p = plan.find(l.name)) {
      e = *p;
    } else if (plan.defaultScheme) {
      e.layer = l.name;
      e.scheme = *plan.defaultScheme;
      e.method = plan.defaultMethod;
      e.smoothQuant = plan.defaultSmoothQuant;
    } else {
      missing.push_back(l.name);
      continue;
    }
    e.outFeatures = l.outFeatures;
    e.inFeatures = l.inFeatures;
    std::string why;
    if (!e.scheme.kernelSupported())
      why = "the runtime kernels support uniform 2, 3, 4, 5, 6 and 8 bits";
    if (!why.empty() || !e.scheme.validFor(l.outFeatures, l.inFeatures, &why)) {
      error = path + ": layer '" + l.name + "': scheme " + e.scheme.name() +
              " cannot quantize its weight [" + std::to_string(l.outFeatures) + ", " +
              std::to_string(l.inFeatures) + "]: " + why;
      return std::nullopt;
    }
    out.push_back(std::move(e));
  }
  if (!missing.empty()) {
    error = path + ": " + std::to_string(missing.size()) + " layer(s) of the model are missing, '" +
            missing.front() + "' first (list them or add a \"default\" scheme)";
    return std::nullopt;
  }
  return out;
}

bool writePlan(const QuantPlan &plan, const std::string &path, std::string &error) {
  // nlohmann throws on, e.g., strings that are not UTF-8; callers may be
  // built without exceptions, so nothing escapes.
  try {
    return writePlanImpl(plan, path, error);
  } catch (const std::exception &e) {
    error = path + ": cannot write: " + e.what();
    return false;
  }
}

} // namespace qcc::quant
