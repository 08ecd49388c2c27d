#!/usr/bin/env python3
"""Has llama.cpp (llama-cpp-python) load every GGUF that `minke convert` makes of the tiny
checkpoints in tests/golden/data/hf/ and prints how far its logits are from transformers' (the
fixture's): the "llama.cpp loads what Minke converts" check, run by hand, not in CI.

Run: .venv-oracle/bin/python scripts/check_convert_llamacpp.py build/minke"""
import json
import pathlib
import subprocess
import sys
import tempfile

import llama_cpp
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
HF = ROOT / "tests" / "golden" / "data" / "hf"


def main():
    minke = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        for d in sorted(p for p in HF.iterdir() if p.is_dir()):
            fixture = json.loads((d / "logits.json").read_text())
            for outtype in ("f32", "q8_0"):
                out = pathlib.Path(tmp) / f"{d.name}.{outtype}.gguf"
                subprocess.run([minke, "convert", "--outtype", outtype, str(d), str(out)],
                               check=True, stderr=subprocess.DEVNULL)
                try:
                    llm = llama_cpp.Llama(str(out), n_ctx=256, n_batch=64, n_ubatch=64,
                                          logits_all=True, verbose=False, n_threads=2, seed=0)
                except ValueError:
                    # llama.cpp reads "no q_lora_rank" only off a 27-layer file (V2-Lite's
                    # depth); the 3-layer tiny one is refused by its loader.
                    print(f"{d.name:18s} {outtype:5s} llama.cpp refuses to load it")
                    continue
                llm.eval(fixture["ids"])
                got = np.array(llm.scores[: len(fixture["ids"])], dtype=np.float64)
                want = np.array(fixture["logits"], dtype=np.float64)
                top1 = int((got.argmax(1) == want.argmax(1)).sum())
                print(f"{d.name:18s} {outtype:5s} llama.cpp vs transformers: max |dlogit| "
                      f"{np.abs(got - want).max():.2e}, top-1 {top1}/{len(want)}")
                del llm


if __name__ == "__main__":
    main()
