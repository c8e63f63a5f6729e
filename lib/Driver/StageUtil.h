//===- StageUtil.h - helpers shared by the driver stages that run a model --===//
//
// Calibration (Calibrate.cpp, CalibrateEncoder.cpp), sensitivity
// (Sensitivity.cpp) and the budget pipeline's verification
// (QuantPipelineVerify.cpp) all load a model.so through the C API, report
// errors as one line and print elapsed times; these are their common bits.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_DRIVER_STAGEUTIL_H
#define QCC_DRIVER_STAGEUTIL_H

#include "qcc-c/llm.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <string>

namespace qcc::stage {

/// Prints "qcc: error: <msg>" and returns the exit code 1.
inline int fail(const llvm::Twine &msg) {
  llvm::errs() << "qcc: error: " << msg << "\n";
  return 1;
}

/// "12.3 s" below two minutes, else "2 min 5 s".
inline std::string duration(double s) {
  char buf[64];
  if (s < 120)
    snprintf(buf, sizeof buf, "%.1f s", s);
  else
    snprintf(buf, sizeof buf, "%d min %d s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}

/// "12.3 s", always in seconds.
inline std::string seconds(double s) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

/// Takes and frees a status; returns its message ("" for success).
inline std::string statusText(qcc_status_t st) {
  if (!st)
    return "";
  std::string m = qcc_status_message(st);
  qcc_status_free(st);
  return m.empty() ? "unknown error" : m;
}

/// Closes an llm on scope exit.
struct LlmHandle {
  qcc_llm_t *llm = nullptr;
  LlmHandle() = default;
  LlmHandle(const LlmHandle &) = delete;
  LlmHandle &operator=(const LlmHandle &) = delete;
  ~LlmHandle() { qcc_llm_free(llm); }
};

} // namespace qcc::stage

#endif // QCC_DRIVER_STAGEUTIL_H
