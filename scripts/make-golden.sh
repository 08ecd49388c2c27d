#!/usr/bin/env bash
# Regenerates the committed oracle fixtures in tests/golden/data/ with the
# independent implementations they are checked against. Needs network access to
# PyPI once (llama-cpp-python is compiled from source: several minutes).
#   scripts/make-golden.sh [area...]     (areas: gguf quant tokenizer chat; default all)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ORACLE_VENV="${MINKE_ORACLE_VENV:-$MINKE_ROOT/.venv-oracle}"
if [ ! -x "$ORACLE_VENV/bin/python" ]; then
  log "creating oracle venv in $ORACLE_VENV"
  python3 -m venv "$ORACLE_VENV"
fi
"$ORACLE_VENV/bin/pip" install --quiet --disable-pip-version-check \
  -r "$MINKE_ROOT/scripts/requirements-oracle.txt"
"$MINKE_ROOT/scripts/fetch-models.sh" all
areas=("$@")
[ ${#areas[@]} -eq 0 ] && areas=(gguf quant tokenizer chat)
for area in "${areas[@]}"; do
  script="$MINKE_ROOT/scripts/make_golden_$area.py"
  [ -f "$script" ] || die "no fixture script $script"
  log "regenerating $area fixtures"
  "$ORACLE_VENV/bin/python" "$script"
done
