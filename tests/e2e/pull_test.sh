#!/usr/bin/env bash
# `minke pull` and `minke list` against a local HTTP server (tests/e2e/pull_test.py).
#   tests/e2e/pull_test.sh path/to/minke
set -eu
cd "$(dirname "$0")/../.."
exec python3 tests/e2e/pull_test.py "$1"
