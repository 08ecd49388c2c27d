#!/usr/bin/env python3
"""Golden GGUF fixture for Minke's reader, written and read back by gguf-py.

Writes tests/golden/data/gguf/golden.gguf with gguf-py's GGUFWriter (every
metadata value type, typed and nested arrays, several tensor types, alignment
64) and tests/golden/data/gguf/golden.json with what gguf-py's GGUFReader reads
from it. tests/golden/gguf_golden_test.cpp compares Minke's reader with it.
Also writes a few small valid files as the fuzzer's seed corpus
(tests/fuzz/corpus/gguf/). Deterministic: fixed seed, no timestamps. Run with the oracle venv:
  /tmp/oracle-venv/bin/python scripts/make_golden_gguf.py
"""
import importlib.metadata
import json
import pathlib

import numpy as np
import gguf
from gguf import GGUFValueType as VT, GGMLQuantizationType as QT

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "golden" / "data" / "gguf"
ORACLE = f"gguf-py (PyPI gguf) {importlib.metadata.version('gguf')}"


def write(path: pathlib.Path) -> None:
    rng = np.random.default_rng(20240611)
    w = gguf.GGUFWriter(str(path), arch="golden")
    w.add_custom_alignment(64)
    w.add_name("minke golden gguf")
    # One key per scalar type, at values that test sign and width.
    w.add_key_value("scalar.u8", 255, VT.UINT8)
    w.add_key_value("scalar.i8", -128, VT.INT8)
    w.add_key_value("scalar.u16", 65535, VT.UINT16)
    w.add_key_value("scalar.i16", -32768, VT.INT16)
    w.add_key_value("scalar.u32", 4294967295, VT.UINT32)
    w.add_key_value("scalar.i32", -2147483648, VT.INT32)
    w.add_key_value("scalar.f32", 0.1, VT.FLOAT32)
    w.add_key_value("scalar.bool_true", True, VT.BOOL)
    w.add_key_value("scalar.bool_false", False, VT.BOOL)
    w.add_key_value("scalar.string", "Minke \u00e9\u00e8 \u4e2d\u6587 \U0001f600", VT.STRING)
    w.add_key_value("scalar.string_empty", "", VT.STRING)
    w.add_key_value("scalar.u64", 18446744073709551615, VT.UINT64)
    w.add_key_value("scalar.i64", -9223372036854775808, VT.INT64)
    w.add_key_value("scalar.f64", -1.0 / 3.0, VT.FLOAT64)
    # One array per element type.
    w.add_key_value("array.u8", [0, 1, 255], VT.ARRAY, VT.UINT8)
    w.add_key_value("array.i8", [-128, 0, 127], VT.ARRAY, VT.INT8)
    w.add_key_value("array.u16", [0, 65535], VT.ARRAY, VT.UINT16)
    w.add_key_value("array.i16", [-32768, 32767], VT.ARRAY, VT.INT16)
    w.add_key_value("array.u32", [0, 4294967295, 7], VT.ARRAY, VT.UINT32)
    w.add_key_value("array.i32", [-2147483648, 2147483647, -1], VT.ARRAY, VT.INT32)
    w.add_key_value("array.f32", [0.5, -1.25, 3.0e38, 1.0e-38], VT.ARRAY, VT.FLOAT32)
    w.add_key_value("array.bool", [True, False, True], VT.ARRAY, VT.BOOL)
    w.add_key_value("array.string", ["a", "", "\u00fcnicode", "tab\tnewline\n"], VT.ARRAY,
                    VT.STRING)
    w.add_key_value("array.u64", [0, 18446744073709551615], VT.ARRAY, VT.UINT64)
    w.add_key_value("array.i64", [-9223372036854775808, 9223372036854775807], VT.ARRAY, VT.INT64)
    w.add_key_value("array.f64", [2.5, -0.1], VT.ARRAY, VT.FLOAT64)
    # Nested arrays (inner element types as gguf-py infers them: int -> int32).
    w.add_key_value("nested.int", [[1, 2, 3], [4, 5]], VT.ARRAY, VT.ARRAY)
    w.add_key_value("nested.string", [["x", "yy"], ["zzz"]], VT.ARRAY, VT.ARRAY)
    w.add_key_value("nested.deep", [[[1], [2, 3]], [[4, 5, 6]]], VT.ARRAY, VT.ARRAY)
    # Tensors: plain numpy types and raw quantized blocks (random bytes).
    w.add_tensor("t.f32", rng.standard_normal((3, 8)).astype(np.float32))
    w.add_tensor("t.f16", rng.standard_normal((2, 5)).astype(np.float16))
    w.add_tensor("t.f64", rng.standard_normal((4,)).astype(np.float64))
    w.add_tensor("t.i8", rng.integers(-128, 127, (2, 2, 3), dtype=np.int8))
    w.add_tensor("t.i32", rng.integers(-1000, 1000, (7,), dtype=np.int32))
    w.add_tensor("t.bf16", rng.integers(0, 255, (2, 8 * 2), dtype=np.uint8), raw_dtype=QT.BF16)
    for name, qt in (("t.q8_0", QT.Q8_0), ("t.q4_0", QT.Q4_0), ("t.q4_1", QT.Q4_1),
                     ("t.q4_k", QT.Q4_K), ("t.q6_k", QT.Q6_K)):
        block, type_size = gguf.GGML_QUANT_SIZES[qt]
        rows, row_blocks = 2, 512 // block if block == 32 else 1
        raw = rng.integers(0, 256, (rows, row_blocks * type_size), dtype=np.uint8)
        w.add_tensor(name, raw, raw_dtype=qt)
    w.add_tensor("t.4d", rng.standard_normal((2, 1, 3, 4)).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def describe(path: pathlib.Path) -> dict:
    r = gguf.GGUFReader(str(path))
    fields = []
    for f in r.fields.values():
        types = [int(t) for t in f.types]
        if types[0] == VT.ARRAY:
            value = f.contents()  # gguf-py flattens nested arrays
        elif types[0] == VT.STRING:
            value = f.contents()
        else:
            value = f.contents()
            value = bool(value) if types[0] == VT.BOOL else value
        fields.append({"key": f.name, "types": types, "value": value})
    tensors = [{
        "name": t.name,
        "type": int(t.tensor_type),
        "type_name": t.tensor_type.name,
        "shape": [int(d) for d in t.shape],  # ne[0] first, as in the file
        "n_elements": int(t.n_elements),
        "n_bytes": int(t.n_bytes),
        "data_offset": int(t.data_offset),  # absolute, from the start of the file
        "data_hex": bytes(t.data.tobytes()).hex(),
    } for t in r.tensors]
    return {
        "oracle": ORACLE,
        "file": path.name,
        "version": int(r.fields["GGUF.version"].contents()),
        "alignment": int(r.alignment),
        "data_offset": int(r.data_offset),
        "file_size": path.stat().st_size,
        # GGUF.* entries are gguf-py's view of the header, not metadata keys.
        "fields": [f for f in fields if not f["key"].startswith("GGUF.")],
        "tensors": tensors,
    }


def write_fuzz_seeds(golden: pathlib.Path) -> None:
    """Small valid files as the seed corpus of tests/fuzz/gguf_fuzz.cpp."""
    seeds = OUT.parent.parent.parent / "fuzz" / "corpus" / "gguf"
    seeds.mkdir(parents=True, exist_ok=True)
    (seeds / "golden.gguf").write_bytes(golden.read_bytes())
    rng = np.random.default_rng(7)

    w = gguf.GGUFWriter(str(seeds / "tiny_llama.gguf"), arch="llama")
    w.add_block_count(1)
    w.add_context_length(64)
    w.add_embedding_length(32)
    w.add_head_count(2)
    w.add_rope_freq_base(10000.0)
    w.add_tokenizer_model("gpt2")
    w.add_token_list(["<s>", "</s>", "a", "b", "ab", "\u0120c"])
    w.add_token_types([3, 3, 1, 1, 1, 1])
    w.add_token_merges(["a b", "\u0120 c"])
    w.add_bos_token_id(0)
    w.add_add_bos_token(True)
    w.add_tensor("token_embd.weight", rng.standard_normal((6, 32)).astype(np.float16))
    w.add_tensor("blk.0.attn_q.weight",
                 rng.integers(0, 256, (32, 18), dtype=np.uint8), raw_dtype=QT.Q4_0)
    w.add_tensor("output_norm.weight", np.ones(32, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    w = gguf.GGUFWriter(str(seeds / "metadata_only.gguf"), arch="none")
    w.add_custom_alignment(16)
    w.add_key_value("n", [[["x"]], [["y", "z"]]], VT.ARRAY, VT.ARRAY)
    w.add_key_value("f", [1.0, 2.0], VT.ARRAY, VT.FLOAT64)
    w.add_key_value("s", "\u00e9", VT.STRING)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "golden.gguf"
    write(path)
    desc = describe(path)
    write_fuzz_seeds(path)
    (OUT / "golden.json").write_text(json.dumps(desc, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {path} ({desc['file_size']} bytes, {len(desc['fields'])} keys, "
          f"{len(desc['tensors'])} tensors) with {ORACLE}")


if __name__ == "__main__":
    main()
