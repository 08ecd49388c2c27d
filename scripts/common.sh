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
# for fixture checks). The heavy oracles are installed by the make_golden scripts.
ensure_venv() {
  if [ ! -x "$MINKE_VENV/bin/python" ]; then
    log "creating Python venv in $MINKE_VENV"
    python3 -m venv "$MINKE_VENV" || die "python3 -m venv failed; install python3-venv"
  fi
  if ! "$MINKE_VENV/bin/python" -c 'import gguf, numpy, jinja2, openai' 2>/dev/null; then
    log "installing gguf, numpy, jinja2, openai into the venv"
    "$MINKE_VENV/bin/pip" install --quiet --disable-pip-version-check \
      -r "$MINKE_ROOT/scripts/requirements.txt"
  fi
}
