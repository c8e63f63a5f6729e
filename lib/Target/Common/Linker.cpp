//===- Linker.cpp - links model.so with the runtime; atomic file output ----===//
#include "qcc/Target/Common/ModelEmitter.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

using namespace llvm;

#ifndef QCC_DEFAULT_CLANG
#define QCC_DEFAULT_CLANG "/usr/lib/llvm-22/bin/clang++"
#endif
#ifndef QCC_BUILD_LIB_DIR
#define QCC_BUILD_LIB_DIR ""
#endif

namespace {

Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

const char *kRuntimeArchive = "libqcc_model_rt.a";

/// The directory of the running executable.
std::string executableDir() {
  static int anchor;
  std::string exe = sys::fs::getMainExecutable("qcc", &anchor);
  return exe.empty() ? std::string() : sys::path::parent_path(exe).str();
}

/// Finds libqcc_model_rt.a: the explicit directory, $QCC_RUNTIME_LIB_DIR,
/// <bin>/../lib (install and build trees), then the configured build tree.
Expected<std::string> findRuntimeArchive(StringRef explicitDir) {
  SmallVector<std::string> dirs;
  if (!explicitDir.empty())
    dirs.push_back(explicitDir.str());
  else {
    if (const char *env = std::getenv("QCC_RUNTIME_LIB_DIR"))
      dirs.push_back(env);
    std::string exeDir = executableDir();
    if (!exeDir.empty()) {
      SmallString<256> p(exeDir);
      sys::path::append(p, "..", "lib");
      dirs.push_back(p.str().str());
    }
    if (*QCC_BUILD_LIB_DIR)
      dirs.push_back(QCC_BUILD_LIB_DIR);
  }
  for (const std::string &dir : dirs) {
    SmallString<256> p(dir);
    sys::path::append(p, kRuntimeArchive);
    if (sys::fs::exists(p))
      return p.str().str();
  }
  std::string searched;
  for (const std::string &d : dirs)
    searched += (searched.empty() ? "" : ", ") + d;
  return makeError(Twine("cannot find the runtime archive ") + kRuntimeArchive +
                   " (searched: " + searched +
                   "; set QCC_RUNTIME_LIB_DIR)");
}

/// Finds the clang driver used to link.
Expected<std::string> findLinker(StringRef explicitPath) {
  if (!explicitPath.empty())
    return explicitPath.str();
  if (const char *env = std::getenv("QCC_CLANG"))
    return std::string(env);
  if (sys::fs::can_execute(QCC_DEFAULT_CLANG))
    return std::string(QCC_DEFAULT_CLANG);
  if (ErrorOr<std::string> p = sys::findProgramByName("clang++-22"))
    return *p;
  if (ErrorOr<std::string> p = sys::findProgramByName("clang++"))
    return *p;
  return makeError("cannot find clang++ to link model.so (set QCC_CLANG)");
}

/// Creates a temporary file next to `outputPath` (same file system, so that
/// the final rename is atomic).
Expected<sys::fs::TempFile> tempNextTo(StringRef outputPath) {
  SmallString<256> model(outputPath);
  model += ".tmp-%%%%%%";
  Expected<sys::fs::TempFile> tmp = sys::fs::TempFile::create(model);
  if (!tmp)
    return makeError("cannot create a temporary file for '" + outputPath +
                     "': " + toString(tmp.takeError()));
  return tmp;
}

} // namespace

Error qcc::writeFileAtomically(StringRef outputPath, StringRef contents) {
  if (outputPath == "-") {
    outs() << contents;
    outs().flush();
    return Error::success();
  }
  Expected<sys::fs::TempFile> tmp = tempNextTo(outputPath);
  if (!tmp)
    return tmp.takeError();
  {
    raw_fd_ostream os(tmp->FD, /*shouldClose=*/false);
    os << contents;
    os.flush();
    if (os.has_error()) {
      std::string msg = os.error().message();
      os.clear_error();
      consumeError(tmp->discard());
      return makeError("cannot write '" + outputPath + "': " + msg);
    }
  }
  if (Error e = tmp->keep(outputPath))
    return makeError("cannot write '" + outputPath +
                     "': " + toString(std::move(e)));
  return Error::success();
}

Error qcc::linkModelLibrary(StringRef objectPath, const EmitOptions &options,
                            StringRef outputPath) {
  Expected<std::string> archive = findRuntimeArchive(options.runtimeLibDir);
  if (!archive)
    return archive.takeError();
  Expected<std::string> linker = findLinker(options.linker);
  if (!linker)
    return linker.takeError();

  // Only the model ABI is exported: qcc_get_api and the metadata.
  SmallString<256> scriptPath;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("qcc-exports", "map", scriptPath))
    return makeError("cannot create a temporary file: " + ec.message());
  FileRemover scriptRemover(scriptPath);
  {
    std::error_code ec;
    raw_fd_ostream os(scriptPath, ec);
    if (ec)
      return makeError("cannot write " + scriptPath + ": " + ec.message());
    // qcc_observer_*: the calibration export of runtime/observe, present
    // only when the model calls qcc_rt_observe_f32 (a pattern, so no error
    // when it is absent). SENS: qcc_delta_api_*, the same for the weight-
    // delta hooks of runtime/sensitivity (qcc --sensitivity=kl builds).
    os << "{\n  global:\n    qcc_get_api;\n    " << kMetadataSymbol
       << ";\n    qcc_observer_*;\n    qcc_delta_api_*;\n  local:\n    *;\n};\n";
  }
  SmallString<256> logPath;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("qcc-link", "log", logPath))
    return makeError("cannot create a temporary file: " + ec.message());
  FileRemover logRemover(logPath);

  // Link to a temporary name first, then rename: no half-written model.so.
  SmallString<256> tmpOut(outputPath);
  tmpOut += ".tmp-link";
  FileRemover tmpRemover(tmpOut);

  // External weights: a small object reserving their addresses (no data).
  SmallString<256> weightsPath(outputPath);
  weightsPath += ".tmp-weights.o";
  FileRemover weightsRemover(weightsPath);
  if (!options.weights.empty())
    if (Error e = writeWeightObject(options.weights, weightsPath,
                                    options.machine.triple.empty()
                                        ? sys::getDefaultTargetTriple()
                                        : options.machine.triple))
      return e;
  std::string versionScript = ("-Wl,--version-script=" + scriptPath).str();
  SmallVector<StringRef> args = {*linker,
                                 "-shared",
                                 "-fuse-ld=lld",
                                 "-static-libgcc",
                                 "-o",
                                 tmpOut,
                                 objectPath,
                                 // Pull the model ABI out of the archive.
                                 "-Wl,--undefined=qcc_get_api",
                                 *archive,
                                 versionScript,
                                 "-Wl,-z,now",
                                 "-Wl,-z,relro",
                                 "-Wl,-z,noexecstack",
                                 "-Wl,--no-undefined",
                                 "-Wl,--as-needed",
                                 "-lm",
                                 "-lpthread"};
  if (!options.weights.empty())
    args.insert(args.begin() + 7, weightsPath);
  if (!options.machine.triple.empty()) {
    args.insert(args.begin() + 1, "-target");
    args.insert(args.begin() + 2, options.machine.triple);
  }
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(logPath),
                                          StringRef(logPath)};
  std::string execError;
  int rc = sys::ExecuteAndWait(*linker, args, std::nullopt, redirects, 0, 0,
                               &execError);
  if (rc != 0) {
    std::string log;
    if (ErrorOr<std::unique_ptr<MemoryBuffer>> buf =
            MemoryBuffer::getFile(logPath))
      log = (*buf)->getBuffer().trim().str();
    return makeError("linking '" + outputPath + "' failed" +
                     (execError.empty() ? "" : ": " + execError) +
                     (log.empty() ? "" : "\n" + log));
  }
  if (!options.weights.empty()) {
    // Stream the weights into the reserved range of the linked library.
    SmallString<256> withWeights(outputPath);
    withWeights += ".tmp-final";
    FileRemover finalRemover(withWeights);
    if (Error e = injectWeights(options.weights, tmpOut, withWeights))
      return e;
    if (std::error_code ec = sys::fs::setPermissions(
            withWeights, sys::fs::all_read | sys::fs::all_exe |
                             sys::fs::owner_write))
      return makeError("cannot write '" + outputPath + "': " + ec.message());
    if (std::error_code ec = sys::fs::rename(withWeights, outputPath))
      return makeError("cannot write '" + outputPath + "': " + ec.message());
    return Error::success();
  }
  if (std::error_code ec = sys::fs::rename(tmpOut, outputPath))
    return makeError("cannot write '" + outputPath + "': " + ec.message());
  return Error::success();
}
