#!/usr/bin/env bash
# Data-parallel training over MPI (issue 11) is bit-identical to one process: after two short
# epochs the parameters (`nitro export-tensors`) and metrics.csv (without its timing columns) of
# 2 and 4 ranks equal those of a single process, for an MLP with Dropout and augmentation
# (tests/resume_mlp.pbtxt) and a CNN with Dropout, augmentation and a double-visited FC block
# (tests/dp_cnn.pbtxt), with both random streams; a run checkpointed by 2 ranks resumes on 4 ranks
# as if uninterrupted; a batch that does not divide by the rank count stops every rank with an
# error naming the rank (from dp_train and from `nitro train`); a rank with another model is refused;
# a rank that dies ends the job.
#
# Usage: data_parallel_mpi_test.sh DP_TRAIN NITRO MODEL...
set -euo pipefail
dp_train=$1
nitro=$2
shift 2

# What Open MPI needs on a CI machine: running as root, more ranks than cores, and no CMA
# single-copy transport (refused in containers); shared memory and self only.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_btl=self,vader
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_orte_tmpdir_base="${TEST_TMPDIR:-/tmp}"
tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/dp.XXXXXX")
failures=0

ranks() {  # ranks N ARGS...: dp_train as N ranks
  local n=$1
  shift
  mpirun --oversubscribe -np "$n" "$dp_train" "$@"
}

fingerprint() {  # the parameters and the metrics without wall_ms and img_per_s
  "$nitro" export-tensors "$1"
  rev "$1/metrics.csv" | cut -d, -f3- | rev
}

same() {  # same WHAT DIR_A DIR_B
  if cmp -s <(fingerprint "$2") <(fingerprint "$3"); then
    echo "ok: $1"
  else
    echo "FAIL: $1 differs from one process"
    diff <(fingerprint "$2") <(fingerprint "$3") | head -5
    failures=$((failures + 1))
  fi
}

for model in "$@"; do
  name=$(basename "$model" .pbtxt)
  for rng in default numpy; do
    one="$tmp/$name-$rng-1"
    mkdir -p "$one"
    "$dp_train" "$model" "$rng" 2 "$one"
    for n in 2 4; do
      dir="$tmp/$name-$rng-$n"
      mkdir -p "$dir"
      ranks "$n" "$model" "$rng" 2 "$dir"
      same "$name, --rng=$rng, $n ranks" "$one" "$dir"
    done
    # Checkpointed after one epoch by 2 ranks, resumed for the second epoch by 4 ranks.
    resumed="$tmp/$name-$rng-resumed"
    mkdir -p "$resumed"
    ranks 2 "$model" "$rng" 1 "$resumed"
    ranks 4 "$model" "$rng" 2 "$resumed" --resume
    same "$name, --rng=$rng, 1 epoch on 2 ranks resumed on 4" "$one" "$resumed"
  done
done

# 16 rows per batch do not divide by 3 ranks: an error that names the rank, and no hang.
if out=$(ranks 3 "$1" default 1 "$tmp/three" 2>&1); then
  echo "FAIL: 3 ranks with a batch of 16 were accepted"
  failures=$((failures + 1))
elif grep -q "dp_train: rank [0-2] of 3: .*the batch size 16 does not divide by the 3 ranks" <<<"$out"; then
  echo "ok: a batch of 16 on 3 ranks is refused naming the rank"
else
  echo "FAIL: unexpected error for 3 ranks:"
  echo "$out" | head -5
  failures=$((failures + 1))
fi

# The same through `nitro train` itself (the CLI's MPI start-up and its error path, before any data).
if out=$(mpirun --oversubscribe -np 3 "$nitro" train --model="$1" --data-dir="$tmp/no-data" --out="$tmp/cli3" --quiet 2>&1); then
  echo "FAIL: nitro train on 3 ranks with a batch of 16 was accepted"
  failures=$((failures + 1))
elif grep -q "nitro train: rank [0-2] of 3: .*the batch size 16 does not divide by the 3 ranks" <<<"$out"; then
  echo "ok: nitro train on 3 ranks refuses a batch of 16, naming the rank"
else
  echo "FAIL: unexpected error from nitro train on 3 ranks:"
  echo "$out" | head -5
  failures=$((failures + 1))
fi

# A rank whose model text differs from rank 0's (one more comment line): refused at start.
other="$tmp/other.pbtxt"
{ cat "$1"; echo "# another version"; } >"$other"
if out=$(mpirun --oversubscribe -np 1 "$dp_train" "$1" default 1 "$tmp/fp" : -np 1 "$dp_train" "$other" default 1 \
  "$tmp/fp" 2>&1); then
  echo "FAIL: ranks with different models were accepted"
  failures=$((failures + 1))
elif grep -q "rank 1's fingerprint of the model differs from rank 0's" <<<"$out"; then
  echo "ok: a rank with another model is refused, naming it"
else
  echo "FAIL: unexpected error for different models:"
  echo "$out" | head -5
  failures=$((failures + 1))
fi

# A rank that dies in mid-run ends the job (no hang), and Open MPI names the rank.
if out=$(DP_TRAIN_DIE_RANK=1 timeout 120 mpirun --oversubscribe -x DP_TRAIN_DIE_RANK -np 2 "$dp_train" "$1" default 1 \
  "$tmp/die" 2>&1); then
  echo "FAIL: a job whose rank 1 died succeeded"
  failures=$((failures + 1))
elif [ $? -eq 124 ] || ! grep -Eq "rank 1|\[\[[0-9]+,1\],1\]" <<<"$out"; then
  echo "FAIL: a dead rank hung the job or was not named:"
  echo "$out" | head -8
  failures=$((failures + 1))
else
  echo "ok: a dead rank ends the job, naming it"
fi

if ((failures)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "all data-parallel runs equal one process"
