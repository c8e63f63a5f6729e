//===- PlanFile.h - the quantization plan: one scheme per layer, editable ---===//
//
// The plan says, for every quantizable linear layer (by its qcc.layer name),
// which scheme it gets and how its weights are rounded. The budget solver
// writes it; users may edit it by hand and feed it back (--plan). Layers are
// kept in model order; "default" (optional) covers layers not listed.
// Informational keys (shape, bits, predicted_loss, totals) are rewritten on
// every save and ignored when read, so hand edits cannot make them lie.
// docs/Quantization.md shows an example.
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_PLANFILE_H
#define QCC_QUANT_PLANFILE_H

#include "qcc/Quant/Scheme.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qcc::quant {

/// How a layer's weights are rounded.
enum class Method { RTN, GPTQ, AWQ };

/// "rtn" / "gptq" / "awq".
const char *methodName(Method m);
std::optional<Method> parseMethod(const std::string &s);

/// One layer of the plan.
struct PlanEntry {
  std::string layer;               ///< qcc.layer name
  Scheme scheme;
  Method method = Method::RTN;
  std::optional<double> smoothQuantAlpha; ///< only with scheme w8a8
  int64_t outFeatures = 0, inFeatures = 0; ///< informational (0: unknown)
  std::optional<double> predictedLoss;    ///< informational
  /// `"smoothquant": true` (w8a8 only, APPLY): smooth with an alpha searched
  /// on the statistics' sample rows (smoothQuantAlpha fixes it instead).
  bool smoothQuant = false;
  /// Whether the entry asks for SmoothQuant (a fixed alpha or a search).
  bool smoothed() const { return smoothQuant || smoothQuantAlpha.has_value(); }
};

/// The whole plan.
struct QuantPlan {
  std::string modelPath;            ///< informational
  std::string modelDigest;          ///< ModelFingerprint::digest(), empty: not checked
  std::optional<Scheme> defaultScheme; ///< for model layers the plan does not list
  /// With defaultScheme: how those layers are rounded ("default_method") and
  /// whether w8a8 ones are smoothed ("default_smoothquant": true). A uniform
  /// plan is just a default (qcc --quantize=S --quantize-method=M).
  Method defaultMethod = Method::RTN;
  bool defaultSmoothQuant = false;
  std::vector<PlanEntry> layers;
  const PlanEntry *find(const std::string &layer) const;
};

/// A layer of the model the plan is applied to: name and W[out, in].
struct ModelLayer {
  std::string name;
  int64_t outFeatures = 0, inFeatures = 0;
};

/// Writes the plan with totals (size in bits, average bits, predicted loss)
/// computed from the entries with known shapes.
bool writePlan(const QuantPlan &plan, const std::string &path, std::string &error);

/// Reads a plan; errors name the file, the layer and the key (bad JSON,
/// unknown scheme or method, alpha without w8a8, duplicate layers, ...).
std::optional<QuantPlan> readPlan(const std::string &path, std::string &error);

/// Checks the plan against the model's linear layers and returns one entry
/// per model layer, in model order (default scheme filled in, shapes set).
/// Errors: layers of the plan the model does not have, model layers the plan
/// misses (without a default), a scheme the kernels cannot pack (int7), a
/// model digest that differs. \p path names the plan in messages.
std::optional<std::vector<PlanEntry>> resolvePlan(const QuantPlan &plan,
                                                  const std::vector<ModelLayer> &model,
                                                  const std::string &modelDigest,
                                                  const std::string &path, std::string &error);

} // namespace qcc::quant

#endif // QCC_QUANT_PLANFILE_H
