#!/usr/bin/env python3
"""Writes tests/golden/data/models/perplexity.json: llama.cpp's perplexity of the real models on
tests/golden/data/models/perplexity.txt, computed the way llama.cpp's llama-perplexity tool does.

Method (tools/perplexity in llama.cpp, default mode): tokenize the whole text once with
add_special=true (BOS prepended only when the model's tokenizer adds BOS), cut it into
floor(n_tokens / n_ctx) chunks of n_ctx tokens (the tail is dropped), evaluate each chunk from an
empty KV cache with its first token replaced by BOS when the model adds BOS, and score only the
second half: for i in [n_ctx/2, n_ctx - 2] the NLL of chunk token i+1 under the logits of position
i (log-softmax: float max, double sum of expf). ppl = exp(sum NLL / count) over all chunks.
llama-cpp-python has no perplexity entry point, so this evaluates each chunk with Llama.eval and
reads the logits llama.cpp returns (one chunk per llama_decode call, n_batch = n_ctx)."""
import os
import pathlib
import sys
from importlib import metadata

import llama_cpp
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_golden_logits import dump_json, sha256  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "golden" / "data" / "models"
MODELS_DIR = pathlib.Path(os.environ.get("MINKE_MODELS", ROOT / "models"))
N_CTX = 256
N_THREADS = 2
MODELS = [("smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
          ("gemma3-270m", "gemma-3-270m-q4_k_m.gguf"),
          ("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")]


def nll_of(row, tok):
    """-log softmax(row)[tok] as llama-perplexity computes it (float max, double sum)."""
    m = np.float32(row.max())
    sum_exp = np.exp((row - m).astype(np.float32), dtype=np.float32).astype(np.float64).sum()
    return -(float(row[tok] - m) - np.log(sum_exp))


def perplexity(path, text):
    llm = llama_cpp.Llama(str(path), n_ctx=N_CTX, n_batch=N_CTX, n_ubatch=N_CTX,
                          n_threads=N_THREADS, n_threads_batch=N_THREADS, flash_attn=False,
                          logits_all=True, verbose=False, seed=0)
    vocab = llm._model.vocab
    add_bos = bool(llama_cpp.llama_vocab_get_add_bos(vocab))
    bos = int(llama_cpp.llama_vocab_bos(vocab))
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
    n_chunk = len(tokens) // N_CTX
    first = N_CTX // 2
    chunks, nll_total, count = [], 0.0, 0
    for c in range(n_chunk):
        chunk = tokens[c * N_CTX:(c + 1) * N_CTX]
        if add_bos:
            chunk = [bos] + chunk[1:]
        llm.reset()
        llm.eval(chunk)
        logits = np.array(llm.scores[:N_CTX], dtype=np.float32)
        nll = sum(nll_of(logits[i], chunk[i + 1]) for i in range(first, N_CTX - 1))
        n = N_CTX - 1 - first
        nll_total += nll
        count += n
        chunks.append({"nll_sum": nll, "count": n, "ppl": float(np.exp(nll / n)),
                       "running_ppl": float(np.exp(nll_total / count))})
        print(f"  [{c + 1}] {np.exp(nll_total / count):.4f}")
    return {"model": {"file": path.name, "sha256": sha256(path), "bytes": path.stat().st_size},
            "add_bos": add_bos, "bos_id": bos, "n_tokens": len(tokens), "tokens": tokens,
            "n_chunk": n_chunk, "chunks": chunks, "count": count, "nll_sum": nll_total,
            "ppl": float(np.exp(nll_total / count))}


def main():
    text = (DATA / "perplexity.txt").read_text(encoding="utf-8")
    only = set(sys.argv[1:])
    results = {}
    for name, file in MODELS:
        if only and name not in only:
            continue
        path = MODELS_DIR / file
        if not path.exists():
            sys.exit(f"{path} is missing: run scripts/fetch-models.sh")
        print(f"{name}: {path}")
        results[name] = perplexity(path, text)
        print(f"  ppl {results[name]['ppl']:.4f} over {results[name]['count']} tokens")
    fixture = {
        "oracle": {"name": "llama.cpp via llama-cpp-python (llama-perplexity method)",
                   "version": metadata.version("llama-cpp-python")},
        "text_file": "perplexity.txt",
        "method": {"n_ctx": N_CTX, "first_scored": N_CTX // 2,
                   "scored_per_chunk": N_CTX - 1 - N_CTX // 2,
                   "n_batch": N_CTX, "n_threads": N_THREADS, "flash_attn": False,
                   "kv_type": "f16", "tokenize": "add_special=true, parse_special=false",
                   "bos_replaces_first_token": "when add_bos", "tail_dropped": True},
        "models": results,
    }
    (DATA / "perplexity.json").write_text(dump_json(fixture))


if __name__ == "__main__":
    main()
