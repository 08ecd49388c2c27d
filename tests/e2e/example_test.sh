#!/usr/bin/env bash
# Builds-and-runs check of examples/simple_chat (the public API example): it answers a question
# on SmolLM2 and reports its token counts. The example binary sits beside the minke binary.
#   tests/e2e/example_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
EXAMPLE=$(dirname "$MINKE")/simple_chat
SMOL=${MINKE_MODELS:-models}/SmolLM2-135M-Instruct.Q4_1.gguf
[ -f "$SMOL" ] || { echo "$SMOL is missing: run scripts/fetch-models.sh"; exit 1; }
[ -x "$EXAMPLE" ] || { echo "$EXAMPLE is missing: build the simple_chat target"; exit 1; }

run "$EXAMPLE";                         expect_rc "no arguments prints usage and exits 2" 2
run "$EXAMPLE" "$SMOL" "hi" 12x;                expect_rc "a bad MAX_TOKENS is a usage error (exit 2)" 2
run "$EXAMPLE" "$SMOL" "Say hello." 5
expect_rc "simple_chat answers" 0
[ -n "$OUT" ] && pass "the answer is on stdout" || fail "the answer is on stdout"
grep -qE "prompt tokens, ([1-4] generated, finish: stop|5 generated, finish: length)" <<<"$ERR" && pass "it reports the token counts" \
  || fail "it reports the token counts"
# The public API gives the same greedy answer as `minke run`.
run "$MINKE" run -m "$SMOL" --temp 0 -n 5 -c 2048 --no-stats -p "Say hello."
WANT=$OUT
run "$EXAMPLE" "$SMOL" "Say hello." 5
expect_out_eq "the example's answer equals minke run's" "$WANT"
run "$EXAMPLE" /nonexistent.gguf hi
[ "$RC" -eq 1 ] && grep -q "nonexistent.gguf" <<<"$ERR" && pass "a missing model is an error" \
  || fail "a missing model is an error"

finish
