#!/usr/bin/env bash
# End-to-end check of `minke perplexity` against llama.cpp's llama-perplexity method on the three
# real models (fixture tests/golden/data/models/perplexity.json, llama-cpp-python 0.3.36,
# n_ctx 256, 6 chunks): the token count must be llama.cpp's, each running PPL (printed after every
# chunk) within 1% of llama.cpp's and the final PPL within 0.5% (the pass lines print the
# measured ratios and each model's time). Also usage and input errors.
#   tests/e2e/perplexity_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
MODELS=${MINKE_MODELS:-models}
SMOL=$MODELS/SmolLM2-135M-Instruct.Q4_1.gguf
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

# Compares one run (stdout in $1, stderr in $2) with the fixture's model $3; prints a summary.
# stderr: "perplexity: N tokens, 6 chunks of 256, T threads" then "[1]x,[2]y,...,[6]z";
# stdout: "Final estimate: PPL = z +/- e".
COMPARE='
import json, re, sys
out, err = open(sys.argv[1]).read(), open(sys.argv[2]).read()
want = json.load(open(sys.argv[4]))["models"][sys.argv[3]]
n_tokens, n_chunk, ppl = want["n_tokens"], want["n_chunk"], want["ppl"]
problems = []
m = re.search(r"perplexity: (\d+) tokens, (\d+) chunks of 256", err)
if not m or int(m[1]) != n_tokens or int(m[2]) != n_chunk:
    problems.append(f"expected {n_tokens} tokens in {n_chunk} chunks of 256")
running = [float(x) for x in re.findall(r"\[\d+\]([0-9.]+)", err)]
worst = 0.0
for c, ch in enumerate(want["chunks"]):
    if c >= len(running):
        problems.append(f"no running PPL after chunk {c + 1}")
        break
    w = ch["running_ppl"]
    worst = max(worst, abs(running[c] - w) / w)
    if abs(running[c] - w) / w > 0.01:
        problems.append(f"running PPL [{c + 1}] {running[c]} vs {w:.4f}")
m = re.search(r"^Final estimate: PPL = ([0-9.]+) ", out, re.M)
got = float(m[1]) if m else 0.0
if abs(got - ppl) / ppl > 0.005:
    problems.append("final PPL off by more than 0.5%")
print(f"PPL {got} vs llama.cpp {ppl:.4f} (ratio {got / ppl:.5f}, worst "
      f"running PPL {100 * worst:.2f}% off)" + "".join("; " + p for p in problems))
sys.exit(1 if problems else 0)
'

# check_ppl NAME FILE: NAME is the model's key in the fixture, FILE the GGUF in $MODELS.
check_ppl() {
  local name=$1 model=$MODELS/$2 t0=$SECONDS verdict
  if [ ! -f "$model" ]; then
    RC=1 OUT="" ERR=""
    fail "$name: $model is missing: run scripts/fetch-models.sh"
    return
  fi
  run "$MINKE" perplexity -m "$model" -f "$TEXT" -c 256
  expect_rc "$name: perplexity succeeds" 0
  if verdict=$(python3 -c "$COMPARE" "$E2E_TMP/out" "$E2E_TMP/err" "$name" "$FIXTURE"); then
    pass "$name: $verdict, in $((SECONDS - t0)) s"
  else
    fail "$name: $verdict"
  fi
}

check_ppl smollm2 SmolLM2-135M-Instruct.Q4_1.gguf
check_ppl gemma3-270m gemma-3-270m-q4_k_m.gguf
check_ppl qwen2.5-coder-0.5b qwen2.5-coder-0.5b-instruct-q4_k_m.gguf

finish
