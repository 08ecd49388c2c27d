#!/usr/bin/env bash
# Text from a model file never reaches the terminal as control bytes: a general.name holding
# escape sequences (minke info), token pieces (minke tokenize), a template's error message
# (minke: error: ...) are shown escaped; a metadata key that is not UTF-8 is a corrupt file.
#   tests/e2e/terminal_safety_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
R1=tests/golden/data/models/tiny/r1-scripted.gguf

# Same-length byte substitutions in a real file: the name becomes an OSC title change plus a
# colour escape; the key "general.name" gets a byte that is not UTF-8.
python3 - "$R1" "$E2E_TMP" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
name = b"minke-r1-scripted"
hostile = b"\x1b]0;pwned\x07\x1b[31mXX"
assert len(hostile) == len(name) and data.count(name) == 1
open(sys.argv[2] + "/hostile.gguf", "wb").write(data.replace(name, hostile))
assert data.count(b"general.name") == 1
open(sys.argv[2] + "/badkey.gguf", "wb").write(data.replace(b"general.name", b"general.n\xffme"))
PY
has_control() { LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$1"; }

run "$MINKE" info -m "$E2E_TMP/hostile.gguf" --metadata
expect_rc "info on a file with a hostile name succeeds" 0
! has_control "$E2E_TMP/out" && grep -qF '\x1b]0;pwned\x07\x1b[31mXX' "$E2E_TMP/out" \
  && pass "info shows the escape sequences as text, sends none" \
  || fail "info shows the escape sequences as text, sends none"

run "$MINKE" info -m "$E2E_TMP/badkey.gguf"
expect_error "a metadata key that is not UTF-8 is a corrupt file" "is not UTF-8 text"
! has_control "$E2E_TMP/err" && pass "...and the message shows the key escaped" \
  || fail "...and the message shows the key escaped"

run "$MINKE" tokenize -m "$R1" --no-bos -- $'\x1b[2Jhi\xc2\x9b'
expect_rc "tokenize of control characters succeeds" 0
! has_control "$E2E_TMP/out" && grep -qF "'\\x1b'" "$E2E_TMP/out" && grep -qF '\xc2' "$E2E_TMP/out" \
  && pass "tokenize shows ESC and the C1 CSI as escapes" \
  || fail "tokenize shows ESC and the C1 CSI as escapes"

printf '{{ raise_exception("\x1b[2Jboom") }}' >"$E2E_TMP/raise.jinja"
run "$MINKE" run -m "$R1" -p hi --chat-template "$E2E_TMP/raise.jinja"
expect_error "a template's error reaches the user" "boom"
! has_control "$E2E_TMP/err" && pass "...without its escape sequence" \
  || fail "...without its escape sequence"
finish
