#!/usr/bin/env python3
"""How far llama.cpp's own greedy continuation agrees with itself across batch settings.
Reruns the 64-token greedy continuation of tests/golden/data/models/logits/<model>.json with
llama-cpp-python under other n_batch / thread settings and prints for how many steps it stays
identical to the committed fixture (made with n_batch 512, 2 threads). The note on the "First
chat" issue quotes its output: two correct engines part at near-ties.
Run from the repository root: .venv-oracle/bin/python scripts/measure_llamacpp_greedy_spread.py"""
import json

import llama_cpp
import numpy as np

MODELS = {
    "smollm2": "models/SmolLM2-135M-Instruct.Q4_1.gguf",
    "gemma3-270m": "models/gemma-3-270m-q4_k_m.gguf",
}
SETTINGS = [(512, 1), (1, 2), (8, 2)]  # (n_batch, threads); the fixture used (512, 2)
STEPS = 64


def greedy(path: str, prompt: list[int], n_batch: int, threads: int) -> list[int]:
    llm = llama_cpp.Llama(model_path=path, n_ctx=128, n_threads=threads, n_batch=n_batch,
                          n_ubatch=n_batch, verbose=False)
    llm.eval(prompt)
    out = []
    for _ in range(STEPS):
        row = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
        token = int(np.argmax(np.ctypeslib.as_array(row, shape=(llm.n_vocab(),))))
        out.append(token)
        llm.eval([token])
    return out


def main() -> None:
    for name, path in MODELS.items():
        fixture = json.load(open(f"tests/golden/data/models/logits/{name}.json"))
        want = fixture["greedy"]["tokens"]
        for n_batch, threads in SETTINGS:
            got = greedy(path, fixture["prompt_ids"], n_batch, threads)
            same = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), STEPS)
            print(f"{name} n_batch={n_batch} threads={threads}: identical to the fixture for the "
                  f"first {same} of {STEPS} greedy tokens", flush=True)


if __name__ == "__main__":
    main()
