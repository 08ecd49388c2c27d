#!/usr/bin/env bash
# Builds the peer engines' llama-bench for bench/run.sh, natively for this CPU, into peers/
# (git-ignored): mainline llama.cpp from the llama-cpp-python source distribution (its
# vendor/llama.cpp, the version the oracle fixtures use) and ik_llama.cpp from a git copy.
#   bench/build_peers.sh [IK_LLAMA_GIT_DIR]
# IK_LLAMA_GIT_DIR: a clone (bare or not) of ik_llama.cpp's public repository; without it the
# script clones it. NATIVE=OFF builds with explicit ISA flags instead of -march=native (a native
# llama.cpp 0.3.x build has died with SIGILL in its AMX path on an AMX CPU). The builds are
# niced so that they do not starve other work; expect tens of minutes on 2 cores.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
cd "$MINKE_ROOT"
BUILD_PEER=${BUILD_PEER:-$MINKE_ROOT/../shared/tools/build-peer-bench.sh}
[ -x "$BUILD_PEER" ] || die "$BUILD_PEER is missing (the shared peer build script)"
LLAMA_CPP_PYTHON_VERSION=${LLAMA_CPP_PYTHON_VERSION:-0.3.36}
mkdir -p peers
# peers/ sits inside this checkout: without a ceiling a peer's build would report Minke's commit.
export GIT_CEILING_DIRECTORIES="$MINKE_ROOT/peers"
ensure_venv
sdist=peers/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz
if [ ! -f "$sdist" ]; then
  log "downloading the llama-cpp-python $LLAMA_CPP_PYTHON_VERSION source distribution"
  "$MINKE_VENV/bin/pip" download --quiet --no-deps --no-binary :all: -d peers \
    "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
fi
ik_src=${1:-}
if [ -z "$ik_src" ]; then
  ik_src=peers/ik_llama.cpp.git
  [ -d "$ik_src" ] || git clone --bare --filter=blob:limit=5m \
    https://github.com/ikawrakow/ik_llama.cpp "$ik_src"
fi
log "building llama.cpp's llama-bench (peers/llama.cpp)"
nice -n 15 "$BUILD_PEER" "$sdist" peers/llama.cpp
log "building ik_llama.cpp's llama-bench (peers/ik_llama.cpp)"
nice -n 15 "$BUILD_PEER" "$ik_src" peers/ik_llama.cpp
