//===- Observe.cpp - qcc_rt_observe_f32 and the qcc_observer_api_v1 export -===//
//
// The observers of a calibration model.so (include/qcc/Runtime/Observe.h):
// a table of accumulators by id, created on first call, one mutex each.
//===----------------------------------------------------------------------===//
#include "qcc/Runtime/Observe.h"

#include "Accumulator.h"

#include <memory>
#include <mutex>
#include <vector>

namespace {

using qcc::observe::Accumulator;
using qcc::observe::Settings;

struct Observer {
  std::mutex mutex;
  std::unique_ptr<Accumulator> acc;
};

struct Registry {
  std::mutex mutex; ///< guards `settings` and the size of `observers`
  Settings settings;
  std::vector<std::unique_ptr<Observer>> observers;

  Observer &get(int64_t id) {
    std::lock_guard<std::mutex> lock(mutex);
    if (static_cast<size_t>(id) >= observers.size())
      observers.resize(static_cast<size_t>(id) + 1);
    if (!observers[id])
      observers[id] = std::make_unique<Observer>();
    return *observers[id];
  }
};

Registry &registry() {
  static Registry r;
  return r;
}

void configure(const qcc_observer_config_v1_t *config) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.observers.clear();
  r.settings = Settings();
  if (config) {
    r.settings.expectedRows = config->expected_rows > 0 ? config->expected_rows : 1;
    r.settings.sampleRows = config->sample_rows > 0 ? config->sample_rows : 0;
    r.settings.seed = config->seed;
    r.settings.withXtx = config->with_xtx != 0;
  }
}

int64_t count() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return static_cast<int64_t>(r.observers.size());
}

int32_t stats(int64_t id, qcc_observer_stats_v1_t *out) {
  Registry &r = registry();
  Observer *o = nullptr;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    if (id < 0 || static_cast<size_t>(id) >= r.observers.size() || !r.observers[id])
      return 1;
    o = r.observers[id].get();
  }
  std::lock_guard<std::mutex> lock(o->mutex);
  if (!o->acc)
    return 1;
  Accumulator &a = *o->acc;
  a.finish();
  out->channels = a.channels();
  out->rows = a.rows();
  out->calls = a.calls();
  out->absmax = a.absMax().data();
  out->sum_abs = a.sumAbs().data();
  out->sum = a.sum().data();
  out->xtx = a.xtx().empty() ? nullptr : a.xtx().data();
  out->p999 = a.p999().data();
  out->p999_exact = a.p999Exact() ? 1 : 0;
  out->sample_rows = a.sampleCount();
  out->samples = a.samples().data();
  out->seconds = a.seconds();
  return 0;
}

const qcc_observer_api_v1_t kApi = {configure, count, stats};

} // namespace

extern "C" void qcc_rt_observe_f32(int64_t id, float *allocated, float *aligned,
                                   int64_t offset, int64_t rows, int64_t cols,
                                   int64_t row_stride, int64_t col_stride) {
  (void)allocated;
  if (id < 0 || rows <= 0 || cols <= 0)
    return;
  Observer &o = registry().get(id);
  std::lock_guard<std::mutex> lock(o.mutex);
  if (!o.acc) {
    Settings s;
    {
      std::lock_guard<std::mutex> l(registry().mutex);
      s = registry().settings;
    }
    o.acc = std::make_unique<Accumulator>(cols, s);
  }
  if (o.acc->channels() != cols)
    return; // a different shape for the same id cannot come from one module
  o.acc->add(aligned + offset, rows, row_stride, col_stride);
}

/// The one extra export of a calibration model.so (found with dlsym).
extern "C" __attribute__((visibility("default"))) const qcc_observer_api_v1_t *
qcc_observer_api_v1(void) {
  return &kApi;
}
