//===- JsonUtil.h - checked access to nlohmann JSON with located errors -----===//
//
// Private to lib/Quant. Readers throw JsonError("<file>: <where>: key 'k'
// ...") from these helpers and catch it at the top, so every message names
// the file and the exact place.
//===----------------------------------------------------------------------===//
#ifndef QCC_LIB_QUANT_JSONUTIL_H
#define QCC_LIB_QUANT_JSONUTIL_H

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace qcc::quant::jsonutil {

using Json = nlohmann::ordered_json;

/// A located error in a file being read.
struct JsonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Where we are: "<file>: layer 'x'" and so on.
struct Where {
  std::string prefix;
  [[noreturn]] void fail(const std::string &what) const { throw JsonError(prefix + ": " + what); }
  Where sub(const std::string &what) const { return Where{prefix + ": " + what}; }

  const Json &get(const Json &obj, const char *key) const {
    if (!obj.is_object())
      fail("expected an object");
    auto it = obj.find(key);
    if (it == obj.end())
      fail(std::string("missing key '") + key + "'");
    return *it;
  }
  const Json *find(const Json &obj, const char *key) const {
    if (!obj.is_object())
      fail("expected an object");
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
  std::string str(const Json &obj, const char *key) const {
    const Json &v = get(obj, key);
    if (!v.is_string())
      fail(std::string("key '") + key + "' must be a string");
    return v.get<std::string>();
  }
  int64_t integer(const Json &obj, const char *key, int64_t lo = 0) const {
    const Json &v = get(obj, key);
    if (!v.is_number_integer() || v.get<int64_t>() < lo)
      fail(std::string("key '") + key + "' must be an integer >= " + std::to_string(lo));
    return v.get<int64_t>();
  }
  double number(const Json &v, const std::string &key) const {
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      fail("key '" + key + "' must be a finite number");
    return v.get<double>();
  }
  /// An array of exactly \p n finite numbers (n < 0: any length).
  std::vector<float> floats(const Json &obj, const char *key, int64_t n) const {
    const Json &v = get(obj, key);
    if (!v.is_array() || (n >= 0 && static_cast<int64_t>(v.size()) != n))
      fail(std::string("key '") + key + "' must be an array of " + std::to_string(n) + " numbers");
    std::vector<float> out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number() || !std::isfinite(v[i].get<double>()))
        fail(std::string("key '") + key + "' element " + std::to_string(i) +
             " is not a finite number");
      out.push_back(v[i].get<float>());
    }
    return out;
  }
};

/// A JSON array of \p v whose numbers print as the shortest decimal that
/// reads back as the same f32 (nlohmann would print the f64 widening).
inline Json floatArray(const std::vector<float> &v) {
  Json a = Json::array();
  char buf[32];
  for (float f : v) {
    std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(f));
    double shortest = std::strtod(buf, nullptr);
    for (int prec = 1; prec < 9; ++prec) { // fewest digits that still round-trip
      char b2[32];
      std::snprintf(b2, sizeof(b2), "%.*g", prec, static_cast<double>(f));
      double d = std::strtod(b2, nullptr);
      if (static_cast<float>(d) == f) {
        shortest = d;
        break;
      }
    }
    a.push_back(shortest);
  }
  return a;
}

/// Parses \p text; a syntax error becomes a located JsonError.
inline Json parse(const std::string &text, const std::string &file) {
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::exception &e) {
    throw JsonError(file + ": invalid JSON: " + e.what());
  }
}

} // namespace qcc::quant::jsonutil

#endif // QCC_LIB_QUANT_JSONUTIL_H
