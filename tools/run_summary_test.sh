#!/usr/bin/env bash
# Bazel entry point of tools/run_summary_test.py.
exec python3 "$(dirname "$0")/run_summary_test.py" "$@"
