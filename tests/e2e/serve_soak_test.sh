#!/usr/bin/env bash
# 500 mixed requests against `minke serve` (tests/e2e/serve_soak_test.py).
#   tests/e2e/serve_soak_test.sh path/to/minke
set -eu
cd "$(dirname "$0")/../.."
exec python3 tests/e2e/serve_soak_test.py "$1"
