#!/usr/bin/env bash
# End-to-end check of `minke perplexity` against llama.cpp's llama-perplexity method on
# SmolLM2 (fixture tests/golden/data/models/perplexity.json, llama-cpp-python 0.3.36, n_ctx 256):
# the final PPL must agree within 0.5%. Also usage and input errors.
#   tests/e2e/perplexity_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
SMOL=${MINKE_MODELS:-models}/SmolLM2-135M-Instruct.Q4_1.gguf
TEXT=tests/golden/data/models/perplexity.txt
FIXTURE=tests/golden/data/models/perplexity.json
[ -f "$SMOL" ] || { echo "$SMOL is missing: run scripts/fetch-models.sh"; exit 1; }

run "$MINKE" perplexity --help;      expect_rc "perplexity --help exits 0" 0
run "$MINKE" perplexity -m "$SMOL";  expect_usage_error "perplexity without -f is a usage error"
run "$MINKE" perplexity -m "$SMOL" -f /nonexistent.txt
expect_error "a missing text file is one error line naming it" "/nonexistent.txt"
printf 'Too short.' >"$E2E_TMP/short.txt"
run "$MINKE" perplexity -m "$SMOL" -f "$E2E_TMP/short.txt" -c 64
expect_error "a text shorter than two contexts is a clear error" "needs at least 128"

WANT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["models"]["smollm2"]["ppl"])' "$FIXTURE")
run "$MINKE" perplexity -m "$SMOL" -f "$TEXT" -c 256
expect_rc "perplexity on SmolLM2 succeeds" 0
expect_out_has "the result line is on stdout" "Final estimate: PPL = "
GOT=$(sed -n 's/^Final estimate: PPL = \([0-9.]*\) +\/- .*/\1/p' <<<"$OUT")
grep -q "6 chunks of 256" <<<"$ERR" && pass "6 chunks of 256 tokens, as llama.cpp" \
  || fail "6 chunks of 256 tokens, as llama.cpp"
python3 -c "import sys; g, w = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(g - w) / w > 0.005)" \
  "${GOT:-0}" "$WANT" && pass "PPL $GOT is within 0.5% of llama.cpp's $WANT" \
  || fail "PPL ${GOT:-none} is within 0.5% of llama.cpp's $WANT"

finish
