//===- HalfFloat.h - IEEE binary16 to float conversion shared by the readers ===//
#ifndef QCC_IMPORT_HALFFLOAT_H
#define QCC_IMPORT_HALFFLOAT_H

#include <cstdint>
#include <cstring>

namespace qcc {

/// Converts an IEEE-754 binary16 bit pattern to float exactly (subnormals renormalized, inf/NaN kept).
inline float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h >> 15) << 31, exp = (h >> 10) & 31, man = h & 1023;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { // subnormal: renormalise
      int e = -1;
      do {
        ++e;
        man <<= 1;
      } while (!(man & 1024));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (man & 1023) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | man << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

} // namespace qcc

#endif // QCC_IMPORT_HALFFLOAT_H
