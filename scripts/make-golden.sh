#!/usr/bin/env bash
# Regenerates the committed oracle fixtures in tests/golden/data/ with the
# independent implementations they are checked against. Needs network access to
# PyPI once (llama-cpp-python is compiled from source: several minutes).
#   scripts/make-golden.sh [area...]     (default: every area, see ALL below)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ORACLE_VENV="${MINKE_ORACLE_VENV:-$MINKE_ROOT/.venv-oracle}"
if [ ! -x "$ORACLE_VENV/bin/python" ]; then
  log "creating oracle venv in $ORACLE_VENV"
  python3 -m venv "$ORACLE_VENV"
fi
"$ORACLE_VENV/bin/pip" install --quiet --disable-pip-version-check \
  -r "$MINKE_ROOT/scripts/requirements-oracle.txt"
"$MINKE_ROOT/scripts/fetch-models.sh" all
# In dependency order: the tiny models must exist before their logits are taken.
ALL=(gguf quant vocab tokenizer grammar chat tiny_models logits perplexity)
script_for() {
  case $1 in
    tiny_models) echo "$MINKE_ROOT/scripts/make_tiny_models.py" ;;
    *) echo "$MINKE_ROOT/scripts/make_golden_$1.py" ;;
  esac
}
areas=("$@")
[ ${#areas[@]} -eq 0 ] && areas=("${ALL[@]}")
for area in "${areas[@]}"; do
  script=$(script_for "$area")
  [ -f "$script" ] || die "unknown area '$area' (known: ${ALL[*]})"
  log "regenerating $area fixtures"
  "$ORACLE_VENV/bin/python" "$script"
done
