#!/usr/bin/env bash
# //deploy:host_c_test and //examples/custom_op:export_c_test: host_c_check.sh with 1,000 random
# inputs per model, in the test's temporary directory.
#
#   host_c_test.sh NITRO DRIVER_C PARAMS_TOOL MODEL[:GAIN]...
#
# With a GAIN, the model's parameters are its initialisers' values (seed 7) times GAIN, written
# by PARAMS_TOOL (deploy/scaled_init_params.cc), so that the untrained model computes logits of a
# trained one's spread; without, the initialisers' values themselves.
set -euo pipefail
NITRO="$1"; DRIVER="$2"; TOOL="$3"; shift 3
WORK="${TEST_TMPDIR:-$(mktemp -d)}"
specs=()
for arg in "$@"; do
  model="${arg%%:*}"
  if [[ "$arg" == *:* ]]; then
    tensors="$WORK/$(basename "$model" .pbtxt).tensors.txt"
    "$TOOL" "$model" 7 "${arg##*:}" > "$tensors"
    specs+=("$model=$tensors")
  else
    specs+=("$model")
  fi
done
CHECK=deploy/host_c_check.sh  # relative to the workspace (Bazel runs tests in its runfiles copy)
[ -f "$CHECK" ] || CHECK="$(dirname "$0")/host_c_check.sh"
exec bash "$CHECK" "$NITRO" "$DRIVER" "$WORK" 1000 "${specs[@]}"
