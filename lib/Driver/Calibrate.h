//===- Calibrate.h - qcc --calib / --stats: calibration statistics ---------===//
#ifndef QCC_DRIVER_CALIBRATE_H
#define QCC_DRIVER_CALIBRATE_H

#include "qcc/Driver/Driver.h"
#include "qcc/Passes/Calib/Passes.h"
#include "qcc/Quant/StatsFile.h"
#include "qcc/Runtime/Observe.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <map>
#include <string>
#include <vector>

namespace qcc {

struct EncoderCalibration; // BERTCAL: CalibrateEncoder.h

/// What runDriver keeps between instrumenting the module and running it.
struct CalibrationState {
  bool active = false;                 ///< --calib given
  quant::ModelFingerprint fingerprint; ///< of the module before instrumentation
  std::vector<ObserverInfo> observers;
  std::string soPath;                  ///< the temporary calibration model.so
  /// BERTCAL: the sentences of an encoder (qcc.kind = encoder); null for LLMs.
  std::shared_ptr<EncoderCalibration> encoder;
};

/// The identity of a model for statistics files: arch (qcc.model_attrs
/// qcc.arch, else "mlir") and the [out, in] shape of every linear layer.
quant::ModelFingerprint modelFingerprint(mlir::ModuleOp module, const std::string &path);

/// Called by runDriver after import. Without --calib and --stats: nothing.
/// --stats alone: reads and checks the statistics file against the model.
/// --calib: checks the options and the text file, instruments the module
/// (qcc-insert-observers, qcc-lower-observers) and picks a temporary .so
/// path. Returns 0 or the exit code (after printing the error).
int beginCalibration(const DriverOptions &options, mlir::ModuleOp module,
                     CalibrationState &state);

/// Converts one observer's accumulated statistics into a LayerStats and
/// stores it under every layer that reads the observed input (q/k/v share
/// one observer), with that layer's output width from \p outFeatures.
void storeObserverStats(const ObserverInfo &obs, const qcc_observer_stats_v1_t &s,
                        const std::map<std::string, int64_t> &outFeatures,
                        quant::CalibrationStats &out);

/// Called by runDriver once state.soPath is linked: loads it, runs the
/// calibration windows, writes --stats and removes the .so.
int finishCalibration(const DriverOptions &options, CalibrationState &state);

} // namespace qcc

#endif // QCC_DRIVER_CALIBRATE_H
