#!/usr/bin/env bash
# End-to-end checks of `minke chat`: driven through a pipe (one turn per line, /reset, /exit)
# and through a terminal in tmux (readline prompt, Ctrl-C stops an answer; without tmux these
# are reported as skipped, and fail under CI).
#   tests/e2e/chat_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
SMOL=${MINKE_MODELS:-models}/SmolLM2-135M-Instruct.Q4_1.gguf
[ -f "$SMOL" ] || { echo "$SMOL is missing: run scripts/fetch-models.sh"; exit 1; }

run "$MINKE" chat --help; expect_rc "chat --help exits 0" 0

# --- through a pipe -------------------------------------------------------------------
printf 'Hi\nWhat did I just say?\n/reset\nHi\n/exit\nnever read\n' >"$E2E_TMP/turns"
run bash -c "'$MINKE' chat -m '$SMOL' --temp 0 -n 6 --stats <'$E2E_TMP/turns'"
expect_rc "piped chat exits 0 at /exit" 0
[ "$(grep -c 'prompt:' <<<"$ERR")" -eq 3 ] && pass "three turns were answered" \
  || fail "three turns were answered"
P1=$(grep -o 'prompt: [0-9]* tokens' <<<"$ERR" | sed -n 1p)
P2=$(grep -o 'prompt: [0-9]* tokens' <<<"$ERR" | sed -n 2p)
P3=$(grep -o 'prompt: [0-9]* tokens' <<<"$ERR" | sed -n 3p)
[ "${P2//[^0-9]/}" -gt "${P1//[^0-9]/}" ] && pass "the conversation accumulates ($P1 -> $P2)" \
  || fail "the conversation accumulates ($P1 -> $P2)"
[ "$P3" = "$P1" ] && pass "/reset starts over ($P3)" || fail "/reset starts over ($P3)"
grep -q "prompt: ${P2//[^0-9]/} tokens ([0-9]* cached)" <<<"$ERR" \
  && pass "turn 2 reuses turn 1's K/V from the prefix cache ($(grep -o '([0-9]* cached)' <<<"$ERR" | head -1))" \
  || fail "turn 2 reuses turn 1's K/V from the prefix cache"
grep -q "conversation cleared" <<<"$ERR" && pass "/reset says so on stderr" || fail "/reset says so"
[ "$(grep -c . <<<"$OUT")" -ge 3 ] && pass "each answer is printed" || fail "each answer is printed"
# Same first turn, same greedy answer as `run`.
run "$MINKE" run -m "$SMOL" --temp 0 -n 6 --no-stats -p Hi
[ "$(sed -n 1p "$E2E_TMP/out")" = "$(printf 'Hi\n' | "$MINKE" chat -m "$SMOL" --temp 0 -n 6 2>/dev/null | sed -n 1p)" ] \
  && pass "chat's first answer equals run's" || fail "chat's first answer equals run's"
run bash -c "printf 'Hi\n' | '$MINKE' chat -m '${MINKE_MODELS:-models}/gemma-3-270m-q4_k_m.gguf'"
expect_error "chat with a model without a template fails before the first turn" "--chat-template"

# --- through a terminal (tmux) --------------------------------------------------------
if command -v tmux >/dev/null; then
  S=minke-chat-e2e-$$
  tmux new-session -d -s "$S" -x 160 -y 50 "'$MINKE' chat -m '$SMOL' --temp 0 -n 2000; echo EXITED=\$?; sleep 30"
  wait_for() {  # wait_for TEXT SECONDS
    for _ in $(seq 1 $((${2} * 5))); do
      tmux capture-pane -p -t "$S" | grep -qF -- "$1" && return 0
      sleep 0.2
    done
    return 1
  }
  prompt_shown() {  # the last non-empty line of the pane is the empty readline prompt
    for _ in $(seq 1 $((${1} * 5))); do
      tmux capture-pane -p -t "$S" | grep -v '^[[:space:]]*$' | tail -1 | grep -qE '^>[[:space:]]*$' \
        && return 0
      sleep 0.2
    done
    return 1
  }
  prompt_shown 60 && pass "tmux: the readline prompt appears" || fail "tmux: the readline prompt appears"
  tmux send-keys -t "$S" "Write a long story about a cat." Enter
  # Ctrl-C as soon as the answer streams (the SIMD kernels write a whole answer in a second or
  # two, so a fixed delay could land after it ended).
  answer_started() {  # a non-empty line below the user's line
    for _ in $(seq 1 $((${1} * 20))); do
      tmux capture-pane -p -t "$S" | sed -n '/Write a long story/,$p' | sed 1d \
        | grep -q '[^[:space:]]' && return 0
      sleep 0.05
    done
    return 1
  }
  answer_started 60 || true
  tmux send-keys -t "$S" C-c
  wait_for "[stopped]" 30 && pass "tmux: Ctrl-C stops the answer" || fail "tmux: Ctrl-C stops the answer"
  prompt_shown 10 && pass "tmux: ...and the prompt comes back" || fail "tmux: ...and the prompt comes back"
  tmux send-keys -t "$S" C-c
  sleep 0.5
  tmux send-keys -t "$S" C-c
  wait_for "EXITED=0" 10 && pass "tmux: two Ctrl-C at the prompt quit" || fail "tmux: two Ctrl-C at the prompt quit"
  tmux kill-session -t "$S" 2>/dev/null || true
else
  skip_or_fail "tmux: the terminal checks (readline prompt, Ctrl-C)" "tmux is not installed"
fi

finish
