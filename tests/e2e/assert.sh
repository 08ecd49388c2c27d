# Tiny assertion helpers for the end-to-end scripts (sourced).
# Each check prints one line; the script exits 1 if any failed. A check that cannot run here is
# skipped with a reason (skip_or_fail): counted in the closing line, and a failure under CI,
# whose set-up (scripts/setup.sh) installs everything the tests need.
set -u
E2E_FAILED=0
E2E_PASSED=0
E2E_SKIPPED=0
E2E_TMP=$(mktemp -d)
trap 'rm -rf "$E2E_TMP"' EXIT

# run CMD...: runs a command, capturing stdout, stderr and exit code.
run() {
  set +e
  "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
  RC=$?
  set -e
  OUT=$(cat "$E2E_TMP/out")
  ERR=$(cat "$E2E_TMP/err")
}

pass() { E2E_PASSED=$((E2E_PASSED + 1)); echo "ok   $1"; }
fail() {
  E2E_FAILED=$((E2E_FAILED + 1))
  echo "FAIL $1"
  echo "     exit=$RC"
  echo "     stdout: $(head -c 600 <<<"$OUT")"
  echo "     stderr: $(head -c 600 <<<"$ERR")"
}

# skip_or_fail "WHAT" "WHY": WHAT was not checked because of WHY.
skip_or_fail() {
  if [ -n "${CI:-}" ]; then
    RC=0 OUT="" ERR=""
    fail "$1 (not run: $2; scripts/setup.sh installs what the tests need)"
  else
    E2E_SKIPPED=$((E2E_SKIPPED + 1))
    echo "SKIP $1: $2"
  fi
}

expect_rc() { [ "$RC" -eq "$2" ] && pass "$1" || fail "$1 (expected exit $2)"; }
expect_out_eq() { [ "$OUT" = "$2" ] && pass "$1" || fail "$1 (expected stdout '$2')"; }
expect_out_has() { grep -qF -- "$2" <<<"$OUT" && pass "$1" || fail "$1 (stdout lacks '$2')"; }
# A runtime error: exit 1 and exactly one stderr line starting with "minke: error:".
expect_error() {
  if [ "$RC" -eq 1 ] && [ "$(wc -l <<<"$ERR")" -eq 1 ] && grep -q '^minke: error: ' <<<"$ERR" \
     && grep -qF -- "$2" <<<"$ERR"; then
    pass "$1"
  else
    fail "$1 (expected exit 1 and one 'minke: error:' line mentioning '$2')"
  fi
}
# A usage error: exit 2, first stderr line starts with "minke: error:".
expect_usage_error() {
  if [ "$RC" -eq 2 ] && grep -q '^minke: error: ' <<<"$(head -1 <<<"$ERR")"; then
    pass "$1"
  else
    fail "$1 (expected exit 2 and 'minke: error:')"
  fi
}

finish() {
  if [ "$E2E_SKIPPED" -gt 0 ]; then
    echo "$E2E_PASSED passed, $E2E_FAILED failed, $E2E_SKIPPED skipped"
  else
    echo "$E2E_PASSED passed, $E2E_FAILED failed"
  fi
  [ "$E2E_FAILED" -eq 0 ]
}
