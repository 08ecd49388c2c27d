#!/usr/bin/env bash
# Installs what building and testing Minke needs on Debian 12 (apt packages and
# the light Python venv for scripts), then configures and builds in Release.
#   scripts/setup.sh            install + build into build/
#   scripts/setup.sh --deps     install only
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates unzip
  libpcre2-dev nlohmann-json3-dev libcpp-httplib-dev libcli11-dev libreadline-dev
  libcurl4-openssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev python3 python3-venv python3-pip
  clang-format  # scripts/check-format.sh (the clang package does not pull it in)
  tmux  # tests/e2e/chat_test.sh drives `minke chat` in a terminal
  ccache  # rebuilds (and CI's fresh clone) reuse what was compiled before
  chromium chromium-driver  # tests/e2e/web_test.py drives the web chat page in a browser
)

install_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing apt packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  ensure_venv
}

build_release() {
  log "building Minke (Release) in build/"
  mapfile -t cache_flags < <(cmake_cache_flags)
  cmake -S "$MINKE_ROOT" -B "$MINKE_ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    "${cache_flags[@]}" >/dev/null
  cmake --build "$MINKE_ROOT/build" -j "$(nproc)"
}

install_packages
[ "${1:-}" = "--deps" ] || build_release
