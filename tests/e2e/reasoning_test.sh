#!/usr/bin/env bash
# End-to-end checks of reasoning output (`<think>`) in `run` and `chat` on DeepSeek-R1-Distill's
# own chat template, with a tiny scripted model that always thinks "Two plus two is four." and
# answers "The answer: 4", closing its think block over three tokens ("</", "think", ">").
# (scripts/make_scripted_model.py; the real R1-Distill GGUF is not on PyPI in full.)
#   tests/e2e/reasoning_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
R1=tests/golden/data/models/tiny/r1-scripted.gguf

run "$MINKE" template -m "$R1" --messages <(echo '[{"role":"user","content":"2+2?"}]')
[ "$OUT" = "<｜begin▁of▁sentence｜><｜User｜>2+2?<｜Assistant｜><think>" ] \
  && pass "the R1 template opens the think block in the generation prompt" \
  || fail "the R1 template opens the think block in the generation prompt"

# `run` on a scripted model ($1) with its label ($2): the reasoning shown apart, between tags on
# their own lines (not a terminal), and only the answer with --hide-thinking.
expect_reasoning_apart() {
  run "$MINKE" run -m "$1" --temp 0 --no-stats -p "What is 2+2?"
  expect_rc "$2: run succeeds" 0
  [ "$OUT" = "$(printf '<think>\nTwo plus two is four.\n</think>\n\nThe answer: 4')" ] \
    && pass "$2: run shows the reasoning apart, between tags on their own lines" \
    || fail "$2: run shows the reasoning apart, between tags on their own lines"
  run "$MINKE" run -m "$1" --hide-thinking --no-stats -p "What is 2+2?"
  [ "$OUT" = "The answer: 4" ] && pass "$2: --hide-thinking prints only the answer" \
    || fail "$2: --hide-thinking prints only the answer"
}
expect_reasoning_apart "$R1" "R1 template"

run "$MINKE" run -m "$R1" --raw --temp 0 --no-stats -p "<｜User｜>2+2?<｜Assistant｜><think>
"
[ "$OUT" = "Two plus two is four.</think>

The answer: 4" ] && pass "--raw prints the model's own text, tags and all" \
  || fail "--raw prints the model's own text, tags and all"

printf 'What is 2+2?\nAnd 3+3?\n' >"$E2E_TMP/turns"
run bash -c "'$MINKE' chat -m '$R1' --temp 0 --hide-thinking --stats <'$E2E_TMP/turns'"
expect_rc "piped chat on an R1 template exits 0" 0
[ "$(grep -c '^The answer: 4$' <<<"$OUT")" -eq 2 ] && pass "chat answers both turns without the reasoning" \
  || fail "chat answers both turns without the reasoning"
# Chat keeps only the answer in the history (as the R1 template itself would), so turn 2's
# prompt is turn 1's 17 tokens (BOS, <｜User｜>, 12 bytes, <｜Assistant｜>, <think>, "\n") less
# "<think>\n", plus the answer (13 bytes: the vocabulary has no merges for it), <｜end▁of▁sentence｜>,
# <｜User｜>, "And 3+3?" (8), <｜Assistant｜>, <think>, "\n": 41. With the reasoning it would be 62+.
P1=$(grep -o 'prompt: [0-9]* tokens' <<<"$ERR" | sed -n 1p | tr -dc 0-9)
P2=$(grep -o 'prompt: [0-9]* tokens' <<<"$ERR" | sed -n 2p | tr -dc 0-9)
[ "$P1" = 17 ] && [ "$P2" = 41 ] \
  && pass "turn 2's prompt holds turn 1's answer, not its reasoning ($P1 -> $P2 tokens)" \
  || fail "turn 2's prompt holds turn 1's answer, not its reasoning ($P1 -> $P2 tokens)"

# --- Harmony (gpt-oss): the same script as an analysis message and a final message -------------
H=tests/golden/data/models/tiny/harmony-scripted.gguf
expect_reasoning_apart "$H" "Harmony (analysis channel as reasoning, final as the answer)"
run "$MINKE" run -m "$H" --raw --temp 0 --no-stats -p "<|start|>user<|message|>2+2?<|end|><|start|>assistant"
expect_out_eq "Harmony: --raw shows the messages' markup; <|return|> ends the generation unprinted" \
  "<|channel|>analysis<|message|>Two plus two is four.<|end|><|start|>assistant<|channel|>final<|message|>The answer: 4"
finish
