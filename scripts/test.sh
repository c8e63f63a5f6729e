#!/usr/bin/env bash
# Builds qcc from scratch (after installing dependencies) and runs the whole test suite.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${QCC_BUILD_DIR:-$ROOT/build}
JOBS=${QCC_JOBS:-$(nproc)}

bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh"

echo "[test] lit suites"
set +e
"/usr/lib/llvm-22/bin/lit" -sv -j "$JOBS" "$BUILD/test" 2>&1 | tee "$BUILD/lit.log"
lit_rc=${PIPESTATUS[0]}
echo "[test] unit tests"
(cd "$BUILD" && ctest --output-on-failure -j "$JOBS") 2>&1 | tee "$BUILD/ctest.log"
ctest_rc=${PIPESTATUS[0]}

# Counting must not abort the script when a summary line is absent (grep exits 1
# on no match, which pipefail + errexit would turn into a failed CI run).
count() { grep -E "$1" "$2" | awk -F: '{s+=$2} END {print s+0}' || true; }
passed=$(count '^\s*Passed\s*:' "$BUILD/lit.log")
xfail=$(count '^\s*Expectedly Failed\s*:' "$BUILD/lit.log")
unsupported=$(count '^\s*Unsupported\s*:' "$BUILD/lit.log")
failed=$(count '^\s*(Failed|Unexpectedly Passed|Unresolved|Timed Out)\s*:' "$BUILD/lit.log")
ut_total=$( (grep -Eo 'out of [0-9]+' "$BUILD/ctest.log" || true) | tail -1 | awk '{print $3}')
ut_failed=$( (grep -Eo '[0-9]+ tests failed' "$BUILD/ctest.log" || true) | tail -1 | awk '{print $1}')
passed=$((passed + xfail + ${ut_total:-0} - ${ut_failed:-0}))
failed=$((failed + ${ut_failed:-0}))
if [ "$lit_rc" -ne 0 ] || [ "$ctest_rc" -ne 0 ]; then
  [ "$failed" -gt 0 ] || failed=1
fi
echo "qcc: $passed passed, $failed failed, $unsupported skipped"
set -e
[ "$failed" -eq 0 ]
