//===- BufferPool.cpp - the heap of the generated code: a size-keyed cache -===//
//
// The lowering pipeline (qcc-lower-to-llvm) lowers memref.alloc / dealloc to
// the generic allocation functions of MLIR's memref-to-LLVM conversion
// (use-generic-functions), defined here:
//
//   void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size)
//   void *_mlir_memref_to_llvm_alloc(uint64_t size)
//   void  _mlir_memref_to_llvm_free(void *ptr)
//
// A model allocates the same intermediate buffers on every run. With plain
// malloc/free, glibc serves blocks of hundreds of KB from fresh mmap()s or
// trims the top of its heap when they are freed, so every run page-faults on
// (and zeroes) all of its intermediates again: about 10% of a BERT layer.
// Here freed blocks of at least kMinPooled bytes are kept in a pool keyed by
// their usable size and handed out again to requests they fit (at most 1/8
// larger), so from the second run on a model touches warm memory.
//
// Every block comes from aligned_alloc/malloc, so a block the generated code
// returns as a result is freed by its owner with plain free() (Contract 2).
// The pool holds at most kMaxPooledBytes; qcc_rt_buffer_pool_release() and
// the library's destructor free what it holds. Thread-safe (one mutex; a run
// makes a few dozen calls).
//
//===----------------------------------------------------------------------===//
#include "qcc/Runtime/Kernels.h"

#include <malloc.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>

namespace {

/// Smaller blocks go straight to free(): glibc's bins recycle them without
/// page faults.
constexpr size_t kMinPooled = size_t(64) << 10;
/// Most bytes the pool keeps (blocks beyond it are freed).
constexpr size_t kMaxPooledBytes = size_t(1) << 30;

class BufferPool {
public:
  ~BufferPool() { release(); }

  /// A pooled block of at least `size` bytes aligned to `alignment`, or null.
  void *take(size_t alignment, size_t size) {
    if (size < kMinPooled)
      return nullptr;
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = blocks.lower_bound(size);
         it != blocks.end() && it->first <= size + size / 8; ++it) {
      if (reinterpret_cast<uintptr_t>(it->second) % alignment)
        continue;
      void *p = it->second;
      pooledBytes -= it->first;
      blocks.erase(it);
      return p;
    }
    return nullptr;
  }

  /// Keeps `p` for reuse; false if the caller must free it.
  bool put(void *p) {
    size_t usable = malloc_usable_size(p);
    if (usable < kMinPooled)
      return false;
    std::lock_guard<std::mutex> lock(mutex);
    if (pooledBytes + usable > kMaxPooledBytes)
      return false;
    blocks.emplace(usable, p);
    pooledBytes += usable;
    return true;
  }

  /// Frees every pooled block.
  void release() {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto &entry : blocks)
      std::free(entry.second);
    blocks.clear();
    pooledBytes = 0;
  }

private:
  std::mutex mutex;
  std::multimap<size_t, void *> blocks; // usable size -> block
  size_t pooledBytes = 0;
};

BufferPool &pool() {
  static BufferPool instance;
  return instance;
}

} // namespace

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment,
                                                    uint64_t size) {
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  if (void *p = pool().take(alignment, size))
    return p;
  // aligned_alloc needs a size that is a multiple of the alignment.
  uint64_t rounded = (size + alignment - 1) / alignment * alignment;
  return std::aligned_alloc(alignment, rounded ? rounded : alignment);
}

extern "C" void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  if (void *p = pool().take(alignof(std::max_align_t), size))
    return p;
  return std::malloc(size ? size : 1);
}

extern "C" void _mlir_memref_to_llvm_free(void *ptr) {
  if (ptr && !pool().put(ptr))
    std::free(ptr);
}

extern "C" void qcc_rt_buffer_pool_release(void) { pool().release(); }
