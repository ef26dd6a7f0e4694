#!/usr/bin/env bash
# host_c_check.sh: exports models with `nitro export-c`, compiles the generated C with the host
# compiler in strict C99 with warnings as errors and without floating-point or vector registers
# (-mgeneral-regs-only: the build itself proves the code integer-only), runs it over test vectors
# and requires every logit to equal nitro's.
#
#   deploy/host_c_check.sh NITRO DRIVER_C WORK_DIR N SPEC...
#
# NITRO is a nitro binary, DRIVER_C deploy/c/host_driver.c, N the number of test vectors, and each
# SPEC one of
#   MODEL            a model file, untrained (its initialisers, seed 7), with N random inputs;
#   MODEL=TENSORS    a model file with the parameters of a tensor text file, N random inputs;
#   run:DIR          a training run: its best parameters and its first N test images (N = all);
#   run:DIR=MODEL    the same for a run of a model outside models/.
# Prints one line per model; exits non-zero at the first mismatch, and when every input gets the
# same logits (such test vectors would not exercise the model).
set -euo pipefail

NITRO="$1"; DRIVER="$2"; WORK="$3"; N="$4"; shift 4
CC="${CC:-gcc}"
STRICT=(-std=c99 -pedantic -Wall -Wextra -Werror -O2)
case "$("$CC" -dumpmachine)" in
  x86_64*|i?86*) STRICT+=(-mgeneral-regs-only) ;;
  *) echo "host_c_check: not x86: building without -mgeneral-regs-only" >&2 ;;
esac

for spec in "$@"; do
  model="${spec%%=*}"
  out="$WORK/$(basename "${model#run:}" .pbtxt)"
  mkdir -p "$out"
  if [[ "$spec" == run:*=* ]]; then
    "$NITRO" export-c --run="${model#run:}" --model="${spec#*=}" --out="$out" --test-vectors="$N" > "$out/export.log"
  elif [[ "$spec" == run:* ]]; then
    "$NITRO" export-c --run="${spec#run:}" --out="$out" --test-vectors="$N" > "$out/export.log"
  elif [[ "$spec" == *=* ]]; then
    "$NITRO" export-c --model="$model" --tensors="${spec#*=}" --out="$out" --test-vectors="$N" > "$out/export.log"
  else
    "$NITRO" export-c --model="$spec" --out="$out" --test-vectors="$N" --seed=7 > "$out/export.log"
  fi
  name="$(basename "$(ls "$out"/*.c)" .c)"
  upper="$(echo "$name" | tr '[:lower:]' '[:upper:]')"
  in_t="$(sed -n "s/^int nitro_${name}_predict(const \([a-z0-9_]*\) \*input, \([a-z0-9_]*\) \*logits);$/\1/p" "$out/$name.h")"
  out_t="$(sed -n "s/^int nitro_${name}_predict(const \([a-z0-9_]*\) \*input, \([a-z0-9_]*\) \*logits);$/\2/p" "$out/$name.h")"
  "$CC" "${STRICT[@]}" -c "$out/$name.c" -o "$out/$name.o"
  "$CC" -std=c99 -O2 -I"$out" -DNITRO_HEADER="\"$name.h\"" -DNITRO_PREDICT="nitro_${name}_predict" \
    -DNITRO_INPUT_SIZE="NITRO_${upper}_INPUT_SIZE" -DNITRO_OUTPUT_SIZE="NITRO_${upper}_OUTPUT_SIZE" \
    -DNITRO_INPUT_T="$in_t" -DNITRO_OUTPUT_T="$out_t" "$DRIVER" "$out/$name.o" -o "$out/driver"
  "$out/driver" < "$out/$name.inputs.bin" > "$out/$name.c_logits.bin" 2> "$out/driver.log"
  if ! cmp -s "$out/$name.c_logits.bin" "$out/$name.logits.bin"; then
    echo "host_c_check: $name: the C logits differ from nitro's ($(cmp "$out/$name.c_logits.bin" "$out/$name.logits.bin" || true))" >&2
    exit 1
  fi
  spread="$(python3 - "$out/$name.logits.bin" "$out_t" "$(sed -n "s/^#define NITRO_${upper}_OUTPUT_SIZE \([0-9]*\)$/\1/p" "$out/$name.h")" <<'PY'
import array, sys
a = array.array({"int8_t": "b", "int16_t": "h", "int32_t": "i"}[sys.argv[2]])
a.frombytes(open(sys.argv[1], "rb").read())
k = int(sys.argv[3])
rows = {tuple(a[i:i + k]) for i in range(0, len(a), k)}
classes = {max(range(k), key=lambda c: (r[c], -c)) for r in rows}
print("%d distinct logit vectors, %d predicted classes" % (len(rows), len(classes)))
sys.exit(0 if len(rows) > 1 else 1)
PY
)" || { echo "host_c_check: $name: every input gets the same logits; the test exercises nothing" >&2; exit 1; }
  echo "host_c_check: $name: $(cat "$out/driver.log"), every logit equals nitro's; $spread ($(wc -c < "$out/$name.c") bytes of C, $in_t -> $out_t)"
done
