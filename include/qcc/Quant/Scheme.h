//===- Scheme.h - quantization schemes (format, bits, group) and their names -===//
//
// A Scheme is one candidate precision for one linear layer W[N, K] (N output
// features, K input features, HF order). Formats are those of
// include/qcc/Runtime/QKernels.h (same numeric values as QCC_QF_*), plus the
// float formats a layer can be kept in. Names (docs/Quantization.md):
//
//   int<b>_g<G>_asym | int<b>_g<G>_sym | int<b>_pc_asym | int<b>_pc_sym   b=2..8
//   nf4_g<G> | nf4_pc        fp8_e4m3_pc | fp8_e4m3_g<G>
//   w8a8 | w8a8_g<G> | w8a8_azp | w8a8_g<G>_azp   (int8 weights per channel or
//       per group of G; per-token int8 activations, symmetric, or with
//       "_azp" uint8 with a per-token zero point: QCC_QF_INT8_W8A8_AZP)
//   f16 | bf16 | f32 (kept in float, not quantized)
//
// Aliases accepted by parse(): int8 = int8_pc_sym, int4 = int4_g128_asym,
// nf4 = nf4_g64, fp8 / fp8_e4m3 = fp8_e4m3_pc, w8a8_pc = w8a8,
// w8a8_pc_azp = w8a8_azp.
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_SCHEME_H
#define QCC_QUANT_SCHEME_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qcc::quant {

/// Storage format of a layer's weight. The quantized ones have the values of
/// QCC_QF_* in QKernels.h; F16/BF16/F32 mean "not quantized".
enum class Format : int32_t {
  Uniform = 1,
  NF4 = 2,
  FP8E4M3 = 3,
  Int8W8A8 = 4,
  Int8W8A8Azp = 5, ///< W8A8 with zero-point (asymmetric) activations
  F16 = 16,
  BF16 = 17,
  F32 = 32,
};

/// One candidate precision for one layer.
struct Scheme {
  Format format = Format::Uniform;
  int bits = 4;          ///< code bits (16/32 for the float formats)
  int64_t group = 128;   ///< weights per scale along K; 0 = per output channel
  bool symmetric = false; ///< Uniform only (the other formats are symmetric)

  /// Canonical name ("int4_g128_asym", "int8_pc_sym", "nf4_g64", "fp8_e4m3_pc",
  /// "w8a8", "f16", "bf16", "f32"); parse(name()) == *this.
  std::string name() const;
  /// Parses a canonical name or an alias; nullopt for anything else.
  static std::optional<Scheme> parse(std::string_view s);

  /// Whether the weight is stored quantized (not one of the float formats).
  bool isQuantized() const;
  /// Whether activations are quantized too (w8a8, w8a8_azp and their
  /// group variants): int8 symmetric weights, per-token dynamic activations.
  bool isW8A8() const { return format == Format::Int8W8A8 || format == Format::Int8W8A8Azp; }
  // QF16: F16 / BF16 layers are stored packed too (qcc.qlinear format
  // "f16" / "bf16", 2 bytes per weight, QKernels.h QCC_QF_F16 / BF16).
  /// Whether the format is one of the 16-bit float formats.
  bool isHalf() const { return format == Format::F16 || format == Format::BF16; }
  /// Whether a layer in this scheme becomes a qcc.qlinear with a packed blob
  /// (the quantized formats and f16 / bf16; only f32 stays a float matmul).
  bool isPacked() const { return isQuantized() || isHalf(); }
  // QF16 end.
  /// Whether the format stores a per-group min next to the scale (Uniform).
  bool hasMins() const { return format == Format::Uniform; }
  /// Group size for a layer with \p k input features (k when per channel).
  int64_t groupSize(int64_t k) const { return group <= 0 ? k : group; }
  /// Groups per row: ceil(k / group). The group need not divide k: the last
  /// group of a row is then partial (k - (G - 1) * group weights), e.g.
  /// group 128 on K = 576 (contract change of 21:07).
  int64_t groupsPerRow(int64_t k) const {
    int64_t g = groupSize(k);
    return (k + g - 1) / g;
  }
  /// Whether the scheme can quantize a W[n, k] (shape positive, bits in range).
  bool validFor(int64_t n, int64_t k, std::string *why = nullptr) const;
  /// Whether the runtime kernels can pack it (QKernels.h: uniform bits in
  /// {2, 3, 4, 5, 6, 8}); the algorithms also handle 7 bits.
  bool kernelSupported() const;

  /// Bits per weight including the f16 scale (and min) of each group. With
  /// \p k given the overhead is exact (ceil(k / group) groups per row);
  /// without it, 16 or 32 bits / group (0 for per channel).
  double bitsPerWeight(int64_t k = 0) const;
  /// Exact size in bits of a W[n, k] in this scheme: n*k*bits codes plus 16
  /// bits per scale and per min (what the knapsack solver uses as cost).
  uint64_t sizeInBits(int64_t n, int64_t k) const;

  bool operator==(const Scheme &o) const;
  bool operator!=(const Scheme &o) const { return !(*this == o); }
};

// SENS: candidate schemes of the sensitivity stage and the budget solver.
/// The default candidate schemes of sensitivity and precision assignment
/// (session 9 contract): f16, int8_pc_sym, int6_g128_asym, int5_g128_asym,
/// int4_g128_asym, int3_g128_asym, in that order (most to fewest bits).
std::vector<Scheme> defaultCandidates();

/// Parses a comma-separated list of scheme names or aliases ("f16,int8,
/// int4_g64_asym"); canonical duplicates are dropped, order is kept. nullopt
/// + \p error ("unknown scheme 'int9'", "empty candidate list") otherwise.
std::optional<std::vector<Scheme>> parseSchemeList(std::string_view list, std::string &error);
// end SENS

} // namespace qcc::quant

#endif // QCC_QUANT_SCHEME_H
