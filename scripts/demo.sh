#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to an answer: installs dependencies,
# builds Minke, fetches SmolLM2-135M-Instruct and answers the prompt with it.
#   scripts/demo.sh ["your question"]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
prompt=${1:-"Why is the sky blue?"}
"$MINKE_ROOT/scripts/setup.sh"
"$MINKE_ROOT/scripts/fetch-models.sh" smollm2
model="$MINKE_MODELS/SmolLM2-135M-Instruct.Q4_1.gguf"
log "minke run -m $model -p \"$prompt\""
"$MINKE_ROOT/build/minke" run -m "$model" -p "$prompt" -n 256
