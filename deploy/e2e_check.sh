#!/usr/bin/env bash
# e2e_check.sh: the deployment check of issue 12 ("Done when"), end to end on real MNIST:
#   1. trains MLP-1 (models/mlp1_mnist.pbtxt) and a small CNN (deploy/testdata/small_cnn_mnist.pbtxt)
#      briefly with `nitro train`;
#   2. exports each run with `nitro export-c --test-vectors=all`: the C, all 10,000 test images
#      preprocessed as in training, and nitro's logits for them;
#   3. compiles the C with gcc -std=c99 -pedantic -Wall -Wextra -Werror -mgeneral-regs-only, runs
#      it on the 10,000 images and requires every logit to equal nitro's (deploy/host_c_check.sh);
#   4. requires the C's accuracy to be the one `nitro eval` prints for the run;
#   5. runs the same C on a Cortex-M3 under QEMU (deploy/cortex_m.sh) on the first 300 images.
#
#   deploy/e2e_check.sh [WORK_DIR]      (default /tmp/nitro_e2e; EPOCHS=1 by default, CNN=0 skips the CNN)
set -euo pipefail
cd "$(dirname "$0")/.."
W="${1:-/tmp/nitro_e2e}"; EPOCHS="${EPOCHS:-1}"; mkdir -p "$W"
./bazelw build --ui_event_filters=-info,-stdout --noshow_progress //tools:nitro >&2
NITRO=bazel-bin/tools/nitro
tools/fetch_data.sh mnist > "$W/fetch.log"

models=(models/mlp1_mnist.pbtxt)
[ "${CNN:-1}" = 0 ] || models+=(deploy/testdata/small_cnn_mnist.pbtxt)
for model in "${models[@]}"; do
  name="$(basename "$model" .pbtxt)"
  run="$W/runs/$name"
  echo "== $name: nitro train --epochs=$EPOCHS"
  rm -rf "$run"
  start=$SECONDS
  "$NITRO" train --model="$model" --epochs="$EPOCHS" --out="$run" --quiet | grep "test accuracy"
  echo "   ($((SECONDS - start)) s)"
  echo "== $name: nitro export-c --test-vectors=all, gcc strict C99 -mgeneral-regs-only, all test images"
  deploy/host_c_check.sh "$NITRO" deploy/c/host_driver.c "$W/c" all "run:$run=$model"
  out="$W/c/$name"
  eval_line="$("$NITRO" eval --run="$run" --model="$model" | grep '^test accuracy')"
  c_line="$(python3 - "$out/$name.c_logits.bin" "$out/$name.labels.bin" <<'PY'
import array, sys
logits = array.array("b"); logits.frombytes(open(sys.argv[1], "rb").read())
labels = open(sys.argv[2], "rb").read()
k = len(logits) // len(labels)
correct = sum(max(range(k), key=lambda c: (logits[i * k + c], -c)) == labels[i] for i in range(len(labels)))
print("%d/%d" % (correct, len(labels)))
PY
)"
  echo "   nitro eval: $eval_line; the exported C: $c_line correct"
  if [[ "$eval_line" != *"($c_line)"* ]]; then
    echo "e2e_check: $name: the C's accuracy differs from nitro eval's" >&2
    exit 1
  fi
  echo "== $name: Cortex-M"
  status=0
  deploy/cortex_m.sh "$out" 300 || status=$?
  if [ "$status" = 77 ]; then echo "   (skipped: no cross tools)"; elif [ "$status" != 0 ]; then exit "$status"; fi
done
echo "e2e_check: OK"
