#!/usr/bin/env bash
# Bazel entry point of the layering check: runs tests/layering_test.py over the BUILD files given.
exec python3 "$(dirname "$0")/layering_test.py" "$@"
