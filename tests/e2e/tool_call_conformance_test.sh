#!/usr/bin/env bash
# Tool-calling conformance (tests/conformance/tool_call_conformance.py), in the scripts' venv
# (scripts/setup.sh installs it, openai and jsonschema included): OpenAI tool calls through
# `minke serve` with the official openai client, one server per row —
#   SmolLM2-135M with each chat template of tests/golden/data/chat/templates that has a tool-call
#   format (Hermes, Llama 3, DeepSeek, Mistral, Kimi-K2, Granite) or none (generic), put on it
#   with --chat-template; Qwen2.5-Coder-0.5B on its own template; the scripted R1 model;
# and per row single, parallel, call-then-answer (auto and none), no call, nested and unicode
# arguments, reasoning before a call, streamed deltas equal to the unstreamed calls, auto.
# Under the sanitizers (MINKE_SANITIZED=1) only Qwen2.5 (Hermes), Mistral-Nemo, the R1 distill
# (reasoning, generic) and the scripted R1 rows run, with fewer sampled seeds.
# Report: $MINKE_CONFORMANCE_REPORTS (default build/conformance)/tool_calls.json.
#   tests/e2e/tool_call_conformance_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
PY="${MINKE_VENV:-.venv}/bin/python"
HARNESS=tests/conformance/tool_call_conformance.py
SMOL=${MINKE_MODELS:-models}/SmolLM2-135M-Instruct.Q4_1.gguf
REPORTS=${MINKE_CONFORMANCE_REPORTS:-build/conformance}
mkdir -p "$REPORTS"
[ -f "$SMOL" ] || { echo "$SMOL is missing: run scripts/fetch-models.sh"; exit 1; }

if [ "${MINKE_SANITIZED:-0}" = 1 ]; then
  exec "$PY" $HARNESS --minke "$MINKE" --threads 2 --parallel 2 --seeds 1 --think-tries 2 \
    --only '^(qwen2\.5-7b-instruct|mistral-nemo-instruct-2407|deepseek-r1-distill-qwen-32b|r1-scripted)' \
    --timeout 600 --report "$REPORTS/tool_calls.json" -v
fi
exec "$PY" $HARNESS --minke "$MINKE" --threads 2 --report "$REPORTS/tool_calls.json" -v
