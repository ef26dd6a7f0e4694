#!/usr/bin/env bash
# Runs nitro's whole test suite (installing what the build needs on first use) and ends with a
# line "N passed, N failed" counted over every GoogleTest case.
set -uo pipefail
cd "$(dirname "$0")"
./bazelw test //... "$@"
status=$?
python3 tools/test_summary.py bazel-testlogs
summary=$?
# Bazel's own status also catches build errors, which produce no test XML.
if [ $status -ne 0 ] || [ $summary -ne 0 ]; then exit 1; fi
