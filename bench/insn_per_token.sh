#!/usr/bin/env bash
# Guest instructions per token of each kernel path, counted under qemu-user with
# bench/qemu_insn_count.c: the NEON paths (aarch64 build, qemu-aarch64 -cpu a72/a76/max) against
# the x86 AVX2 path (qemu-x86_64 -cpu max; TCG has no AVX-512). Speed on ARM cannot be measured
# on an x86 machine; instruction counts are repeatable and give a later run on real ARM hardware
# a baseline. Each count is the difference of two runs (N and 3N tokens) of `minke bench -t 1`
# (one warm-up + one timed run each), so loading and set-up cancel out.
#   bench/insn_per_token.sh [MODEL]    default models/bench/llama-3.2-1b-Q4_0.gguf
# Needs scripts/test-aarch64.sh's build-aarch64/ (this builds its `minke` target) and build/.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
cd "$MINKE_ROOT"
model=${1:-models/bench/llama-3.2-1b-Q4_0.gguf}
[ -f "$model" ] || die "$model: not found (scripts/make_bench_model.py makes it)"
cmake --build build-aarch64 --target minke >/dev/null
cmake --build build --target minke >/dev/null
plugin=build-aarch64/qemu_insn_count.so
gcc -shared -fPIC -O2 -o "$plugin" bench/qemu_insn_count.c

count() {  # emulator args... -- minke bench args
  local out
  out=$("$@" --no-membw -r 1 -t 1 2>&1 >/dev/null) || { echo "$out" >&2; die "run failed: $*"; }
  echo "$out" | sed -n 's/^insns \([0-9]*\)$/\1/p'
}
per_token() {  # label, emulator command (words)
  local label=$1
  shift
  local g1 g3 p1 p3
  g1=$(count "$@" bench -m "$model" -p 0 -n 2)
  g3=$(count "$@" bench -m "$model" -p 0 -n 6)
  p1=$(count "$@" bench -m "$model" -p 8 -n 0 -b 8)
  p3=$(count "$@" bench -m "$model" -p 24 -n 0 -b 24)
  printf '| %s | %.0f | %.0f |\n' "$label" "$(echo "($g3 - $g1) / 8 / 1000000" | bc -l)" \
    "$(echo "($p3 - $p1) / 32 / 1000000" | bc -l)"
}
echo "model: $model"
echo "| path (emulated CPU) | Minstr / generated token | Minstr / prompt token (batch 8-24) |"
echo "|---|---:|---:|"
per_token "x86 avx2 (qemu-x86_64 -cpu max)" env MINKE_KERNELS=avx2 \
  qemu-x86_64 -cpu max -plugin "$plugin" build/minke
for p in "cortex-a72 neon" "cortex-a76 neon_dotprod" "max neon_i8mm"; do
  set -- $p
  per_token "$2 (qemu-aarch64 -cpu $1)" env MINKE_KERNELS="$2" \
    qemu-aarch64 -cpu "$1" -plugin "$plugin" build-aarch64/minke
done
