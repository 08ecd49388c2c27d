#!/usr/bin/env python3
"""Writes tests/golden/data/models/tiny/r1-scripted.gguf: a tiny qwen2 decoder that answers any
chat the way DeepSeek-R1-Distill-Qwen does, with a fixed script.

The weights make the model a successor table: attention and FFN outputs are zero, so the last
hidden state is the current token's embedding; chain token i embeds as the unit vector e_i and
the output row of chain token i+1 is 10 * e_i, so after the final RMS norm the next token's logit
is 10 * sqrt(n_embd) (~57) and every other token's is 0. Greedy or sampled (any temperature
below ~5), the model writes SCRIPT after the R1 template's generation prompt "<think>\\n".

What it is for: end-to-end tests of reasoning output on a real R1 chat template (the R1-Distill
one from tests/golden/data/chat/templates) with R1's special tokens and `tokenizer.ggml.pre`
deepseek-r1-qwen, where random weights would never close a <think> block. The closing tag is
split over three tokens ("</", "think", ">") so a splitter that only looks at whole tokens fails.
"""
import pathlib

import gguf
import numpy as np

from make_tiny_models import bytes_to_unicode

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "data" / "models" / "tiny" / "r1-scripted.gguf"
TEMPLATE = ROOT / "tests" / "golden" / "data" / "chat" / "templates" / \
    "deepseek-r1-distill-qwen-32b.jinja"

BOS, EOS = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
CONTROL = [BOS, EOS, "<｜User｜>", "<｜Assistant｜>"]
USER_DEFINED = ["<think>", "</think>"]  # as in the R1-Distill-Qwen GGUFs: added, not control
# The answer to any prompt, one token each, after the prompt's final "\n". Each token appears
# once, so the successor table is well defined.
SCRIPT = ["Two", " plus", " two", " is", " four", ".", "</", "think", ">", "\n\n", "The",
          " answer", ":", " 4", EOS]


def tables():
    b2u = bytes_to_unicode()
    enc = lambda s: "".join(b2u[b] for b in s.encode("utf-8"))
    tokens = [b2u[b] for b in range(256)]
    words = [enc(w) for w in SCRIPT if w not in CONTROL and enc(w) not in tokens]
    tokens += words
    types = [int(gguf.TokenType.NORMAL)] * len(tokens)
    tokens += CONTROL + USER_DEFINED
    types += [int(gguf.TokenType.CONTROL)] * len(CONTROL)
    types += [int(gguf.TokenType.USER_DEFINED)] * len(USER_DEFINED)
    ids = {t: i for i, t in enumerate(tokens)}
    chain = [ids[enc("\n")]] + [ids[w if w in CONTROL else enc(w)] for w in SCRIPT]
    assert len(set(chain)) == len(chain), "a script token repeats"
    return tokens, types, ids, chain


def main():
    tokens, types, ids, chain = tables()
    n_vocab, n_embd, n_ff, n_head, n_head_kv, hd = len(tokens), 32, 64, 4, 2, 8
    assert len(chain) <= n_embd
    rng = np.random.default_rng(1066)
    embd = (rng.standard_normal((n_vocab, n_embd)) * 0.1).astype(np.float32)
    output = np.zeros((n_vocab, n_embd), np.float32)
    for i, (cur, nxt) in enumerate(zip(chain, chain[1:])):
        embd[cur] = 0
        embd[cur, i] = 1
        output[nxt, i] = 10
    zeros = lambda *shape: np.zeros(shape, np.float32)

    w = gguf.GGUFWriter(str(OUT), "qwen2")
    w.add_name("minke-r1-scripted")
    w.add_description("scripted weights, test fixture for Minke (scripts/make_scripted_model.py)")
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    w.add_context_length(256)
    w.add_embedding_length(n_embd)
    w.add_block_count(1)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head_kv)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(10000.0)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("deepseek-r1-qwen")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(["Ċ Ċ"])  # gives the script's "\n\n" token; a gpt2 vocab needs merges
    w.add_bos_token_id(ids[BOS])
    w.add_eos_token_id(ids[EOS])
    w.add_add_bos_token(True)
    w.add_chat_template(TEMPLATE.read_text())
    w.add_tensor("token_embd.weight", embd.astype(np.float16))
    p = "blk.0."
    w.add_tensor(p + "attn_norm.weight", np.ones(n_embd, np.float32))
    for name, n_out in (("attn_q", n_head * hd), ("attn_k", n_head_kv * hd),
                        ("attn_v", n_head_kv * hd)):
        w.add_tensor(p + name + ".weight", (rng.standard_normal((n_out, n_embd)) * 0.2)
                     .astype(np.float16))
        w.add_tensor(p + name + ".bias", zeros(n_out))
    w.add_tensor(p + "attn_output.weight", zeros(n_embd, n_head * hd).astype(np.float16))
    w.add_tensor(p + "ffn_norm.weight", np.ones(n_embd, np.float32))
    w.add_tensor(p + "ffn_gate.weight", zeros(n_ff, n_embd).astype(np.float16))
    w.add_tensor(p + "ffn_up.weight", zeros(n_ff, n_embd).astype(np.float16))
    w.add_tensor(p + "ffn_down.weight", zeros(n_embd, n_ff).astype(np.float16))
    w.add_tensor("output_norm.weight", np.ones(n_embd, np.float32))
    w.add_tensor("output.weight", output.astype(np.float16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
