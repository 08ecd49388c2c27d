#!/usr/bin/env bash
# End-to-end checks of the `minke` command line: exit codes, error lines,
# `info`, `tokenize` and `template` on real and vocabulary-only GGUF files.
#   tests/e2e/cli_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
SMOL=${MINKE_MODELS:-models}/SmolLM2-135M-Instruct.Q4_1.gguf
VOCAB=tests/golden/data/vocab/smollm2-vocab.gguf
[ -f "$SMOL" ] || { echo "$SMOL is missing: run scripts/fetch-models.sh"; exit 1; }

# --- usage and errors -------------------------------------------------------
run "$MINKE" --help;                 expect_rc "--help exits 0" 0
run "$MINKE";                        expect_usage_error "no subcommand is a usage error"
run "$MINKE" frobnicate;             expect_usage_error "unknown subcommand is a usage error"
run "$MINKE" info;                   expect_usage_error "info without -m is a usage error"
run "$MINKE" info -m "$SMOL" --bogus; expect_usage_error "unknown flag is a usage error"
for cmd in info tokenize template; do
  run "$MINKE" "$cmd" --help;        expect_rc "$cmd --help exits 0" 0
done
run "$MINKE" info -m /nonexistent.gguf
expect_error "missing file: one error line naming it" "/nonexistent.gguf"
head -c 1000 "$SMOL" >"$E2E_TMP/truncated.gguf"
run "$MINKE" info -m "$E2E_TMP/truncated.gguf"
expect_error "truncated model: one error line naming it" "truncated.gguf"
printf 'not a gguf file at all' >"$E2E_TMP/text.gguf"
run "$MINKE" info -m "$E2E_TMP/text.gguf"
expect_error "not a GGUF file: one error line" "text.gguf"

# --- info -------------------------------------------------------------------
run "$MINKE" info -m "$SMOL"
expect_rc "info on SmolLM2 succeeds" 0
expect_out_has "info names the architecture" "architecture:    llama"
expect_out_has "info counts parameters" "134.5 M in 272 tensors"
expect_out_has "info shows the quant mix" "Q4_1; F32 x61 (137.2 KiB), Q4_1 x210 (63.3 MiB), Q8_0 x1"
expect_out_has "info shows the context length" "context length:  8192"
expect_out_has "info shows the tokenizer" "byte-level BPE (gpt2), pre-tokenizer smollm, 49152 tokens"
expect_out_has "info shows the chat template" "chat template:   yes"
run "$MINKE" info -m "$VOCAB"
expect_rc "info on a vocabulary-only file succeeds" 0
expect_out_has "info says it is vocabulary-only" "none (vocabulary-only file)"
run "$MINKE" info -m "$SMOL" --metadata --tensors
expect_out_has "info --metadata lists keys" "tokenizer.ggml.pre"
expect_out_has "info --tensors lists tensors" "blk.0.attn_q.weight"
TINY=tests/golden/data/models/tiny
run "$MINKE" info -m "$TINY/deepseek2-v3.gguf"
expect_rc "info on a deepseek2 file succeeds" 0
expect_out_has "info shows the MLA shape and cache saving" "multi-head latent: kv_lora_rank 64, q_lora_rank 64, per head 32 + 16 RoPE query/key, 32 value; the cache keeps 80 values per token and layer, 1/4.0 of full K/V"
expect_out_has "info shows the routing" "16 routed (4 per token, sigmoid with selection bias, 4 groups (2 compete), renormalised, x2.5) + 1 shared, 32 hidden each; first 1 layer dense"
expect_out_has "info shows the latent cache per token" "(320 B per token)"
run "$MINKE" info -m "$TINY/qwen3moe.gguf"
expect_out_has "info shows qwen3moe's experts" "8 routed (3 per token, softmax, renormalised), 32 hidden each"
run "$MINKE" info -m "$TINY/glm4moe.gguf"
expect_rc "info on a glm4moe file succeeds" 0
expect_out_has "info shows GLM's routing" "16 routed (4 per token, sigmoid with selection bias, renormalised, x2.5) + 1 shared"
expect_out_has "info says the MTP block is not run" "the last 1 of the 4 blocks predict further tokens (nextn); generation runs the other 3"
expect_out_has "info counts KV for the 3 layers only" "(768 B per token)"
run "$MINKE" info -m "$TINY/gpt-oss.gguf"
expect_rc "info on a gpt-oss file succeeds" 0
expect_out_has "info shows gpt-oss's attention" "sliding window of 8 tokens in 2 of 4 layers, the others the whole context; a learned sink per head"
expect_out_has "info shows gpt-oss's routing" "8 routed (4 per token, softmax over the chosen, biased router), 32 hidden each"

run "$MINKE" info -m "$TINY/qwen35.gguf"
expect_rc "info on a qwen35 file succeeds" 0
expect_out_has "info shows the recurrent layers" "Gated DeltaNet in 3 of 4 layers (2 key and 4 value heads of 16, convolution width 4); the others full attention"
expect_out_has "info counts KV for the attention layer only" "(256 B per token)"
expect_out_has "info shows the recurrent state" "recurrent state 16.5 KiB (per sequence, whatever its length)"
run "$MINKE" run -m "$TINY/qwen35.gguf" -p "hello there" -n 6 --temp 0 --seed 1
expect_rc "run on a qwen35 file succeeds" 0
run "$MINKE" info -m "$TINY/qwen35moe.gguf"
expect_out_has "info shows qwen35moe's experts" "8 routed (3 per token, softmax, renormalised) + 1 shared, 32 hidden each"
run "$MINKE" info -m "$TINY/qwen3next.gguf"
expect_rc "info on a qwen3next file succeeds" 0
expect_out_has "info shows qwen3next's recurrent layers" "Gated DeltaNet in 3 of 4 layers (2 key and 4 value heads of 16, convolution width 4)"
run "$MINKE" run -m "$TINY/qwen3next.gguf" -p "hello there" -n 6 --temp 0 --seed 1
expect_rc "run on a qwen3next file succeeds" 0
run "$MINKE" info -m "$TINY/gemma4.gguf"
expect_rc "info on a gemma4 file succeeds" 0
expect_out_has "info shows the per-layer KV heads" "4 heads (2/1 kv)"
expect_out_has "info shows the shared KV layers" "sliding window of 8 tokens in 4 of 7 layers, the others the whole context; the last 2 layers reuse the K/V of earlier layers"
expect_out_has "info shows the per-layer inputs" "32 values per layer and token from a second embedding table"
expect_out_has "info shows the logit cap" "soft-capped at 30"
expect_out_has "info counts KV for the 5 layers with their own shapes, the sliding ones for their window" "(512 B per token; the sliding-window layers 192.0 KiB for their last 256 tokens)"
run "$MINKE" run -m "$TINY/gemma4.gguf" -p "hello there" -n 6 --temp 0 --seed 1
expect_rc "run on a gemma4 file succeeds" 0

# --- tokenize (expected ids from llama.cpp: llama-cpp-python 0.3.36, Llama.tokenize) ---
GEMMA=${MINKE_MODELS:-models}/gemma-3-270m-q4_k_m.gguf
run "$MINKE" tokenize -m "$VOCAB" --json -- "<|im_start|>user Hello, world!"
expect_out_eq "tokenize --json parses special tokens (vocab-only file)" "[1,4093,38699,28,905,17]"
run "$MINKE" tokenize -m "$VOCAB" --json --no-parse-special -- "<|im_start|>user Hello, world!"
expect_out_eq "tokenize --no-parse-special" "[44,108,306,79,3738,108,46,4093,38699,28,905,17]"
run "$MINKE" tokenize -m "$VOCAB" --json -- "-n starts with a dash"
expect_out_eq "tokenize text after -- may start with a dash" "[29,94,5909,351,253,20740]"
run "$MINKE" tokenize -m "$GEMMA" --json -- "<start_of_turn>hi"
expect_out_eq "tokenize adds BOS when the model does (gemma)" "[2,105,2202]"
run "$MINKE" tokenize -m "$GEMMA" --json --no-bos --no-parse-special -- "<start_of_turn>hi"
expect_out_eq "tokenize --no-bos --no-parse-special (gemma)" "[236820,3041,236779,1340,236779,887,236813,2202]"
run "$MINKE" tokenize -m "$GEMMA" --json -- ""
expect_out_eq "tokenize the empty string gives only BOS (gemma)" "[2]"
run "$MINKE" tokenize -m "$VOCAB" -- "Hello world"
expect_out_has "tokenize prints id -> piece lines" "19556 -> 'Hello'"
printf 'Hello world' >"$E2E_TMP/text.txt"
run "$MINKE" tokenize -m "$VOCAB" --json -f "$E2E_TMP/text.txt"
expect_out_eq "tokenize -f reads a file" "[19556,905]"
run "$MINKE" tokenize -m "$VOCAB"
expect_usage_error "tokenize without text is a usage error"
run "$MINKE" tokenize -m "$VOCAB" --pre-tokenizer no-such-pre -- "x"
expect_error "an unknown pre-tokenizer is a clear error" "no-such-pre"

# --- template ------------------------------------------------------------------
printf '[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]' >"$E2E_TMP/chat.json"
run "$MINKE" template -m "$VOCAB" --messages "$E2E_TMP/chat.json"
expect_out_eq "template renders the model's template with the generation prompt" \
  "$(printf '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n')"
run "$MINKE" template -m "$VOCAB" --messages "$E2E_TMP/chat.json" --no-generation-prompt
expect_out_eq "template --no-generation-prompt" \
  "$(printf '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n')"
printf '{%% for m in messages %%}[{{ m.role }}] {{ m.content }}\n{%% endfor %%}' >"$E2E_TMP/t.jinja"
run "$MINKE" template -m "$VOCAB" --messages "$E2E_TMP/chat.json" --chat-template "$E2E_TMP/t.jinja"
expect_out_eq "template --chat-template uses the given template" "$(printf '[system] Be brief.\n[user] Hi')"
run "$MINKE" template -m "$GEMMA" --messages "$E2E_TMP/chat.json"
expect_error "a model without a template asks for --chat-template" "--chat-template"
printf '[{"role": "user", "content": ' >"$E2E_TMP/bad.json"
run "$MINKE" template -m "$VOCAB" --messages "$E2E_TMP/bad.json"
expect_error "invalid messages JSON is a clear error" "bad.json: invalid JSON"
printf '9e999' >"$E2E_TMP/overflow.json"
run "$MINKE" template -m "$VOCAB" --messages "$E2E_TMP/overflow.json"
expect_error "a number past a double is invalid JSON too" "overflow.json: invalid JSON"
printf '{%% for m in messages %%}{{ m.content | wordwrap }}{%% endfor %%}' >"$E2E_TMP/bad.jinja"
run "$MINKE" template -m "$VOCAB" --messages "$E2E_TMP/chat.json" --chat-template "$E2E_TMP/bad.jinja"
expect_error "an unsupported template construct is named" "wordwrap"

# --- serve: usage and plan errors before anything listens ------------------------------------
run "$MINKE" serve --port 8080;                          expect_usage_error "serve without -m is a usage error"
run "$MINKE" serve -m "$SMOL" --port 70000;              expect_usage_error "serve --port 70000 is a usage error"
run "$MINKE" serve -m "$SMOL" --mem-budget 12x;          expect_usage_error "serve --mem-budget 12x is a usage error"
run "$MINKE" serve -m "$SMOL" --mem-budget 100M
expect_error "a memory budget too small for one context names the figures" "leaving 0 MiB for the KV cache"
run "$MINKE" serve -m "$SMOL" --kv-size 100
expect_error "a KV cache smaller than one context is refused" "at least one whole request"

finish
