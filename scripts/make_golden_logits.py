#!/usr/bin/env python3
"""Writes llama.cpp logits fixtures for the decoder models into tests/golden/data/models/logits/.

For each model (the three downloaded real models and the tiny random ones written by
make_tiny_models.py) llama.cpp (through llama-cpp-python, CPU) evaluates a fixed prompt in one
batch and we record, per position, the argmax and the top-32 (id, logit) pairs; the full logits
rows as little-endian float16 (<name>.rows.f16: every position, or every k-th counted back from
the last when all of them would pass MAX_ROWS_BYTES); and 64 greedy (pure argmax) tokens
continuing the prompt, decoded one token per llama_decode call. The same prompt is also evaluated
with other thread counts / batch sizes to measure llama.cpp's own run-to-run spread, recorded as
self_variance (with the KL divergence and top-1 agreement of each variant against the reference
run, as llama-perplexity --kl-divergence reports them), and the greedy tokens are re-evaluated in
one batch (f16 and f32 KV cache) to measure the same spread for each greedy step. Format:
tests/golden/data/models/README.md."""
import hashlib
import json
import os
import pathlib
import re
import sys
from importlib import metadata

import llama_cpp
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "golden" / "data" / "models"
OUT = DATA / "logits"
MODELS_DIR = pathlib.Path(os.environ.get("MINKE_MODELS", ROOT / "models"))

PROMPT = ("The old lighthouse keeper climbed the narrow stairs every evening to light the lamp. "
          "Ships passing in the night relied on its steady beam to avoid the rocks below.")
# Tiny models: a fixed id list (bytes, merged tokens and the <|im_start|>/<|im_end|> specials of
# the tiny vocabulary); models whose tokenizer adds BOS get BOS (id 271) prepended.
TINY_IDS = [269, 117, 115, 101, 114, 10, 72, 101, 108, 108, 111, 258, 32, 99, 265, 263, 265, 32,
            262, 258, 32, 109, 265, 46, 270, 10, 269, 97, 115, 115, 105, 115, 116, 97, 110, 116,
            10]
TOP_K = 32
N_GREEDY = 64
# Full rows are stored as f16 (2 bytes per logit); a model whose every prompt row would take more
# than this keeps every k-th row instead (Gemma 3's 262144-entry vocabulary: every second one).
MAX_ROWS_BYTES = 10_000_000
SETTINGS = {"n_ctx": 128, "n_threads": 2, "n_threads_batch": 2, "n_batch": 512, "n_ubatch": 512,
            "flash_attn": False, "type_k": "f16", "type_v": "f16", "backend": "CPU",
            "logits_all": True}
# Alternative settings whose prompt logits are compared with the reference run above.
VARIANTS = {"threads1": {"n_threads": 1, "n_threads_batch": 1},
            "batch1": {"n_batch": 1, "n_ubatch": 1},
            "batch7": {"n_batch": 7, "n_ubatch": 7},
            "kv_f32": {"type_k": "f32", "type_v": "f32"}}
GGML_TYPES = {"f32": 0, "f16": 1}

REAL = [("smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"), ("gemma3-270m", "gemma-3-270m-q4_k_m.gguf"),
        ("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")]
TINY = ["qwen2", "qwen3", "llama", "gemma3", "qwen3-f16", "gemma3-f16", "qwen3moe", "qwen3moe-f16",
        "deepseek2-lite", "deepseek2-lite-f16", "deepseek2-v3", "deepseek2-v3-f16", "glm4moe",
        "glm4moe-f16", "gpt-oss", "gpt-oss-f16", "qwen35", "qwen35-f16", "qwen35moe",
        "qwen35moe-f16", "gemma4", "gemma4-f16", "qwen3next", "qwen3next-f16"]


def dump_json(obj):
    """Indented JSON with innermost lists (ids, (id, logit) pairs) kept on one line."""
    text = json.dumps(obj, indent=1)
    return re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + re.sub(r"\s+", " ", m.group(1)) + "]",
                  text) + "\n"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load(path, **overrides):
    s = dict(SETTINGS, **overrides)
    return llama_cpp.Llama(str(path), n_ctx=s["n_ctx"], n_threads=s["n_threads"],
                           n_threads_batch=s["n_threads_batch"], n_batch=s["n_batch"],
                           n_ubatch=s["n_ubatch"], flash_attn=s["flash_attn"],
                           type_k=GGML_TYPES[s["type_k"]], type_v=GGML_TYPES[s["type_v"]],
                           logits_all=True, verbose=False, seed=0)


def prompt_logits(llm, ids):
    llm.reset()
    llm.eval(ids)
    return np.array(llm.scores[:len(ids)], dtype=np.float32)


def top_k(row, k):
    """Top-k (id, logit) by logit descending, ties by ascending id."""
    order = np.lexsort((np.arange(row.size), -row))[:k]
    return [[int(i), float(row[i])] for i in order]


def greedy(llm, ids, n):
    """Pure argmax continuation (no sampler, no penalties), one token per decode call; EOS is not
    special. Returns tokens, each step's top1 - top2 logit margin and each step's logits row."""
    logits = prompt_logits(llm, ids)[-1]
    tokens, margins, rows = [], [], []
    for _ in range(n):
        tok = int(np.argmax(logits))
        second = np.partition(logits, -2)[-2]
        tokens.append(tok)
        margins.append(float(logits[tok] - second))
        rows.append(logits)
        llm.eval([tok])
        logits = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
    return tokens, margins, np.stack(rows)


def log_softmax(rows):
    rows = rows.astype(np.float64)
    m = rows.max(axis=-1, keepdims=True)
    return rows - m - np.log(np.exp(rows - m).sum(axis=-1, keepdims=True))


def kl_per_position(base, other):
    """KL(base || other) of each row's softmax, as llama-perplexity --kl-divergence computes it
    (base = the reference run)."""
    lb, lo = log_softmax(base), log_softmax(other)
    return (np.exp(lb) * (lb - lo)).sum(axis=-1)


def self_variance(path, ids, ref):
    out = {}
    for name, overrides in VARIANTS.items():
        llm = load(path, **overrides)
        other = prompt_logits(llm, ids)
        del llm
        diff = np.abs(other - ref)
        kl = kl_per_position(ref, other)
        out[name] = {
            "settings": overrides,
            "max_abs_diff": float(diff.max()),
            "mean_abs_diff": float(diff.mean()),
            "max_abs_diff_per_position": [float(x) for x in diff.max(1)],
            "argmax_equal": bool((other.argmax(1) == ref.argmax(1)).all()),
            "top1_agree": int((other.argmax(1) == ref.argmax(1)).sum()),
            "kl_mean": float(kl.mean()),
            "kl_max": float(kl.max()),
        }
        print(f"  {name}: max |dlogit| {diff.max():.3g} mean {diff.mean():.3g}, "
              f"KL mean {kl.mean():.3g} max {kl.max():.3g}")
    return out


def greedy_spread(llm, ids, gen, step_rows):
    """Per greedy step, max |dlogit| between the one-token-per-decode logits (step_rows) and the
    same tokens evaluated in one batch: llama.cpp's own batch-to-batch spread at that step."""
    rows = prompt_logits(llm, ids + gen[:-1])[len(ids) - 1:]
    return [float(x) for x in np.abs(rows - step_rows).max(1)]


def row_positions(n, vocab):
    """The positions whose full row is stored: all, or every k-th counted back from the last."""
    stride = max(1, -(-n * vocab * 2 // MAX_ROWS_BYTES))
    return list(range(n - 1, -1, -stride))[::-1]


def run_model(name, path, ids_fn):
    print(f"{name}: {path}")
    llm = load(path)
    ids = ids_fn(llm)
    ref = prompt_logits(llm, ids)
    n = len(ids)
    vocab = llm.n_vocab()
    positions = row_positions(n, vocab)
    ref[positions].astype("<f2").tofile(OUT / f"{name}.rows.f16")
    gen, margins, step_rows = greedy(llm, ids, N_GREEDY)
    batched_spread = greedy_spread(llm, ids, gen, step_rows)
    text = llm.detokenize(gen).decode("utf-8", errors="replace")
    del llm
    llm = load(path, **VARIANTS["kv_f32"])
    kv_f32_spread = greedy_spread(llm, ids, gen, step_rows)
    del llm
    fixture = {
        "oracle": {"name": "llama.cpp via llama-cpp-python",
                   "version": metadata.version("llama-cpp-python"),
                   "system_info": llama_cpp.llama_print_system_info().decode().strip()},
        "model": {"file": path.name, "sha256": sha256(path), "bytes": path.stat().st_size,
                  "n_vocab": vocab},
        "settings": SETTINGS,
        "prompt_text": PROMPT if ids_fn is real_ids else None,
        "prompt_ids": ids,
        "positions": [{"argmax": int(ref[i].argmax()), "top": top_k(ref[i], TOP_K)}
                      for i in range(n)],
        "rows": {"file": f"{name}.rows.f16", "dtype": "f16", "positions": positions},
        "greedy": {"n": N_GREEDY, "tokens": gen, "margins": margins,
                   "batched_max_abs_diff": batched_spread, "kv_f32_max_abs_diff": kv_f32_spread,
                   "text": text},
        "self_variance": self_variance(path, ids, ref),
    }
    (OUT / f"{name}.json").write_text(dump_json(fixture))
    print(f"  {n} prompt tokens, greedy: {text[:60]!r}")


def real_ids(llm):
    return llm.tokenize(PROMPT.encode(), add_bos=True, special=False)


def tiny_ids(llm):
    bos = llama_cpp.llama_vocab_bos(llm._model.vocab)
    add_bos = llama_cpp.llama_vocab_get_add_bos(llm._model.vocab)
    return ([bos] if add_bos else []) + TINY_IDS


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[1:])
    for name, file in REAL:
        path = MODELS_DIR / file
        if only and name not in only:
            continue
        if not path.exists():
            sys.exit(f"{path} is missing: run scripts/fetch-models.sh")
        run_model(name, path, real_ids)
    for arch in TINY:
        name = f"tiny-{arch}"
        if only and name not in only:
            continue
        run_model(name, DATA / "tiny" / f"{arch}.gguf", tiny_ids)


if __name__ == "__main__":
    main()
