#!/usr/bin/env bash
# Cross-builds Minke's unit tests for 64-bit ARM Linux and runs the kernel, model,
# batch-invariance and llama.cpp logits-golden tests under qemu-aarch64 once per NEON path, on a
# Debian x86-64 machine (scripts/test.sh runs it). qemu's -cpu picks which extensions exist:
#   cortex-a72 (Raspberry Pi 4: plain NEON)  -> path neon
#   cortex-a76 (Raspberry Pi 5: + dotprod)   -> path neon_dotprod
#   max        (+ i8mm, as Graviton 3)       -> path neon_i8mm
# Installs what it needs: Debian's g++-aarch64-linux-gnu and qemu-user, and the arm64 builds of
# the libraries through multiarch (dpkg --add-architecture arm64).
#   scripts/test-aarch64.sh            build into build-aarch64/ and run the tests
# On an ARM machine itself there is nothing to cross: scripts/test.sh runs everything natively.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$MINKE_ROOT"

[ "$(uname -m)" = x86_64 ] || die "scripts/test-aarch64.sh cross-builds from x86-64; on $(uname -m) run scripts/test.sh"

HOST_PACKAGES=(g++-aarch64-linux-gnu qemu-user)
ARM64_PACKAGES=(libpcre2-dev libcurl4-openssl-dev libssl-dev libgtest-dev libgmock-dev
                libcpp-httplib-dev libreadline-dev)
missing=()
for p in "${HOST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
for p in "${ARM64_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p:arm64" 2>/dev/null | grep -q 'ok installed' || missing+=("$p:arm64")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing for the aarch64 cross-build: ${missing[*]}"
  dpkg --print-foreign-architectures | grep -qx arm64 || as_root dpkg --add-architecture arm64
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
"$MINKE_ROOT/scripts/fetch-models.sh" all

mapfile -t cache_flags < <(cmake_cache_flags)
log "aarch64 cross-build (build-aarch64/)"
# Only the test files run below are compiled (MINKE_TEST_ONLY): the build is most of this step.
cmake -S "$MINKE_ROOT" -B "$MINKE_ROOT/build-aarch64" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$MINKE_ROOT/cmake/aarch64-linux-gnu.cmake" \
  -DMINKE_TEST_ONLY='/src/(backend/cpu|kernels|models)/|/tests/golden/model_logits_test' \
  "${cache_flags[@]}" >/dev/null
cmake --build "$MINKE_ROOT/build-aarch64" -j "$(nproc)" --target minke_tests

# Per path: every kernel path test (each path this emulated CPU runs, against the reference),
# the backend and kernel unit tests, model loading, and the batch-invariance and logits-golden
# tests of the tiny llama.cpp-checked models on that path; SmolLM2's goldens (a real model, 20-40
# s emulated) once, on the i8mm path (its decode rows run the dot-product kernels, and every path
# is bit-identical to the reference in MatmulPaths). The larger real models' goldens (Gemma 3,
# Qwen2.5) take minutes under emulation; they run natively.
common='MatmulPaths*:OpsPaths*:CpuBackend*:AllWeightTypes/*:Ref*:QuantizeAct*:ModelLoad*:ModelForward*'
run_path() {  # qemu CPU model, kernel path, extra gtest filter
  local filter="$common:Paths/*.Tiny*/$2${3:+:$3}"
  log "tests under qemu-aarch64 -cpu $1 (kernel path $2)"
  MINKE_KERNELS="$2" qemu-aarch64 -cpu "$1" "$MINKE_ROOT/build-aarch64/minke_tests" \
    --gtest_filter="$filter" --gtest_brief=1
}
run_path cortex-a72 neon
run_path cortex-a76 neon_dotprod
run_path max neon_i8mm "Paths/ModelLogitsGolden.SmolLM2/neon_i8mm"
