//===- WeightObject.cpp - streams external weights into an ELF object -------===//
//
// checkExternalWeights and writeWeightObject (ExternalWeights.h): each weight
// is resolved to a "plan" (where its stored bytes are in the mapped source and
// how to convert them), then written chunk by chunk into the data section of a
// small relocatable ELF object; the pages of the source read so far are
// released after every chunk, so neither the model nor a whole tensor is ever
// held in memory.
//
//===----------------------------------------------------------------------===//
#include "qcc/Target/Common/ExternalWeights.h"

#include "qcc/Import/GGUF.h"
#include "qcc/Import/GGUFUniform.h"
#include "qcc/Import/MappedFile.h"
#include "qcc/Import/Safetensors.h"
#include "qcc/Runtime/QKernels.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SwapByteOrder.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Triple.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <sys/mman.h>
#include <unistd.h>

using namespace llvm;

namespace {

Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// Alignment of every weight (and of the section): a cache line, and what the
/// memref.global declarations promise to the code generator.
constexpr uint64_t kWeightAlign = 64;
/// Bytes read from the source per chunk.
constexpr size_t kChunkBytes = 8 << 20;

uint64_t alignTo64(uint64_t x) { return (x + kWeightAlign - 1) & ~(kWeightAlign - 1); }

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

/// How a weight's bytes are produced from its source.
struct Plan {
  /// GGUFPack: GGUF blocks -> uniform codes/scales/mins -> qcc_rt_qpack.
  enum Kind { Copy, Dequantize, F16ToF32, BF16ToF32, GGUFPack };
  Kind kind = Copy;
  const uint8_t *data = nullptr; ///< stored bytes, inside a mapping
  uint64_t size = 0;             ///< stored byte count
  qcc::gguf::TensorType ggmlType = qcc::gguf::TensorType::F32;
  int64_t rows = 0, cols = 0, bits = 0, group = 0; ///< GGUFPack: W[rows, cols]
};

/// The source files of a set of weights, each opened (mapped) once.
class Sources {
public:
  /// Resolves `w` to a plan, checking the tensor, its shape and its type.
  Expected<Plan> resolve(const qcc::ExternalWeight &w);

private:
  std::string where(const qcc::ExternalWeight &w) const {
    return "external weight @" + w.symbol + " (tensor '" + w.tensor + "' of '" +
           w.source + "')";
  }
  /// The gguf-packed format: checks the tensor's type against the scheme.
  Expected<Plan> resolvePacked(const qcc::ExternalWeight &w);
  /// The GGUF file `w.source`, opened once.
  Expected<qcc::gguf::File *> ggufFile(const qcc::ExternalWeight &w) {
    return openOnce(gguf_, w, [](const std::string &path, std::string &error) {
      return qcc::gguf::File::open(path, error);
    });
  }
  /// The file `w.source` from `cache`, opened by `open(path, error)` (null on
  /// failure) on first use.
  template <typename File, typename Open>
  static Expected<File *> openOnce(std::map<std::string, std::unique_ptr<File>> &cache,
                                   const qcc::ExternalWeight &w, Open open) {
    std::unique_ptr<File> &file = cache[w.source];
    if (!file) {
      std::string error;
      file = open(w.source, error);
      if (!file)
        return makeError("external weight @" + w.symbol + ": " + error);
    }
    return file.get();
  }
  std::map<std::string, std::unique_ptr<qcc::gguf::File>> gguf_;
  std::map<std::string, std::unique_ptr<qcc::safetensors::File>> safetensors_;
  std::map<std::string, std::unique_ptr<qcc::MappedFile>> raw_;
};

Expected<Plan> Sources::resolvePacked(const qcc::ExternalWeight &w) {
  Expected<qcc::gguf::File *> file = ggufFile(w);
  if (!file)
    return file.takeError();
  const qcc::gguf::TensorInfo *t = (*file)->findTensor(w.tensor);
  if (!t)
    return makeError(where(w) + ": no such tensor in the file");
  int bits;
  int64_t group;
  bool exact;
  if (t->dims.size() != 2 || !qcc::gguf::uniformScheme(t->type, bits, group, exact))
    return makeError(where(w) + ": gguf-packed needs a 2-D block-quantized "
                     "tensor, found " + Twine(t->dims.size()) + "-D " +
                     qcc::gguf::typeName(t->type));
  if (bits != w.packedBits || group != w.packedGroup)
    return makeError(where(w) + ": stored as " + qcc::gguf::typeName(t->type) +
                     " (uniform " + Twine(bits) + "-bit, group " + Twine(group) +
                     "), the IR expects " + Twine(w.packedBits) + "-bit, group " +
                     Twine(w.packedGroup));
  Plan plan;
  plan.kind = Plan::GGUFPack;
  plan.data = t->data;
  plan.size = t->size;
  plan.ggmlType = t->type;
  plan.rows = int64_t(t->dims[1]);
  plan.cols = int64_t(t->dims[0]);
  plan.bits = bits;
  plan.group = group;
  uint64_t packed = qcc_rt_qpacked_size(QCC_QF_UNIFORM, bits, plan.rows,
                                        plan.cols, group);
  if (packed == 0)
    return makeError(where(w) + ": the quantized kernels do not support " +
                     Twine(bits) + "-bit groups of " + Twine(group) +
                     " for W[" + Twine(plan.rows) + ", " + Twine(plan.cols) + "]");
  if (packed != w.byteSize())
    return makeError(where(w) + ": the packed blob has " + Twine(packed) +
                     " bytes, the IR expects " + Twine(w.byteSize()));
  return plan;
}

Expected<Plan> Sources::resolve(const qcc::ExternalWeight &w) {
  Plan plan;
  if (w.format == "gguf") {
    Expected<qcc::gguf::File *> file = ggufFile(w);
    if (!file)
      return file.takeError();
    const qcc::gguf::TensorInfo *t = (*file)->findTensor(w.tensor);
    if (!t)
      return makeError(where(w) + ": no such tensor in the file");
    std::vector<int64_t> shape(t->dims.rbegin(), t->dims.rend());
    if (shape != w.shape)
      return makeError(where(w) + ": the file holds shape " +
                       shapeString(shape) + ", the IR expects " +
                       shapeString(w.shape));
    plan.data = t->data;
    plan.size = t->size;
    plan.ggmlType = t->type;
    bool same = (w.elementType == "f32" && t->type == qcc::gguf::TensorType::F32) ||
                (w.elementType == "f16" && t->type == qcc::gguf::TensorType::F16) ||
                (w.elementType == "bf16" && t->type == qcc::gguf::TensorType::BF16);
    if (same)
      plan.kind = Plan::Copy;
    else if (w.elementType == "f32")
      plan.kind = Plan::Dequantize;
    else
      return makeError(where(w) + ": stored as " +
                       qcc::gguf::typeName(t->type) + ", which qcc converts to "
                       "f32 only, not " + w.elementType);
    return plan;
  }
  if (w.format == "gguf-packed")
    return resolvePacked(w);
  if (w.format == "safetensors") {
    Expected<qcc::safetensors::File *> file =
        openOnce(safetensors_, w, [](const std::string &path, std::string &error) {
          return qcc::safetensors::File::open(path, error);
        });
    if (!file)
      return file.takeError();
    const qcc::safetensors::TensorView *t = (*file)->find(w.tensor);
    if (!t)
      return makeError(where(w) + ": no such tensor in the file");
    if (t->shape != w.shape)
      return makeError(where(w) + ": the file holds shape " +
                       shapeString(t->shape) + ", the IR expects " +
                       shapeString(w.shape));
    plan.data = t->data;
    plan.size = t->size;
    using qcc::safetensors::DType;
    static const std::map<DType, const char *> sameType = {
        {DType::F32, "f32"}, {DType::F16, "f16"}, {DType::BF16, "bf16"},
        {DType::I8, "i8"},   {DType::I32, "i32"}, {DType::I64, "i64"}};
    auto same = sameType.find(t->dtype);
    if (same != sameType.end() && w.elementType == same->second)
      plan.kind = Plan::Copy;
    else if (w.elementType == "f32" && t->dtype == DType::F16)
      plan.kind = Plan::F16ToF32;
    else if (w.elementType == "f32" && t->dtype == DType::BF16)
      plan.kind = Plan::BF16ToF32;
    else
      return makeError(where(w) + ": stored as " +
                       qcc::safetensors::dtypeName(t->dtype) +
                       ", which cannot be converted to " + w.elementType);
    return plan;
  }
  if (w.format == "raw") {
    Expected<qcc::MappedFile *> mapped =
        openOnce(raw_, w, [](const std::string &path, std::string &error) {
          auto file = std::make_unique<qcc::MappedFile>();
          if (!file->open(path, error)) {
            error = "'" + path + "': " + error;
            file.reset();
          }
          return file;
        });
    if (!mapped)
      return mapped.takeError();
    qcc::MappedFile *file = *mapped;
    uint64_t end = w.offset + w.byteSize();
    if (end < w.offset || end > file->size())
      return makeError(where(w) + ": needs bytes [" + Twine(w.offset) + ", " +
                       Twine(end) + ") but the file has " + Twine(file->size()) +
                       " bytes");
    plan.data = file->data() + w.offset;
    plan.size = w.byteSize();
    return plan;
  }
  return makeError("external weight @" + w.symbol + ": unknown format '" +
                   w.format + "'");
}

/// Tells the kernel that the whole pages inside [begin, end) of a read-only
/// mapping are not needed any more (they stay in the page cache, but leave
/// this process's resident set).
void releasePages(const uint8_t *begin, const uint8_t *end) {
  static const uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
  uintptr_t lo = (uintptr_t(begin) + page - 1) & ~(page - 1);
  uintptr_t hi = uintptr_t(end) & ~(page - 1);
  if (hi > lo)
    madvise(reinterpret_cast<void *>(lo), hi - lo, MADV_DONTNEED);
}

/// Repacks a GGUF block-quantized W[rows, cols] with qcc_rt_qpack: the one
/// tensor's codes (1 byte per weight) and blob are in memory at a time
/// (the blob layout is private to the kernels, so it is built whole).
void streamPacked(const Plan &plan, raw_ostream &os) {
  uint64_t numel = uint64_t(plan.rows) * uint64_t(plan.cols);
  std::vector<uint8_t> codes(numel);
  std::vector<float> scales(numel / plan.group), mins(numel / plan.group);
  qcc::gguf::TensorInfo t;
  t.type = plan.ggmlType;
  t.numel = numel;
  t.data = plan.data;
  t.size = plan.size;
  qcc::gguf::toUniform(t, codes.data(), scales.data(), mins.data());
  releasePages(plan.data, plan.data + plan.size);
  std::vector<uint8_t> blob(qcc_rt_qpacked_size(QCC_QF_UNIFORM, int32_t(plan.bits),
                                                plan.rows, plan.cols, plan.group));
  qcc_rt_qpack(QCC_QF_UNIFORM, int32_t(plan.bits), plan.rows, plan.cols,
               plan.group, codes.data(), scales.data(), mins.data(), blob.data());
  os.write(reinterpret_cast<const char *>(blob.data()), blob.size());
}

/// Writes the bytes of `plan` (a weight of `numel` elements) to `os`.
void streamWeight(const Plan &plan, uint64_t numel, raw_ostream &os) {
  if (plan.kind == Plan::GGUFPack)
    return streamPacked(plan, os);
  if (plan.kind == Plan::Copy) {
    for (uint64_t done = 0; done < plan.size;) {
      uint64_t n = std::min<uint64_t>(kChunkBytes, plan.size - done);
      os.write(reinterpret_cast<const char *>(plan.data + done), n);
      releasePages(plan.data + done, plan.data + done + n);
      done += n;
    }
    return;
  }
  std::vector<float> buffer;
  if (plan.kind == Plan::F16ToF32 || plan.kind == Plan::BF16ToF32) {
    const uint64_t perChunk = kChunkBytes / 4;
    buffer.resize(perChunk);
    for (uint64_t first = 0; first < numel; first += perChunk) {
      uint64_t n = std::min(perChunk, numel - first);
      const uint8_t *p = plan.data + 2 * first;
      auto dtype = plan.kind == Plan::F16ToF32 ? qcc::safetensors::DType::F16
                                               : qcc::safetensors::DType::BF16;
      for (uint64_t k = 0; k < n; ++k)
        buffer[k] = qcc::safetensors::elementToFloat(dtype, p + 2 * k);
      os.write(reinterpret_cast<const char *>(buffer.data()), n * 4);
      releasePages(p, p + 2 * n);
    }
    return;
  }
  // GGUF: dequantize whole blocks, about a million elements at a time, with
  // the reader's own dequantizer (ggml element order is row-major order of
  // the reversed dims).
  size_t blockElems, blockBytes;
  qcc::gguf::blockLayout(plan.ggmlType, blockElems, blockBytes);
  uint64_t blocksPerChunk = std::max<uint64_t>(1, (1u << 20) / blockElems);
  uint64_t totalBlocks = numel / blockElems;
  for (uint64_t b = 0; b < totalBlocks; b += blocksPerChunk) {
    uint64_t nb = std::min(blocksPerChunk, totalBlocks - b);
    qcc::gguf::TensorInfo chunk;
    chunk.type = plan.ggmlType;
    chunk.numel = nb * blockElems;
    chunk.data = plan.data + b * blockBytes;
    chunk.size = nb * blockBytes;
    qcc::gguf::dequantize(chunk, buffer);
    os.write(reinterpret_cast<const char *>(buffer.data()), chunk.numel * 4);
    releasePages(chunk.data, chunk.data + chunk.size);
  }
}

/// A stream into a caller-provided buffer of fixed size.
class BufferStream : public raw_ostream {
public:
  BufferStream(char *out, uint64_t size) : out_(out), size_(size) {
    SetUnbuffered();
  }
  bool overflowed() const { return overflow_; }

private:
  void write_impl(const char *p, size_t n) override {
    if (pos_ + n > size_) {
      overflow_ = true;
      n = pos_ < size_ ? size_ - pos_ : 0;
    }
    std::memcpy(out_ + pos_, p, n);
    pos_ += n;
  }
  uint64_t current_pos() const override { return pos_; }
  char *out_;
  uint64_t size_, pos_ = 0;
  bool overflow_ = false;
};

/// Writes `value` as raw bytes (the object is little-endian, as the host).
template <typename T> void writeRaw(raw_ostream &os, const T &value) {
  os.write(reinterpret_cast<const char *>(&value), sizeof(T));
}

void pad(raw_ostream &os, uint64_t &pos, uint64_t to) {
  for (; pos < to; ++pos)
    os << '\0';
}

/// Offsets of the weights in the weight section (each 64-byte aligned), and
/// the section size.
std::vector<uint64_t> layoutWeights(const std::vector<qcc::ExternalWeight> &weights,
                                    uint64_t &total) {
  std::vector<uint64_t> offsets;
  total = 0;
  for (const qcc::ExternalWeight &w : weights) {
    total = alignTo64(total);
    offsets.push_back(total);
    total += w.byteSize();
  }
  return offsets;
}

} // namespace

uint64_t qcc::ExternalWeight::numElements() const {
  uint64_t n = 1;
  for (int64_t d : shape)
    n *= uint64_t(d);
  return n;
}

Error qcc::checkExternalWeights(const std::vector<ExternalWeight> &weights) {
  Sources sources;
  for (const ExternalWeight &w : weights) {
    Expected<Plan> plan = sources.resolve(w);
    if (!plan)
      return plan.takeError();
  }
  return Error::success();
}

Error qcc::readExternalWeight(const ExternalWeight &w, char *out,
                              uint64_t outSize) {
  if (outSize != w.byteSize())
    return makeError("external weight @" + w.symbol + ": a buffer of " +
                     Twine(outSize) + " bytes for " + Twine(w.byteSize()));
  Sources sources;
  Expected<Plan> plan = sources.resolve(w);
  if (!plan)
    return plan.takeError();
  BufferStream os(out, outSize);
  streamWeight(*plan, w.numElements(), os);
  if (os.overflowed() || os.tell() != outSize)
    return makeError("external weight @" + w.symbol + ": read " +
                     Twine(os.tell()) + " bytes, expected " + Twine(outSize));
  return Error::success();
}

Error qcc::writeWeightObject(const std::vector<ExternalWeight> &weights,
                             StringRef path, StringRef tripleName) {
  if (!sys::IsLittleEndianHost)
    return makeError("external weights need a little-endian host");
  Triple triple(tripleName);
  uint16_t machine;
  if (triple.getArch() == Triple::x86_64)
    machine = ELF::EM_X86_64;
  else if (triple.getArch() == Triple::aarch64)
    machine = ELF::EM_AARCH64;
  else
    return makeError("external weights are supported for x86-64 and AArch64 "
                     "ELF targets, not '" + tripleName + "'");
  if (!triple.isOSBinFormatELF())
    return makeError("external weights need an ELF target, not '" +
                     tripleName + "'");

  // Layout: ELF header, symbol table, string tables, section headers. The
  // weight section is SHT_NOBITS: it reserves the address range and defines
  // the symbols, and holds no bytes (injectWeights fills it after linking).
  enum { kData = 1, kSymtab, kStrtab, kShstrtab, kNote, kNumSections };
  uint64_t dataStart = alignTo64(sizeof(ELF::Elf64_Ehdr)), dataSize = 0;
  std::vector<uint64_t> offsets = layoutWeights(weights, dataSize);
  std::string strtab(1, '\0');
  std::vector<ELF::Elf64_Sym> symbols(1);
  std::memset(&symbols[0], 0, sizeof(ELF::Elf64_Sym));
  for (size_t i = 0; i < weights.size(); ++i) {
    const ExternalWeight &w = weights[i];
    ELF::Elf64_Sym s;
    std::memset(&s, 0, sizeof(s));
    s.st_name = uint32_t(strtab.size());
    s.setBindingAndType(ELF::STB_GLOBAL, ELF::STT_OBJECT);
    s.st_other = ELF::STV_HIDDEN;
    s.st_shndx = kData;
    s.st_value = offsets[i];
    s.st_size = w.byteSize();
    symbols.push_back(s);
    strtab += w.symbol;
    strtab.push_back('\0');
  }
  static const char kSectionNames[] =
      "\0.qcc_weights\0.symtab\0.strtab\0.shstrtab\0.note.GNU-stack";
  const std::string shstrtab(kSectionNames, sizeof(kSectionNames));
  auto nameOf = [&](const char *s) {
    return uint32_t(shstrtab.find(std::string(s) + '\0'));
  };
  uint64_t symtabOff = dataStart;
  uint64_t symtabSize = symbols.size() * sizeof(ELF::Elf64_Sym);
  uint64_t strtabOff = symtabOff + symtabSize;
  uint64_t shstrtabOff = strtabOff + strtab.size();
  uint64_t shOff = (shstrtabOff + shstrtab.size() + 7) & ~uint64_t(7);

  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return makeError("cannot write '" + path + "': " + ec.message());

  ELF::Elf64_Ehdr eh;
  std::memset(&eh, 0, sizeof(eh));
  std::memcpy(eh.e_ident, ELF::ElfMagic, 4);
  eh.e_ident[ELF::EI_CLASS] = ELF::ELFCLASS64;
  eh.e_ident[ELF::EI_DATA] = ELF::ELFDATA2LSB;
  eh.e_ident[ELF::EI_VERSION] = ELF::EV_CURRENT;
  eh.e_type = ELF::ET_REL;
  eh.e_machine = machine;
  eh.e_version = ELF::EV_CURRENT;
  eh.e_shoff = shOff;
  eh.e_ehsize = sizeof(ELF::Elf64_Ehdr);
  eh.e_shentsize = sizeof(ELF::Elf64_Shdr);
  eh.e_shnum = kNumSections;
  eh.e_shstrndx = kShstrtab;
  writeRaw(os, eh);
  uint64_t pos = sizeof(eh);

  pad(os, pos, symtabOff);
  for (const ELF::Elf64_Sym &s : symbols)
    writeRaw(os, s);
  os << strtab << shstrtab;
  pos = shstrtabOff + shstrtab.size();
  pad(os, pos, shOff);

  ELF::Elf64_Shdr sh[kNumSections];
  std::memset(sh, 0, sizeof(sh));
  sh[kData].sh_name = nameOf(".qcc_weights");
  sh[kData].sh_type = ELF::SHT_NOBITS;
  sh[kData].sh_flags = ELF::SHF_ALLOC;
  sh[kData].sh_offset = dataStart;
  sh[kData].sh_size = dataSize;
  sh[kData].sh_addralign = kWeightAlign;
  sh[kSymtab].sh_name = nameOf(".symtab");
  sh[kSymtab].sh_type = ELF::SHT_SYMTAB;
  sh[kSymtab].sh_offset = symtabOff;
  sh[kSymtab].sh_size = symtabSize;
  sh[kSymtab].sh_link = kStrtab;
  sh[kSymtab].sh_info = 1; // first global symbol
  sh[kSymtab].sh_addralign = 8;
  sh[kSymtab].sh_entsize = sizeof(ELF::Elf64_Sym);
  sh[kStrtab].sh_name = nameOf(".strtab");
  sh[kStrtab].sh_type = ELF::SHT_STRTAB;
  sh[kStrtab].sh_offset = strtabOff;
  sh[kStrtab].sh_size = strtab.size();
  sh[kStrtab].sh_addralign = 1;
  sh[kShstrtab].sh_name = nameOf(".shstrtab");
  sh[kShstrtab].sh_type = ELF::SHT_STRTAB;
  sh[kShstrtab].sh_offset = shstrtabOff;
  sh[kShstrtab].sh_size = shstrtab.size();
  sh[kShstrtab].sh_addralign = 1;
  sh[kNote].sh_name = nameOf(".note.GNU-stack"); // no executable stack
  sh[kNote].sh_type = ELF::SHT_PROGBITS;
  sh[kNote].sh_offset = shOff;
  sh[kNote].sh_addralign = 1;
  for (const ELF::Elf64_Shdr &s : sh)
    writeRaw(os, s);
  os.close();
  if (os.has_error()) {
    std::string msg = os.error().message();
    os.clear_error();
    sys::fs::remove(path);
    return makeError("cannot write '" + path + "': " + msg);
  }
  return Error::success();
}

Error qcc::injectWeights(const std::vector<ExternalWeight> &weights,
                         StringRef linkedPath, StringRef outPath) {
  auto bad = [&](const Twine &why) {
    return makeError("cannot place the weights into '" + linkedPath + "': " +
                     why);
  };
  qcc::MappedFile linked;
  std::string error;
  if (!linked.open(linkedPath.str(), error))
    return bad(error);
  const uint8_t *base = linked.data();
  uint64_t fileSize = linked.size();
  ELF::Elf64_Ehdr eh;
  if (fileSize < sizeof(eh))
    return bad("not an ELF file");
  std::memcpy(&eh, base, sizeof(eh));
  if (std::memcmp(eh.e_ident, ELF::ElfMagic, 4) != 0 ||
      eh.e_ident[ELF::EI_CLASS] != ELF::ELFCLASS64 ||
      eh.e_ident[ELF::EI_DATA] != ELF::ELFDATA2LSB ||
      eh.e_phentsize != sizeof(ELF::Elf64_Phdr) ||
      eh.e_shentsize != sizeof(ELF::Elf64_Shdr) ||
      eh.e_phoff + uint64_t(eh.e_phnum) * sizeof(ELF::Elf64_Phdr) > fileSize ||
      eh.e_shoff + uint64_t(eh.e_shnum) * sizeof(ELF::Elf64_Shdr) > fileSize ||
      eh.e_shstrndx >= eh.e_shnum)
    return bad("not a 64-bit little-endian ELF file");
  std::vector<ELF::Elf64_Phdr> ph(eh.e_phnum);
  std::memcpy(ph.data(), base + eh.e_phoff, ph.size() * sizeof(ELF::Elf64_Phdr));
  std::vector<ELF::Elf64_Shdr> sh(eh.e_shnum);
  std::memcpy(sh.data(), base + eh.e_shoff, sh.size() * sizeof(ELF::Elf64_Shdr));

  // The weight section: NOBITS at the tail of a read-only PT_LOAD segment.
  const ELF::Elf64_Shdr &names = sh[eh.e_shstrndx];
  if (names.sh_offset + names.sh_size > fileSize)
    return bad("truncated section names");
  ELF::Elf64_Shdr *section = nullptr;
  for (ELF::Elf64_Shdr &s : sh)
    if (s.sh_name < names.sh_size &&
        StringRef(reinterpret_cast<const char *>(base + names.sh_offset + s.sh_name),
                  names.sh_size - s.sh_name).starts_with(".qcc_weights\0"))
      section = &s;
  if (!section || section->sh_type != ELF::SHT_NOBITS)
    return bad("no .qcc_weights NOBITS section");
  uint64_t size = 0;
  std::vector<uint64_t> offsets = layoutWeights(weights, size);
  if (section->sh_size != size)
    return bad(".qcc_weights holds " + Twine(section->sh_size) +
               " bytes, the weights " + Twine(size));
  ELF::Elf64_Phdr *segment = nullptr;
  uint64_t pageAlign = 1;
  for (ELF::Elf64_Phdr &p : ph) {
    if (p.p_type != ELF::PT_LOAD)
      continue;
    pageAlign = std::max<uint64_t>(pageAlign, p.p_align);
    if (section->sh_addr >= p.p_vaddr &&
        section->sh_addr + size <= p.p_vaddr + p.p_memsz)
      segment = &p;
  }
  if (!segment || section->sh_addr + size != segment->p_vaddr + segment->p_memsz ||
      segment->p_vaddr + segment->p_filesz > section->sh_addr ||
      (segment->p_flags & ELF::PF_W))
    return bad(".qcc_weights is not at the end of a read-only segment");

  // New file: [0, cut) as linked; the weights at their address's offset in
  // the segment; the rest of the linked file shifted by `delta` (a multiple
  // of the page alignment, so offsets stay congruent to addresses).
  uint64_t cut = segment->p_offset + segment->p_filesz;
  uint64_t dataOffset = segment->p_offset + (section->sh_addr - segment->p_vaddr);
  uint64_t delta = (dataOffset + size - cut + pageAlign - 1) / pageAlign * pageAlign;
  for (ELF::Elf64_Phdr &p : ph) {
    if (&p == segment)
      continue;
    if (p.p_offset < cut && p.p_offset + p.p_filesz > cut)
      return bad("a segment spans the weight section");
    if (p.p_offset >= cut && p.p_filesz)
      p.p_offset += delta;
  }
  segment->p_filesz = dataOffset + size - segment->p_offset;
  for (ELF::Elf64_Shdr &s : sh)
    if (&s != section && s.sh_offset >= cut)
      s.sh_offset += delta;
  section->sh_type = ELF::SHT_PROGBITS;
  section->sh_offset = dataOffset;
  uint64_t oldShoff = eh.e_shoff;
  if (eh.e_shoff >= cut)
    eh.e_shoff += delta;
  if (eh.e_phoff + ph.size() * sizeof(ELF::Elf64_Phdr) > cut)
    return bad("the program headers are not at the start of the file");

  std::error_code ec;
  raw_fd_ostream os(outPath, ec, sys::fs::OF_None);
  if (ec)
    return makeError("cannot write '" + outPath + "': " + ec.message());
  auto fail = [&](Error e) {
    os.close();
    os.clear_error();
    sys::fs::remove(outPath);
    return e;
  };
  // Head, with the patched ELF and program headers.
  std::string head(reinterpret_cast<const char *>(base), cut);
  std::memcpy(&head[0], &eh, sizeof(eh));
  std::memcpy(&head[eh.e_phoff], ph.data(), ph.size() * sizeof(ELF::Elf64_Phdr));
  os << head;
  uint64_t pos = cut;
  // The weights, streamed from their sources.
  Sources sources;
  for (size_t i = 0; i < weights.size(); ++i) {
    Expected<Plan> plan = sources.resolve(weights[i]);
    if (!plan)
      return fail(plan.takeError());
    pad(os, pos, dataOffset + offsets[i]);
    streamWeight(*plan, weights[i].numElements(), os);
    pos += weights[i].byteSize();
    if (os.has_error())
      return fail(makeError("cannot write '" + outPath +
                            "': " + os.error().message()));
  }
  pad(os, pos, cut + delta);
  // The tail (code, data, symbols: small), with the patched section headers.
  std::string tail(reinterpret_cast<const char *>(base + cut), fileSize - cut);
  if (oldShoff >= cut)
    std::memcpy(&tail[oldShoff - cut], sh.data(), sh.size() * sizeof(ELF::Elf64_Shdr));
  os << tail;
  os.close();
  if (os.has_error()) {
    std::string msg = os.error().message();
    os.clear_error();
    sys::fs::remove(outPath);
    return makeError("cannot write '" + outPath + "': " + msg);
  }
  return Error::success();
}
