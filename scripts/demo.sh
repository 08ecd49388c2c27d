#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to Minke working on a real model:
# installs dependencies, builds, fetches SmolLM2-135M-Instruct, shows the model
# and tokenizes the given text with its tokenizer.
#   scripts/demo.sh ["text to tokenize"]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
text=${1:-"Why is the sky blue?"}
"$MINKE_ROOT/scripts/setup.sh"
"$MINKE_ROOT/scripts/fetch-models.sh" smollm2
model="$MINKE_MODELS/SmolLM2-135M-Instruct.Q4_1.gguf"
log "minke info -m $model"
"$MINKE_ROOT/build/minke" info -m "$model"
log "minke tokenize -m $model -- \"$text\""
"$MINKE_ROOT/build/minke" tokenize -m "$model" -- "$text"
