#!/usr/bin/env bash
# Configures (once) and builds qcc with clang-22, lld, Ninja and ccache into $QCC_BUILD_DIR (default build/).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${QCC_BUILD_DIR:-$ROOT/build}
JOBS=${QCC_JOBS:-$(nproc)}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=/usr/lib/llvm-22/bin/clang \
    -DCMAKE_CXX_COMPILER=/usr/lib/llvm-22/bin/clang++ \
    -DLLVM_USE_LINKER=lld \
    -DPython3_EXECUTABLE="$(command -v python3)"
fi
ninja -C "$BUILD" -j "$JOBS"
