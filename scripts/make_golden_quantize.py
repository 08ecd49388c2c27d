#!/usr/bin/env python3
"""Writes tests/golden/data/quantize/plans.json: what llama.cpp's own quantizer (llama-cpp-python's
llama_model_quantize, the library behind llama-quantize) makes of float GGUF models, as the oracle
for `minke quantize` (tests/golden/quantize_plan_test.cpp).

For every model and every mix Minke offers it records the GGUF type llama.cpp gives each tensor
(the mix rules: extra bits for output, attn_v, ffn_down, 8-expert models, fallbacks for rows that
do not fit), and, for the mixes whose quantizers are byte-exact in Minke (the legacy types), a
64-bit FNV-1a hash of every tensor's bytes. The models are the committed tiny float fixtures
(64-wide rows: every K type falls back) and two generated 8-layer llama models with 256-wide rows
(one untied, one with the output tied to the embeddings) whose tensor lists are recorded so the
test can rebuild them (the plan reads names, shapes and metadata only).

With --check-minke BUILD/minke it also quantizes the wide model with Minke to each K mix and has
llama.cpp load and evaluate both files, printing how far each moves the logits from the F16 file
(the "llama.cpp loads what Minke writes" check, and a comparison of the two K-quant fits).

Run: .venv-oracle/bin/python scripts/make_golden_quantize.py [--check-minke build/minke]"""
import argparse
import concurrent.futures
import ctypes
import json
import multiprocessing
import pathlib
import subprocess
import sys
import tempfile
from importlib import metadata

import gguf
import llama_cpp
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_tiny_models as tiny  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "golden" / "data" / "models" / "tiny"
OUT = ROOT / "tests" / "golden" / "data" / "quantize" / "plans.json"

# llama_ftype numbers of the mixes Minke offers (llama.h).
MIXES = {"F32": 0, "F16": 1, "BF16": 32, "Q8_0": 7, "Q4_0": 2, "Q4_1": 3, "Q5_0": 8, "Q5_1": 9,
         "Q4_K_S": 14, "Q4_K_M": 15, "Q5_K_S": 16, "Q5_K_M": 17, "Q6_K": 18}
LEGACY = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"}
TINY_MODELS = ["qwen3-f16", "qwen3moe-f16", "deepseek2-lite-f16", "deepseek2-v3-f16", "gemma3-f16"]


def fnv1a64(data: bytes) -> str:
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return f"{h:016x}"


def write_wide_llama(path, tied):
    """8 layers of 256-wide rows so the K types apply and use_more_bits picks layers."""
    n_embd, n_layer, n_ff, n_head, n_head_kv, hd = 256, 8, 512, 4, 2, 64
    b = tiny.Builder(seed=4242 + tied, float_only=True)
    b.add("token_embd.weight", b.normal((tiny.N_VOCAB, n_embd), 1.0), tiny.F16)
    for i in range(n_layer):
        p = f"blk.{i}."
        b.norm(p + "attn_norm.weight", n_embd)
        b.matrix(p + "attn_q.weight", n_head * hd, n_embd, tiny.F16)
        b.matrix(p + "attn_k.weight", n_head_kv * hd, n_embd, tiny.F16)
        b.matrix(p + "attn_v.weight", n_head_kv * hd, n_embd, tiny.F16)
        b.matrix(p + "attn_output.weight", n_embd, n_head * hd, tiny.F16)
        b.norm(p + "ffn_norm.weight", n_embd)
        b.matrix(p + "ffn_gate.weight", n_ff, n_embd, tiny.F16)
        b.matrix(p + "ffn_up.weight", n_ff, n_embd, tiny.F16)
        b.matrix(p + "ffn_down.weight", n_embd, n_ff, tiny.F16)
    b.norm("output_norm.weight", n_embd)
    if not tied:
        b.matrix("output.weight", tiny.N_VOCAB, n_embd, tiny.F16, gain=3.0)
    meta = tiny.common_meta(n_embd, n_layer, n_ff, n_head, n_head_kv, 1e-5, 10000.0)
    meta.update(rope_dimension_count=hd, vocab_size=tiny.N_VOCAB)
    b.write(path, "llama", meta, add_bos=True, pre="llama-bpe")


def quantize_with_llamacpp(src, dst, ftype):
    llama_cpp.llama_backend_init()  # idempotent; Llama() does it too, quantizing alone does not
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = 2
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(params))
    if rc != 0:
        raise SystemExit(f"llama.cpp failed to quantize {src} to ftype {ftype}")


def tensor_list(path):
    r = gguf.GGUFReader(str(path))
    return [(t.name, [int(d) for d in t.shape], t.tensor_type.name, bytes(t.data.tobytes()))
            for t in r.tensors], r


def plan_metadata(reader):
    arch = bytes(reader.fields["general.architecture"].parts[-1]).decode()
    out = {"general.architecture": arch}
    for key in (f"{arch}.block_count", f"{arch}.expert_count"):
        if key in reader.fields:
            out[key] = int(reader.fields[key].parts[-1][0])
    return out


def record(name, src, work):
    tensors, reader = tensor_list(src)
    entry = {"name": name, "metadata": plan_metadata(reader),
             "tensors": [[n, dims, t] for n, dims, t, _ in tensors], "mixes": {}, "hashes": {}}
    for mix, ftype in MIXES.items():
        dst = work / f"{name}.{mix}.gguf"
        quantize_with_llamacpp(src, dst, ftype)
        out, _ = tensor_list(dst)  # llama.cpp writes the tensors in its own order: go by name
        entry["mixes"][mix] = {n: t for n, _, t, _ in out}
        if mix in LEGACY and name in TINY_MODELS:
            entry["hashes"][mix] = {n: fnv1a64(data) for n, _, _, data in out}
    return entry


def logits_of(path, ids):
    # In a fresh process: llama.cpp crashes evaluating a model after llama_model_quantize ran in
    # the same process (llama-cpp-python 0.3.36).
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        return pool.submit(_logits_in_process, str(path), ids).result()


def _logits_in_process(path, ids):
    llm = llama_cpp.Llama(str(path), n_ctx=256, n_batch=64, n_ubatch=64, logits_all=True,
                          verbose=False, n_threads=2, n_threads_batch=2, seed=0)
    llm.eval(ids)
    return np.array(llm.scores[: len(ids)], dtype=np.float64)


def check_minke(minke, work):
    src = work / "llama-wide.gguf"
    ids = [271, 72, 101, 108, 108, 111, 258, 32, 99, 265, 263, 265, 32, 262, 258, 32, 109, 265, 46]
    ref = logits_of(src, ids)
    print("llama.cpp evaluating Minke's and llama.cpp's files of the wide llama "
          "(rms(dlogit)/rms(logit) vs the F16 file):")
    for mix in ("Q8_0", "Q4_0", "Q4_K_S", "Q4_K_M", "Q5_K_M", "Q6_K"):
        ours = work / f"minke.{mix}.gguf"
        subprocess.run([minke, "quantize", str(src), str(ours), mix], check=True,
                       stderr=subprocess.DEVNULL)
        rel = {}
        for who, path in (("minke", ours), ("llama.cpp", work / f"llama-wide.{mix}.gguf")):
            got = logits_of(path, ids)
            rel[who] = float(np.sqrt(((got - ref) ** 2).sum() / (ref ** 2).sum()))
        print(f"  {mix:7s} minke {rel['minke']:.4f}  llama.cpp {rel['llama.cpp']:.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check-minke", help="path of a built minke executable")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        write_wide_llama(work / "llama-wide.gguf", tied=False)
        write_wide_llama(work / "llama-wide-tied.gguf", tied=True)
        models = [(m, TINY / f"{m}.gguf") for m in TINY_MODELS]
        models += [("llama-wide", work / "llama-wide.gguf"),
                   ("llama-wide-tied", work / "llama-wide-tied.gguf")]
        fixture = {"oracle": f"llama-cpp-python {metadata.version('llama-cpp-python')}",
                   "made_by": "scripts/make_golden_quantize.py", "hash": "fnv1a64 of each tensor's bytes",
                   "models": [record(name, path, work) for name, path in models]}
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(fixture, indent=1) + "\n")
        print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size} bytes")
        if args.check_minke:
            check_minke(args.check_minke, work)


if __name__ == "__main__":
    main()
