#!/usr/bin/env python3
"""Writes byte-level BPE tokenizer.json files, one per pre-tokenizer family, and the encodings
Hugging Face `tokenizers` gives for a broad corpus: the oracle of
tests/golden/hf_tokenizer_corpus_test.cpp, which converts each with `minke convert`'s tokenizer
code and has Minke encode the same corpus.

What is checked is the pre-tokenizer split of each family (Llama 3 / GLM-4.5, Qwen2, Qwen3.5,
o200k as in gpt-oss) and the merges applied inside it. The merges are trained on the corpus with
no pre-tokenizer at all, so they cross every boundary a family's regex draws: a split that
differs from transformers' in either direction changes the tokens. The corpus is llama.cpp's
tokenizer test strings (tests/golden/data/vocab/*.inp: many scripts, emoji, whitespace and
newline runs, digit runs) and make_tiny_hf.py's extra strings (code, combining marks, camel
case, contractions, paths, CRLF, NBSP and ideographic space).

Run: .venv-hf/bin/python scripts/make_hf_tokenizers.py (the venv of make_tiny_hf.py)."""
import json
import pathlib
import sys
from importlib import metadata

import tokenizers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_tiny_hf as hf  # noqa: E402

OUT = hf.ROOT / "tests" / "golden" / "data" / "hf-tokenizers"
VOCAB_SIZE = 1024

# name -> (the config.json architecture that names the pre-type, split regex, ignore_merges)
FAMILIES = {
    "llama3": ("LlamaForCausalLM", hf.LLAMA3_SPLIT, True),
    "glm4": ("Glm4MoeForCausalLM", hf.LLAMA3_SPLIT, True),
    "qwen2": ("Qwen2ForCausalLM", hf.QWEN2_SPLIT, False),
    "qwen35": ("Qwen3_5ForCausalLM", hf.QWEN35_SPLIT, False),
    "o200k": ("GptOssForCausalLM", hf.O200K_SPLIT, False),
}


def train_merges(corpus):
    """A byte-level BPE trained on the corpus as whole strings (no splitting)."""
    tk = Tokenizer(models.BPE())
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=["<|endoftext|>"])
    tk.train_from_iterator(corpus * 3, trainer=trainer)
    model = json.loads(tk.to_str())["model"]
    return model["vocab"], model["merges"]


def main():
    corpus = hf.corpus() + hf.TEXTS[:2]
    vocab, merges = train_merges(corpus)
    for name, (arch, split, ignore_merges) in FAMILIES.items():
        d = OUT / name
        d.mkdir(parents=True, exist_ok=True)
        tok = {
            "version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": vocab["<|endoftext|>"], "content": "<|endoftext|>",
                              "single_word": False, "lstrip": False, "rstrip": False,
                              "normalized": False, "special": True}],
            "normalizer": None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": split}, "behavior": "Isolated",
                 "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                 "use_regex": False}]},
            "post_processor": {"type": "ByteLevel", "add_prefix_space": True,
                               "trim_offsets": False, "use_regex": True},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                        "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": None, "end_of_word_suffix": None,
                      "fuse_unk": False, "byte_fallback": False, "ignore_merges": ignore_merges,
                      "vocab": vocab, "merges": merges},
        }
        (d / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False, indent=1))
        (d / "tokenizer_config.json").write_text(json.dumps(
            {"add_bos_token": False, "eos_token": "<|endoftext|>",
             "tokenizer_class": "PreTrainedTokenizerFast"}, indent=1))
        (d / "config.json").write_text(json.dumps({"architectures": [arch],
                                                   "vocab_size": len(vocab)}, indent=1))
        tk = Tokenizer.from_file(str(d / "tokenizer.json"))
        enc = {t: tk.encode(t, add_special_tokens=False).ids for t in corpus}
        (d / "encodings.json").write_text(json.dumps(
            {"oracle": f"tokenizers {metadata.version('tokenizers')}",
             "made_by": "scripts/make_hf_tokenizers.py", "encodings": enc}, ensure_ascii=False))
        print(f"{d.relative_to(hf.ROOT)}: {len(enc)} strings, "
              f"{sum(map(len, enc.values()))} tokens")


if __name__ == "__main__":
    main()
