#!/usr/bin/env python3
"""Writes tiny random-weight GGUF decoders into tests/golden/data/models/tiny/.

One file per architecture (qwen2, qwen3, llama with Llama-3 RoPE scaling, gemma3), each small
(< 200 KB) but exercising every feature llama.cpp's graph for that architecture has: QKV bias,
GQA/MQA, q/k RMS norms, head_dim != n_embd / n_head, tied/untied output, rope_freqs, sliding
window layers, post norms, embedding scaling. Weights are deterministic (numpy default_rng with a
fixed seed per model) and stored in a mix of F32 / F16 / Q8_0 / Q4_0 / Q4_1 / Q5_0 / Q5_1 to
exercise the matmul kernels. The tokenizer is a tiny byte-level BPE (256 GPT-2 byte tokens, a few
merges, a few special tokens). make_golden_logits.py runs them through llama.cpp.
See tests/golden/data/models/README.md for the exact hyper-parameters."""
import math
import pathlib
import sys

import gguf
import numpy as np
from gguf import GGMLQuantizationType as Q

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "data" / "models" / "tiny"

F32, F16 = Q.F32, Q.F16


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character map."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) +
          list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


# Merges in rank order; each result is also a vocabulary entry.
MERGES = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("e", "r"), ("o", "n"),
          ("Ġ", "s"), ("r", "e"), ("a", "t"), ("Ġ", "w"), ("o", "r")]
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<s>"]


def tokenizer_tables():
    """(tokens, token_types, merges): ids 0-255 are the bytes 0-255 (GPT-2 encoded), then the merge
    results, then the special (CONTROL) tokens."""
    b2u = bytes_to_unicode()
    tokens = [b2u[b] for b in range(256)] + [a + b for a, b in MERGES] + SPECIALS
    types = [int(gguf.TokenType.NORMAL)] * (len(tokens) - len(SPECIALS))
    types += [int(gguf.TokenType.CONTROL)] * len(SPECIALS)
    merges = [f"{a} {b}" for a, b in MERGES]
    return tokens, types, merges


TOKENS, TOKEN_TYPES, MERGE_STRS = tokenizer_tables()
N_VOCAB = len(TOKENS)  # 272
TOK_EOT = TOKENS.index("<|endoftext|>")
TOK_IM_START = TOKENS.index("<|im_start|>")
TOK_IM_END = TOKENS.index("<|im_end|>")
TOK_BOS = TOKENS.index("<s>")


class Builder:
    """Collects tensors with a deterministic generator and an explicit storage type."""

    def __init__(self, seed, float_only=False):
        self.rng = np.random.default_rng(seed)
        self.float_only = float_only  # store every quantized matrix as F16 instead
        self.tensors = []  # (name, numpy data, qtype)

    def normal(self, shape, std):
        return (self.rng.standard_normal(shape) * std).astype(np.float32)

    def matrix(self, name, n_out, n_in, qtype, gain=1.0):
        # numpy [n_out, n_in] is ggml ne = [n_in, n_out]; std 1/sqrt(n_in) keeps activations O(1).
        self.add(name, self.normal((n_out, n_in), gain / math.sqrt(n_in)), qtype)

    def experts(self, name, n_expert, n_out, n_in, qtype, gain=1.0):
        # numpy [n_expert, n_out, n_in] is ggml ne = [n_in, n_out, n_expert].
        self.add(name, self.normal((n_expert, n_out, n_in), gain / math.sqrt(n_in)), qtype)

    def norm(self, name, n, center=1.0):
        self.add(name, (center + self.normal((n,), 0.1)).astype(np.float32), F32)

    def bias(self, name, n, std):
        self.add(name, self.normal((n,), std), F32)

    def add(self, name, data, qtype):
        if self.float_only and qtype not in (F32, F16):
            qtype = F16
        self.tensors.append((name, data.astype(np.float32), qtype))

    def write(self, path, arch, meta, add_bos, pre, extra=None):
        w = gguf.GGUFWriter(str(path), arch)
        w.add_name(f"minke-tiny-{arch}")
        w.add_description("random weights, test fixture for Minke (scripts/make_tiny_models.py)")
        w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
        w.add_quantization_version(gguf.GGML_QUANT_VERSION)
        for key, value in meta.items():
            getattr(w, f"add_{key}")(value)
        # Keys the writer has no add_ method for: full names, typed by their Python value.
        for key, value in (extra or {}).items():
            if isinstance(value, list):
                w.add_array(key, value)
            elif isinstance(value, float):
                w.add_float32(key, value)
            else:
                w.add_uint32(key, value)
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre(pre)
        w.add_token_list(TOKENS)
        w.add_token_types(TOKEN_TYPES)
        w.add_token_merges(MERGE_STRS)
        w.add_bos_token_id(TOK_BOS if add_bos else TOK_EOT)
        w.add_eos_token_id(TOK_IM_END)
        w.add_pad_token_id(TOK_EOT)
        w.add_add_bos_token(add_bos)
        w.add_chat_template(
            "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
            "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
        for name, data, qtype in self.tensors:
            if qtype == F32:
                w.add_tensor(name, data)
            elif qtype == F16:
                w.add_tensor(name, data.astype(np.float16))
            else:
                w.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()


def common_meta(n_embd, n_layer, n_ff, n_head, n_head_kv, eps, freq_base):
    return {
        "context_length": 256, "embedding_length": n_embd, "block_count": n_layer,
        "feed_forward_length": n_ff, "head_count": n_head, "head_count_kv": n_head_kv,
        "layer_norm_rms_eps": eps, "rope_freq_base": freq_base,
    }


def make_qwen2():
    """qwen2: QKV bias, GQA 4/2, neox RoPE base 1e6, untied output."""
    n_embd, n_layer, n_ff, n_head, n_head_kv, hd = 64, 2, 128, 4, 2, 16
    b = Builder(seed=1002)
    b.add("token_embd.weight", b.normal((N_VOCAB, n_embd), 1.0), Q.Q8_0)
    for i in range(n_layer):
        p = f"blk.{i}."
        b.norm(p + "attn_norm.weight", n_embd)
        b.matrix(p + "attn_q.weight", n_head * hd, n_embd, F16)
        b.bias(p + "attn_q.bias", n_head * hd, 0.5)
        b.matrix(p + "attn_k.weight", n_head_kv * hd, n_embd, Q.Q8_0)
        b.bias(p + "attn_k.bias", n_head_kv * hd, 0.5)
        b.matrix(p + "attn_v.weight", n_head_kv * hd, n_embd, Q.Q4_0)
        b.bias(p + "attn_v.bias", n_head_kv * hd, 0.2)
        b.matrix(p + "attn_output.weight", n_embd, n_head * hd, Q.Q4_1)
        b.norm(p + "ffn_norm.weight", n_embd)
        b.matrix(p + "ffn_gate.weight", n_ff, n_embd, Q.Q5_0)
        b.matrix(p + "ffn_up.weight", n_ff, n_embd, Q.Q5_1)
        b.matrix(p + "ffn_down.weight", n_embd, n_ff, Q.Q8_0)
    b.norm("output_norm.weight", n_embd)
    b.matrix("output.weight", N_VOCAB, n_embd, F16, gain=3.0)
    meta = common_meta(n_embd, n_layer, n_ff, n_head, n_head_kv, 1e-6, 1e6)
    b.write(OUT / "qwen2.gguf", "qwen2", meta, add_bos=False, pre="qwen2")


def qwen3_attention(b, p, n_embd, n_head, n_head_kv, hd):
    """Qwen3's attention tensors of one layer (per-head q/k norms), in a fixed type mix."""
    b.matrix(p + "attn_q.weight", n_head * hd, n_embd, Q.Q8_0)
    b.norm(p + "attn_q_norm.weight", hd)
    b.matrix(p + "attn_k.weight", n_head_kv * hd, n_embd, F16)
    b.norm(p + "attn_k_norm.weight", hd)
    b.matrix(p + "attn_v.weight", n_head_kv * hd, n_embd, Q.Q8_0)
    b.matrix(p + "attn_output.weight", n_embd, n_head * hd, F16)


def make_qwen3(float_only=False):
    """qwen3: per-head q/k RMS norm, GQA 4/2, head_dim 32 != n_embd/n_head, tied output."""
    n_embd, n_layer, n_ff, n_head, n_head_kv, hd = 64, 3, 128, 4, 2, 32
    b = Builder(seed=1003, float_only=float_only)
    b.add("token_embd.weight", b.normal((N_VOCAB, n_embd), 3.0 / math.sqrt(n_embd)), Q.Q8_0)
    for i in range(n_layer):
        p = f"blk.{i}."
        b.norm(p + "attn_norm.weight", n_embd)
        qwen3_attention(b, p, n_embd, n_head, n_head_kv, hd)
        b.norm(p + "ffn_norm.weight", n_embd)
        b.matrix(p + "ffn_gate.weight", n_ff, n_embd, Q.Q4_0)
        b.matrix(p + "ffn_up.weight", n_ff, n_embd, Q.Q8_0)
        b.matrix(p + "ffn_down.weight", n_embd, n_ff, Q.Q4_1)
    b.norm("output_norm.weight", n_embd)
    meta = common_meta(n_embd, n_layer, n_ff, n_head, n_head_kv, 1e-6, 1e6)
    meta.update(key_length=hd, value_length=hd)
    name = "qwen3-f16" if float_only else "qwen3"
    b.write(OUT / f"{name}.gguf", "qwen3", meta, add_bos=False, pre="qwen2")


LLAMA3_SCALING = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                  "original_max_position_embeddings": 8192}


def llama3_rope_factors(head_dim, base, s=LLAMA3_SCALING):
    """rope_freqs.weight as convert_hf_to_gguf.py computes it for rope_scaling type llama3: one
    divisor per rotated pair; llama.cpp uses theta_i = pos * base^(-2i/n_rot) / factor_i."""
    freqs = 1.0 / (base ** (np.arange(0, head_dim, 2, dtype=np.float32) / head_dim))
    old_ctx = s["original_max_position_embeddings"]
    low_wavelen = old_ctx / s["low_freq_factor"]
    high_wavelen = old_ctx / s["high_freq_factor"]
    out = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high_wavelen:
            out.append(1.0)
        elif wavelen > low_wavelen:
            out.append(s["factor"])
        else:
            smooth = ((old_ctx / wavelen - s["low_freq_factor"]) /
                      (s["high_freq_factor"] - s["low_freq_factor"]))
            out.append(1.0 / ((1.0 - smooth) / s["factor"] + smooth))
    return np.array(out, dtype=np.float32)


def make_llama():
    """llama: Llama-3 style (GQA 4/2, RoPE base 500000, rope_freqs), normal (non-neox) RoPE."""
    n_embd, n_layer, n_ff, n_head, n_head_kv, hd = 64, 2, 128, 4, 2, 16
    base = 500000.0
    b = Builder(seed=1001)
    b.add("token_embd.weight", b.normal((N_VOCAB, n_embd), 1.0), F16)
    b.add("rope_freqs.weight", llama3_rope_factors(hd, base), F32)
    for i in range(n_layer):
        p = f"blk.{i}."
        b.norm(p + "attn_norm.weight", n_embd)
        b.matrix(p + "attn_q.weight", n_head * hd, n_embd, Q.Q8_0, gain=2.0)
        b.matrix(p + "attn_k.weight", n_head_kv * hd, n_embd, Q.Q8_0, gain=2.0)
        b.matrix(p + "attn_v.weight", n_head_kv * hd, n_embd, F16)
        b.matrix(p + "attn_output.weight", n_embd, n_head * hd, Q.Q8_0)
        b.norm(p + "ffn_norm.weight", n_embd)
        b.matrix(p + "ffn_gate.weight", n_ff, n_embd, F16)
        b.matrix(p + "ffn_up.weight", n_ff, n_embd, Q.Q4_0)
        b.matrix(p + "ffn_down.weight", n_embd, n_ff, Q.Q5_1)
    b.norm("output_norm.weight", n_embd)
    b.matrix("output.weight", N_VOCAB, n_embd, Q.Q8_0, gain=3.0)
    meta = common_meta(n_embd, n_layer, n_ff, n_head, n_head_kv, 1e-5, base)
    meta.update(rope_dimension_count=hd, vocab_size=N_VOCAB)
    b.write(OUT / "llama.gguf", "llama", meta, add_bos=True, pre="llama-bpe")


def make_gemma3(float_only=False):
    """gemma3: 6 layers so llama.cpp's fixed pattern (every 6th layer global) gives 5 sliding
    layers (window 8, RoPE base 10000) and 1 global (base 1e6); MQA 4/1, head_dim 32, q/k norm,
    post-attention / post-ffn norms, embeddings x sqrt(n_embd), GELU, tied output."""
    n_embd, n_layer, n_ff, n_head, n_head_kv, hd = 64, 6, 128, 4, 1, 32
    b = Builder(seed=1004, float_only=float_only)
    # Small embeddings (x sqrt(64) = 8 at the input) so the layers, not the residual copy of the
    # input embedding, decide the tied-output logits; output_norm ~4 restores the logit scale.
    b.add("token_embd.weight", b.normal((N_VOCAB, n_embd), 0.1), Q.Q8_0)
    for i in range(n_layer):
        p = f"blk.{i}."
        b.norm(p + "attn_norm.weight", n_embd)
        b.matrix(p + "attn_q.weight", n_head * hd, n_embd, Q.Q8_0)
        b.norm(p + "attn_q_norm.weight", hd)
        b.matrix(p + "attn_k.weight", n_head_kv * hd, n_embd, Q.Q8_0)
        b.norm(p + "attn_k_norm.weight", hd)
        b.matrix(p + "attn_v.weight", n_head_kv * hd, n_embd, F16)
        b.matrix(p + "attn_output.weight", n_embd, n_head * hd, Q.Q5_0)
        b.norm(p + "post_attention_norm.weight", n_embd)
        b.norm(p + "ffn_norm.weight", n_embd)
        b.matrix(p + "ffn_gate.weight", n_ff, n_embd, Q.Q8_0)
        b.matrix(p + "ffn_up.weight", n_ff, n_embd, F16)
        b.matrix(p + "ffn_down.weight", n_embd, n_ff, Q.Q4_1)
        b.norm(p + "post_ffw_norm.weight", n_embd)
    b.norm("output_norm.weight", n_embd, center=4.0)
    meta = common_meta(n_embd, n_layer, n_ff, n_head, n_head_kv, 1e-6, 1e6)
    meta.update(key_length=hd, value_length=hd, sliding_window=8)
    name = "gemma3-f16" if float_only else "gemma3"
    b.write(OUT / f"{name}.gguf", "gemma3", meta, add_bos=True, pre="llama-bpe")


def make_qwen3moe(float_only=False):
    """qwen3moe: qwen3 attention (q/k norm, GQA 4/2, head_dim 32) with every feed-forward a
    mixture of 8 SwiGLU experts (32 hidden units each), 3 used per token, softmax routing with
    renormalised weights; F32 router (as converted checkpoints keep it), untied output."""
    n_embd, n_layer, n_head, n_head_kv, hd = 64, 2, 4, 2, 32
    n_expert, n_used, n_ff_exp = 8, 3, 32
    b = Builder(seed=1005, float_only=float_only)
    b.add("token_embd.weight", b.normal((N_VOCAB, n_embd), 3.0 / math.sqrt(n_embd)), Q.Q8_0)
    for i in range(n_layer):
        p = f"blk.{i}."
        b.norm(p + "attn_norm.weight", n_embd)
        qwen3_attention(b, p, n_embd, n_head, n_head_kv, hd)
        b.norm(p + "ffn_norm.weight", n_embd)
        # A router gain of 4 spreads the logits so that routing is decided by clear margins.
        b.matrix(p + "ffn_gate_inp.weight", n_expert, n_embd, F32, gain=4.0)
        b.experts(p + "ffn_gate_exps.weight", n_expert, n_ff_exp, n_embd, Q.Q8_0)
        b.experts(p + "ffn_up_exps.weight", n_expert, n_ff_exp, n_embd, Q.Q4_0)
        b.experts(p + "ffn_down_exps.weight", n_expert, n_embd, n_ff_exp, Q.Q8_0)
    b.norm("output_norm.weight", n_embd)
    b.matrix("output.weight", N_VOCAB, n_embd, F16, gain=3.0)
    meta = common_meta(n_embd, n_layer, 4 * n_embd, n_head, n_head_kv, 1e-6, 1e6)
    meta.update(key_length=hd, value_length=hd, expert_count=n_expert, expert_used_count=n_used,
                expert_feed_forward_length=n_ff_exp)
    name = "qwen3moe-f16" if float_only else "qwen3moe"
    b.write(OUT / f"{name}.gguf", "qwen3moe", meta, add_bos=False, pre="qwen2")


def experts_and_shared(b, p, n_expert, n_ff_exp, n_embd):
    """A DeepSeekMoE layer's routed SwiGLU experts and its one shared expert, in a fixed type mix."""
    b.experts(p + "ffn_gate_exps.weight", n_expert, n_ff_exp, n_embd, Q.Q8_0)
    b.experts(p + "ffn_up_exps.weight", n_expert, n_ff_exp, n_embd, Q.Q4_0)
    b.experts(p + "ffn_down_exps.weight", n_expert, n_embd, n_ff_exp, Q.Q8_0)
    b.matrix(p + "ffn_gate_shexp.weight", n_ff_exp, n_embd, F16)
    b.matrix(p + "ffn_up_shexp.weight", n_ff_exp, n_embd, Q.Q8_0)
    b.matrix(p + "ffn_down_shexp.weight", n_embd, n_ff_exp, Q.Q5_0)


def make_deepseek2(variant, float_only=False):
    """deepseek2 (MLA + DeepSeekMoE), 4 heads, qk_nope 32 + qk_rope 16, v_dim 32, kv_lora 64,
    layer 0 dense (n_ff 128), the rest 8/16 routed experts (32 hidden) + 1 shared, YaRN. Two
    variants exercise what published GGUFs and configs differ in:
      lite: DeepSeek-V2-Lite style: no q_lora, split attn_k_b / attn_v_b (current converters,
            key/value_length_mla), softmax routing top-2 of 8 unnormalised, YaRN factor 4 with
            mscale_all_dim 0.707, 3 layers.
      v3:   DeepSeek-V3 style: q_lora 64, fused attn_kv_b (older files, key/value_length the
            per-head sizes), sigmoid routing with exp_probs_b, 4 groups of which 2 compete,
            top-4 of 16 renormalised and scaled by 2.5, YaRN factor 8 with mscale_all_dim 1,
            2 layers."""
    lite = variant == "lite"
    n_embd, n_head, nope, rope_dim, v_dim, kv_lora = 64, 4, 32, 16, 32, 64
    n_layer = 3 if lite else 2
    q_lora = 0 if lite else 64
    n_expert, n_used, n_ff_exp = (8, 2, 32) if lite else (16, 4, 32)
    qk = nope + rope_dim
    b = Builder(seed=1006 if lite else 1007, float_only=float_only)
    b.add("token_embd.weight", b.normal((N_VOCAB, n_embd), 3.0 / math.sqrt(n_embd)), Q.Q8_0)
    for i in range(n_layer):
        p = f"blk.{i}."
        b.norm(p + "attn_norm.weight", n_embd)
        if q_lora:
            b.matrix(p + "attn_q_a.weight", q_lora, n_embd, Q.Q8_0)
            b.norm(p + "attn_q_a_norm.weight", q_lora)
            b.matrix(p + "attn_q_b.weight", n_head * qk, q_lora, F16, gain=2.0)
        else:
            b.matrix(p + "attn_q.weight", n_head * qk, n_embd, Q.Q8_0, gain=2.0)
        b.matrix(p + "attn_kv_a_mqa.weight", kv_lora + rope_dim, n_embd, F16, gain=2.0)
        b.norm(p + "attn_kv_a_norm.weight", kv_lora)
        if lite:
            # [n_head, kv_lora, nope] is ggml ne [nope, kv_lora, n_head]: W_uk^T per head.
            b.experts(p + "attn_k_b.weight", n_head, kv_lora, nope, Q.Q8_0)
            b.experts(p + "attn_v_b.weight", n_head, v_dim, kv_lora, F16)
        else:
            # F16: llama.cpp decompresses K and V from this one (MHA form) while Minke runs the
            # absorbed form; with a Q8_0 kv_b the two orders' 8-bit activation roundings differ
            # (c quantized vs q and the attended latent), which this router turns into flips.
            b.matrix(p + "attn_kv_b.weight", n_head * (nope + v_dim), kv_lora, F16)
        b.matrix(p + "attn_output.weight", n_embd, n_head * v_dim, Q.Q4_0)
        b.norm(p + "ffn_norm.weight", n_embd)
        if i == 0:
            b.matrix(p + "ffn_gate.weight", 128, n_embd, Q.Q8_0)
            b.matrix(p + "ffn_up.weight", 128, n_embd, F16)
            b.matrix(p + "ffn_down.weight", n_embd, 128, Q.Q4_1)
            continue
        # Softmax routing needs spread logits for clear margins; sigmoid ones must stay off
        # saturation (near-equal probabilities close to 1 would be near-ties).
        b.matrix(p + "ffn_gate_inp.weight", n_expert, n_embd, F32, gain=4.0 if lite else 1.0)
        if not lite:
            b.bias(p + "exp_probs_b.bias", n_expert, 0.05)
        experts_and_shared(b, p, n_expert, n_ff_exp, n_embd)
    b.norm("output_norm.weight", n_embd)
    b.matrix("output.weight", N_VOCAB, n_embd, F16, gain=3.0)
    meta = common_meta(n_embd, n_layer, 128, n_head, 1 if lite else n_head, 1e-6, 10000.0)
    meta.update(rope_dimension_count=rope_dim, vocab_size=N_VOCAB, kv_lora_rank=kv_lora,
                q_lora_rank=q_lora, leading_dense_block_count=1, expert_count=n_expert,
                expert_used_count=n_used, expert_shared_count=1,
                expert_feed_forward_length=n_ff_exp, rope_scaling_type=gguf.RopeScalingType.YARN,
                rope_scaling_orig_ctx_len=32)
    if lite:
        meta.update(key_length=kv_lora + rope_dim, value_length=kv_lora, key_length_mla=qk,
                    value_length_mla=v_dim, expert_weights_scale=1.0,
                    expert_gating_func=gguf.ExpertGatingFuncType.SOFTMAX,
                    rope_scaling_factor=4.0, rope_scaling_yarn_log_mul=0.1 * 0.707)
    else:
        meta.update(key_length=qk, value_length=v_dim, expert_weights_scale=2.5,
                    expert_weights_norm=True, expert_gating_func=gguf.ExpertGatingFuncType.SIGMOID,
                    expert_group_count=4, expert_group_used_count=2, rope_scaling_factor=8.0,
                    rope_scaling_yarn_log_mul=0.1)
    name = f"deepseek2-{variant}" + ("-f16" if float_only else "")
    b.write(OUT / f"{name}.gguf", "deepseek2", meta, add_bos=True, pre="llama-bpe")


def biased_attention(b, p, n_embd, n_head, n_head_kv, hd, out_type):
    """One layer's input norm and attention with q/k/v biases (GLM-4.5, gpt-oss)."""
    b.norm(p + "attn_norm.weight", n_embd)
    b.matrix(p + "attn_q.weight", n_head * hd, n_embd, Q.Q8_0)
    b.bias(p + "attn_q.bias", n_head * hd, 0.2)
    b.matrix(p + "attn_k.weight", n_head_kv * hd, n_embd, F16)
    b.bias(p + "attn_k.bias", n_head_kv * hd, 0.2)
    b.matrix(p + "attn_v.weight", n_head_kv * hd, n_embd, Q.Q8_0)
    b.bias(p + "attn_v.bias", n_head_kv * hd, 0.2)
    b.matrix(p + "attn_output.weight", n_embd, n_head * hd, out_type)


def make_glm4moe(float_only=False):
    """glm4moe (GLM-4.5 / 4.5-Air / 4.6): GQA 4/2 with head_dim 32 and q/k/v biases, NeoX RoPE
    over half of each head (rope.dimension_count 16), the pre-FFN norm named
    post_attention_norm; layer 0 dense, then 16 routed experts (32 hidden) with sigmoid gating,
    an exp_probs_b selection bias, top-4 renormalised and scaled by 2.5, plus one shared
    expert; and the multi-token-prediction block that block_count includes (nextn, 1 layer)
    with its own tensors, which generation must skip."""
    n_embd, n_layer, n_head, n_head_kv, hd, rope_dim = 64, 3, 4, 2, 32, 16
    n_expert, n_used, n_ff_exp, n_ff = 16, 4, 32, 128
    b = Builder(seed=1008, float_only=float_only)
    b.add("token_embd.weight", b.normal((N_VOCAB, n_embd), 3.0 / math.sqrt(n_embd)), Q.Q8_0)
    for i in range(n_layer + 1):  # the last is the MTP block
        p = f"blk.{i}."
        biased_attention(b, p, n_embd, n_head, n_head_kv, hd, Q.Q4_0)
        b.norm(p + "post_attention_norm.weight", n_embd)
        if i == 0:
            b.matrix(p + "ffn_gate.weight", n_ff, n_embd, Q.Q8_0)
            b.matrix(p + "ffn_up.weight", n_ff, n_embd, F16)
            b.matrix(p + "ffn_down.weight", n_embd, n_ff, Q.Q4_1)
            continue
        b.matrix(p + "ffn_gate_inp.weight", n_expert, n_embd, F32, gain=1.0)
        b.bias(p + "exp_probs_b.bias", n_expert, 0.05)
        experts_and_shared(b, p, n_expert, n_ff_exp, n_embd)
        if i == n_layer:
            b.matrix(p + "nextn.eh_proj.weight", n_embd, 2 * n_embd, F16)
            b.norm(p + "nextn.enorm.weight", n_embd)
            b.norm(p + "nextn.hnorm.weight", n_embd)
            b.norm(p + "nextn.shared_head_norm.weight", n_embd)
    b.norm("output_norm.weight", n_embd)
    b.matrix("output.weight", N_VOCAB, n_embd, F16, gain=3.0)
    meta = common_meta(n_embd, n_layer + 1, n_ff, n_head, n_head_kv, 1e-5, 10000.0)
    meta.update(key_length=hd, value_length=hd, rope_dimension_count=rope_dim,
                leading_dense_block_count=1, expert_count=n_expert, expert_used_count=n_used,
                expert_shared_count=1, expert_feed_forward_length=n_ff_exp,
                expert_weights_scale=2.5, expert_weights_norm=True,
                expert_gating_func=gguf.ExpertGatingFuncType.SIGMOID, nextn_predict_layers=1)
    name = "glm4moe-f16" if float_only else "glm4moe"
    b.write(OUT / f"{name}.gguf", "glm4moe", meta, add_bos=False, pre="glm4")


def make_gpt_oss(float_only=False):
    """gpt-oss: 4 layers alternating a sliding window of 8 (even layers) and the full context,
    GQA 4/2 with head_dim 32 (q width 128 != n_embd) and biases on q/k/v/output, one attention
    sink logit per head, NeoX RoPE base 150000 with YaRN (factor 8 over 32 original positions);
    every feed-forward 8 experts (32 hidden) in MXFP4 with F32 biases, 4 used per token: top-4 by
    biased router logit, softmax over the chosen 4, the clamped SwiGLU (gate and up of gain 3 so
    that some values pass the clamp at 7); the pre-FFN norm named post_attention_norm, untied
    output."""
    n_embd, n_layer, n_head, n_head_kv, hd = 64, 4, 4, 2, 32
    n_expert, n_used, n_ff_exp = 8, 4, 32
    b = Builder(seed=1009, float_only=float_only)
    b.add("token_embd.weight", b.normal((N_VOCAB, n_embd), 3.0 / math.sqrt(n_embd)), Q.Q8_0)
    for i in range(n_layer):
        p = f"blk.{i}."
        biased_attention(b, p, n_embd, n_head, n_head_kv, hd, F16)
        b.bias(p + "attn_output.bias", n_embd, 0.1)
        b.bias(p + "attn_sinks.weight", n_head, 1.0)
        b.norm(p + "post_attention_norm.weight", n_embd)
        b.matrix(p + "ffn_gate_inp.weight", n_expert, n_embd, F32, gain=8.0)
        b.bias(p + "ffn_gate_inp.bias", n_expert, 1.0)
        b.experts(p + "ffn_gate_exps.weight", n_expert, n_ff_exp, n_embd, Q.MXFP4, gain=3.0)
        b.add(p + "ffn_gate_exps.bias", b.normal((n_expert, n_ff_exp), 0.5), F32)
        b.experts(p + "ffn_up_exps.weight", n_expert, n_ff_exp, n_embd, Q.MXFP4, gain=3.0)
        b.add(p + "ffn_up_exps.bias", b.normal((n_expert, n_ff_exp), 0.5), F32)
        b.experts(p + "ffn_down_exps.weight", n_expert, n_embd, n_ff_exp, Q.MXFP4, gain=0.5)
        b.add(p + "ffn_down_exps.bias", b.normal((n_expert, n_embd), 0.1), F32)
    b.norm("output_norm.weight", n_embd)
    b.matrix("output.weight", N_VOCAB, n_embd, F16, gain=3.0)
    # No YaRN: gpt-oss's blends over its exact correction dims where ggml rounds them out to
    # whole pairs, so llama.cpp is no oracle of it (checked against transformers instead,
    # tests/golden/convert_test.cpp); this model checks everything else against llama.cpp.
    meta = common_meta(n_embd, n_layer, n_ff_exp, n_head, n_head_kv, 1e-5, 150000.0)
    meta.update(key_length=hd, value_length=hd, expert_count=n_expert, expert_used_count=n_used,
                expert_feed_forward_length=n_ff_exp, sliding_window=8)
    name = "gpt-oss-f16" if float_only else "gpt-oss"
    b.write(OUT / f"{name}.gguf", "gpt-oss", meta, add_bos=False, pre="gpt-4o")


def make_qwen35(float_only=False, moe=False, next_=False):
    """qwen35 (Qwen3.5): 4 layers, the first three Gated DeltaNet linear attention, the fourth
    (full_attention_interval 4) gated full attention. DeltaNet: 2 key heads and 4 value heads
    of 16 (value head h reads key head h mod 2, the qwen35 mapping), a causal conv of width 4
    over q|k|v, beta and alpha projections, dt bias, A = -exp(A_log), the gated RMS norm and
    ssm_out. Attention: GQA 4/2, head_dim 32, the query projection holding query and output gate
    interleaved per head, q/k RMS norms, partial NeoX RoPE over 16 of 32 dims (multi-section
    RoPE, every section at the text position). Pre-FFN norm named post_attention_norm, SwiGLU,
    untied output. qwen35moe: every feed-forward 8 experts (32 hidden) of which 3 run (softmax,
    renormalised) plus a shared expert (64 hidden) scaled by sigmoid(x . gate). qwen3next
    (Qwen3-Next): the MoE model with value head h reading key head h / 2, beta and alpha fused
    per key head (ssm_ba), the shared expert's gate a 1-D tensor."""
    moe = moe or next_
    n_embd, n_layer, n_ff, n_head, n_head_kv, hd = 64, 4, 128, 4, 2, 32
    n_expert, n_used, n_ff_exp, n_ff_shexp = 8, 3, 32, 64
    d_state, n_k_heads, n_v_heads, d_conv = 16, 2, 4, 4
    key_dim, value_dim = d_state * n_k_heads, d_state * n_v_heads
    conv_dim = 2 * key_dim + value_dim
    b = Builder(seed=1013 if next_ else 1011 if moe else 1010, float_only=float_only)
    b.add("token_embd.weight", b.normal((N_VOCAB, n_embd), 3.0 / math.sqrt(n_embd)), Q.Q8_0)
    for i in range(n_layer):
        p = f"blk.{i}."
        b.norm(p + "attn_norm.weight", n_embd)
        if (i + 1) % 4 != 0:
            b.matrix(p + "attn_qkv.weight", conv_dim, n_embd, Q.Q8_0, gain=2.0)
            b.matrix(p + "attn_gate.weight", value_dim, n_embd, F16)
            b.add(p + "ssm_conv1d.weight", b.normal((conv_dim, d_conv), 0.5), F32)
            b.bias(p + "ssm_dt.bias", n_v_heads, 1.0)
            b.add(p + "ssm_a", -np.exp(b.normal((n_v_heads,), 0.5)), F32)
            if next_:
                b.matrix(p + "ssm_ba.weight", 2 * n_v_heads, n_embd, F32, gain=2.0)
            else:
                b.matrix(p + "ssm_beta.weight", n_v_heads, n_embd, F16, gain=2.0)
                b.matrix(p + "ssm_alpha.weight", n_v_heads, n_embd, F16, gain=2.0)
            b.norm(p + "ssm_norm.weight", d_state)
            b.matrix(p + "ssm_out.weight", n_embd, value_dim, Q.Q8_0)
        else:
            b.matrix(p + "attn_q.weight", 2 * n_head * hd, n_embd, Q.Q8_0)
            b.norm(p + "attn_q_norm.weight", hd)
            b.matrix(p + "attn_k.weight", n_head_kv * hd, n_embd, F16)
            b.norm(p + "attn_k_norm.weight", hd)
            b.matrix(p + "attn_v.weight", n_head_kv * hd, n_embd, Q.Q8_0)
            b.matrix(p + "attn_output.weight", n_embd, n_head * hd, F16)
        b.norm(p + "post_attention_norm.weight", n_embd)
        if moe:
            b.matrix(p + "ffn_gate_inp.weight", n_expert, n_embd, F32, gain=4.0)
            b.experts(p + "ffn_gate_exps.weight", n_expert, n_ff_exp, n_embd, Q.Q8_0)
            b.experts(p + "ffn_up_exps.weight", n_expert, n_ff_exp, n_embd, Q.Q8_0)
            b.experts(p + "ffn_down_exps.weight", n_expert, n_embd, n_ff_exp, Q.Q4_0)
            if next_:
                b.add(p + "ffn_gate_inp_shexp.weight", b.normal((n_embd,), 2.0 / math.sqrt(n_embd)), F32)
            else:
                b.matrix(p + "ffn_gate_inp_shexp.weight", 1, n_embd, F32, gain=2.0)
            b.matrix(p + "ffn_gate_shexp.weight", n_ff_shexp, n_embd, Q.Q8_0)
            b.matrix(p + "ffn_up_shexp.weight", n_ff_shexp, n_embd, F16)
            b.matrix(p + "ffn_down_shexp.weight", n_embd, n_ff_shexp, Q.Q8_0)
        else:
            b.matrix(p + "ffn_gate.weight", n_ff, n_embd, Q.Q4_0)
            b.matrix(p + "ffn_up.weight", n_ff, n_embd, Q.Q8_0)
            b.matrix(p + "ffn_down.weight", n_embd, n_ff, Q.Q8_0)
    b.norm("output_norm.weight", n_embd)
    b.matrix("output.weight", N_VOCAB, n_embd, F16, gain=3.0)
    meta = common_meta(n_embd, n_layer, n_ff, n_head, n_head_kv, 1e-6, 1e7)
    if moe:
        meta.update(expert_count=n_expert, expert_used_count=n_used,
                    expert_feed_forward_length=n_ff_exp,
                    expert_shared_feed_forward_length=n_ff_shexp)
    meta.update(key_length=hd, value_length=hd, rope_dimension_count=16)
    if not next_:  # Qwen3.5's multi-section RoPE, every section at the text position
        meta.update(rope_dimension_sections=[3, 3, 2, 0])
    meta.update(ssm_conv_kernel=d_conv,
                ssm_inner_size=value_dim, ssm_state_size=d_state, ssm_time_step_rank=n_v_heads,
                ssm_group_count=n_k_heads, full_attention_interval=4)
    arch = "qwen3next" if next_ else "qwen35moe" if moe else "qwen35"
    name = arch + ("-f16" if float_only else "")
    b.write(OUT / f"{name}.gguf", arch, meta, add_bos=False, pre="qwen2")


def make_gemma4(float_only=False):
    """gemma4 (Gemma 4) with every feature on at once: 7 layers, sliding (window 8, RoPE base
    1e4 over all 32 dims of their heads) or global (1e6, heads of 64 whose rope_freqs factors
    of 1e30 leave all but the first 16 dims unrotated); 4 query heads everywhere, 2 KV heads on
    the sliding layers and 1 on the global ones (head_count_kv an array), the global layer 4
    with no attn_v (V is K); the last 2 layers reuse the KV of layers 3 and 4
    (shared_kv_layers); q/k RMS norms and a weightless v norm, attention scale 1; sandwich norms;
    GeGLU; per-layer input embeddings (32 wide); a scalar output scale per layer; layers 1 and 3
    add 4 GeGLU experts (32 hidden, 2 used, softmax renormalised) beside the dense MLP, routed
    from the scaled unit-RMS residual with a per-expert output scale; final logits soft-capped
    at 30; embeddings tied."""
    n_embd, n_layer, n_ff, n_head = 64, 7, 128, 4
    n_kv_swa, hd_swa, n_kv_full, hd_full = 2, 32, 1, 64
    n_expert, n_used, n_ff_exp, n_pl = 4, 2, 32, 32
    swa = [True, True, False, True, False, True, False]
    n_shared = 2
    b = Builder(seed=1012, float_only=float_only)
    b.add("token_embd.weight", b.normal((N_VOCAB, n_embd), 0.1), Q.Q8_0)
    b.add("per_layer_token_embd.weight", b.normal((N_VOCAB, n_layer * n_pl), 0.2), Q.Q8_0)
    b.matrix("per_layer_model_proj.weight", n_layer * n_pl, n_embd, F16)
    b.norm("per_layer_proj_norm.weight", n_pl)
    b.add("rope_freqs.weight", np.array([1.0] * 8 + [1e30] * 24, dtype=np.float32), F32)
    for i in range(n_layer):
        p = f"blk.{i}."
        n_kv, hd = (n_kv_swa, hd_swa) if swa[i] else (n_kv_full, hd_full)
        b.norm(p + "attn_norm.weight", n_embd)
        b.matrix(p + "attn_q.weight", n_head * hd, n_embd, Q.Q8_0)
        # Unscaled attention over unit-RMS q and k: norm weights of ~1/sqrt(head_dim) together
        # keep the scores O(1), as trained weights do, so that the softmax is not a hair trigger.
        b.norm(p + "attn_q_norm.weight", hd, center=0.5)
        if i < n_layer - n_shared:
            b.matrix(p + "attn_k.weight", n_kv * hd, n_embd, Q.Q8_0)
            b.norm(p + "attn_k_norm.weight", hd, center=2.0 / math.sqrt(hd))
            if i != 4:
                b.matrix(p + "attn_v.weight", n_kv * hd, n_embd, F16)
        b.matrix(p + "attn_output.weight", n_embd, n_head * hd, Q.Q5_0)
        b.norm(p + "post_attention_norm.weight", n_embd)
        b.norm(p + "ffn_norm.weight", n_embd)
        b.matrix(p + "ffn_gate.weight", n_ff, n_embd, Q.Q8_0)
        b.matrix(p + "ffn_up.weight", n_ff, n_embd, F16)
        b.matrix(p + "ffn_down.weight", n_embd, n_ff, Q.Q4_1)
        b.norm(p + "post_ffw_norm.weight", n_embd)
        if i in (1, 3):
            # The router reads x / sqrt(n_embd) at unit RMS: a gain of 32 spreads its logits
            # (std ~4) so that expert choices are not near-ties.
            b.matrix(p + "ffn_gate_inp.weight", n_expert, n_embd, F32, gain=32.0)
            b.norm(p + "ffn_gate_inp.scale", n_embd)
            b.norm(p + "pre_ffw_norm_2.weight", n_embd)
            b.norm(p + "post_ffw_norm_1.weight", n_embd)
            b.norm(p + "post_ffw_norm_2.weight", n_embd)
            b.experts(p + "ffn_gate_exps.weight", n_expert, n_ff_exp, n_embd, Q.Q8_0)
            b.experts(p + "ffn_up_exps.weight", n_expert, n_ff_exp, n_embd, Q.Q8_0)
            b.experts(p + "ffn_down_exps.weight", n_expert, n_embd, n_ff_exp, Q.Q4_0)
            b.norm(p + "ffn_down_exps.scale", n_expert, center=1.0)
        b.matrix(p + "inp_gate.weight", n_pl, n_embd, Q.Q8_0)
        b.matrix(p + "proj.weight", n_embd, n_pl, F16)
        b.norm(p + "post_norm.weight", n_embd)
        b.add(p + "layer_output_scale.weight", np.array([0.6 + 0.15 * i], dtype=np.float32), F32)
    b.norm("output_norm.weight", n_embd, center=4.0)
    meta = common_meta(n_embd, n_layer, n_ff, n_head, n_kv_swa, 1e-6, 1e6)
    del meta["head_count_kv"]  # per layer, below
    meta.update(key_length=hd_full, value_length=hd_full, sliding_window=8,
                rope_dimension_count=hd_full, expert_count=n_expert, expert_used_count=n_used,
                expert_feed_forward_length=n_ff_exp)
    a = "gemma4."
    extra = {a + "attention.head_count_kv": [n_kv_swa if s else n_kv_full for s in swa],
             a + "attention.sliding_window_pattern": swa,
             a + "attention.shared_kv_layers": n_shared,
             a + "attention.key_length_swa": hd_swa, a + "attention.value_length_swa": hd_swa,
             a + "rope.dimension_count_swa": hd_swa, a + "rope.freq_base_swa": 10000.0,
             a + "embedding_length_per_layer_input": n_pl,
             a + "final_logit_softcapping": 30.0}
    name = "gemma4-f16" if float_only else "gemma4"
    b.write(OUT / f"{name}.gguf", "gemma4", meta, add_bos=True, pre="llama-bpe", extra=extra)


# The -f16 variants hold the same weights (same seed) with every quantized matrix stored as F16:
# llama.cpp then quantizes no activations to 8 bits, so they check the graph math at a tight
# tolerance, apart from the quantization noise of the mixed-type files.
MODELS = {"qwen2": make_qwen2, "qwen3": make_qwen3, "llama": make_llama, "gemma3": make_gemma3,
          "qwen3moe": make_qwen3moe, "qwen3-f16": lambda: make_qwen3(float_only=True),
          "qwen3moe-f16": lambda: make_qwen3moe(float_only=True),
          "deepseek2-lite": lambda: make_deepseek2("lite"),
          "deepseek2-lite-f16": lambda: make_deepseek2("lite", float_only=True),
          "deepseek2-v3": lambda: make_deepseek2("v3"),
          "deepseek2-v3-f16": lambda: make_deepseek2("v3", float_only=True),
          "gemma3-f16": lambda: make_gemma3(float_only=True),
          "glm4moe": make_glm4moe, "glm4moe-f16": lambda: make_glm4moe(float_only=True),
          "gpt-oss": make_gpt_oss, "gpt-oss-f16": lambda: make_gpt_oss(float_only=True),
          "qwen35": make_qwen35, "qwen35-f16": lambda: make_qwen35(float_only=True),
          "qwen35moe": lambda: make_qwen35(moe=True),
          "qwen35moe-f16": lambda: make_qwen35(float_only=True, moe=True),
          "qwen3next": lambda: make_qwen35(next_=True),
          "qwen3next-f16": lambda: make_qwen35(float_only=True, next_=True),
          "gemma4": make_gemma4, "gemma4-f16": lambda: make_gemma4(float_only=True)}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[1:] or MODELS:
        MODELS[name]()
        path = OUT / f"{name}.gguf"
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
