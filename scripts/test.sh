#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   1. dependencies, include layering (scripts/check-layers.sh) and formatting
#      (scripts/check-format.sh), then the test models,
#   2. Release build: unit, golden and end-to-end tests (CTest),
#   3. ASan+UBSan build: the same unit, golden and CLI tests (not the long generations),
#   4. libFuzzer targets for a bounded time on their seed corpora,
#   5. on an x86-64 host: the aarch64 cross-build, its kernel, model and golden tests under
#      qemu-aarch64 once per NEON path (scripts/test-aarch64.sh; an ARM host ran them in 2).
# Environment: MINKE_FUZZ_SECONDS (default 45 per target), MINKE_SKIP_SANITIZE=1,
# MINKE_SKIP_FUZZ=1 and MINKE_SKIP_AARCH64=1 for quick local runs (CI runs everything).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
jobs=$(nproc)

"$MINKE_ROOT/scripts/setup.sh" --deps
log "Layers and formatting"
"$MINKE_ROOT/scripts/check-layers.sh"
"$MINKE_ROOT/scripts/check-format.sh"
"$MINKE_ROOT/scripts/fetch-models.sh" all

mapfile -t cache_flags < <(cmake_cache_flags)

log "Release build and tests"
cmake -S "$MINKE_ROOT" -B "$MINKE_ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  "${cache_flags[@]}" >/dev/null
cmake --build "$MINKE_ROOT/build" -j "$jobs"
ctest --test-dir "$MINKE_ROOT/build" --output-on-failure -j "$jobs"

if [ "${MINKE_SKIP_SANITIZE:-0}" != 1 ]; then
  log "ASan+UBSan build and tests"
  cmake -S "$MINKE_ROOT" -B "$MINKE_ROOT/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMINKE_SANITIZE=ON "${cache_flags[@]}" >/dev/null
  cmake --build "$MINKE_ROOT/build-asan" -j "$jobs"
  # Long generations, the soak and the browser test run in the Release pass above; the server
  # test runs here too, without its memory comparison (ASan keeps freed memory on purpose). The
  # scalar reference path's runs of the two larger real models (Qwen2.5-0.5B, Gemma 3 270M:
  # about 400 s of test time of the 560 s here) also run only there: the reference kernels meet
  # every block type in their unit tests and every model shape in the tiny models' runs here,
  # and SmolLM2 takes the whole reference path here. (A parameterized test's CTest name ends
  # in "  # GetParam() = ...", hence no $ after those.)
  MINKE_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$MINKE_ROOT/build-asan" --output-on-failure -j "$jobs" \
    -E '^(e2e\.(run|chat|perplexity|serve_soak|web)_test$|Paths/Model(BatchInvariance|LogitsGolden)\.(Qwen25|Gemma3)/ref )'
fi

if [ "${MINKE_SKIP_FUZZ:-0}" != 1 ]; then
  log "libFuzzer targets (${MINKE_FUZZ_SECONDS:-45} s each)"
  CC=clang CXX=clang++ cmake -S "$MINKE_ROOT" -B "$MINKE_ROOT/build-fuzz" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINKE_FUZZ=ON -DMINKE_BUILD_TESTS=OFF "${cache_flags[@]}" \
    >/dev/null
  cmake --build "$MINKE_ROOT/build-fuzz" -j "$jobs" --target fuzzers
  for fuzzer in "$MINKE_ROOT"/build-fuzz/*_fuzz; do
    name=$(basename "$fuzzer" _fuzz)
    seeds="$MINKE_ROOT/tests/fuzz/corpus/$name"
    work=$(mktemp -d)
    [ -d "$seeds" ] && cp -r "$seeds/." "$work/"
    log "fuzzing $name"
    status=0
    "$fuzzer" -max_total_time="${MINKE_FUZZ_SECONDS:-45}" -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 "$work" >"$work.log" 2>&1 || status=$?
    grep -E 'DONE|ERROR|SUMMARY|stat::number_of_executed_units' "$work.log" || true
    [ "$status" -eq 0 ] || tail -50 "$work.log"
    rm -rf "$work" "$work.log"
    [ "$status" -eq 0 ] || die "fuzzer $name found a failure (exit $status)"
  done
fi
if [ "${MINKE_SKIP_AARCH64:-0}" != 1 ] && [ "$(uname -m)" = x86_64 ]; then
  "$MINKE_ROOT/scripts/test-aarch64.sh"
fi
log "all tests passed"
