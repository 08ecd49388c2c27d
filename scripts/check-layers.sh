#!/usr/bin/env bash
# Include discipline, as DESIGN.md's layer table says:
#   src/       ../shared/tools/check-layers.sh (a folder includes only itself and layers below);
#   tools/     the CLI includes only the public API (include/minke/), the engine (src/engine/),
#              the HTTP server (src/server/: `minke serve`), the model-file converters (src/convert/: `minke convert` and `minke quantize` turn
#              files into files, no inference) and its own files: everything else is reached
#              through those;
#   examples/  the public API only, as a user of the installed library would.
# Prints each violation; exits 1 if there is any. MINKE_SHARED overrides ../shared.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$MINKE_ROOT"
shared="${MINKE_SHARED:-$MINKE_ROOT/../shared}"
bad=0

if [ -x "$shared/tools/check-layers.sh" ] || [ -f "$shared/tools/check-layers.sh" ]; then
  bash "$shared/tools/check-layers.sh" || bad=1
else
  printf 'check-layers: skipped src/: %s/tools/check-layers.sh not found (set MINKE_SHARED)\n' \
    "$shared" >&2
fi

# check_dir DIR ALLOWED_REGEX: every #include "x" in DIR's C++ files must be a file beside the
# includer or match ALLOWED_REGEX.
check_dir() {
  local dir=$1 allowed=$2 f inc
  while IFS= read -r -d '' f; do
    while IFS= read -r inc; do
      [ -f "$(dirname "$f")/$inc" ] && continue
      [[ "$inc" =~ $allowed ]] && continue
      echo "$f includes \"$inc\": $dir may include only its own files and ${3}"
      bad=1
    done < <(grep -oE '^\s*#\s*include\s*"[^"]+"' "$f" | sed -E 's/.*"([^"]+)".*/\1/')
  done < <(find "$dir" -type f \( -name '*.cpp' -o -name '*.h' \) -print0)
}
check_dir tools '^(minke|engine|server|convert)/' \
  'minke/* (the public API), engine/*, server/* and convert/*'
check_dir examples '^minke/' 'minke/* (the public API)'

[ $bad -eq 0 ] && echo "layers (tools, examples): ok"
exit $bad
