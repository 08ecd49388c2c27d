#!/usr/bin/env bash
# Regenerates docs/BENCHMARKS.md: builds Minke (Release), writes the random-weight bench models
# if missing, then runs bench/compare.py on every benchmark model against the peers that
# bench/build_peers.sh built (mainline llama.cpp and ik_llama.cpp llama-bench, the latter also
# with -rtr 1), pp512/tg128, alternating runs, medians. Raw samples go to bench/results.json.
#   bench/run.sh [extra bench/compare.py flags]
# Environment: BUILD_DIR (build), THREADS (2), ROUNDS (3), N_PROMPT (512), N_GEN (128),
# LLAMA_BENCH, IK_LLAMA_BENCH (default peers/*/build/bin/llama-bench; a missing one is left out).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
cd "$MINKE_ROOT"
BUILD_DIR=${BUILD_DIR:-build}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
N_PROMPT=${N_PROMPT:-512}
N_GEN=${N_GEN:-128}
LLAMA_BENCH=${LLAMA_BENCH:-peers/llama.cpp/build/bin/llama-bench}
IK_LLAMA_BENCH=${IK_LLAMA_BENCH:-peers/ik_llama.cpp/build/bin/llama-bench}

if [ ! -f "$BUILD_DIR/build.ninja" ] && [ ! -f "$BUILD_DIR/Makefile" ]; then
  log "configuring $BUILD_DIR (Release)"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
log "building $BUILD_DIR/minke"
cmake --build "$BUILD_DIR" --target minke >/dev/null

models=("$MINKE_MODELS/SmolLM2-135M-Instruct.Q4_1.gguf" "$MINKE_MODELS/gemma-3-270m-q4_k_m.gguf"
        "$MINKE_MODELS/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")
for m in "${models[@]}"; do
  [ -f "$m" ] || die "$m is missing: run scripts/fetch-models.sh"
done
ensure_venv
log "bench models (scripts/make_bench_model.py; kept when present)"
mapfile -t bench_models < <("$MINKE_VENV/bin/python" scripts/make_bench_model.py \
  --out-dir "$MINKE_MODELS/bench")
models+=("${bench_models[@]}")

peers=()
[ -x "$LLAMA_BENCH" ] && peers+=(--peer "llama.cpp=$LLAMA_BENCH") ||
  log "no llama.cpp llama-bench at $LLAMA_BENCH (bench/build_peers.sh): left out"
# ik_llama.cpp twice: at its defaults and with its run-time repacking (-rtr 1, its fastest
# CPU layouts, which its users are told to turn on).
[ -x "$IK_LLAMA_BENCH" ] && peers+=(--peer "ik_llama.cpp=$IK_LLAMA_BENCH"
  --peer "ik_llama.cpp-rtr=$IK_LLAMA_BENCH" --peer-args "ik_llama.cpp-rtr=-rtr 1") ||
  log "no ik_llama.cpp llama-bench at $IK_LLAMA_BENCH (bench/build_peers.sh): left out"

margs=()
for m in "${models[@]}"; do margs+=(-m "$m"); done
exec python3 bench/compare.py "${margs[@]}" --minke "$BUILD_DIR/minke" "${peers[@]}" \
  -t "$THREADS" -p "$N_PROMPT" -n "$N_GEN" --rounds "$ROUNDS" \
  --json bench/results.json --report docs/BENCHMARKS.md "$@"
