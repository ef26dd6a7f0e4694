#!/usr/bin/env bash
# //deploy:host_c_test and //examples/custom_op:export_c_test: host_c_check.sh with 1,000 random
# inputs per model, in the test's temporary directory.
#   host_c_test.sh NITRO DRIVER_C MODEL...
set -euo pipefail
NITRO="$1"; DRIVER="$2"; shift 2
CHECK=deploy/host_c_check.sh  # relative to the workspace (Bazel runs tests in its runfiles copy)
[ -f "$CHECK" ] || CHECK="$(dirname "$0")/host_c_check.sh"
exec bash "$CHECK" "$NITRO" "$DRIVER" "${TEST_TMPDIR:-$(mktemp -d)}" 1000 "$@"
