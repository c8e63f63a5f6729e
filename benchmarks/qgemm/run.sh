#!/usr/bin/env bash
# Builds and runs bench_qgemm.cpp (qcc_rt_qgemm vs qcc_rt_sgemm, decode and prefill shapes of SmolLM2) with
# 1 and 2 threads, next to the machine's streaming read bandwidth (benchmarks/llm/membw.c).
# Usage: run.sh [seconds per case (default 0.3)] [prefill M (128)] [schemes a,b (all)]. Needs a built build/lib/libqcc_kernels.a and
# libqcc_runtime_static.a (ninja -C build qcc_kernels qcc_runtime_static).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${QCC_BUILD_DIR:-$ROOT/build}
LLVM=/usr/lib/llvm-22/bin
SECONDS_PER_CASE=${1:-0.3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$LLVM/clang++" -std=c++17 -O2 -I"$ROOT/include" -I"$ROOT/runtime" "$(dirname "$0")/bench_qgemm.cpp" \
  "$BUILD/lib/libqcc_kernels.a" "$BUILD/lib/libqcc_runtime_static.a" -lpthread -fuse-ld=lld -o "$WORK/bench_qgemm"
"$LLVM/clang" -O2 -mavx2 "$ROOT/benchmarks/llm/membw.c" -lpthread -o "$WORK/membw"
echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) load=$(cut -d' ' -f1-3 /proc/loadavg)"
"$WORK/membw" 512 2
for t in 1 2; do "$WORK/bench_qgemm" "$t" "$SECONDS_PER_CASE" ${2:-128} ${3:-}; done
echo "load after=$(cut -d' ' -f1-3 /proc/loadavg)"
