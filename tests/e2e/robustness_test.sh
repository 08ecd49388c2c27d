#!/usr/bin/env bash
# End-to-end checks of `minke` against careless or hostile use: absurd sizes and sampling values,
# bad files where files are expected, closed stdin/stdout, Ctrl-C, and seeded determinism.
# Generations are a few tokens of SmolLM2 so the script stays quick on the scalar kernels.
#   tests/e2e/robustness_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
SMOL=${MINKE_MODELS:-models}/SmolLM2-135M-Instruct.Q4_1.gguf
VOCAB=tests/golden/data/vocab/smollm2-vocab.gguf
[ -f "$SMOL" ] || { echo "$SMOL is missing: run scripts/fetch-models.sh"; exit 1; }

# --- sizes: refused with a limit to use, before anything large is allocated ------------------
run "$MINKE" run -m "$SMOL" -p hi -n 2 -c 16777216
expect_error "a context beyond the training context names the limit" "use -c 8192 or less"
run "$MINKE" run -m "$SMOL" -p hi -n 2 -c 100000000
expect_usage_error "an absurd -c is a usage error"
printf 'too short' >"$E2E_TMP/short.txt"
run timeout 20 "$MINKE" perplexity -m "$SMOL" -f "$E2E_TMP/short.txt" -c 1048576
expect_error "perplexity checks the text length before allocating a huge cache" "needs at least 2097152"
run "$MINKE" perplexity -m "$VOCAB" -f "$E2E_TMP/short.txt"
expect_error "perplexity on a vocabulary-only file says it has no weights" "no tensors"

# --- files that are not what they should be ----------------------------------------------------
run "$MINKE" perplexity -m "$SMOL" -f "$E2E_TMP"
expect_error "a directory as the text file is named as one" "is a directory"
run "$MINKE" run -m "$SMOL" -p hi --chat-template "$E2E_TMP"
expect_error "a directory as the chat template is refused (not silently ignored)" "is a directory"
printf '{%% for m in messages %%' >"$E2E_TMP/broken.jinja"
run "$MINKE" run -m "$SMOL" -p hi --chat-template "$E2E_TMP/broken.jinja"
expect_error "a broken chat template's error names the file" "broken.jinja: chat template 1:"
run "$MINKE" run -m "$SMOL" -p hi --chat-template "$E2E_TMP/none.jinja"
expect_error "a missing chat template is named" "none.jinja: cannot open"
run "$MINKE" run -m "$SMOL" --raw -p ""
expect_error "an empty raw prompt is a clear error" "the prompt is empty"

# --- option values: usage errors at parse time, naming the option --------------------------
for bad in "--top-p 2" "--top-p nan" "--min-p -0.5" "--temp inf" "--repeat-penalty 0" \
           "--seed -5" "--seed 18446744073709551615" "-t 0" "-t 10000" "-n -2" "--top-k -3"; do
  # shellcheck disable=SC2086
  run "$MINKE" run -m "$SMOL" -p hi $bad
  expect_usage_error "run $bad is a usage error"
  grep -qF -- "${bad%% *}" <<<"$ERR" && pass "  ... naming ${bad%% *}" || fail "  ... naming ${bad%% *}"
done
run "$MINKE" run -m "$SMOL"
expect_usage_error "run without a prompt is a usage error"
grep -qF "Run 'minke run --help'" <<<"$ERR" && pass "usage errors point at 'minke run --help'" \
  || fail "usage errors point at 'minke run --help'"
run "$MINKE" run --help
grep -qE -- "-m,--model FILE" <<<"$OUT" && grep -qE -- "-c,--ctx-size N " <<<"$OUT" \
  && grep -qF -- "--temp X=0.8" <<<"$OUT" && pass "run --help names placeholders and defaults" \
  || fail "run --help names placeholders and defaults"

# --- determinism and prompt files --------------------------------------------------------------
run "$MINKE" run -m "$SMOL" -n 4 --temp 0.8 --seed 42 -p "Tell me a story"
FIRST=$OUT
grep -qF "seed 42 ]" <<<"$ERR" && pass "the stats line shows the seed" || fail "the stats line shows the seed"
run "$MINKE" run -m "$SMOL" -n 4 --temp 0.8 --seed 42 -t 1 --no-stats -p "Tell me a story"
[ -n "$FIRST" ] && [ "$OUT" = "$FIRST" ] && pass "the same seed gives the same text (1 thread or all)" \
  || fail "the same seed gives the same text (1 thread or all)"
printf 'Tell me a story' >"$E2E_TMP/prompt.txt"
run "$MINKE" run -m "$SMOL" -n 4 --temp 0.8 --seed 42 --no-stats -f "$E2E_TMP/prompt.txt"
expect_out_eq "run -f reads the prompt from a file" "$FIRST"

# --- closed streams and signals ---------------------------------------------------------------
run "$MINKE" chat -m "$SMOL" </dev/null
[ "$RC" -eq 0 ] && [ -z "$OUT" ] && [ -z "$ERR" ] && pass "chat with empty stdin exits 0 quietly" \
  || fail "chat with empty stdin exits 0 quietly"
run "$MINKE" chat -m "$SMOL" <&-
expect_rc "chat with stdin closed exits 0" 0
# With SIGPIPE ignored (as under some supervisors) a gone reader must stop the run quietly.
set +e
( trap '' PIPE; "$MINKE" run -m "$SMOL" -n 200 --temp 0 -p "Write a long story" 2>"$E2E_TMP/err" \
  | head -c 5 >/dev/null; exit "${PIPESTATUS[0]}" )
RC=$?
set -e
ERR=$(cat "$E2E_TMP/err"); OUT=""
[ "$RC" -eq 141 ] && [ -z "$ERR" ] && pass "a closed stdout stops the run quietly (exit 141)" \
  || fail "a closed stdout stops the run quietly (exit 141)"
# Ctrl-C while generating: the run stops, reports 'cancelled', exits 130.
"$MINKE" run -m "$SMOL" -n 400 -p "Write a long essay about the sea" >"$E2E_TMP/out" 2>"$E2E_TMP/err" &
PID=$!
for _ in $(seq 300); do [ -s "$E2E_TMP/out" ] && break; sleep 0.1; done
kill -INT "$PID"
set +e; wait "$PID"; RC=$?; set -e
OUT=$(cat "$E2E_TMP/out"); ERR=$(cat "$E2E_TMP/err")
[ "$RC" -eq 130 ] && grep -q "| cancelled |" <<<"$ERR" \
  && pass "Ctrl-C stops the generation with exit 130" || fail "Ctrl-C stops the generation with exit 130"

finish
