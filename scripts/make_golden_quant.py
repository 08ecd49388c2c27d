#!/usr/bin/env python3
"""Writes the quant-layer golden fixtures into tests/golden/data/quant/.

dequant/<TYPE>.blocks  random raw blocks (fixed seed; fp16 scale fields finite, the first
                       blocks are edge cases: zero / negative / subnormal / max scales, all-max
                       and all-zero quant bytes)
dequant/<TYPE>.f32     the oracle's dequantized float32 output for those blocks
quantize/legacy_in.f32 inputs for the legacy quantizers (32-element blocks, incl. edge cases)
quantize/<TYPE>.gguf_py.bin   gguf-py's quantization of legacy_in.f32 (F16/BF16 use float_in)
quantize/k_in.f32      inputs for the K-quant quantizers (256-element blocks)
quantize/<TYPE>.llama_cpp.bin llama.cpp's (ggml) reference quantization of k_in.f32
manifest.json          oracle names + versions, seed, counts

Oracles: gguf-py (gguf.quants.dequantize / quantize) for everything it supports; Q8_K, which
gguf-py lacks, is dequantized with numpy (float32 d * q, the formula of ggml's
dequantize_row_q8_K). llama.cpp's ggml (from llama-cpp-python, via ctypes) gives the K-quant
reference quantizations and, when present, cross-checks every dequantization above."""
import ctypes
import glob
import json
import os
import pathlib
import sys
from importlib import metadata

import gguf
import numpy as np
from gguf import GGMLQuantizationType as T

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "data" / "quant"
SEED = 20250501

LEGACY_BLOCKS = 64
K_BLOCKS = 32
FLOAT_ELEMS = 4096

# Byte offsets of the fp16 fields (scales / mins) in each block, "f32" for Q8_K's float d.
HALF_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
    T.IQ4_NL: [0], T.IQ4_XS: [0],
}
BLOCK_TYPES = list(HALF_FIELDS) + [T.Q8_K]


def random_halves(rng, n):
    """Finite fp16 bit patterns: half uniform over all finite encodings, half realistic."""
    bits = rng.integers(0, 0x7C00, size=n, dtype=np.uint16)  # exponent < 31: finite
    bits |= (rng.integers(0, 2, size=n, dtype=np.uint16) << 15).astype(np.uint16)
    real = rng.standard_normal(n) * 0.02
    real_bits = real.astype(np.float16).view(np.uint16)
    return np.where(rng.integers(0, 2, size=n) == 1, bits, real_bits).astype(np.uint16)


def make_blocks(rng, qtype):
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    n = K_BLOCKS if block_size == 256 else LEGACY_BLOCKS
    raw = rng.integers(0, 256, size=(n, type_size), dtype=np.uint8)
    if qtype == T.Q8_K:
        d = (rng.standard_normal(n) * 0.01).astype(np.float32)
        d[0], d[1], d[2], d[5] = 0.0, -0.75, 1e-40, np.finfo(np.float32).max / 200
        raw[3, 4:260] = 0x7F  # all q = +127
        raw[4, 4:260] = 0x80  # all q = -128
        raw[:, 0:4] = d.view(np.uint8).reshape(n, 4)
        return raw
    fields = HALF_FIELDS[qtype]
    halves = random_halves(rng, n * len(fields)).reshape(n, len(fields))
    mask = np.ones(type_size, dtype=bool)
    for k, off in enumerate(fields):
        mask[off:off + 2] = False
    raw[3, mask] = 0xFF  # every quant / sub-scale bit set
    raw[4, mask] = 0x00  # every quant / sub-scale bit clear
    halves[0, :] = 0x0000                      # zero scale (and min)
    halves[1, :] = halves[1, :] | 0x8000       # negative scale / min
    halves[2, :] = [0x0001, 0x03FF][: len(fields)] if len(fields) > 1 else [0x0001]  # subnormal
    halves[5, :] = [0x7BFF, 0xFBFF][: len(fields)] if len(fields) > 1 else [0x7BFF]   # +-65504
    for k, off in enumerate(fields):
        raw[:, off:off + 2] = halves[:, k:k + 1].view(np.uint8).reshape(n, 2)
    return raw


def mxfp4_blocks(rng):
    """MXFP4 blocks: realistic exponents (scales 2^-20..2^8) and any byte, plus edge cases."""
    n = LEGACY_BLOCKS
    raw = rng.integers(0, 256, size=(n, 17), dtype=np.uint8)
    raw[: n // 2, 0] = rng.integers(107, 136, size=n // 2, dtype=np.uint8)
    raw[0:6, 0] = [0, 1, 2, 127, 254, 255]   # subnormal half scales, 1, the largest
    raw[6, 1:] = 0xFF                        # every code -12
    raw[7, 1:] = 0x00                        # every code 0
    raw[8, 1:] = 0x88                        # every code -0
    return raw


def float_bits_16(rng):
    """F16/BF16 element bit patterns: random finite, plus zeros, subnormals, inf, NaN."""
    bits = rng.integers(0, 1 << 16, size=FLOAT_ELEMS, dtype=np.uint16)
    special = [0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x7C00, 0xFC00, 0x7E00, 0x7BFF, 0xFBFF]
    bits[: len(special)] = special
    return bits


def legacy_inputs(rng):
    n = LEGACY_BLOCKS
    x = rng.standard_normal((n, 32)).astype(np.float32)
    x *= (10.0 ** rng.uniform(-4, 2, size=(n, 1))).astype(np.float32)
    x[0] = 0.0                                            # all zero
    x[1] = 0.37                                           # constant positive
    x[2] = -1.5                                           # constant negative
    x[3] = 0.0
    x[3, 7] = -3.0                                        # single outlier
    x[4] = np.arange(-16, 16, dtype=np.float32)           # integers: exact grid points
    x[5] = (np.arange(32, dtype=np.float32) - 15.5) / 7.5  # halfway cases
    x[6] = rng.uniform(0.5, 2.0, 32)                       # all positive (min > 0)
    x[7] = -rng.uniform(0.5, 2.0, 32)                      # all negative
    x[8] = rng.standard_normal(32) * 1e-30                 # tiny (fp16 scales underflow)
    x[9] = rng.standard_normal(32)
    x[9, 3], x[9, 20] = 4.0, -4.0                          # tied max magnitude
    x[10] = np.arange(32, dtype=np.float32) * (127.0 / 31.0) / 127.0  # q8 ties
    x[11] = rng.standard_normal(32) * 70000.0              # scales overflow fp16
    x[12, ::2] = -0.0
    return x.astype(np.float32)


def float_inputs(rng):
    x = (rng.standard_normal(FLOAT_ELEMS) * 10.0 ** rng.uniform(-9, 6, FLOAT_ELEMS)).astype(np.float32)
    special = [0.0, -0.0, np.inf, -np.inf, 65504.0, 65519.99, 65520.0, 1e-8, 5.9604645e-08,
               2.9802322e-08, 2.9802326e-08, 1e-45, -1e-45, 1.0009765625 + 2**-11,
               np.float32(1.00390625)]
    x[: len(special)] = special
    return x


def k_inputs(rng):
    n = 16
    x = rng.standard_normal((n, 256)).astype(np.float32)
    x *= (10.0 ** rng.uniform(-3, 1, size=(n, 1))).astype(np.float32)
    x[0] = 0.0
    x[1] = 0.25
    x[2] = rng.standard_t(2, 256) * 0.05                   # heavy tails
    x[3, 17], x[3, 200] = 40.0, -35.0                      # outliers
    x[4] = rng.uniform(0.0, 1.0, 256)                      # all positive
    x[5] = -rng.uniform(0.0, 1.0, 256)                     # all negative
    x[6, :128] = 0.0                                       # half the sub-blocks empty
    return x.astype(np.float32)


def load_ggml():
    """ggml from llama-cpp-python, or None. Returns (lib, version string)."""
    try:
        import llama_cpp
    except ImportError:
        return None, None
    libdir = pathlib.Path(llama_cpp.__file__).parent / "lib"
    paths = sorted(glob.glob(str(libdir / "libggml-base.so*")))
    if not paths:
        return None, None
    lib = ctypes.CDLL(paths[0])
    return lib, "llama-cpp-python " + metadata.version("llama-cpp-python")


ROW_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)


def ggml_symbol(qtype):
    """ggml's function-name spelling of a type: q4_0, q4_K, iq4_nl."""
    name = qtype.name.lower()
    return name[:-2] + "_K" if name.endswith("_k") else name


def ggml_dequantize(lib, qtype, raw, n_elems):
    """ggml's dequantize_row_<type> (the C reference, exported by libggml-base)."""
    out = np.zeros(n_elems, dtype=np.float32)
    raw = np.ascontiguousarray(raw)
    fn = ROW_FN(ctypes.cast(getattr(lib, "dequantize_row_" + ggml_symbol(qtype)), ctypes.c_void_p).value)
    fn(raw.ctypes.data, out.ctypes.data, n_elems)
    return out


def ggml_quantize(lib, qtype, x):
    """ggml's quantize_row_<type>_ref (what ggml_quantize_chunk runs with no imatrix)."""
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    x = np.ascontiguousarray(x.reshape(-1), dtype=np.float32)
    out = np.zeros(x.size // block_size * type_size, dtype=np.uint8)
    fn = ROW_FN(ctypes.cast(getattr(lib, "quantize_row_" + ggml_symbol(qtype) + "_ref"), ctypes.c_void_p).value)
    fn(x.ctypes.data, out.ctypes.data, x.size)
    return out


def bits_equal(a, b):
    a, b = a.view(np.uint32), b.view(np.uint32)
    nan_a = (a & 0x7FFFFFFF) > 0x7F800000
    nan_b = (b & 0x7FFFFFFF) > 0x7F800000
    return int(np.sum((a == b) | (nan_a & nan_b))), a.size


def main() -> None:
    rng = np.random.default_rng(SEED)
    (OUT / "dequant").mkdir(parents=True, exist_ok=True)
    (OUT / "quantize").mkdir(parents=True, exist_ok=True)
    lib, ggml_version = load_ggml()
    manifest = {
        "oracle": {"name": "gguf-py (gguf.quants)", "version": metadata.version("gguf"),
                   "numpy": np.__version__},
        "k_quant_oracle": {"name": "llama.cpp ggml (quantize_row_*_ref via ctypes)",
                           "version": ggml_version},
        "seed": SEED,
        "dequant": {},
        "quantize": {},
        "ggml_crosscheck": {},
    }

    def write_dequant(name, raw, out, oracle):
        (OUT / "dequant" / f"{name}.blocks").write_bytes(raw.tobytes())
        (OUT / "dequant" / f"{name}.f32").write_bytes(out.astype(np.float32).tobytes())
        manifest["dequant"][name] = {"elements": int(out.size), "bytes": int(raw.size),
                                     "oracle": oracle}

    # Plain float types.
    f32_bits = rng.integers(0, 1 << 32, size=FLOAT_ELEMS, dtype=np.uint32)
    write_dequant("F32", f32_bits.view(np.uint8), gguf.quants.dequantize(f32_bits.view(np.uint8), T.F32), "gguf-py")
    for qtype in (T.F16, T.BF16):
        bits = float_bits_16(rng)
        raw = bits.view(np.uint8)
        out = gguf.quants.dequantize(raw if qtype == T.BF16 else bits, qtype)
        write_dequant(qtype.name, raw, np.asarray(out, dtype=np.float32).reshape(-1), "gguf-py")

    for qtype in BLOCK_TYPES:
        raw = make_blocks(rng, qtype)
        block_size, _ = gguf.GGML_QUANT_SIZES[qtype]
        if qtype == T.Q8_K:
            d = raw[:, 0:4].copy().view(np.float32)                   # (n, 1)
            q = raw[:, 4:260].copy().view(np.int8).astype(np.float32)
            out, oracle = (d * q).reshape(-1), "numpy float32 d * q (gguf-py has no Q8_K)"
        else:
            out, oracle = gguf.quants.dequantize(raw, qtype).reshape(-1), "gguf-py"
        write_dequant(qtype.name, raw, out, oracle)
        if lib is not None:
            same, total = bits_equal(out, ggml_dequantize(lib, qtype, raw, raw.shape[0] * block_size))
            manifest["ggml_crosscheck"][qtype.name] = f"{same}/{total} floats bit-equal"

    # Quantization by gguf-py (legacy + float types).
    legacy_in = legacy_inputs(rng)
    (OUT / "quantize" / "legacy_in.f32").write_bytes(legacy_in.tobytes())
    float_in = float_inputs(rng)
    (OUT / "quantize" / "float_in.f32").write_bytes(float_in.tobytes())
    for qtype in (T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.F16, T.BF16):
        src = float_in if qtype in (T.F16, T.BF16) else legacy_in
        with np.errstate(all="ignore"):
            q = np.asarray(gguf.quants.quantize(src.reshape(1, -1), qtype)).view(np.uint8).reshape(-1)
        (OUT / "quantize" / f"{qtype.name}.gguf_py.bin").write_bytes(q.tobytes())
        manifest["quantize"][qtype.name] = {"input": "float_in.f32" if src is float_in else "legacy_in.f32",
                                            "oracle": "gguf-py", "bytes": int(q.size)}
        if lib is not None and qtype not in (T.F16, T.BF16):
            ref = ggml_quantize(lib, qtype, src)
            manifest["ggml_crosscheck"][qtype.name + " quantize"] = (
                f"{int(np.sum(ref == q))}/{q.size} bytes equal to gguf-py")

    # K-quant reference quantization by llama.cpp.
    k_in = k_inputs(rng)
    (OUT / "quantize" / "k_in.f32").write_bytes(k_in.tobytes())
    if lib is None:
        sys.exit("llama-cpp-python (ggml) is needed for the K-quant quantization fixtures")
    for qtype in (T.Q4_K, T.Q5_K, T.Q6_K, T.Q8_K):
        q = ggml_quantize(lib, qtype, k_in)
        (OUT / "quantize" / f"{qtype.name}.llama_cpp.bin").write_bytes(q.tobytes())
        manifest["quantize"][qtype.name] = {"input": "k_in.f32", "oracle": "llama.cpp ggml",
                                            "bytes": int(q.size)}

    # MXFP4 (gpt-oss) from its own generator, so adding it left every fixture above unchanged.
    mx_rng = np.random.default_rng(SEED + int(T.MXFP4))
    raw = mxfp4_blocks(mx_rng)
    out = gguf.quants.dequantize(raw, T.MXFP4).reshape(-1)
    write_dequant("MXFP4", raw, out, "gguf-py")
    same, total = bits_equal(out, ggml_dequantize(lib, T.MXFP4, raw, raw.shape[0] * 32))
    manifest["ggml_crosscheck"]["MXFP4"] = f"{same}/{total} floats bit-equal"
    q = np.asarray(gguf.quants.quantize(legacy_in.reshape(1, -1), T.MXFP4)).view(np.uint8).reshape(-1)
    (OUT / "quantize" / "MXFP4.gguf_py.bin").write_bytes(q.tobytes())
    manifest["quantize"]["MXFP4"] = {"input": "legacy_in.f32", "oracle": "gguf-py", "bytes": int(q.size)}
    ref = ggml_quantize(lib, T.MXFP4, legacy_in)
    manifest["ggml_crosscheck"]["MXFP4 quantize"] = f"{int(np.sum(ref == q))}/{q.size} bytes equal to gguf-py"

    manifest["blocks"] = {"legacy": LEGACY_BLOCKS, "k": K_BLOCKS, "float_elements": FLOAT_ELEMS,
                          "legacy_quantize_blocks": int(legacy_in.shape[0]),
                          "k_quantize_blocks": int(k_in.shape[0])}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(os.path.getsize(p) for p in OUT.rglob("*") if p.is_file())
    print(json.dumps(manifest["ggml_crosscheck"], indent=1))
    print(f"wrote {OUT} ({total} bytes)")


if __name__ == "__main__":
    main()
