//===- TargetInfo.cpp - named x86-64 code generation targets --------------===//

#include "qcc/Target/X86/TargetInfo.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>

using namespace qcc::x86;

static constexpr const char *kLinuxTriple = "x86_64-unknown-linux-gnu";

/// The AVX-512 target: Skylake-SP and later (F/BW/DQ/VL, FMA), 32 zmm registers.
static TargetInfo makeAvx512() {
  TargetInfo t;
  t.name = "avx512";
  t.description = "x86-64 with AVX-512 F/BW/DQ/VL and FMA (x86-64-v4), 32 zmm registers";
  t.triple = kLinuxTriple;
  t.cpu = "skylake-avx512";
  t.features = "+avx512f,+avx512bw,+avx512dq,+avx512vl,+avx2,+fma,+f16c,+bmi2";
  t.vectorBits = 512;
  t.numVectorRegisters = 32;
  return t;
}

/// The AVX2 target: Haswell and later (AVX2, FMA), 16 ymm registers.
static TargetInfo makeAvx2() {
  TargetInfo t;
  t.name = "avx2";
  t.description = "x86-64 with AVX2 and FMA (x86-64-v3), 16 ymm registers";
  t.triple = kLinuxTriple;
  t.cpu = "haswell";
  t.features = "+avx2,+fma,+f16c,+bmi2,-avx512f";
  t.vectorBits = 256;
  t.numVectorRegisters = 16;
  return t;
}

TargetInfo qcc::x86::getHostTarget() {
  TargetInfo t;
  t.name = "native";
  t.triple = kLinuxTriple;
  t.cpu = llvm::sys::getHostCPUName().str();
  llvm::StringMap<bool> hostFeatures = llvm::sys::getHostCPUFeatures();
  std::vector<std::string> enabled;
  for (const auto &entry : hostFeatures)
    enabled.push_back((entry.second ? "+" : "-") + entry.first().str());
  std::sort(enabled.begin(), enabled.end());
  t.features = llvm::join(enabled, ",");
  auto has = [&](llvm::StringRef f) {
    auto it = hostFeatures.find(f);
    return it != hostFeatures.end() && it->second;
  };
  t.hasFMA = has("fma");
  if (has("avx512f")) {
    t.vectorBits = 512;
    t.numVectorRegisters = 32;
  } else if (has("avx")) {
    t.vectorBits = 256;
    t.numVectorRegisters = 16;
  } else {
    t.vectorBits = 128;
    t.numVectorRegisters = 16;
  }
  t.description = "the host CPU (" + t.cpu + ", " +
                  std::to_string(t.vectorBits) + "-bit vectors)";
  return t;
}

std::vector<std::string> qcc::x86::listTargetNames() {
  return {"avx512", "avx2", "native"};
}

std::vector<TargetInfo> qcc::x86::listTargets() {
  return {makeAvx512(), makeAvx2(), getHostTarget()};
}

llvm::Expected<TargetInfo> qcc::x86::lookupTarget(llvm::StringRef name) {
  if (name == "avx512")
    return makeAvx512();
  if (name == "avx2")
    return makeAvx2();
  if (name == "native" || name == "host")
    return getHostTarget();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "unknown target '" + name.str() +
          "'; valid targets are: " + llvm::join(listTargetNames(), ", "));
}
