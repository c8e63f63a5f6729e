#!/usr/bin/env bash
# run_formats.sh - SmolLM2-135M-Instruct compiled from its GGUF as F32 and with --quantize=f16, int8_pc_sym,
# int4_g128_asym and w8a8 (RTN), in one session: model.so size, compile wall time, and for each library two
# qcc-run generations with their peak resident memory (/usr/bin/time "Maximum resident set size"):
#   decode-only     a 1-token prompt ("The"): prefill is a GEMV (M <= 4), so qcc_rt_sgemm never builds its
#                   packed-B cache of the constant f32 weights; 64 greedy tokens -> decode tokens/s
#   prefill+decode  a ~300-token prompt (the head of the evaluation split), 16 greedy tokens: the f32
#                   library's prefill GEMMs (M > 4) pack every constant weight once more (QCC_GEMM_B_CONSTANT)
# Decode speed is given as qcc-run's tokens/s (wall) and as CPU seconds per decode step (1 thread; robust to
# other processes' load): (CPU time of a 64-token run - CPU time of an 8-token run) / 56.
# Usage: benchmarks/quant/run_formats.sh [build-dir] [work-dir] [threads]   (MODELS="f32 f16 ..." to subset)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
WORK=${2:-/tmp/qcc-formats-bench}
THREADS=${3:-1}
BIN=$BUILD/bin
mkdir -p "$WORK"
GGUF=$(cat "${QCC_DATA:-/work/wt/data}/gguf.path")
EVAL=${QCC_DATA:-/work/wt/data}/eval.txt
head -c 1500 "$EVAL" > "$WORK/prompt.txt"   # ~300 tokens

declare -A FLAGS=([f32]="" [f16]="--quantize=f16" [bf16]="--quantize=bf16" [int8]="--quantize=int8_pc_sym"
                  [int4]="--quantize=int4_g128_asym" [w8a8]="--quantize=w8a8")
MODELS=${MODELS:-"f32 f16 int8 int4 w8a8"}
echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) threads=$THREADS"
for M in $MODELS; do
  if [ ! -f "$WORK/$M.so" ]; then
    echo "== compile $M (${FLAGS[$M]:-f32}) load=$(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -v "$BIN/qcc" "$GGUF" ${FLAGS[$M]} -o "$WORK/$M.so" 2> "$WORK/$M.compile.time" > /dev/null \
      || { tail -5 "$WORK/$M.compile.time"; exit 1; }
    grep -E "warning|Elapsed|Maximum resident" "$WORK/$M.compile.time" | sed 's/^\s*//' || true
  fi
  echo "$M model.so bytes: $(stat -c %s "$WORK/$M.so")"
done
for M in $MODELS; do
  echo "== $M decode-only (1-token prompt, 64 tokens) load=$(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -v "$BIN/qcc-run" "$WORK/$M.so" --prompt "The" --max-tokens 64 --threads "$THREADS" \
    > "$WORK/$M.decode.out" 2> "$WORK/$M.decode.time" || { tail -5 "$WORK/$M.decode.time"; exit 1; }
  grep -E "^prefill|^decode|User time|System time|Maximum resident" "$WORK/$M.decode.time" | sed 's/^\s*//'
  head -c 160 "$WORK/$M.decode.out" | tr '\n' ' '; echo
  # The same with 8 tokens: (CPU(64) - CPU(8)) / 56 is the CPU time of one decode step, which the
  # machine's load does not inflate (1 thread).
  /usr/bin/time -v "$BIN/qcc-run" "$WORK/$M.so" --prompt "The" --max-tokens 8 --threads "$THREADS" \
    > /dev/null 2> "$WORK/$M.decode8.time" || { tail -5 "$WORK/$M.decode8.time"; exit 1; }
  cpu() { awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$1"; }
  echo "$M CPU seconds per decode step: $(echo "$(cpu "$WORK/$M.decode.time") $(cpu "$WORK/$M.decode8.time")" | awk '{printf "%.4f", ($1 - $2) / 56}')"
  echo "== $M prefill+decode (~300-token prompt, 16 tokens) load=$(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -v "$BIN/qcc-run" "$WORK/$M.so" --prompt-file "$WORK/prompt.txt" --max-tokens 16 \
    --threads "$THREADS" > "$WORK/$M.prefill.out" 2> "$WORK/$M.prefill.time" || { tail -5 "$WORK/$M.prefill.time"; exit 1; }
  grep -E "^prefill|^decode|User time|System time|Maximum resident" "$WORK/$M.prefill.time" | sed 's/^\s*//'
done
