//===- ReportPng.cpp - a tiny RGB canvas, 5x7 bitmap font and PNG writer --===//
#include "ReportPng.h"

#include "qcc/Target/Common/ModelEmitter.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace qcc::report {

namespace {

/// A 5x7 glyph: 5 columns, bit r of a column = row r from the top.
struct Glyph {
  char c;
  uint8_t col[5];
};

// Digits, upper-case letters and the punctuation the report uses.
constexpr Glyph kFont[] = {
    {' ', {0x00, 0x00, 0x00, 0x00, 0x00}}, {'0', {0x3E, 0x51, 0x49, 0x45, 0x3E}},
    {'1', {0x00, 0x42, 0x7F, 0x40, 0x00}}, {'2', {0x42, 0x61, 0x51, 0x49, 0x46}},
    {'3', {0x21, 0x41, 0x45, 0x4B, 0x31}}, {'4', {0x18, 0x14, 0x12, 0x7F, 0x10}},
    {'5', {0x27, 0x45, 0x45, 0x45, 0x39}}, {'6', {0x3C, 0x4A, 0x49, 0x49, 0x30}},
    {'7', {0x01, 0x71, 0x09, 0x05, 0x03}}, {'8', {0x36, 0x49, 0x49, 0x49, 0x36}},
    {'9', {0x06, 0x49, 0x49, 0x29, 0x1E}}, {'A', {0x7E, 0x11, 0x11, 0x11, 0x7E}},
    {'B', {0x7F, 0x49, 0x49, 0x49, 0x36}}, {'C', {0x3E, 0x41, 0x41, 0x41, 0x22}},
    {'D', {0x7F, 0x41, 0x41, 0x22, 0x1C}}, {'E', {0x7F, 0x49, 0x49, 0x49, 0x41}},
    {'F', {0x7F, 0x09, 0x09, 0x09, 0x01}}, {'G', {0x3E, 0x41, 0x49, 0x49, 0x7A}},
    {'H', {0x7F, 0x08, 0x08, 0x08, 0x7F}}, {'I', {0x00, 0x41, 0x7F, 0x41, 0x00}},
    {'J', {0x20, 0x40, 0x41, 0x3F, 0x01}}, {'K', {0x7F, 0x08, 0x14, 0x22, 0x41}},
    {'L', {0x7F, 0x40, 0x40, 0x40, 0x40}}, {'M', {0x7F, 0x02, 0x0C, 0x02, 0x7F}},
    {'N', {0x7F, 0x04, 0x08, 0x10, 0x7F}}, {'O', {0x3E, 0x41, 0x41, 0x41, 0x3E}},
    {'P', {0x7F, 0x09, 0x09, 0x09, 0x06}}, {'Q', {0x3E, 0x41, 0x51, 0x21, 0x5E}},
    {'R', {0x7F, 0x09, 0x19, 0x29, 0x46}}, {'S', {0x46, 0x49, 0x49, 0x49, 0x31}},
    {'T', {0x01, 0x01, 0x7F, 0x01, 0x01}}, {'U', {0x3F, 0x40, 0x40, 0x40, 0x3F}},
    {'V', {0x1F, 0x20, 0x40, 0x20, 0x1F}}, {'W', {0x3F, 0x40, 0x38, 0x40, 0x3F}},
    {'X', {0x63, 0x14, 0x08, 0x14, 0x63}}, {'Y', {0x07, 0x08, 0x70, 0x08, 0x07}},
    {'Z', {0x61, 0x51, 0x49, 0x45, 0x43}}, {'.', {0x00, 0x60, 0x60, 0x00, 0x00}},
    {'-', {0x08, 0x08, 0x08, 0x08, 0x08}}, {'+', {0x08, 0x08, 0x3E, 0x08, 0x08}},
    {'(', {0x00, 0x1C, 0x22, 0x41, 0x00}}, {')', {0x00, 0x41, 0x22, 0x1C, 0x00}},
    {'/', {0x20, 0x10, 0x08, 0x04, 0x02}}, {'_', {0x40, 0x40, 0x40, 0x40, 0x40}},
    {':', {0x00, 0x36, 0x36, 0x00, 0x00}}, {',', {0x00, 0x50, 0x30, 0x00, 0x00}},
    {'%', {0x23, 0x13, 0x08, 0x64, 0x62}}, {'=', {0x14, 0x14, 0x14, 0x14, 0x14}},
    {'?', {0x02, 0x01, 0x51, 0x09, 0x06}}, {'^', {0x04, 0x02, 0x01, 0x02, 0x04}},
};

const Glyph &glyph(char c) {
  char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const Glyph &g : kFont)
    if (g.c == u)
      return g;
  for (const Glyph &g : kFont)
    if (g.c == '?')
      return g;
  return kFont[0];
}

void put32(std::vector<uint8_t> &out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8)
    out.push_back(static_cast<uint8_t>(v >> s));
}

/// Appends a chunk: length, type, data, CRC of type + data.
void chunk(std::vector<uint8_t> &out, const char type[4], const std::vector<uint8_t> &data) {
  put32(out, static_cast<uint32_t>(data.size()));
  size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  put32(out, crc32(out.data() + start, out.size() - start));
}

} // namespace

Canvas::Canvas(int width, int height)
    : w(std::max(width, 1)), h(std::max(height, 1)),
      rgb(static_cast<size_t>(w) * static_cast<size_t>(h) * 3, 0xFF) {}

void Canvas::set(int x, int y, Color c) {
  if (x < 0 || y < 0 || x >= w || y >= h)
    return;
  uint8_t *p = &rgb[(static_cast<size_t>(y) * w + x) * 3];
  p[0] = static_cast<uint8_t>(c >> 16);
  p[1] = static_cast<uint8_t>(c >> 8);
  p[2] = static_cast<uint8_t>(c);
}

Color Canvas::get(int x, int y) const {
  if (x < 0 || y < 0 || x >= w || y >= h)
    return 0;
  const uint8_t *p = &rgb[(static_cast<size_t>(y) * w + x) * 3];
  return (Color(p[0]) << 16) | (Color(p[1]) << 8) | p[2];
}

void Canvas::line(int x0, int y0, int x1, int y1, Color c, int dash) {
  int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
  int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
  for (int i = 0;; ++i) {
    if (dash <= 0 || (i / dash) % 2 == 0)
      set(x0, y0, c);
    if (x0 == x1 && y0 == y1)
      break;
    int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

void Canvas::fillRect(int x, int y, int rw, int rh, Color c) {
  for (int j = y; j < y + rh; ++j)
    for (int i = x; i < x + rw; ++i)
      set(i, j, c);
}

void Canvas::rect(int x, int y, int rw, int rh, Color c) {
  line(x, y, x + rw - 1, y, c);
  line(x, y + rh - 1, x + rw - 1, y + rh - 1, c);
  line(x, y, x, y + rh - 1, c);
  line(x + rw - 1, y, x + rw - 1, y + rh - 1, c);
}

int Canvas::text(int x, int y, const std::string &s, Color c, int scale) {
  int cx = x;
  for (char ch : s) {
    const Glyph &g = glyph(ch);
    for (int col = 0; col < 5; ++col)
      for (int row = 0; row < 7; ++row)
        if (g.col[col] >> row & 1)
          fillRect(cx + col * scale, y + row * scale, scale, scale, c);
    cx += 6 * scale;
  }
  return cx - x;
}

void Canvas::textUp(int x, int y, const std::string &s, Color c, int scale) {
  int cy = y;
  for (char ch : s) {
    const Glyph &g = glyph(ch);
    // Column `col` of the glyph goes up from the baseline; row r to the right.
    for (int col = 0; col < 5; ++col)
      for (int row = 0; row < 7; ++row)
        if (g.col[col] >> row & 1)
          fillRect(x + row * scale, cy - (col + 1) * scale, scale, scale, c);
    cy -= 6 * scale;
  }
}

uint32_t crc32(const uint8_t *data, size_t n, uint32_t crc) {
  static uint32_t table[256];
  static bool ready = [] {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return true;
  }();
  (void)ready;
  crc = ~crc;
  for (size_t i = 0; i < n; ++i)
    crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

uint32_t adler32(const uint8_t *data, size_t n) {
  uint32_t a = 1, b = 0;
  for (size_t i = 0; i < n; ++i) {
    a = (a + data[i]) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

std::vector<uint8_t> encodePng(const Canvas &canvas) {
  const int w = canvas.width(), h = canvas.height();
  // Filter type 0 (none) before every row.
  std::vector<uint8_t> raw;
  raw.reserve(static_cast<size_t>(h) * (1 + static_cast<size_t>(w) * 3));
  const std::vector<uint8_t> &px = canvas.pixels();
  for (int y = 0; y < h; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), px.begin() + static_cast<size_t>(y) * w * 3,
               px.begin() + static_cast<size_t>(y + 1) * w * 3);
  }
  // zlib: CMF 0x78 (deflate, 32K window), FLG 0x01 (check bits, no dict),
  // then stored blocks of at most 65535 bytes, then Adler-32.
  std::vector<uint8_t> z = {0x78, 0x01};
  size_t pos = 0;
  do {
    size_t len = std::min<size_t>(65535, raw.size() - pos);
    bool last = pos + len == raw.size();
    z.push_back(last ? 1 : 0); // BFINAL, BTYPE 00
    z.push_back(static_cast<uint8_t>(len));
    z.push_back(static_cast<uint8_t>(len >> 8));
    z.push_back(static_cast<uint8_t>(~len));
    z.push_back(static_cast<uint8_t>(~len >> 8));
    z.insert(z.end(), raw.begin() + pos, raw.begin() + pos + len);
    pos += len;
  } while (pos < raw.size());
  put32(z, adler32(raw.data(), raw.size()));

  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<uint8_t> ihdr;
  put32(ihdr, static_cast<uint32_t>(w));
  put32(ihdr, static_cast<uint32_t>(h));
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0}); // 8-bit, RGB, deflate, filter 0, no interlace
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", z);
  chunk(png, "IEND", {});
  return png;
}

bool writePng(const Canvas &canvas, const std::string &path, std::string &error) {
  std::vector<uint8_t> bytes = encodePng(canvas);
  if (llvm::Error e = writeFileAtomically(
          path, llvm::StringRef(reinterpret_cast<const char *>(bytes.data()), bytes.size()))) {
    error = llvm::toString(std::move(e));
    return false;
  }
  return true;
}

} // namespace qcc::report
