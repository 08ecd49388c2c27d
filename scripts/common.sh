# Shared helpers for the scripts in scripts/ (sourced, not run).
set -euo pipefail
MINKE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MINKE_VENV="${MINKE_VENV:-$MINKE_ROOT/.venv}"
MINKE_MODELS="${MINKE_MODELS:-$MINKE_ROOT/models}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'minke: error: %s\n' "$*" >&2; exit 1; }

# Run a command as root (directly, or through sudo when we are not root).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The light Python venv the scripts use (pip for model packages, gguf/numpy/jinja2
# for fixture checks, openai/selenium/jsonschema for the end-to-end tests). The heavy
# oracles are installed by the make_golden scripts.
ensure_venv() {
  if [ ! -x "$MINKE_VENV/bin/python" ]; then
    log "creating Python venv in $MINKE_VENV"
    python3 -m venv "$MINKE_VENV" || die "python3 -m venv failed; install python3-venv"
  fi
  if ! "$MINKE_VENV/bin/python" -c 'import gguf, numpy, jinja2, openai, selenium, jsonschema, rfc3339_validator' 2>/dev/null; then
    log "installing gguf, numpy, jinja2, openai, selenium, jsonschema into the venv"
    "$MINKE_VENV/bin/pip" install --quiet --disable-pip-version-check \
      -r "$MINKE_ROOT/scripts/requirements.txt"
  fi
}

# CMake flags that compile through ccache when it is installed (scripts/setup.sh installs it).
# CCACHE_BASEDIR makes paths relative to the checkout, so another clone of the same commit on
# this machine (CI's fresh clone) reuses the objects this one compiled.
export CCACHE_BASEDIR="$MINKE_ROOT" CCACHE_NOHASHDIR=true
cmake_cache_flags() {
  if command -v ccache >/dev/null; then
    printf '%s\n' -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
  fi
}
