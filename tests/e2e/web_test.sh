#!/usr/bin/env bash
# The web chat page in headless Chromium (tests/e2e/web_test.py; scripts/setup.sh installs
# chromium, chromium-driver and selenium).
#   tests/e2e/web_test.sh path/to/minke
set -eu
cd "$(dirname "$0")/../.."
exec "${MINKE_VENV:-.venv}/bin/python" tests/e2e/web_test.py "$1"
