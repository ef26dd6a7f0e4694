#!/usr/bin/env bash
# tools/paper_cnn_runs.sh [EPOCHS] [DATASET...]: the VGG8B runs of docs/results.md, one after the
# other (two trainings on two cores only slow each other down). Each is the paper protocol with
# NumPy's stream and seed 42 on 2 threads, trained into runs/vgg8b_DATASET-paper-numpy-seed42 up to
# EPOCHS epochs (default 10; the paper protocol may stop earlier), and resumed where that run
# directory already holds a checkpoint, so the script can be started again later with more epochs.
#
#   nohup tools/paper_cnn_runs.sh 10 mnist fmnist cifar10 > runs/paper_cnn_runs.log 2>&1 &
#
# DATASET is mnist, fmnist or cifar10 (default: all three). Each run logs to
# runs/vgg8b_DATASET-paper-numpy-seed42.log: a progress line about once a minute and one line per
# epoch; the run directory holds metrics.csv, accuracy.svg and the checkpoints. Ctrl-C (or SIGTERM)
# stops the current run at its next step with a checkpoint; the next invocation continues it.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-10}
shift || true
datasets=("$@")
[ ${#datasets[@]} -gt 0 ] || datasets=(mnist fmnist cifar10)
mkdir -p runs
for d in "${datasets[@]}"; do
  case "$d" in
    mnist | fmnist | cifar10) ;;
    *) echo "paper_cnn_runs: unknown data set '$d' (mnist, fmnist or cifar10)" >&2; exit 2 ;;
  esac
  out=runs/vgg8b_$d-paper-numpy-seed42
  resume=()
  [ -f "$out/checkpoint.pb" ] && resume=(--resume)
  echo "paper_cnn_runs: $(date -u +%FT%TZ) vgg8b_$d up to $epochs epochs -> $out (log $out.log)"
  status=0
  ./nitro train --model="models/vgg8b_$d.pbtxt" --protocol=paper --rng=numpy --seed=42 --epochs="$epochs" \
    --threads=2 --out="$out" "${resume[@]}" >>"$out.log" 2>&1 || status=$?
  echo "paper_cnn_runs: $(date -u +%FT%TZ) vgg8b_$d ended with status $status"
  # 130 / 143: interrupted by a signal; stop here too, leaving the rest for the next invocation.
  [ "$status" -eq 0 ] || exit "$status"
done
