//===- Sensitivity.h - qcc --sensitivity: per-layer cost of each scheme ----===//
#ifndef QCC_DRIVER_SENSITIVITY_H
#define QCC_DRIVER_SENSITIVITY_H

#include "qcc/Driver/Driver.h"
#include "qcc/Passes/Calib/Passes.h"
#include "qcc/Quant/Scheme.h"
#include "qcc/Quant/StatsFile.h"

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>
#include <vector>

namespace qcc {

/// One linear layer of the model with its f32 weight, row-major [out, in].
struct SensitivityLayer {
  std::string name;
  int64_t out = 0, in = 0;
  std::vector<float> weight;
  int64_t hookId = -1; ///< its qcc-insert-delta-hooks id (KL builds)
};

/// What runDriver keeps between the import and the compiled model.
struct SensitivityState {
  bool active = false;    ///< --sensitivity given
  bool hessian = false;   ///< compute the Hessian estimates
  bool kl = false;        ///< measure KL (needs the compiled model)
  std::string soPath;     ///< the temporary sensitivity model.so (kl)
  /// An encoder (qcc.kind = encoder): `kl` measures 1 - cos of its sentence
  /// embeddings on held-out sentences instead of next-token KL.
  bool encoder = false;
  std::string tokenizerPath; ///< encoder: the model's tokenizer.json
  int64_t vocab = 0;         ///< encoder: embedding rows (token id bound)
  int64_t maxTokens = 0;     ///< encoder: position table size (0: unknown)
  quant::CalibrationStats stats; ///< the statistics file as read
  std::vector<quant::Scheme> candidates;
  std::vector<SensitivityLayer> layers; ///< selected layers, model order
};

/// Called by runDriver after import instead of the calibration stage when
/// --sensitivity is given: checks the options, reads --stats and checks it
/// against the model, reads the weights of the selected layers and, for
/// `kl`, inserts the weight-delta hooks (qcc-insert-delta-hooks) and picks a
/// temporary .so path. Returns 0 or the exit code (after the error).
int beginSensitivity(const DriverOptions &options, mlir::ModuleOp module, SensitivityState &state);

/// Computes the Hessian estimates, measures KL on the linked state.soPath
/// (when state.kl), computes the rank correlations and writes them into
/// --stats (mergeStats). Removes the .so.
int finishSensitivity(const DriverOptions &options, SensitivityState &state);

} // namespace qcc

#endif // QCC_DRIVER_SENSITIVITY_H
