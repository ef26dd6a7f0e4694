#!/usr/bin/env bash
# Runs nitro's whole test suite (installing what the build needs on first use) and ends with a
# line "N passed, N failed" counted over every GoogleTest case.
set -uo pipefail
cd "$(dirname "$0")"
./bazelw test //... "$@"
status=$?
# Count only the current test targets: bazel-testlogs keeps the XML of removed ones.
targets=$(mktemp)
./bazelw query 'tests(//...)' --output=label 2>/dev/null >"$targets"
python3 tools/test_summary.py bazel-testlogs "$targets"
summary=$?
rm -f "$targets"
# Bazel's own status also catches build errors, which produce no test XML.
if [ $status -ne 0 ] || [ $summary -ne 0 ]; then exit 1; fi
