#!/usr/bin/env bash
# Times f32 matmuls on one thread next to the machine's FP32 FMA peak:
#   1. 512^3 and 1024^3 compiled by qcc-lower-to-llvm with ukernels=false (MLIR-generated micro-tiles);
#   2. the runtime micro-kernel qcc_rt_sgemm (libqcc_kernels.a, what model.so calls by default) on square
#      and model-shaped products (bench_sgemm.c).
# Usage: run.sh [target] [reps]
#   target: avx512 | avx2 | native (default: native); reps: timing repetitions (default 20).
# Needs a built qcc-opt (QCC_BUILD_DIR, default build/) and LLVM 22 tools.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${QCC_BUILD_DIR:-$ROOT/build}
LLVM=/usr/lib/llvm-22/bin
TARGET=${1:-native}
REPS=${2:-20}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for n in 512 1024; do
  cat > "$WORK/mm$n.mlir" <<MLIR
func.func @matmul_$n(%a: tensor<${n}x${n}xf32>, %b: tensor<${n}x${n}xf32>) -> tensor<${n}x${n}xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<${n}x${n}xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<${n}x${n}xf32>) -> tensor<${n}x${n}xf32>
  %r = linalg.matmul ins(%a, %b : tensor<${n}x${n}xf32>, tensor<${n}x${n}xf32>) outs(%c : tensor<${n}x${n}xf32>) -> tensor<${n}x${n}xf32>
  return %r : tensor<${n}x${n}xf32>
}
MLIR
  "$BUILD/bin/qcc-opt" "$WORK/mm$n.mlir" "-qcc-lower-to-llvm=target=$TARGET ukernels=false" \
    | "$LLVM/mlir-translate" --mlir-to-llvmir -o "$WORK/mm$n.ll"
  "$LLVM/clang" -O3 -march=native -Wno-override-module -c "$WORK/mm$n.ll" -o "$WORK/mm$n.o"
done
"$LLVM/clang" -O2 -march=native "$(dirname "$0")/bench_matmul.c" "$WORK/mm512.o" "$WORK/mm1024.o" \
  "$BUILD/lib/libqcc_kernels.a" -lstdc++ -fuse-ld=lld -o "$WORK/bench"
echo "target=$TARGET cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) load=$(cut -d' ' -f1-3 /proc/loadavg)"
"$WORK/bench" "$REPS"
"$LLVM/clang" -O2 -I"$ROOT/include" "$(dirname "$0")/bench_sgemm.c" "$BUILD/lib/libqcc_kernels.a" -lstdc++ \
  -fuse-ld=lld -o "$WORK/bench_sgemm"
"$WORK/bench_sgemm" "$REPS"
