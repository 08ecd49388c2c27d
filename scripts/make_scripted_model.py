#!/usr/bin/env python3
"""Writes tests/golden/data/models/tiny/{r1,harmony,harmony-tool}-scripted.gguf: tiny qwen2 decoders that
answer any chat with a fixed script, on a real chat template and its special tokens.

The weights make the model a successor table: attention and FFN outputs are zero, so the last
hidden state is the current token's embedding; chain token i embeds as the unit vector e_i and
the output row of chain token i+1 is 10 * e_i, so after the final RMS norm the next token's logit
is 10 * sqrt(n_embd) (~57) and every other token's is 0. Greedy or sampled (any temperature
below ~5), the model writes its script after the template's generation prompt.

r1-scripted: DeepSeek-R1-Distill-Qwen's template (tests/golden/data/chat/templates), R1's special
tokens and `tokenizer.ggml.pre` deepseek-r1-qwen; the script thinks "Two plus two is four." and
answers "The answer: 4" after the generation prompt "<think>\n", where random weights would never
close a <think> block. The closing tag is split over three tokens ("</", "think", ">") so a
splitter that only looks at whole tokens fails.

harmony-scripted (and harmony-tool-scripted, which calls a get_weather tool instead of
answering): gpt-oss's template and Harmony special tokens (control tokens as gpt-oss's
GGUFs store them), pre-tokenizer gpt-4o; after the generation prompt "<|start|>assistant" the
script writes an analysis message with the same thought, then the final message "The answer: 4"
and <|return|>. Every token of a chain appears once, so the second header ("<|channel|>final
<|message|>") is one ordinary token with that text: the splitter reads text, not token ids.
"""
import pathlib

import gguf
import numpy as np

from make_tiny_models import bytes_to_unicode

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "tests" / "golden" / "data" / "models" / "tiny"
TEMPLATES = ROOT / "tests" / "golden" / "data" / "chat" / "templates"

R1 = {
    "name": "r1-scripted",
    "template": "deepseek-r1-distill-qwen-32b.jinja",
    "pre": "deepseek-r1-qwen",
    "bos": "<｜begin▁of▁sentence｜>", "eos": "<｜end▁of▁sentence｜>", "add_bos": True,
    "control": ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>"],
    "user_defined": ["<think>", "</think>"],  # as in the R1-Distill-Qwen GGUFs: added, not control
    # The answer to any prompt, one token each, after the prompt's final "\n".
    "first": "\n",
    "script": ["Two", " plus", " two", " is", " four", ".", "</", "think", ">", "\n\n", "The",
               " answer", ":", " 4", "<｜end▁of▁sentence｜>"],
    "seed": 1066,
    "n_ctx": 256,
}

HARMONY = {
    "name": "harmony-scripted",
    "template": "gpt-oss-120b.jinja",
    "pre": "gpt-4o",
    "bos": "<|startoftext|>", "eos": "<|return|>", "add_bos": False,
    "control": ["<|startoftext|>", "<|endoftext|>", "<|return|>", "<|call|>", "<|start|>",
                "<|end|>", "<|message|>", "<|channel|>", "<|constrain|>"],
    "user_defined": [],
    # After the prompt's final "assistant" (its last byte token "t").
    "first": "t",
    "script": ["<|channel|>", "analysis", "<|message|>", "Two", " plus", " two", " is", " four",
               ".", "<|end|>", "<|start|>", "assistant", "<|channel|>final<|message|>", "The",
               " answer", ":", " 4", "<|return|>"],
    "seed": 1067,
    "n_ctx": 1024,  # gpt-oss's system message alone is ~250 byte tokens here
}

# The same model writing a tool call: analysis, then a message to functions.get_weather with
# JSON arguments; the grammar of a request with that tool accepts exactly this raw text, and
# <|call|> ends the generation.
HARMONY_TOOL = dict(HARMONY, name="harmony-tool-scripted", seed=1068, script=[
    "<|channel|>", "analysis", "<|message|>", "Need", " the", " weather", ".", "<|end|>",
    "<|start|>", "assistant",
    "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>",
    "{\"city\":", " \"Oslo\"}", "<|call|>"])


def tables(m):
    b2u = bytes_to_unicode()
    enc = lambda s: "".join(b2u[b] for b in s.encode("utf-8"))
    specials = m["control"] + m["user_defined"]
    tokens = [b2u[b] for b in range(256)]
    words = [enc(w) for w in m["script"] if w not in specials and enc(w) not in tokens]
    tokens += words
    types = [int(gguf.TokenType.NORMAL)] * len(tokens)
    tokens += specials
    types += [int(gguf.TokenType.CONTROL)] * len(m["control"])
    types += [int(gguf.TokenType.USER_DEFINED)] * len(m["user_defined"])
    ids = {t: i for i, t in enumerate(tokens)}
    chain = [ids[enc(m["first"])]] + [ids[w if w in specials else enc(w)] for w in m["script"]]
    assert len(set(chain)) == len(chain), "a script token repeats"
    return tokens, types, ids, chain


def write(m):
    tokens, types, ids, chain = tables(m)
    n_vocab, n_embd, n_ff, n_head, n_head_kv, hd = len(tokens), 32, 64, 4, 2, 8
    assert len(chain) <= n_embd
    rng = np.random.default_rng(m["seed"])
    embd = (rng.standard_normal((n_vocab, n_embd)) * 0.1).astype(np.float32)
    output = np.zeros((n_vocab, n_embd), np.float32)
    for i, (cur, nxt) in enumerate(zip(chain, chain[1:])):
        embd[cur] = 0
        embd[cur, i] = 1
        output[nxt, i] = 10
    zeros = lambda *shape: np.zeros(shape, np.float32)

    out = OUT_DIR / f"{m['name']}.gguf"
    w = gguf.GGUFWriter(str(out), "qwen2")
    w.add_name(f"minke-{m['name']}")
    w.add_description("scripted weights, test fixture for Minke (scripts/make_scripted_model.py)")
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    w.add_context_length(m["n_ctx"])
    w.add_embedding_length(n_embd)
    w.add_block_count(1)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head_kv)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(10000.0)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(m["pre"])
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(["Ċ Ċ"])  # gives the script's "\n\n" token; a gpt2 vocab needs merges
    w.add_bos_token_id(ids[m["bos"]])
    w.add_eos_token_id(ids[m["eos"]])
    w.add_add_bos_token(m["add_bos"])
    w.add_chat_template((TEMPLATES / m["template"]).read_text())
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
    print(f"{out.relative_to(ROOT)}: {out.stat().st_size} bytes")


def main():
    write(R1)
    write(HARMONY)
    write(HARMONY_TOOL)


if __name__ == "__main__":
    main()
