#!/usr/bin/env bash
# fuzz/run.sh TARGET SECONDS [libFuzzer flags...]: builds fuzz/TARGET_fuzzer with --config=fuzz
# (clang, libFuzzer, ASan + UBSan) and fuzzes it for SECONDS, starting from the committed corpus
# fuzz/corpus/TARGET (new inputs go to a scratch corpus, not the committed one). A crash input is
# written as fuzz/findings/TARGET-crash-*; add it to fuzz/corpus/TARGET with its expected error in
# fuzz/expected_errors.txt once fixed. Targets: model checkpoint tensor_text idx cifar10.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh TARGET SECONDS [libFuzzer flags]}
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS [libFuzzer flags]}
shift 2
fuzz/install.sh
./bazelw --output_base="${NITRO_FUZZ_OUTPUT_BASE:-$HOME/.cache/nitro-fuzz-bazel}" build --config=fuzz --symlink_prefix=/ "//fuzz:${target}_fuzzer"
bin=$(./bazelw --output_base="${NITRO_FUZZ_OUTPUT_BASE:-$HOME/.cache/nitro-fuzz-bazel}" info --config=fuzz bazel-bin 2>/dev/null)/fuzz/${target}_fuzzer
scratch=${NITRO_FUZZ_SCRATCH:-/tmp/nitro-fuzz/$target}
mkdir -p "$scratch" fuzz/findings
dict=()
[ -f "fuzz/dict/$target.dict" ] && dict=(-dict="fuzz/dict/$target.dict")
exec "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -artifact_prefix="fuzz/findings/$target-" "${dict[@]}" "$@" "$scratch" "fuzz/corpus/$target"
