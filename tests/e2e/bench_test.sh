#!/usr/bin/env bash
# End-to-end checks of `minke bench`: the JSON object's fields and their types, the table, the
# bandwidth probe alone, the kernel path MINKE_KERNELS forces, usage and runtime errors. Tiny
# -p/-n/-r and a small probe buffer keep it to a few seconds; no timing is asserted (speed is
# never a pass/fail test), only that the figures are positive numbers.
#   tests/e2e/bench_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
SMOL=${MINKE_MODELS:-models}/SmolLM2-135M-Instruct.Q4_1.gguf
[ -f "$SMOL" ] || { echo "$SMOL is missing: run scripts/fetch-models.sh"; exit 1; }
TINY=(-p 8 -n 4 -r 2 -t 1 --membw-mib 64)

# check_json "WHAT" PYTHON-EXPR...: each expression, over the object j parsed from $OUT, is true.
check_json() {
  local what=$1
  shift
  if python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
for expr in sys.argv[1:]:
    if not eval(expr):
        sys.exit(f"false: {expr}")
' "$@" <<<"$OUT" 2>"$E2E_TMP/json_err"; then
    pass "$what"
  else
    fail "$what ($(cat "$E2E_TMP/json_err"))"
  fi
}

# --- usage and errors -------------------------------------------------------
run "$MINKE" bench --help;                 expect_rc "bench --help exits 0" 0
run "$MINKE" bench;                        expect_usage_error "bench without -m is a usage error"
run "$MINKE" bench -m "$SMOL" -p 0 -n 0;   expect_usage_error "bench with nothing to run is a usage error"
run "$MINKE" bench -m "$SMOL" -r 0;        expect_usage_error "bench -r 0 is a usage error"
run "$MINKE" bench -m "$SMOL" -t 0;        expect_usage_error "bench -t 0 is a usage error"
run "$MINKE" bench -m "$SMOL" -p x;        expect_usage_error "bench -p x is a usage error"
run "$MINKE" bench --membw --no-membw;     expect_usage_error "--membw with --no-membw is a usage error"
run "$MINKE" bench -m /nonexistent.gguf "${TINY[@]}"
expect_error "bench on a missing file: one error line naming it" "/nonexistent.gguf"
run "$MINKE" bench -m tests/golden/data/vocab/smollm2-vocab.gguf "${TINY[@]}"
expect_error "bench on a vocabulary-only file: one error line" "smollm2-vocab.gguf"
run "$MINKE" bench -m "$SMOL" -p 100000 -n 1 -r 1 -t 1 --no-membw
expect_error "bench past the training context: one error line" "trained for (8192)"
MINKE_KERNELS=no-such-path run "$MINKE" bench --membw --membw-mib 16
expect_error "an unknown MINKE_KERNELS path is one error line" "no-such-path"
MINKE_PREFETCH=4k run "$MINKE" bench --membw --membw-mib 16
expect_error "a MINKE_PREFETCH that is no byte count is one error line" "MINKE_PREFETCH=4k"

# --- JSON -------------------------------------------------------------------
run "$MINKE" bench -m "$SMOL" "${TINY[@]}" --json
expect_rc "bench --json succeeds" 0
check_json "bench --json has every documented field with its type" \
  'all(k in j for k in ("pp_tokens_per_s", "tg_tokens_per_s", "pp_std", "tg_std", "threads",
       "kernel_path", "model_bytes", "membw_gb_per_s", "roofline_fraction", "machine", "model",
       "commit"))' \
  'num(j["pp_tokens_per_s"]) and j["pp_tokens_per_s"] > 0' \
  'num(j["tg_tokens_per_s"]) and j["tg_tokens_per_s"] > 0' \
  'num(j["pp_std"]) and j["pp_std"] >= 0 and num(j["tg_std"]) and j["tg_std"] >= 0' \
  'len(j["pp_samples"]) == 2 and len(j["tg_samples"]) == 2' \
  'j["threads"] == 1 and j["n_prompt"] == 8 and j["n_gen"] == 4 and j["repetitions"] == 2' \
  'isinstance(j["kernel_path"], str) and j["kernel_path"] != ""' \
  'j["model_bytes"] > 60 * 2**20 and 0 < j["weight_bytes_per_token"] <= j["model_bytes"]' \
  'num(j["membw_gb_per_s"]) and j["membw_gb_per_s"] > 0' \
  'num(j["roofline_fraction"]) and j["roofline_fraction"] > 0' \
  'j["arch"] == "llama" and j["file_type"] == "Q4_1" and j["model"].endswith(".gguf")' \
  'isinstance(j["machine"], str)'
[ -z "$ERR" ] || grep -q '^bench: ' <<<"$ERR" && pass "bench progress goes to stderr" \
  || fail "bench progress goes to stderr"

# A mixture-of-experts model at a depth: the test starts from 8 cached tokens, and a token
# reads 3 of the 8 experts (qwen3moe tiny: 148992 of 222528 bytes).
run "$MINKE" bench -m tests/golden/data/models/tiny/qwen3moe.gguf -p 4 -n 2 -d 8 -r 1 -t 1 \
  --no-membw --json
expect_rc "bench -d on a MoE model succeeds" 0
check_json "bench -d reports the depth and counts only the routed experts' bytes" \
  'j["n_depth"] == 8 and j["weight_bytes_per_token"] == 148992 and j["model_bytes"] == 222528'
# A hybrid model at a depth: its recurrent state cannot be cut back, so each repetition
# starts from the snapshot taken at the depth (two repetitions of both tests).
run "$MINKE" bench -m tests/golden/data/models/tiny/qwen35.gguf -p 4 -n 2 -d 8 -r 2 -t 1 \
  --no-membw --json
expect_rc "bench -d on a hybrid (recurrent) model succeeds" 0
check_json "bench -d on qwen35 reports the depth and both repetitions" \
  'j["n_depth"] == 8 and len(j["pp_samples"]) == 2 and len(j["tg_samples"]) == 2'
run "$MINKE" bench -m tests/golden/data/models/tiny/qwen3moe.gguf -p 4 -n 2 -d 300 -r 1 \
  --no-membw
expect_error "bench -d past the trained context is a clear error" "use -d plus -p and -n"

run "$MINKE" bench -m "$SMOL" -p 0 -n 2 -r 1 -t 1 --no-membw --json
expect_rc "bench -p 0 (tg only, no probe) succeeds" 0
check_json "a skipped test and the skipped probe are null" \
  'j["pp_tokens_per_s"] is None and j["pp_std"] is None and j["tg_tokens_per_s"] > 0' \
  'j["membw_gb_per_s"] is None and j["roofline_fraction"] is None'

run "$MINKE" bench -m "$SMOL" -p 4 -n 0 -r 1 -t 1 -b 3 --no-membw --json
expect_rc "bench -n 0 with a batch smaller than the prompt succeeds" 0
check_json "the pp test runs in chunks of the batch size" \
  'j["n_batch"] == 3 and j["pp_tokens_per_s"] > 0 and j["tg_tokens_per_s"] is None'

# --- the table --------------------------------------------------------------
run "$MINKE" bench -m "$SMOL" "${TINY[@]}"
expect_rc "bench (table) succeeds" 0
expect_out_has "the table has llama-bench's columns" "| model"
expect_out_has "the table has the pp row" "pp8"
expect_out_has "the table has the tg row" "tg4"
expect_out_has "the table shows mean ± stddev" " ± "
expect_out_has "bench prints the bandwidth" "memory bandwidth:"
expect_out_has "bench prints the roofline" "roofline:"

# --- the probe alone --------------------------------------------------------
run "$MINKE" bench --membw --membw-mib 64 -t 1 --json
expect_rc "bench --membw --json succeeds without a model" 0
check_json "bench --membw --json reports GB/s" \
  'num(j["membw_gb_per_s"]) and j["membw_gb_per_s"] > 0 and j["threads"] == 1' \
  'j["buffer_bytes"] == 64 * 2**20'
run "$MINKE" bench --membw --membw-mib 64 -t 1
expect_out_has "bench --membw prints GB/s" "GB/s"

# --- kernel path ------------------------------------------------------------
MINKE_KERNELS=ref run "$MINKE" bench -m "$SMOL" -p 2 -n 1 -r 1 -t 1 --no-membw --json
check_json "MINKE_KERNELS=ref is the path bench reports" 'j["kernel_path"] == "ref"'
MINKE_PREFETCH=8192 run "$MINKE" bench -m "$SMOL" -p 2 -n 1 -r 1 -t 1 --no-membw --json
check_json "MINKE_PREFETCH sets the decode prefetch bench reports" 'j["weight_prefetch"] == 8192'
MINKE_PREFETCH=0 run "$MINKE" bench -m "$SMOL" -p 2 -n 1 -r 1 -t 1 --no-membw --json
check_json "MINKE_PREFETCH=0 turns the decode prefetch off" 'j["weight_prefetch"] == 0'
MINKE_KERNELS=ref run "$MINKE" info -m "$SMOL"
expect_out_has "info shows the kernel path in use" "kernels:         ref (cpu: "

finish
