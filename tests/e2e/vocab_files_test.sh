#!/usr/bin/env bash
# End-to-end checks of `minke info` and `minke tokenize` on llama.cpp's vocabulary-only test
# files (tests/golden/data/vocab/ggml-vocab-*.gguf), for tokenizers that have no model here.
# Expected ids from llama.cpp (llama-cpp-python 0.3.36, Llama.tokenize).
#   tests/e2e/vocab_files_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
VOCABS=tests/golden/data/vocab

# --- Qwen3.5: byte-level BPE, pre-tokenizer qwen35 ---------------------------
QWEN35=$VOCABS/ggml-vocab-qwen35.gguf
run "$MINKE" info -m "$QWEN35"
expect_rc "info on the qwen35 vocabulary succeeds" 0
expect_out_has "info names the qwen35 pre-tokenizer" "pre-tokenizer qwen35, 151936 tokens"
run "$MINKE" tokenize -m "$QWEN35" --json -- "$(printf 're\xcc\x81sume\xcc\x81 ok')"
expect_out_eq "tokenize with qwen35 keeps combining marks in words" "[265,53839,31323,53839,5394]"

# --- Gemma 4: space-escaped BPE (tokenizer model gemma4) ----------------------
GEMMA4=$VOCABS/ggml-vocab-gemma-4.gguf
run "$MINKE" info -m "$GEMMA4"
expect_rc "info on the gemma4 vocabulary succeeds" 0
expect_out_has "info names the gemma4 tokenizer" "space-escaped BPE with byte fallback (gemma4), 262144 tokens"
run "$MINKE" tokenize -m "$GEMMA4" --json -- "$(printf 'Hello world  x\n\n\ty')"
expect_out_eq "tokenize with gemma4: BOS, spaces, newlines and tab" "[2,9259,1902,138,236781,108,255968,236762]"
run "$MINKE" tokenize -m "$GEMMA4" --json -- "$(printf '<|turn>user\nCaf\xc3\xa9 \xf0\x9f\xa6\x99<turn|>')"
expect_out_eq "tokenize with gemma4: special tokens and <0xXX> byte fallback" \
  "[2,105,2364,107,160319,236859,236743,478,397,404,391,106]"

finish
