#!/usr/bin/env bash
# Cross-builds Minke's unit tests for 64-bit ARM Linux and runs the kernel path tests under
# qemu-aarch64, on a Debian x86-64 machine (not yet part of .ci/run: see issue 12's notes). Installs what it needs: Debian's g++-aarch64-linux-gnu and qemu-user, and the arm64
# builds of the libraries through multiarch (dpkg --add-architecture arm64).
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
cmake -S "$MINKE_ROOT" -B "$MINKE_ROOT/build-aarch64" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$MINKE_ROOT/cmake/aarch64-linux-gnu.cmake" "${cache_flags[@]}" >/dev/null
cmake --build "$MINKE_ROOT/build-aarch64" -j "$(nproc)" --target minke_tests

# The kernel paths (every one this emulated CPU runs, against the reference; no NEON path exists
# yet, so today only the reference runs) and the attention kernels' row and KV-group contracts.
# The model, batch-invariance and logits-golden tests build and run the same way but take many
# minutes on emulated scalar kernels: they join this list with the NEON kernels.
filter='MatmulPaths*:OpsPaths*'
log "tests under qemu-aarch64 ($filter)"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$MINKE_ROOT/build-aarch64/minke_tests" \
  --gtest_filter="$filter"
