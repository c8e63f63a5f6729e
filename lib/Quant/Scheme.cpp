//===- Scheme.cpp - scheme names, parsing and size accounting ---------------===//
#include "qcc/Quant/Scheme.h"

#include <cctype>

namespace qcc::quant {

namespace {

/// Parses a positive decimal integer that makes up all of \p s.
std::optional<int64_t> parseInt(std::string_view s) {
  if (s.empty() || s.size() > 12)
    return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

/// Parses the granularity part: "pc" -> 0, "g<G>" -> G (G >= 1).
std::optional<int64_t> parseGroup(std::string_view s) {
  if (s == "pc")
    return 0;
  if (s.size() < 2 || s[0] != 'g')
    return std::nullopt;
  auto g = parseInt(s.substr(1));
  if (!g || *g < 1)
    return std::nullopt;
  return g;
}

std::string groupName(int64_t g) { return g <= 0 ? "pc" : "g" + std::to_string(g); }

Scheme make(Format f, int bits, int64_t group, bool sym) {
  Scheme s;
  s.format = f;
  s.bits = bits;
  s.group = group;
  s.symmetric = sym;
  return s;
}

} // namespace

std::string Scheme::name() const {
  switch (format) {
  case Format::Uniform:
    return "int" + std::to_string(bits) + "_" + groupName(group) +
           (symmetric ? "_sym" : "_asym");
  case Format::NF4:
    return "nf4_" + groupName(group);
  case Format::FP8E4M3:
    return "fp8_e4m3_" + groupName(group);
  case Format::Int8W8A8:
  case Format::Int8W8A8Azp:
    return std::string("w8a8") + (group > 0 ? "_" + groupName(group) : "") +
           (format == Format::Int8W8A8Azp ? "_azp" : "");
  case Format::F16:
    return "f16";
  case Format::BF16:
    return "bf16";
  case Format::F32:
    return "f32";
  }
  return "?";
}

std::optional<Scheme> Scheme::parse(std::string_view s) {
  if (s == "f16")
    return make(Format::F16, 16, 0, false);
  if (s == "bf16")
    return make(Format::BF16, 16, 0, false);
  if (s == "f32")
    return make(Format::F32, 32, 0, false);
  if (s.substr(0, 4) == "w8a8") {
    // w8a8[_pc|_g<G>][_azp]
    std::string_view rest = s.substr(4);
    Format f = Format::Int8W8A8;
    if (rest.size() >= 4 && rest.substr(rest.size() - 4) == "_azp") {
      f = Format::Int8W8A8Azp;
      rest = rest.substr(0, rest.size() - 4);
    }
    int64_t g = 0;
    if (!rest.empty()) {
      if (rest[0] != '_')
        return std::nullopt;
      auto pg = parseGroup(rest.substr(1));
      if (!pg)
        return std::nullopt;
      g = *pg;
    }
    return make(f, 8, g, true);
  }
  if (s == "int8")
    return make(Format::Uniform, 8, 0, true);
  if (s == "int4")
    return make(Format::Uniform, 4, 128, false);
  if (s == "nf4")
    return make(Format::NF4, 4, 64, true);
  if (s == "fp8" || s == "fp8_e4m3")
    return make(Format::FP8E4M3, 8, 0, true);
  if (s.substr(0, 4) == "nf4_") {
    auto g = parseGroup(s.substr(4));
    if (!g)
      return std::nullopt;
    return make(Format::NF4, 4, *g, true);
  }
  if (s.substr(0, 9) == "fp8_e4m3_") {
    auto g = parseGroup(s.substr(9));
    if (!g)
      return std::nullopt;
    return make(Format::FP8E4M3, 8, *g, true);
  }
  if (s.substr(0, 3) == "int") {
    // int<b>_<gran>_<sym|asym>
    size_t u1 = s.find('_');
    if (u1 == std::string_view::npos)
      return std::nullopt;
    size_t u2 = s.find('_', u1 + 1);
    if (u2 == std::string_view::npos)
      return std::nullopt;
    auto bits = parseInt(s.substr(3, u1 - 3));
    auto g = parseGroup(s.substr(u1 + 1, u2 - u1 - 1));
    std::string_view sym = s.substr(u2 + 1);
    if (!bits || *bits < 2 || *bits > 8 || !g || (sym != "sym" && sym != "asym"))
      return std::nullopt;
    return make(Format::Uniform, static_cast<int>(*bits), *g, sym == "sym");
  }
  return std::nullopt;
}

bool Scheme::isQuantized() const {
  return format == Format::Uniform || format == Format::NF4 ||
         format == Format::FP8E4M3 || isW8A8();
}

bool Scheme::validFor(int64_t n, int64_t k, std::string *why) const {
  auto fail = [&](std::string m) {
    if (why)
      *why = std::move(m);
    return false;
  };
  if (n <= 0 || k <= 0)
    return fail("empty weight [" + std::to_string(n) + ", " + std::to_string(k) + "]");
  if (!isQuantized())
    return true;
  if (format == Format::Uniform && (bits < 2 || bits > 8))
    return fail("uniform bits must be 2..8, got " + std::to_string(bits));
  if ((format == Format::NF4 && bits != 4) ||
      ((format == Format::FP8E4M3 || isW8A8()) && bits != 8))
    return fail("format " + name() + " has a fixed bit width");
  return true;
}

bool Scheme::kernelSupported() const {
  if (!isQuantized())
    return true;
  return format != Format::Uniform || (bits >= 2 && bits <= 8 && bits != 7);
}

double Scheme::bitsPerWeight(int64_t k) const {
  if (!isQuantized())
    return bits;
  double perGroup = hasMins() ? 32.0 : 16.0;
  if (k > 0)
    return bits + perGroup * static_cast<double>(groupsPerRow(k)) / static_cast<double>(k);
  return group > 0 ? bits + perGroup / static_cast<double>(group) : bits;
}

uint64_t Scheme::sizeInBits(int64_t n, int64_t k) const {
  uint64_t weights = static_cast<uint64_t>(n) * static_cast<uint64_t>(k);
  if (!isQuantized())
    return weights * static_cast<uint64_t>(bits);
  uint64_t groups = static_cast<uint64_t>(n) * static_cast<uint64_t>(groupsPerRow(k));
  return weights * static_cast<uint64_t>(bits) + groups * (hasMins() ? 32u : 16u);
}

bool Scheme::operator==(const Scheme &o) const {
  return format == o.format && bits == o.bits && group == o.group &&
         symmetric == o.symmetric;
}

// SENS: candidate lists.
std::vector<Scheme> defaultCandidates() {
  std::vector<Scheme> out;
  for (const char *name : {"f16", "int8_pc_sym", "int6_g128_asym", "int5_g128_asym",
                           "int4_g128_asym", "int3_g128_asym"})
    out.push_back(*Scheme::parse(name));
  return out;
}

std::optional<std::vector<Scheme>> parseSchemeList(std::string_view list, std::string &error) {
  std::vector<Scheme> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    std::string_view item =
        list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front())))
      item.remove_prefix(1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back())))
      item.remove_suffix(1);
    if (!item.empty()) {
      std::optional<Scheme> s = Scheme::parse(item);
      if (!s) {
        error = "unknown scheme '" + std::string(item) + "'";
        return std::nullopt;
      }
      bool seen = false;
      for (const Scheme &o : out)
        seen |= o == *s;
      if (!seen)
        out.push_back(*s);
    }
    if (comma == std::string_view::npos)
      break;
    pos = comma + 1;
  }
  if (out.empty()) {
    error = "empty candidate list";
    return std::nullopt;
  }
  return out;
}
// end SENS

} // namespace qcc::quant
