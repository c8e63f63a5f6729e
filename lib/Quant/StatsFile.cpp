//===- StatsFile.cpp - read/write/merge the calibration statistics file ----===//
#include "qcc/Quant/StatsFile.h"
#include "qcc/Quant/Scheme.h"

#include "FileUtil.h"
#include "JsonUtil.h"

#include <cstring>
#include <unordered_map>

namespace qcc::quant {

using jsonutil::Json;
using jsonutil::JsonError;
using jsonutil::Where;

static constexpr const char *kFormat = "qcc-calibration-stats";
static constexpr int kVersion = 1;

std::string ModelFingerprint::digest() const {
  std::string s = arch + "\n";
  for (const auto &t : tensors) {
    s += t.name;
    for (int64_t d : t.shape)
      s += " " + std::to_string(d);
    s += "\n";
  }
  return fileutil::checksum(s.data(), s.size());
}

namespace {

/// Appends arrays to the blob at 8-byte aligned offsets, storing identical
/// contents once.
struct BlobWriter {
  std::string bytes;
  std::unordered_map<std::string, Json> seen; // checksum + size -> reference

  Json add(const void *data, size_t count, size_t elemSize, const char *dtype) {
    size_t size = count * elemSize;
    std::string sum = fileutil::checksum(data, size);
    std::string key = sum + ":" + std::to_string(size) + dtype;
    auto it = seen.find(key);
    if (it != seen.end() &&
        std::memcmp(bytes.data() + it->second["offset"].get<uint64_t>(), data, size) == 0)
      return it->second;
    bytes.resize((bytes.size() + 7) / 8 * 8, '\0');
    Json ref = {{"offset", bytes.size()}, {"count", count}, {"dtype", dtype}, {"checksum", sum}};
    bytes.append(static_cast<const char *>(data), size);
    seen[key] = ref;
    return ref;
  }
};

/// Reads one blob array described by \p ref into \p out (count checked
/// against \p expect), verifying bounds and checksum.
template <typename T>
void readBlobArray(const Json &ref, const char *dtype, int64_t expect, const std::string &blob,
                   const std::string &blobName, const Where &w, std::vector<T> &out) {
  if (w.str(ref, "dtype") != dtype)
    w.fail(std::string("dtype must be '") + dtype + "'");
  int64_t count = w.integer(ref, "count");
  if (count != expect)
    w.fail("count is " + std::to_string(count) + ", expected " + std::to_string(expect));
  uint64_t offset = static_cast<uint64_t>(w.integer(ref, "offset"));
  uint64_t size = static_cast<uint64_t>(count) * sizeof(T);
  if (offset > blob.size() || size > blob.size() - offset)
    w.fail("needs bytes [" + std::to_string(offset) + ", " + std::to_string(offset + size) +
           ") of blob '" + blobName + "' which has " + std::to_string(blob.size()) +
           " bytes (truncated?)");
  std::string want = w.str(ref, "checksum");
  if (fileutil::checksum(blob.data() + offset, size) != want)
    w.fail("checksum mismatch in blob '" + blobName + "' (corrupt, or from another run)");
  out.resize(static_cast<size_t>(count));
  std::memcpy(out.data(), blob.data() + offset, size);
  for (const T &v : out)
    if (!std::isfinite(v))
      w.fail("blob '" + blobName + "' holds a non-finite value");
}

bool checkLayer(const std::string &name, const LayerStats &l, std::string &error) {
  auto bad = [&](const std::string &what) {
    error = "layer '" + name + "': " + what;
    return false;
  };
  size_t k = static_cast<size_t>(l.inFeatures);
  if (l.inFeatures <= 0 || l.outFeatures <= 0)
    return bad("in/out features must be positive");
  if (l.absMax.size() != k || l.meanAbs.size() != k)
    return bad("absmax and mean_abs need " + std::to_string(k) + " values");
  if (!l.p999.empty() && l.p999.size() != k)
    return bad("p999 needs " + std::to_string(k) + " values");
  if (!l.xtx.empty() && l.xtx.size() != k * k)
    return bad("xtx needs " + std::to_string(k * k) + " values");
  if (l.samples.size() != static_cast<size_t>(l.sampleRows) * k)
    return bad("samples needs sample_rows x " + std::to_string(k) + " values");
  for (const auto &[scheme, s] : l.sensitivity)
    if (!Scheme::parse(scheme))
      return bad("sensitivity names an unknown scheme '" + scheme + "'");
  return true;
}

} // namespace

static bool writeStatsImpl(const CalibrationStats &stats, const std::string &jsonPath, std::string &error) {
  BlobWriter blob;
  Json layers = Json::object();
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto &t : stats.model.tensors)
    shapes[t.name] = t.shape;
  for (const auto &[name, l] : stats.layers) {
    auto sh = shapes.find(name);
    if (sh == shapes.end() || sh->second != std::vector<int64_t>{l.outFeatures, l.inFeatures}) {
      error = jsonPath + ": layer '" + name + "' is not a [" + std::to_string(l.outFeatures) + ", " +
              std::to_string(l.inFeatures) + "] tensor of the model";
      return false;
    }
    if (!checkLayer(name, l, error)) {
      error = jsonPath + ": " + error;
      return false;
    }
    Json j;
    j["in_features"] = l.inFeatures;
    j["out_features"] = l.outFeatures;
    j["rows"] = l.rows;
    j["absmax"] = jsonutil::floatArray(l.absMax);
    j["mean_abs"] = jsonutil::floatArray(l.meanAbs);
    if (!l.p999.empty())
      j["p999"] = jsonutil::floatArray(l.p999);
    if (!l.xtx.empty())
      j["xtx"] = blob.add(l.xtx.data(), l.xtx.size(), sizeof(double), "f64");
    if (l.sampleRows > 0) {
      Json ref = blob.add(l.samples.data(), l.samples.size(), sizeof(float), "f32");
      ref["rows"] = l.sampleRows;
      j["samples"] = ref;
    }
    Json sens = Json::object();
    for (const auto &[scheme, s] : l.sensitivity) {
      Json e = Json::object();
      if (s.hessian)
        e["hessian"] = *s.hessian;
      if (s.kl)
        e["kl"] = *s.kl;
      sens[scheme] = e;
    }
    j["sensitivity"] = sens;
    layers[name] = j;
  }
  Json tensors = Json::array();
  for (const auto &t : stats.model.tensors)
    tensors.push_back({{"name", t.name}, {"shape", t.shape}});
  std::string blobPath = jsonPath + ".bin";
  Json root;
  root["format"] = kFormat;
  root["version"] = kVersion;
  root["model"] = {{"path", stats.model.path},
                   {"arch", stats.model.arch},
                   {"digest", stats.model.digest()},
                   {"tensors", tensors}};
  root["calibration"] = {
      {"source", stats.source}, {"samples", stats.samples}, {"seq_len", stats.seqLen}};
  root["blob"] = {{"file", fileutil::baseName(blobPath)}, {"bytes", blob.bytes.size()}};
  root["layers"] = layers;
  if (stats.summary) { // SENS
    const SensitivitySummary &sm = *stats.summary;
    Json j = {{"kl_metric", sm.klMetric},
              {"kl_source", sm.klSource},
              {"kl_windows", sm.klWindows},
              {"kl_seq_len", sm.klSeqLen},
              {"kl_token_offset", sm.klTokenOffset},
              {"pairs", sm.pairs}};
    if (sm.spearman)
      j["spearman"] = *sm.spearman;
    Json by = Json::object();
    for (const auto &[scheme, rho] : sm.spearmanByScheme)
      by[scheme] = rho;
    j["spearman_by_scheme"] = by;
    root["sensitivity_summary"] = j;
  }
  return fileutil::writeFileAtomic(blobPath, blob.bytes, error) &&
         fileutil::writeFileAtomic(jsonPath, root.dump(1) + "\n", error);
}

std::optional<CalibrationStats> readStats(const std::string &jsonPath, std::string &error) {
  std::string text;
  if (!fileutil::readFile(jsonPath, text, error))
    return std::nullopt;
  try {
    Json root = jsonutil::parse(text, jsonPath);
    Where w{jsonPath};
    if (!root.is_object() || !root.contains("format") || root["format"] != kFormat)
      w.fail(std::string("not a calibration statistics file (key 'format' must be '") + kFormat +
             "')");
    if (w.integer(root, "version") != kVersion)
      w.fail("unsupported version " + root["version"].dump() + " (this qcc reads version " +
             std::to_string(kVersion) + ")");
    CalibrationStats st;
    const Json &model = w.get(root, "model");
    Where wm = w.sub("model");
    st.model.path = wm.str(model, "path");
    st.model.arch = wm.str(model, "arch");
    const Json &tensors = wm.get(model, "tensors");
    if (!tensors.is_array())
      wm.fail("key 'tensors' must be an array");
    for (size_t i = 0; i < tensors.size(); ++i) {
      Where wt = wm.sub("tensor " + std::to_string(i));
      TensorShape t;
      t.name = wt.str(tensors[i], "name");
      const Json &shape = wt.get(tensors[i], "shape");
      if (!shape.is_array())
        wt.fail("key 'shape' must be an array of integers");
      for (const auto &d : shape) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0)
          wt.fail("key 'shape' must be an array of integers >= 0");
        t.shape.push_back(d.get<int64_t>());
      }
      st.model.tensors.push_back(std::move(t));
    }
    if (wm.str(model, "digest") != st.model.digest())
      wm.fail("key 'digest' does not match the tensor list (edited by hand?)");
    const Json &calib = w.get(root, "calibration");
    Where wc = w.sub("calibration");
    st.source = wc.str(calib, "source");
    st.samples = wc.integer(calib, "samples");
    st.seqLen = wc.integer(calib, "seq_len");

    const Json &blobRef = w.get(root, "blob");
    std::string blobName = w.sub("blob").str(blobRef, "file");
    if (blobName.empty() || blobName.find('/') != std::string::npos)
      w.sub("blob").fail("key 'file' must be a file name next to the JSON file");
    std::string blob;
    std::string blobPath = fileutil::dirName(jsonPath) + blobName;
    if (!fileutil::readFile(blobPath, blob, error)) {
      error = jsonPath + ": blob: " + error;
      return std::nullopt;
    }
    int64_t blobBytes = w.sub("blob").integer(blobRef, "bytes");
    if (static_cast<uint64_t>(blobBytes) != blob.size())
      w.sub("blob").fail("'" + blobName + "' has " + std::to_string(blob.size()) +
                         " bytes, expected " + std::to_string(blobBytes) + " (truncated?)");

    const Json &layers = w.get(root, "layers");
    if (!layers.is_object())
      w.fail("key 'layers' must be an object");
    std::map<std::string, const std::vector<int64_t> *> shapes;
    for (const auto &t : st.model.tensors)
      shapes[t.name] = &t.shape;
    for (auto it = layers.begin(); it != layers.end(); ++it) {
      Where wl = w.sub("layer '" + it.key() + "'");
      const Json &j = it.value();
      LayerStats l;
      l.inFeatures = wl.integer(j, "in_features", 1);
      l.outFeatures = wl.integer(j, "out_features", 1);
      // A layer is a 2-D weight [out, in] of the model the file describes.
      auto sh = shapes.find(it.key());
      if (sh == shapes.end())
        wl.fail("unknown layer: not a tensor of the model");
      if (*sh->second != std::vector<int64_t>{l.outFeatures, l.inFeatures})
        wl.fail("in_features/out_features do not match the tensor's shape in 'model'");
      l.rows = static_cast<uint64_t>(wl.integer(j, "rows"));
      l.absMax = wl.floats(j, "absmax", l.inFeatures);
      l.meanAbs = wl.floats(j, "mean_abs", l.inFeatures);
      if (wl.find(j, "p999"))
        l.p999 = wl.floats(j, "p999", l.inFeatures);
      if (const Json *x = wl.find(j, "xtx"))
        readBlobArray(*x, "f64", l.inFeatures * l.inFeatures, blob, blobName, wl.sub("key 'xtx'"),
                      l.xtx);
      if (const Json *s = wl.find(j, "samples")) {
        Where ws = wl.sub("key 'samples'");
        l.sampleRows = ws.integer(*s, "rows");
        readBlobArray(*s, "f32", l.sampleRows * l.inFeatures, blob, blobName, ws, l.samples);
      }
      if (const Json *sens = wl.find(j, "sensitivity")) {
        if (!sens->is_object())
          wl.fail("key 'sensitivity' must be an object");
        for (auto si = sens->begin(); si != sens->end(); ++si) {
          Where wsn = wl.sub("sensitivity '" + si.key() + "'");
          auto scheme = Scheme::parse(si.key());
          if (!scheme)
            wsn.fail("unknown scheme name");
          SchemeSensitivity ss;
          if (const Json *h = wsn.find(si.value(), "hessian"))
            ss.hessian = wsn.number(*h, "hessian");
          if (const Json *kl = wsn.find(si.value(), "kl"))
            ss.kl = wsn.number(*kl, "kl");
          l.sensitivity[scheme->name()] = ss;
        }
      }
      st.layers[it.key()] = std::move(l);
    }
    if (const Json *sj = w.find(root, "sensitivity_summary")) { // SENS
      Where ws = w.sub("sensitivity_summary");
      if (!sj->is_object())
        w.fail("key 'sensitivity_summary' must be an object");
      SensitivitySummary sm;
      if (ws.find(*sj, "kl_metric")) {
        sm.klMetric = ws.str(*sj, "kl_metric");
        if (sm.klMetric != "kl" && sm.klMetric != "cosine")
          ws.fail("'kl_metric' must be \"kl\" or \"cosine\", got \"" + sm.klMetric + "\"");
      }
      sm.klSource = ws.str(*sj, "kl_source");
      sm.klWindows = ws.integer(*sj, "kl_windows");
      sm.klSeqLen = ws.integer(*sj, "kl_seq_len");
      sm.klTokenOffset = ws.integer(*sj, "kl_token_offset");
      sm.pairs = ws.integer(*sj, "pairs");
      auto rho = [&](const Json &v, const std::string &what) {
        double r = ws.number(v, what);
        if (!(r >= -1.0 && r <= 1.0))
          ws.fail("'" + what + "' must be a rank correlation in [-1, 1], got " + v.dump());
        return r;
      };
      if (const Json *r = ws.find(*sj, "spearman"))
        sm.spearman = rho(*r, "spearman");
      if (const Json *by = ws.find(*sj, "spearman_by_scheme")) {
        if (!by->is_object())
          ws.fail("key 'spearman_by_scheme' must be an object");
        for (auto it = by->begin(); it != by->end(); ++it) {
          auto scheme = Scheme::parse(it.key());
          if (!scheme)
            ws.fail("spearman_by_scheme names an unknown scheme '" + it.key() + "'");
          sm.spearmanByScheme[scheme->name()] = rho(it.value(), it.key());
        }
      }
      st.summary = std::move(sm);
    }
    return st;
  } catch (const JsonError &e) {
    error = e.what();
  } catch (const nlohmann::json::exception &e) {
    error = jsonPath + ": " + e.what();
  }
  return std::nullopt;
}

bool checkStatsModel(const CalibrationStats &stats, const ModelFingerprint &model,
                     const std::string &jsonPath, std::string &error) {
  if (stats.model.digest() == model.digest())
    return true;
  std::string what = "architecture '" + stats.model.arch + "' vs '" + model.arch + "'";
  std::map<std::string, std::vector<int64_t>> mine;
  for (const auto &t : stats.model.tensors)
    mine[t.name] = t.shape;
  for (const auto &t : model.tensors) {
    auto it = mine.find(t.name);
    if (it == mine.end()) {
      what = "tensor '" + t.name + "' is not in the statistics";
      break;
    }
    if (it->second != t.shape) {
      what = "tensor '" + t.name + "' has another shape";
      break;
    }
  }
  if (stats.model.arch == model.arch && what.rfind("architecture", 0) == 0)
    what = "the tensor lists differ (" + std::to_string(stats.model.tensors.size()) + " vs " +
           std::to_string(model.tensors.size()) + " tensors)";
  error = jsonPath + ": the statistics were measured on another model (" + stats.model.path +
          "): " + what;
  return false;
}

bool mergeStats(CalibrationStats &base, const CalibrationStats &update, std::string &error) {
  if (base.model.digest() != update.model.digest()) {
    error = "cannot merge statistics of different models";
    return false;
  }
  if (base.samples != update.samples || base.seqLen != update.seqLen ||
      base.source != update.source) {
    error = "cannot merge statistics of different calibration runs (source, samples or seq_len differ)";
    return false;
  }
  for (const auto &[name, l] : update.layers) {
    auto it = base.layers.find(name);
    if (it == base.layers.end()) {
      base.layers[name] = l;
      continue;
    }
    LayerStats &b = it->second;
    if (b.inFeatures != l.inFeatures || b.outFeatures != l.outFeatures) {
      error = "cannot merge layer '" + name + "': its shape differs";
      return false;
    }
    auto sens = b.sensitivity;
    if (!l.absMax.empty()) {
      LayerStats keep = b;
      b = l;
      if (b.xtx.empty())
        b.xtx = std::move(keep.xtx);
      if (b.sampleRows == 0) {
        b.sampleRows = keep.sampleRows;
        b.samples = std::move(keep.samples);
      }
      if (b.p999.empty())
        b.p999 = std::move(keep.p999);
    }
    for (const auto &[scheme, s] : l.sensitivity) {
      auto &dst = sens[scheme];
      if (s.hessian)
        dst.hessian = s.hessian;
      if (s.kl)
        dst.kl = s.kl;
    }
    b.sensitivity = std::move(sens);
  }
  if (update.summary) // SENS
    base.summary = update.summary;
  return true;
}

bool writeStats(const CalibrationStats &stats, const std::string &jsonPath, std::string &error) {
  // nlohmann throws on, e.g., strings that are not UTF-8; callers may be
  // built without exceptions, so nothing escapes.
  try {
    return writeStatsImpl(stats, jsonPath, error);
  } catch (const std::exception &e) {
    error = jsonPath + ": cannot write: " + e.what();
    return false;
  }
}

} // namespace qcc::quant
