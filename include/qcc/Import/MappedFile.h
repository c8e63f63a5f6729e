//===- MappedFile.h - a whole file mapped read-only (RAII) -----------------===//
#ifndef QCC_IMPORT_MAPPEDFILE_H
#define QCC_IMPORT_MAPPEDFILE_H

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qcc {

/// A whole file mapped read-only and private, unmapped on destruction; the
/// readers of weight files (GGUF, safetensors) hand out views into it, so
/// tensor data is never copied. An empty file maps to no bytes.
///
///   MappedFile f;
///   std::string why;
///   if (!f.open("model.gguf", why)) ... // why: "cannot open: No such file ..."
///   const uint8_t *bytes = f.data();    // f.size() bytes
class MappedFile {
public:
  MappedFile() = default;
  ~MappedFile() {
    if (map_)
      munmap(map_, size_);
  }
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  /// Maps \p path. On failure returns false and sets \p error to what went
  /// wrong (without the path, which the caller puts in its own message).
  bool open(const std::string &path, std::string &error) {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) {
      error = std::string("cannot open: ") + std::strerror(errno);
      return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
      error = std::string("cannot stat: ") + std::strerror(errno);
      ::close(fd);
      return false;
    }
    size_ = size_t(st.st_size);
    if (size_ == 0) { // mmap rejects an empty length
      ::close(fd);
      return true;
    }
    void *m = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (m == MAP_FAILED) {
      size_ = 0;
      error = std::string("cannot mmap: ") + std::strerror(errno);
      return false;
    }
    map_ = m;
    return true;
  }

  const uint8_t *data() const { return static_cast<const uint8_t *>(map_); }
  size_t size() const { return size_; }

private:
  void *map_ = nullptr;
  size_t size_ = 0;
};

} // namespace qcc

#endif // QCC_IMPORT_MAPPEDFILE_H
