#!/usr/bin/env bash
# cortex_m.sh: the exported C on microcontrollers without an FPU.
#
#   deploy/cortex_m.sh EXPORT_DIR [N]
#
# EXPORT_DIR holds what `nitro export-c --test-vectors=...` wrote: <name>.h, <name>.c,
# <name>.inputs.bin and <name>.logits.bin. The script
#   1. cross-compiles <name>.c with Debian's gcc-arm-none-eabi, in strict C99 with -Werror, for a
#      Cortex-M0+ and for a Cortex-M4 with -mfloat-abi=soft, and checks with arm-none-eabi-nm that
#      no object calls a soft-float helper (__aeabi_f*, __aeabi_d*);
#   2. links a firmware image for QEMU's mps2-an385 board (a Cortex-M3; deploy/cortex_m/: vector
#      table, startup, linker script, semihosting) with the first N test inputs (default 300)
#      embedded, again without soft-float helpers;
#   3. runs it under qemu-system-arm -icount shift=0 and requires every logit to equal nitro's
#      (the host's), and reports the instructions per inference that SysTick measures.
# Needs gcc-arm-none-eabi and qemu-system-arm (./bazelw installs them); exits 77 when they are
# missing, so that callers can report a skip. Work files go to EXPORT_DIR/cortex_m/.
set -euo pipefail

DIR="$1"; N="${2:-300}"
HERE="$(cd "$(dirname "$0")" && pwd)"
for tool in arm-none-eabi-gcc arm-none-eabi-nm arm-none-eabi-objcopy arm-none-eabi-size qemu-system-arm python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "cortex_m: SKIP: $tool is not installed (./bazelw installs gcc-arm-none-eabi and qemu-system-arm)" >&2
    exit 77
  fi
done
name="$(basename "$(ls "$DIR"/*.c | head -1)" .c)"
upper="$(echo "$name" | tr '[:lower:]' '[:upper:]')"
sig="^int nitro_${name}_predict(const \([a-z0-9_]*\) \*input, \([a-z0-9_]*\) \*logits);$"
in_t="$(sed -n "s/$sig/\1/p" "$DIR/$name.h")"; out_t="$(sed -n "s/$sig/\2/p" "$DIR/$name.h")"
in_size="$(sed -n "s/^#define NITRO_${upper}_INPUT_SIZE \([0-9]*\)$/\1/p" "$DIR/$name.h")"
W="$DIR/cortex_m"; mkdir -p "$W"
STRICT=(-std=c99 -pedantic -Wall -Wextra -Werror -O2 -ffreestanding -mthumb)

# No soft-float helper in an object: arm-none-eabi-nm lists what it calls (undefined symbols).
check_no_float() {
  local calls; calls="$(arm-none-eabi-nm -u "$1" | awk '{print $2}' | sort -u | tr '\n' ' ')"
  if arm-none-eabi-nm "$1" | grep -E '__aeabi_(f|d)|__aeabi_[a-z0-9]*(f|d)(2|add|sub|mul|div|cmp)' >&2; then
    echo "cortex_m: $name: $(basename "$1") calls soft-float helpers" >&2
    exit 1
  fi
  echo "cortex_m: $name: $(basename "$1"): no soft-float helper; calls: ${calls:-nothing}"
}

# 1. The model for two cores without an FPU.
for cpu in "cortex-m0plus" "cortex-m4 -mfloat-abi=soft"; do
  obj="$W/$name.${cpu%% *}.o"
  # shellcheck disable=SC2086
  arm-none-eabi-gcc "${STRICT[@]}" -mcpu=$cpu -c "$DIR/$name.c" -o "$obj"
  check_no_float "$obj"
  arm-none-eabi-size "$obj" | awk -v n="$name" -v c="${cpu%% *}" 'NR == 2 {print "cortex_m: " n ": " c ": text " $1 " bytes (code and constants), data " $2 ", bss " $3}'
done

# 2. The firmware for QEMU's Cortex-M3 board, with the first N inputs linked in.
head -c $((N * in_size * $( [ "$in_t" = int8_t ] && echo 1 || echo 4 ))) "$DIR/$name.inputs.bin" > "$W/inputs.bin"
count=$(( $(wc -c < "$W/inputs.bin") / in_size ))
(cd "$W" && arm-none-eabi-objcopy -I binary -O elf32-littlearm -B arm \
  --rename-section .data=.rodata.inputs,alloc,load,readonly,data,contents inputs.bin inputs.o)
DEFS=(-I"$DIR" -DNITRO_HEADER="\"$name.h\"" -DNITRO_PREDICT="nitro_${name}_predict"
      -DNITRO_INPUT_SIZE="NITRO_${upper}_INPUT_SIZE" -DNITRO_OUTPUT_SIZE="NITRO_${upper}_OUTPUT_SIZE"
      -DNITRO_INPUT_T="$in_t" -DNITRO_OUTPUT_T="$out_t")
M3=(-mcpu=cortex-m3 -mthumb -O2 -ffreestanding -fno-tree-loop-distribute-patterns)
arm-none-eabi-gcc "${STRICT[@]}" -mcpu=cortex-m3 -c "$DIR/$name.c" -o "$W/$name.cortex-m3.o"
arm-none-eabi-gcc "${M3[@]}" -std=c99 -Wall -Wextra -Werror -I"$HERE/cortex_m" "${DEFS[@]}" \
  -c "$HERE/cortex_m/firmware.c" -o "$W/firmware.o"
arm-none-eabi-gcc "${M3[@]}" -std=c99 -Wall -Wextra -Werror -I"$HERE/cortex_m" -c "$HERE/cortex_m/startup.c" -o "$W/startup.o"
arm-none-eabi-gcc "${M3[@]}" -nostdlib -T "$HERE/cortex_m/mps2_an385.ld" "$W/startup.o" "$W/firmware.o" \
  "$W/$name.cortex-m3.o" "$W/inputs.o" -lgcc -o "$W/firmware.elf"
check_no_float "$W/$name.cortex-m3.o"
if arm-none-eabi-nm "$W/firmware.elf" | grep -E ' __aeabi_(f|d)' >&2; then
  echo "cortex_m: $name: the firmware links soft-float helpers" >&2; exit 1
fi

# 3. Run it and compare with the host's logits.
rm -f "$W/qemu.log"
timeout 600 qemu-system-arm -M mps2-an385 -nographic -monitor none -serial none -icount shift=0 \
  -chardev file,id=semihosting,path="$W/qemu.log" -semihosting-config enable=on,target=native,chardev=semihosting \
  -kernel "$W/firmware.elf"
python3 - "$W/qemu.log" "$DIR/$name.logits.bin" "$out_t" "$count" "$name" <<'PY'
import array, re, sys
log, logits_file, out_t, count, name = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
host = array.array({"int8_t": "b", "int16_t": "h", "int32_t": "i"}[out_t])
host.frombytes(open(logits_file, "rb").read())
text = open(log).read()
rows = re.findall(r"^logits (\d+): ([-\d ]+) class (\d+)$", text, re.M)
if not rows:
    sys.exit("cortex_m: %s: the firmware printed no logits:\n%s" % (name, text[-2000:]))
k = len(rows[0][1].split())
bad = 0
for i, vals, cls in rows:
    i, vals = int(i), [int(v) for v in vals.split()]
    want = list(host[i * k:(i + 1) * k])
    if vals != want or int(cls) != max(range(k), key=lambda c: (want[c], -c)):
        bad += 1
        if bad <= 3: print("cortex_m: %s: input %d: firmware %s, host %s" % (name, i, vals, want), file=sys.stderr)
if len(rows) != count or bad:
    sys.exit("cortex_m: %s: %d of %d inputs differ (%d printed)" % (name, bad, count, len(rows)))
cal = re.search(r"^calibration: (\d+) instructions in (\d+) ticks$", text, re.M)
done = re.search(r"^done: (\d+) inputs, (\d+) ticks$", text, re.M)
per_tick = int(cal.group(1)) / int(cal.group(2))
insns = int(done.group(2)) * per_tick / int(done.group(1))
print("cortex_m: %s: Cortex-M3 (QEMU mps2-an385): all %d inputs give the host's logits; %.0f instructions per "
      "inference (SysTick under -icount shift=0, %.1f instructions per tick)" % (name, count, insns, per_tick))
PY
