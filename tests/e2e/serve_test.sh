#!/usr/bin/env bash
# `minke serve` driven by the official openai client (tests/e2e/serve_test.py), in the scripts'
# venv (scripts/setup.sh installs it).
#   tests/e2e/serve_test.sh path/to/minke
set -eu
cd "$(dirname "$0")/../.."
exec "${MINKE_VENV:-.venv}/bin/python" tests/e2e/serve_test.py "$1"
