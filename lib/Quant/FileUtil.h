//===- FileUtil.h - whole-file I/O, atomic writes and checksums (private) ---===//
#ifndef QCC_LIB_QUANT_FILEUTIL_H
#define QCC_LIB_QUANT_FILEUTIL_H

#include <cstdint>
#include <string>

namespace qcc::quant::fileutil {

/// Reads all of \p path into \p out; false + \p error ("<path>: why").
bool readFile(const std::string &path, std::string &out, std::string &error);

/// Writes \p data to \p path through a temporary file renamed into place,
/// so readers never see a half-written file.
bool writeFileAtomic(const std::string &path, const std::string &data, std::string &error);

/// FNV-1a 64-bit hash of \p size bytes, as "fnv1a64:<16 hex digits>".
std::string checksum(const void *data, size_t size);

/// The directory part of \p path ("" for a bare name) and the last component.
std::string dirName(const std::string &path);
std::string baseName(const std::string &path);

} // namespace qcc::quant::fileutil

#endif // QCC_LIB_QUANT_FILEUTIL_H
