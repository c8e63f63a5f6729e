#!/usr/bin/env bash
# Builds qcc, compiles examples/mlp/model.onnx to model.so, runs it with qcc-run
# and compares the output with the onnxruntime reference.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${QCC_BUILD_DIR:-$ROOT/build}
EX=$ROOT/examples/mlp
OUT=$BUILD/examples/mlp

bash "$ROOT/scripts/build.sh"
mkdir -p "$OUT"

echo "[example] qcc $EX/model.onnx -target=native -O3 -o $OUT/model.so"
"$BUILD/bin/qcc" "$EX/model.onnx" -target=native -O3 -o "$OUT/model.so"

echo "[example] qcc-run $OUT/model.so --input x=input.npy --expected probs=expected.npy"
"$BUILD/bin/qcc-run" "$OUT/model.so" \
  --input x="$EX/input.npy" \
  --expected probs="$EX/expected.npy" --rtol 1e-4 --atol 1e-6 \
  --output-dir "$OUT/outputs" --print --repeat 100 --warmup 10 --threads 2
