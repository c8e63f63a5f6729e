//===- ReportPng.h - a tiny RGB canvas, 5x7 bitmap font and PNG writer ----===//
//
// Enough to draw the report's chart without a new dependency: pixels, lines,
// rectangles, upper-case text in a built-in 5x7 font, and a PNG encoder
// (8-bit RGB, filter 0, zlib stream of stored deflate blocks, CRC-32 per
// chunk, Adler-32 of the stream; ISO/IEC 15948, RFC 1950/1951).
//===----------------------------------------------------------------------===//
#ifndef QCC_DRIVER_REPORTPNG_H
#define QCC_DRIVER_REPORTPNG_H

#include <cstdint>
#include <string>
#include <vector>

namespace qcc::report {

/// 0xRRGGBB.
using Color = uint32_t;

/// A width x height RGB image, white at creation; drawing clips.
class Canvas {
public:
  Canvas(int width, int height);
  int width() const { return w; }
  int height() const { return h; }
  void set(int x, int y, Color c);
  Color get(int x, int y) const;
  /// A 1-pixel line (Bresenham), \p dash > 0 draws dash-on/dash-off.
  void line(int x0, int y0, int x1, int y1, Color c, int dash = 0);
  void fillRect(int x, int y, int rw, int rh, Color c);
  void rect(int x, int y, int rw, int rh, Color c);
  /// Text in the 5x7 font at (x, y) = top-left, each font pixel \p scale
  /// pixels; lower case is drawn as upper case, unknown characters as '?'.
  /// Returns the width drawn.
  int text(int x, int y, const std::string &s, Color c, int scale = 1);
  /// The same, rotated 90 degrees counter-clockwise (reads bottom to top);
  /// (x, y) is the bottom-left of the text.
  void textUp(int x, int y, const std::string &s, Color c, int scale = 1);
  /// Width in pixels of \p s at \p scale.
  static int textWidth(const std::string &s, int scale = 1) {
    return static_cast<int>(s.size()) * 6 * scale;
  }
  /// Raw RGB rows, top first.
  const std::vector<uint8_t> &pixels() const { return rgb; }

private:
  int w, h;
  std::vector<uint8_t> rgb;
};

/// CRC-32 (ISO 3309, as PNG uses) of \p n bytes, continuing \p crc.
uint32_t crc32(const uint8_t *data, size_t n, uint32_t crc = 0);
/// Adler-32 (RFC 1950) of \p n bytes.
uint32_t adler32(const uint8_t *data, size_t n);

/// The PNG file bytes of \p canvas.
std::vector<uint8_t> encodePng(const Canvas &canvas);

/// Writes the PNG atomically; false + \p error naming \p path on failure.
bool writePng(const Canvas &canvas, const std::string &path, std::string &error);

} // namespace qcc::report

#endif // QCC_DRIVER_REPORTPNG_H
