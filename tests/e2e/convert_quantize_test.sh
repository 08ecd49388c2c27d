#!/usr/bin/env bash
# End-to-end checks of `minke convert` and `minke quantize`: a tiny FP8 DeepSeek-V3 checkpoint
# converted, quantized and run; gpt-oss with MXFP4 experts, Gemma 4, Qwen3.5-MoE and GLM-4.5
# converted and run; a tiny float model rewritten in each family of mix runs, `minke
# info` names the mix; bad requests fail with one clear line and leave no file behind. Numerics:
# tests/golden/convert_test.cpp (transformers) and quantize_plan_test.cpp (llama.cpp).
#   tests/e2e/convert_quantize_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
TINY=tests/golden/data/models/tiny
OUTQ=$E2E_TMP/q.gguf

HF=tests/golden/data/hf
run "$MINKE" convert "$HF/deepseek-v3-fp8" "$E2E_TMP/v3.gguf"
expect_rc "convert an FP8 DeepSeek-V3 checkpoint" 0
grep -qF "blk.1.ffn_gate_exps.weight" <<<"$ERR" && pass "experts are stacked into one tensor" \
  || fail "no ffn_gate_exps line"
run "$MINKE" info -m "$E2E_TMP/v3.gguf"
expect_out_has "info reads the converted model's latent attention" "multi-head latent"
run "$MINKE" quantize "$E2E_TMP/v3.gguf" "$E2E_TMP/v3-q.gguf" Q4_K_M
expect_rc "quantize the converted model" 0
run "$MINKE" run -m "$E2E_TMP/v3-q.gguf" --raw --temp 0 -n 4 -t 1 -p "Hello"
expect_rc "the converted, quantized model generates" 0
run "$MINKE" convert "$HF/gpt-oss-mxfp4" "$E2E_TMP/gpt-oss.gguf"
expect_rc "convert gpt-oss with MXFP4 experts" 0
grep -qE "blk.0.ffn_gate_exps.weight .*MXFP4" <<<"$ERR" && pass "the MXFP4 experts stay MXFP4" \
  || fail "no MXFP4 line for ffn_gate_exps"
run "$MINKE" info -m "$E2E_TMP/gpt-oss.gguf"
expect_out_has "info reads the converted gpt-oss's sinks" "a learned sink per head"
run "$MINKE" run -m "$E2E_TMP/gpt-oss.gguf" --raw --temp 0 -n 4 -t 1 -p "Hello"
expect_rc "the converted gpt-oss generates" 0
for family in gemma4 qwen35moe glm4moe; do
  run "$MINKE" convert --outtype q8_0 "$HF/$family" "$E2E_TMP/$family.gguf"
  expect_rc "convert $family to q8_0" 0
  run "$MINKE" run -m "$E2E_TMP/$family.gguf" --raw --temp 0 -n 4 -t 1 -p "Hello"
  expect_rc "the converted $family generates" 0
done
run "$MINKE" convert --outtype q8_0 "$HF/llama" "$E2E_TMP/llama.gguf"
expect_rc "convert with --outtype q8_0" 0
run "$MINKE" convert --outtype q4_0 "$HF/llama" "$E2E_TMP/x.gguf"
expect_usage_error "an --outtype convert does not make is a usage error"
run "$MINKE" convert "$E2E_TMP" "$E2E_TMP/x.gguf"
expect_error "a directory without a checkpoint is one line" "no *.safetensors"

for mix in Q8_0 Q4_K_M Q5_1 BF16; do
  run "$MINKE" quantize -t 2 "$TINY/qwen3moe-f16.gguf" "$OUTQ" "$mix"
  expect_rc "quantize qwen3moe-f16 to $mix" 0
  grep -qF "minke: wrote $OUTQ" <<<"$ERR" && pass "$mix: the summary line names the file" \
    || fail "$mix: no summary line"
  run "$MINKE" info -m "$OUTQ"
  expect_out_has "$mix: info names the mix" "$mix"
  run "$MINKE" run -m "$OUTQ" --raw --temp 0 -n 4 -t 1 -p "Hello"
  expect_rc "$mix: the quantized model generates" 0
done

run "$MINKE" quantize "$TINY/deepseek2-v3-f16.gguf" "$OUTQ" q4_k
expect_rc "lower-case q4_k is Q4_K_M" 0
grep -qE "attn_kv_b.weight .* F16 -> (Q5_0|Q8_0)" <<<"$ERR" && pass "rows of 64 fall back from the K types" \
  || fail "no fallback line for attn_kv_b"

run "$MINKE" quantize "$TINY/qwen3.gguf" "$E2E_TMP/re.gguf" Q4_0
expect_error "an already quantized input needs --allow-requantize" "--allow-requantize"
[ ! -e "$E2E_TMP/re.gguf" ] && [ ! -e "$E2E_TMP/re.gguf.part" ] && pass "the refused run wrote nothing" \
  || fail "the refused run left a file"
run "$MINKE" quantize --allow-requantize "$TINY/qwen3.gguf" "$E2E_TMP/re.gguf" Q4_0
expect_rc "--allow-requantize quantizes it" 0

run "$MINKE" quantize "$TINY/qwen3-f16.gguf" "$OUTQ" Q3_K_M
expect_usage_error "an unknown mix is a usage error"
run "$MINKE" quantize "$TINY/qwen3-f16.gguf" "$TINY/qwen3-f16.gguf" Q8_0
expect_error "the input is never overwritten" "is the input file"
run "$MINKE" quantize --output-tensor-type Q9 "$TINY/qwen3-f16.gguf" "$OUTQ" Q8_0
expect_error "an unknown tensor type is named" "Q9 is not a tensor type"
run "$MINKE" quantize "$TINY/qwen3-f16.gguf" /nonexistent-dir/q.gguf Q8_0
expect_error "an unwritable output is one line" "cannot create"

finish
