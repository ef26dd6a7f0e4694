#!/usr/bin/env bash
# //deploy:cortex_m_test: deploy/cortex_m.sh on MLP-1 and the tiny CNN (weights: their
# initialisers times 64) with 100 random inputs each. Skips, saying so, when the cross compiler or
# QEMU is missing (./bazelw installs gcc-arm-none-eabi and qemu-system-arm).
#
#   cortex_m_test.sh NITRO PARAMS_TOOL MODEL...
set -euo pipefail
NITRO="$1"; TOOL="$2"; shift 2
WORK="${TEST_TMPDIR:-$(mktemp -d)}"
SCRIPT=deploy/cortex_m.sh  # relative to the workspace (Bazel runs tests in its runfiles copy)
[ -f "$SCRIPT" ] || SCRIPT="$(dirname "$0")/cortex_m.sh"

skip() {
  echo "SKIPPED: $1"
  local message; message="$(echo "$1" | tr '<>&"' '....')"
  if [ -n "${XML_OUTPUT_FILE:-}" ]; then  # so that test summaries count it as skipped, not passed
    cat > "$XML_OUTPUT_FILE" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="cortex_m_test" tests="1" failures="0" errors="0" skipped="1">
<testcase name="CortexM" classname="deploy.cortex_m_test" status="notrun"><skipped message="$message"/></testcase>
</testsuite></testsuites>
XML
  fi
  exit 0
}

for model in "$@"; do
  name="$(basename "$model" .pbtxt)"
  "$TOOL" "$model" 7 64 > "$WORK/$name.tensors.txt"
  "$NITRO" export-c --model="$model" --tensors="$WORK/$name.tensors.txt" --out="$WORK/$name" --test-vectors=100 \
    > "$WORK/$name.export.log"
  status=0
  bash "$SCRIPT" "$WORK/$name" 100 2> "$WORK/$name.cortex_m.err" || status=$?
  if [ "$status" = 77 ]; then skip "$(cat "$WORK/$name.cortex_m.err")"; fi
  cat "$WORK/$name.cortex_m.err" >&2
  [ "$status" = 0 ] || exit "$status"
done
