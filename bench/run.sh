#!/usr/bin/env bash
# Prints nitro's performance figures side by side in one run: training img/s and peak RSS of
# MLP-1, VGG8B MNIST and VGG8B CIFAR-10 (batch 64) at 1 and 2 threads, the 1->2-thread speed-up,
# per-op GMAC/s, the probed int16 MAC peaks of this CPU (vpmaddwd, and vpdpwssd where AVX-512 VNNI
# exists), and the forward conv kernels per VGG8B CIFAR-10 layer and tier (bench/conv_bench).
# Takes a few minutes on 2 cores.
#
#   bench/run.sh [STEPS_MLP] [STEPS_VGG]
set -euo pipefail
cd "$(dirname "$0")/.."
./bazelw build --noshow_progress //bench:train_step_bench //bench:peak_probe //bench:conv_bench >&2
STEPS_MLP="${1:-200}"
STEPS_VGG="${2:-2}"
echo "== machine"; grep -m1 'model name' /proc/cpuinfo; nproc
echo "== peak"; bazel-bin/bench/peak_probe
echo "== conv kernels"; bazel-bin/bench/conv_bench --reps=3 --layers=b0,b1,b2,b3,b4,b5
for model in mlp1_mnist vgg8b_mnist vgg8b_cifar10; do
  steps=$STEPS_VGG; [[ $model == mlp* ]] && steps=$STEPS_MLP
  echo "== $model"
  for t in 1 2; do
    extra=""; [[ $t == 1 ]] && extra="--profile"
    bazel-bin/bench/train_step_bench --model=models/$model.pbtxt --threads=$t --steps=$steps $extra
  done
done
