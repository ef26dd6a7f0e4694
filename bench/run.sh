#!/usr/bin/env bash
# Prints nitro's performance figures in one run, then every figure of the "Speed II" issue's table:
# training img/s and peak RSS of MLP-1, VGG8B MNIST and VGG8B CIFAR-10 (batch 64) at 1 and 2 threads,
# the 1->2-thread speed-ups, per-op ms and GMAC/s (1-thread serial profile), the probed int16 MAC peaks
# of this CPU (vpmaddwd, and vpdpwssd where AVX-512 VNNI exists), the forward conv kernels per VGG8B
# CIFAR-10 layer and tier as a share of that peak (bench/conv_bench), ConvBlockGrad ms/step, the share
# of the step taken by MaxPool2D and the element-wise ops, and the PyTorch float32 comparison
# (bench/pytorch_vgg8b.py; installs Debian's python3-torch and OpenBLAS on first use).
# Takes several minutes on 2 cores; on a shared machine the numbers are noisy (compare cpu% columns).
#
#   bench/run.sh [STEPS_MLP] [STEPS_VGG]
set -euo pipefail
cd "$(dirname "$0")/.."
./bazelw build --noshow_progress //bench:train_step_bench //bench:peak_probe //bench:conv_bench >&2
STEPS_MLP="${1:-200}"
STEPS_VGG="${2:-2}"
LOG="$(mktemp -d)"
trap 'rm -rf "$LOG"' EXIT
echo "== machine"; grep -m1 'model name' /proc/cpuinfo; nproc; uptime
echo "== peak"; bazel-bin/bench/peak_probe | tee "$LOG/peak"
echo "== conv kernels"; bazel-bin/bench/conv_bench --reps=3 --layers=b0,b1,b2,b3,b4,b5,mlp1.b0,mlp1.b1,head,fc | tee "$LOG/conv"
for model in mlp1_mnist vgg8b_mnist vgg8b_cifar10; do
  steps=$STEPS_VGG; [[ $model == mlp* ]] && steps=$STEPS_MLP
  echo "== $model"
  for t in 1 2; do
    extra=""; [[ $t == 1 ]] && extra="--profile"
    bazel-bin/bench/train_step_bench --model=models/$model.pbtxt --threads=$t --steps=$steps $extra |
      tee "$LOG/$model.$t"
  done
done
echo "== pytorch (float32)"
# The peer: Debian's torch, on OpenBLAS (with the reference BLAS its Linear layers are 10x slow).
# A machine without the packages or apt gets "pytorch: skipped" and the rest of the table.
tools/install_debian_packages.sh bench/run.sh python3-torch libopenblas0-pthread ||
  echo "bench/run.sh: could not install python3-torch; the PyTorch comparison will be skipped" >&2
PY=/usr/bin/python3; [[ -x $PY ]] || PY=python3
"$PY" bench/pytorch_vgg8b.py --threads=2 --batch=64 | tee "$LOG/torch"

# ---- the issue's table, from the logs above
imgs() { sed -n 's/.*: \([0-9.]*\) img\/s.*/\1/p' "$1" | head -1; }
rss() { sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p' "$1" | head -1; }
# Profile rows: op, wall ms/step, cpu ms/step (all threads' CPU time: the 1-thread-equivalent cost), GMAC/s.
opms() { awk -v op="$2" '$1 == op { print $2 " wall, " $3 " cpu" }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
# Share of the 1-thread profiled step: the listed ops' CPU ms, plus $3 ms spent inside other ops,
# over all ops' CPU ms.
share() {
  awk -v ops="$2" -v inside="${3:-0}" 'BEGIN { n = split(ops, o, ","); for (i = 1; i <= n; ++i) want[o[i]] = 1 }
    NF == 4 && $3 ~ /^[0-9.]+$/ { all += $3; if ($1 in want) part += $3 }
    END { part += inside
          if (all > 0) printf "%.1f %% (%.1f of %.1f cpu ms)", 100 * part / all, part, all; else print "n/a" }' "$1"
}
# The max pools fused into ConvScaleRelu, VGG8B CIFAR-10, 1 thread: per layer, conv_bench's best
# "scale+relu+pools fused" minus its best "scale+relu".
fused_pools_ms() {
  awk '$2 == "scale+relu" && $3 == 1 { base[$1] = $4 } $2 == "scale+relu+pools" && $4 == 1 { fused[$1] = $5 }
       END { for (k in fused) t += fused[k] - base[k]; printf "%.2f", t }' "$LOG/conv"
}
SMALL="MaxPool2D,Dropout,IntegerSGD,NitroRelu,NitroReluGrad,Scale,Flatten,Reshape,RssLoss,RssLossGrad"
echo
echo "== Speed II table (batch 64; 2 threads unless said)"
echo "probed peak, one core: $(sed -n 's/^probed one-core peaks: //p' "$LOG/conv")"
echo "conv forward kernel per layer, tier (threads): best share of that tier's probed peak x threads (conv_bench):"
awk '$1 ~ /^b[0-9]$/ && $2 == "gemm_s16" { key = $1 " " $3 "(" $4 ")"; if (!(key in best) || $9 > best[key]) best[key] = $9 }
     END { for (k in best) print "  " k ": " best[k] " %" }' "$LOG/conv" | sort
for m in vgg8b_cifar10 vgg8b_mnist mlp1_mnist; do
  one=$(imgs "$LOG/$m.1"); two=$(imgs "$LOG/$m.2")
  echo "$m training img/s: $one (1 thread), $two (2 threads), speed-up $(ratio "$two" "$one")x," \
    "peak RSS $(rss "$LOG/$m.1") / $(rss "$LOG/$m.2") MB"
done
for m in vgg8b_cifar10 vgg8b_mnist; do
  t=$(sed -n "s/^pytorch $m local: \([0-9.]*\) img\/s.*/\1/p" "$LOG/torch")
  b=$(sed -n "s/^pytorch $m backprop: \([0-9.]*\) img\/s.*/\1/p" "$LOG/torch")
  i=$(sed -n "s/^pytorch $m inference: \([0-9.]*\) img\/s.*/\1/p" "$LOG/torch")
  n=$(imgs "$LOG/$m.2")
  echo "$m nitro / PyTorch: local-loss $(ratio "$n" "$t")x, backprop $(ratio "$n" "$b")x, inference $(ratio "$n" "$i")x"
done
for m in vgg8b_cifar10 vgg8b_mnist; do
  echo "$m ConvBlockGrad ms/step (profile): $(opms "$LOG/$m.1" ConvBlockGrad)"
  echo "$m MaxPool2D + element-wise ops, share of the profiled step: $(share "$LOG/$m.1" "$SMALL")"
done
pools=$(fused_pools_ms)
echo "vgg8b_cifar10 the same with the max pools fused into ConvScaleRelu ($pools ms, conv_bench epilogue):" \
  "$(share "$LOG/vgg8b_cifar10.1" "$SMALL" "$pools")"
