#!/usr/bin/env bash
# Checks that every C++ source of the project is formatted as .clang-format says (STYLE.md:
# applied to every change). Prints the files that are not; `clang-format -i FILE` fixes one.
# Exits 1 if any file differs.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$MINKE_ROOT"
command -v clang-format >/dev/null || die "clang-format is missing: run scripts/setup.sh --deps"
mapfile -d '' files < <(git ls-files -z --cached --others --exclude-standard -- \
  'src/*.cpp' 'src/*.h' 'include/*.h' 'tools/*.cpp' 'tools/*.h' 'examples/*.cpp' \
  'tests/*.cpp' 'tests/*.h' 'bench/*.cpp' 'bench/*.h')
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue  # deleted in the working tree
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'not formatted (clang-format -i FILE): %s\n' "${bad[@]}"
  exit 1
fi
echo "format: ok (${#files[@]} files)"
