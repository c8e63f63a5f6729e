#!/usr/bin/env bash
# Regenerates docs/generated/ (dialect and pass references) from the .td files.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${QCC_BUILD_DIR:-$ROOT/build}
ninja -C "$BUILD" mlir-doc >/dev/null
mkdir -p "$ROOT/docs/generated"
find "$BUILD/docs" -name '*.md' -exec cp {} "$ROOT/docs/generated/" \;
ls "$ROOT/docs/generated"
