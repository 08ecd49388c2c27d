#!/usr/bin/env python3
"""Random-weight GGUF models with the shapes of real ones, for speed benchmarks (bench/).

A weight's values do not change how fast a kernel reads and multiplies it, so these files give
the shapes of Qwen2.5-0.5B (qwen2 arch) and Llama-3.2-1B (llama arch) in Q4_0, Q8_0 and Q4_K
without downloading either, and (only when named: 8.9 GB) DeepSeek-V2-Lite's (deepseek2 arch:
MLA, 64 routed experts of which 6 run per token, 2 shared) and gpt-oss-20b's (gpt-oss arch:
32 experts in MXFP4 of which 4 run per token, alternating sliding-window layers, 11 GB) and
GLM-4.5-Air's first 8 layers (glm4moe arch: 128 experts, 8 per token + 1 shared). (Random
routers spread tokens over experts about evenly, as trained ones roughly do.) Every matrix is in the one type ("pure", as llama-quantize --pure),
norms and biases are F32. Each file has all the metadata Minke and llama.cpp need, and a real
tokenizer: the one in Qwen2.5-Coder-0.5B's GGUF (truncated to Llama-3.2's 128256 tokens for the
llama shape, merges that name a dropped token removed).

Q4_0 and Q8_0 blocks come from gguf-py's quantizer (gguf.quants.quantize) on random normal
weights: a pool of quantized blocks is made once and each tensor is filled with blocks drawn
from it. gguf-py cannot quantize Q4_K, so its blocks are random bytes with sane fp16 scales.
A matrix whose rows are not a whole number of Q4_K super-blocks (Qwen2.5-0.5B's 896-wide
ones) gets llama-quantize's fallback type, Q5_0, as in every real Qwen2.5-0.5B Q4_K file.

  scripts/make_bench_model.py [--out-dir models/bench] [--shape qwen2.5-0.5b|llama-3.2-1b|all]
                              [--type Q4_0|Q8_0|Q4_K|all] [--tokenizer-from GGUF]
Prints the paths written. Run with the project venv (.venv, scripts/common.sh ensure_venv).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf import GGUFValueType as V
from gguf import quants

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Shape:
    key: str  # file-name stem
    arch: str
    name: str
    n_vocab: int
    n_embd: int
    n_layer: int
    n_head: int
    n_head_kv: int
    n_ff: int
    n_ctx: int
    rope_theta: float
    rms_eps: float
    qkv_bias: bool
    llama3_rope: bool  # rope_freqs.weight from Llama 3's rope scaling (factor 32, 8192 original)

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head


SHAPES = {
    # Qwen/Qwen2.5-0.5B config.json (tie_word_embeddings: true)
    "qwen2.5-0.5b": Shape("qwen2.5-0.5b", "qwen2", "Qwen2.5-0.5B shape (random weights)", 151936,
                          896, 24, 14, 2, 4864, 32768, 1e6, 1e-6, True, False),
    # meta-llama/Llama-3.2-1B config.json (tie_word_embeddings: true)
    "llama-3.2-1b": Shape("llama-3.2-1b", "llama", "Llama-3.2-1B shape (random weights)", 128256,
                          2048, 16, 32, 8, 8192, 131072, 500000.0, 1e-5, False, True),
    # openai/gpt-oss-20b config.json: 21B parameters, 3.6B active (see GPT_OSS); the vocabulary
    # is the tokenizer source's (151936 of o200k_harmony's 201088 tokens: an LM head 25 % smaller)
    "gpt-oss-20b": Shape("gpt-oss-20b", "gpt-oss", "gpt-oss-20b shape (random weights)", 151936,
                         2880, 24, 64, 8, 2880, 131072, 150000.0, 1e-5, True, False),
    # zai-org/GLM-4.5-Air config.json (106B parameters, 12B active; see GLM45_AIR) cut to its
    # first 8 of 46 layers (1 dense + 7 MoE): the whole model does not fit this machine's memory,
    # and a layer costs the same whichever of the 46 it is (speeds scale by 8/46)
    "glm-4.5-air-8l": Shape("glm-4.5-air-8l", "glm4moe", "GLM-4.5-Air shape, 8 of 46 layers "
                            "(random weights)", 151552, 4096, 8, 96, 8, 10944, 131072, 1e6, 1e-5,
                            True, False),
    # Qwen3.5-0.8B (Qwen/Qwen3.5-0.8B, text model; see QWEN35): 24 layers, 18 Gated DeltaNet and
    # 6 gated attention; the vocabulary is the tokenizer source's (151936 of 248320: the tied
    # LM head 39 % smaller)
    "qwen3.5-0.8b": Shape("qwen3.5-0.8b", "qwen35", "Qwen3.5-0.8B shape (random weights)", 151936,
                          1024, 24, 8, 2, 3584, 262144, 1e7, 1e-6, False, False),
    # deepseek-ai/DeepSeek-V2-Lite config.json: 15.7B parameters, 2.4B active (see DEEPSEEK2)
    "deepseek-v2-lite": Shape("deepseek-v2-lite", "deepseek2",
                              "DeepSeek-V2-Lite shape (random weights)", 102400, 2048, 27, 16, 1,
                              10944, 163840, 10000.0, 1e-6, False, False),
}


@dataclass(frozen=True)
class Deepseek2Dims:
    """The MLA and MoE sizes of a deepseek2 shape (DeepSeek-V2-Lite's config.json)."""
    kv_lora: int = 512
    qk_nope: int = 128
    qk_rope: int = 64
    v_dim: int = 128
    n_expert: int = 64
    n_used: int = 6
    n_shared: int = 2
    n_ff_exp: int = 1408
    n_dense: int = 1  # first_k_dense_replace
    yarn_factor: float = 40.0
    yarn_orig_ctx: int = 4096
    mscale_all_dim: float = 0.707


DEEPSEEK2 = Deepseek2Dims()


@dataclass(frozen=True)
class GptOssDims:
    """gpt-oss-20b's MoE and attention sizes (config.json); experts in MXFP4 as published."""
    head_dim: int = 64
    n_expert: int = 32
    n_used: int = 4
    n_ff_exp: int = 2880
    sliding_window: int = 128
    yarn_factor: float = 32.0
    yarn_orig_ctx: int = 4096


GPT_OSS = GptOssDims()


@dataclass(frozen=True)
class Glm45Dims:
    """GLM-4.5-Air's MoE and attention sizes (config.json)."""
    head_dim: int = 128
    rope_dim: int = 64  # partial_rotary_factor 0.5
    n_expert: int = 128
    n_used: int = 8
    n_shared: int = 1
    n_ff_exp: int = 1408
    n_dense: int = 1  # first_k_dense_replace


GLM45_AIR = Glm45Dims()


@dataclass(frozen=True)
class Qwen35Dims:
    """Qwen3.5-0.8B's attention and Gated DeltaNet sizes (head_dim 256, a quarter rotated; the
    DeltaNet heads as in the Qwen3.5 small models' config.json: 16 key and 16 value heads of
    128, a convolution of width 4, full attention every 4th layer)."""
    head_dim: int = 256
    rope_dim: int = 64
    rope_sections: tuple[int, ...] = (11, 11, 10, 0)
    d_state: int = 128
    n_k_heads: int = 16
    n_v_heads: int = 16
    conv: int = 4
    interval: int = 4


QWEN35 = Qwen35Dims()

# llama.cpp's llama_ftype for a file whose matrices are all of one type.
FILE_TYPES = {T.Q4_0: 2, T.Q8_0: 7, T.Q4_K: 14}  # Q4_K: MOSTLY_Q4_K_S, the nearest name
TYPES = {"Q4_0": T.Q4_0, "Q8_0": T.Q8_0, "Q4_K": T.Q4_K}
# llama-quantize's type for a matrix whose row length is not a multiple of the k-quant block.
FALLBACK = {T.Q4_K: T.Q5_0}


def llama3_rope_freqs(head_dim: int, theta: float) -> np.ndarray:
    """Llama 3.1+ rope scaling factors as convert_hf_to_gguf.py writes rope_freqs.weight."""
    factor, low_freq_factor, high_freq_factor, old_ctx = 32.0, 1.0, 4.0, 8192
    freqs = 1.0 / (theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim))
    low_wavelen, high_wavelen = old_ctx / low_freq_factor, old_ctx / high_freq_factor
    out = []
    for f in freqs:
        wavelen = 2 * np.pi / f
        if wavelen < high_wavelen:
            out.append(1.0)
        elif wavelen > low_wavelen:
            out.append(factor)
        else:
            smooth = (old_ctx / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


class BlockPool:
    """Valid quantized blocks of one type, drawn at random to fill tensors of any size."""

    POOL_BLOCKS = 1 << 16

    def __init__(self, qtype: T, rng: np.random.Generator):
        self.qtype = qtype
        self.block_size, self.type_size = gguf.GGML_QUANT_SIZES[qtype]
        if qtype == T.Q4_K:
            self.pool = self._random_q4_k(rng)
        else:
            x = rng.standard_normal((self.POOL_BLOCKS, self.block_size), dtype=np.float32) * 0.02
            self.pool = quants.quantize(x, qtype).reshape(self.POOL_BLOCKS, self.type_size)
        self.rng = rng

    def _random_q4_k(self, rng: np.random.Generator) -> np.ndarray:
        # block_q4_K: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of 4-bit quants.
        n = self.POOL_BLOCKS
        blocks = rng.integers(0, 256, size=(n, self.type_size), dtype=np.uint8)
        # Normal (not subnormal) fp16 scales of the size real files have: |w| <= d * 63 * 15.
        d = (rng.uniform(0.7, 1.3, n) * 1e-4).astype(np.float16)
        dmin = (rng.uniform(0.7, 1.3, n) * 1e-4).astype(np.float16)
        blocks[:, 0:2] = d.view(np.uint8).reshape(n, 2)
        blocks[:, 2:4] = dmin.view(np.uint8).reshape(n, 2)
        return blocks

    def tensor(self, rows: int, cols: int) -> np.ndarray:
        """[rows, cols] weights as bytes: rows x (cols / block_size * type_size) uint8."""
        assert cols % self.block_size == 0, (rows, cols, self.qtype)
        per_row = cols // self.block_size
        idx = self.rng.integers(0, self.POOL_BLOCKS, size=rows * per_row)
        return self.pool[idx].reshape(rows, per_row * self.type_size)


def tokenizer_fields(src: Path, n_vocab: int) -> list[tuple[str, object, V, V | None]]:
    """The tokenizer.* metadata of src, truncated to n_vocab tokens."""
    reader = gguf.GGUFReader(src)
    out = []
    tokens = reader.fields["tokenizer.ggml.tokens"].contents()
    if len(tokens) < n_vocab:
        sys.exit(f"{src}: has {len(tokens)} tokens, fewer than the {n_vocab} needed")
    keep = set(tokens[:n_vocab])
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        value = field.contents()
        vtype = field.types[0]
        sub = field.types[1] if vtype == V.ARRAY else None
        if key in ("tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.scores"):
            value = value[:n_vocab]
        elif key == "tokenizer.ggml.merges" and len(tokens) > n_vocab:
            value = [m for m in value if all(p in keep for p in m.split(" ", 1))
                     and m.replace(" ", "", 1) in keep]
        elif key.endswith("_token_id") and int(value) >= n_vocab:
            value = 0  # the source's special tokens sit past the cut: any valid id will do
        out.append((key, value, vtype, sub))
    return out


def deepseek2_tensor_list(s: Shape, d: Deepseek2Dims) -> list[tuple[str, tuple[int, ...], bool]]:
    """deepseek2 as current llama.cpp converters write it (no q_lora: V2-Lite; the key/value
    up-projections split per head into attn_k_b / attn_v_b); the router stays F32."""
    qk = d.qk_nope + d.qk_rope
    shexp = d.n_ff_exp * d.n_shared
    out: list[tuple[str, tuple[int, ...], bool]] = [("token_embd.weight", (s.n_embd, s.n_vocab), True)]
    for i in range(s.n_layer):
        b = f"blk.{i}."
        out += [(b + "attn_norm.weight", (s.n_embd,), False),
                (b + "attn_q.weight", (s.n_embd, s.n_head * qk), True),
                (b + "attn_kv_a_mqa.weight", (s.n_embd, d.kv_lora + d.qk_rope), True),
                (b + "attn_kv_a_norm.weight", (d.kv_lora,), False),
                (b + "attn_k_b.weight", (d.qk_nope, d.kv_lora, s.n_head), True),
                (b + "attn_v_b.weight", (d.kv_lora, d.v_dim, s.n_head), True),
                (b + "attn_output.weight", (s.n_head * d.v_dim, s.n_embd), True),
                (b + "ffn_norm.weight", (s.n_embd,), False)]
        if i < d.n_dense:
            out += [(b + "ffn_gate.weight", (s.n_embd, s.n_ff), True),
                    (b + "ffn_up.weight", (s.n_embd, s.n_ff), True),
                    (b + "ffn_down.weight", (s.n_ff, s.n_embd), True)]
            continue
        out += [(b + "ffn_gate_inp.weight", (s.n_embd, d.n_expert), False),
                (b + "ffn_gate_exps.weight", (s.n_embd, d.n_ff_exp, d.n_expert), True),
                (b + "ffn_up_exps.weight", (s.n_embd, d.n_ff_exp, d.n_expert), True),
                (b + "ffn_down_exps.weight", (d.n_ff_exp, s.n_embd, d.n_expert), True),
                (b + "ffn_gate_shexp.weight", (s.n_embd, shexp), True),
                (b + "ffn_up_shexp.weight", (s.n_embd, shexp), True),
                (b + "ffn_down_shexp.weight", (shexp, s.n_embd), True)]
    out += [("output_norm.weight", (s.n_embd,), False),
            ("output.weight", (s.n_embd, s.n_vocab), True)]
    return out


def biased_attention(b: str, s: Shape, head_dim: int) -> list[tuple[str, tuple[int, ...], object]]:
    """One layer's input norm and attention with q/k/v biases (gpt-oss, GLM-4.5)."""
    q_dim, kv_dim = s.n_head * head_dim, s.n_head_kv * head_dim
    return [(b + "attn_norm.weight", (s.n_embd,), False),
            (b + "attn_q.weight", (s.n_embd, q_dim), True), (b + "attn_q.bias", (q_dim,), False),
            (b + "attn_k.weight", (s.n_embd, kv_dim), True), (b + "attn_k.bias", (kv_dim,), False),
            (b + "attn_v.weight", (s.n_embd, kv_dim), True), (b + "attn_v.bias", (kv_dim,), False),
            (b + "attn_output.weight", (q_dim, s.n_embd), True)]


def gpt_oss_tensor_list(s: Shape, d: GptOssDims) -> list[tuple[str, tuple[int, ...], object]]:
    """gpt-oss as llama.cpp's converter writes it: biases everywhere, a sink per head, experts
    MXFP4 (the other matrices in the file's type), router and biases F32."""
    mx = T.MXFP4
    out: list[tuple[str, tuple[int, ...], object]] = [("token_embd.weight", (s.n_embd, s.n_vocab), True)]
    for i in range(s.n_layer):
        b = f"blk.{i}."
        out += biased_attention(b, s, d.head_dim)
        out += [(b + "attn_output.bias", (s.n_embd,), False),
                (b + "attn_sinks.weight", (s.n_head,), False),
                (b + "post_attention_norm.weight", (s.n_embd,), False),
                (b + "ffn_gate_inp.weight", (s.n_embd, d.n_expert), False),
                (b + "ffn_gate_inp.bias", (d.n_expert,), False),
                (b + "ffn_gate_exps.weight", (s.n_embd, d.n_ff_exp, d.n_expert), mx),
                (b + "ffn_gate_exps.bias", (d.n_ff_exp, d.n_expert), False),
                (b + "ffn_up_exps.weight", (s.n_embd, d.n_ff_exp, d.n_expert), mx),
                (b + "ffn_up_exps.bias", (d.n_ff_exp, d.n_expert), False),
                (b + "ffn_down_exps.weight", (d.n_ff_exp, s.n_embd, d.n_expert), mx),
                (b + "ffn_down_exps.bias", (s.n_embd, d.n_expert), False)]
    out += [("output_norm.weight", (s.n_embd,), False),
            ("output.weight", (s.n_embd, s.n_vocab), True)]
    return out


def glm4moe_tensor_list(s: Shape, d: Glm45Dims) -> list[tuple[str, tuple[int, ...], object]]:
    """glm4moe as llama.cpp's converter writes it (no MTP block: generation never runs it)."""
    shexp = d.n_ff_exp * d.n_shared
    out: list[tuple[str, tuple[int, ...], object]] = [("token_embd.weight", (s.n_embd, s.n_vocab), True)]
    for i in range(s.n_layer):
        b = f"blk.{i}."
        out += biased_attention(b, s, d.head_dim)
        out += [(b + "post_attention_norm.weight", (s.n_embd,), False)]
        if i < d.n_dense:
            out += [(b + "ffn_gate.weight", (s.n_embd, s.n_ff), True),
                    (b + "ffn_up.weight", (s.n_embd, s.n_ff), True),
                    (b + "ffn_down.weight", (s.n_ff, s.n_embd), True)]
            continue
        out += [(b + "ffn_gate_inp.weight", (s.n_embd, d.n_expert), False),
                (b + "exp_probs_b.bias", (d.n_expert,), False),
                (b + "ffn_gate_exps.weight", (s.n_embd, d.n_ff_exp, d.n_expert), True),
                (b + "ffn_up_exps.weight", (s.n_embd, d.n_ff_exp, d.n_expert), True),
                (b + "ffn_down_exps.weight", (d.n_ff_exp, s.n_embd, d.n_expert), True),
                (b + "ffn_gate_shexp.weight", (s.n_embd, shexp), True),
                (b + "ffn_up_shexp.weight", (s.n_embd, shexp), True),
                (b + "ffn_down_shexp.weight", (shexp, s.n_embd), True)]
    out += [("output_norm.weight", (s.n_embd,), False),
            ("output.weight", (s.n_embd, s.n_vocab), True)]
    return out


def qwen35_tensor_list(s: Shape, d: Qwen35Dims) -> list[tuple[str, tuple[int, ...], object]]:
    """qwen35 as llama.cpp's converter writes it (tied embeddings, no MTP block); the DeltaNet's
    convolution and small vectors F32."""
    key_dim, value_dim = d.n_k_heads * d.d_state, d.n_v_heads * d.d_state
    conv_dim = 2 * key_dim + value_dim
    q_dim, kv_dim = s.n_head * d.head_dim, s.n_head_kv * d.head_dim
    out: list[tuple[str, tuple[int, ...], object]] = [("token_embd.weight", (s.n_embd, s.n_vocab), True)]
    for i in range(s.n_layer):
        b = f"blk.{i}."
        out += [(b + "attn_norm.weight", (s.n_embd,), False)]
        if (i + 1) % d.interval != 0:
            out += [(b + "attn_qkv.weight", (s.n_embd, conv_dim), True),
                    (b + "attn_gate.weight", (s.n_embd, value_dim), True),
                    (b + "ssm_conv1d.weight", (d.conv, conv_dim), False),
                    (b + "ssm_dt.bias", (d.n_v_heads,), False),
                    (b + "ssm_a", (d.n_v_heads,), False),
                    (b + "ssm_beta.weight", (s.n_embd, d.n_v_heads), True),
                    (b + "ssm_alpha.weight", (s.n_embd, d.n_v_heads), True),
                    (b + "ssm_norm.weight", (d.d_state,), False),
                    (b + "ssm_out.weight", (value_dim, s.n_embd), True)]
        else:
            out += [(b + "attn_q.weight", (s.n_embd, 2 * q_dim), True),
                    (b + "attn_q_norm.weight", (d.head_dim,), False),
                    (b + "attn_k.weight", (s.n_embd, kv_dim), True),
                    (b + "attn_k_norm.weight", (d.head_dim,), False),
                    (b + "attn_v.weight", (s.n_embd, kv_dim), True),
                    (b + "attn_output.weight", (q_dim, s.n_embd), True)]
        out += [(b + "post_attention_norm.weight", (s.n_embd,), False),
                (b + "ffn_gate.weight", (s.n_embd, s.n_ff), True),
                (b + "ffn_up.weight", (s.n_embd, s.n_ff), True),
                (b + "ffn_down.weight", (s.n_ff, s.n_embd), True)]
    out.append(("output_norm.weight", (s.n_embd,), False))
    return out


def add_qwen35_metadata(w: gguf.GGUFWriter, s: Shape, d: Qwen35Dims) -> None:
    w.add_key_length(d.head_dim)
    w.add_value_length(d.head_dim)
    w.add_rope_dimension_count(d.rope_dim)
    w.add_rope_dimension_sections(list(d.rope_sections))
    w.add_ssm_conv_kernel(d.conv)
    w.add_ssm_inner_size(d.n_v_heads * d.d_state)
    w.add_ssm_state_size(d.d_state)
    w.add_ssm_time_step_rank(d.n_v_heads)
    w.add_ssm_group_count(d.n_k_heads)
    w.add_full_attention_interval(d.interval)


def add_glm4moe_metadata(w: gguf.GGUFWriter, s: Shape, d: Glm45Dims) -> None:
    w.add_key_length(d.head_dim)
    w.add_value_length(d.head_dim)
    w.add_rope_dimension_count(d.rope_dim)
    w.add_leading_dense_block_count(d.n_dense)
    w.add_expert_feed_forward_length(d.n_ff_exp)
    w.add_expert_count(d.n_expert)
    w.add_expert_used_count(d.n_used)
    w.add_expert_shared_count(d.n_shared)
    w.add_expert_weights_scale(1.0)
    w.add_expert_weights_norm(True)
    w.add_expert_gating_func(gguf.ExpertGatingFuncType.SIGMOID)
    w.add_nextn_predict_layers(0)


def add_gpt_oss_metadata(w: gguf.GGUFWriter, s: Shape, d: GptOssDims) -> None:
    w.add_key_length(d.head_dim)
    w.add_value_length(d.head_dim)
    w.add_expert_feed_forward_length(d.n_ff_exp)
    w.add_expert_count(d.n_expert)
    w.add_expert_used_count(d.n_used)
    w.add_sliding_window(d.sliding_window)
    w.add_rope_scaling_type(gguf.RopeScalingType.YARN)
    w.add_rope_scaling_factor(d.yarn_factor)
    w.add_rope_scaling_orig_ctx_len(d.yarn_orig_ctx)


def add_deepseek2_metadata(w: gguf.GGUFWriter, s: Shape, d: Deepseek2Dims) -> None:
    w.add_vocab_size(s.n_vocab)
    w.add_rope_dimension_count(d.qk_rope)
    w.add_q_lora_rank(0)
    w.add_kv_lora_rank(d.kv_lora)
    w.add_key_length(d.kv_lora + d.qk_rope)
    w.add_value_length(d.kv_lora)
    w.add_key_length_mla(d.qk_nope + d.qk_rope)
    w.add_value_length_mla(d.v_dim)
    w.add_leading_dense_block_count(d.n_dense)
    w.add_expert_feed_forward_length(d.n_ff_exp)
    w.add_expert_count(d.n_expert)
    w.add_expert_used_count(d.n_used)
    w.add_expert_shared_count(d.n_shared)
    w.add_expert_weights_scale(1.0)
    w.add_expert_gating_func(gguf.ExpertGatingFuncType.SOFTMAX)
    w.add_rope_scaling_type(gguf.RopeScalingType.YARN)
    w.add_rope_scaling_factor(d.yarn_factor)
    w.add_rope_scaling_orig_ctx_len(d.yarn_orig_ctx)
    w.add_rope_scaling_yarn_log_mul(0.1 * d.mscale_all_dim)


def tensor_list(s: Shape) -> list[tuple[str, tuple[int, ...], object]]:
    """(name, ggml dims (innermost first), storage) in the order llama.cpp files use; storage is
    False (F32), True (the file's type) or a GGML type of its own (gpt-oss's MXFP4 experts)."""
    if s.arch == "deepseek2":
        return deepseek2_tensor_list(s, DEEPSEEK2)
    if s.arch == "gpt-oss":
        return gpt_oss_tensor_list(s, GPT_OSS)
    if s.arch == "glm4moe":
        return glm4moe_tensor_list(s, GLM45_AIR)
    if s.arch == "qwen35":
        return qwen35_tensor_list(s, QWEN35)
    q_dim, kv_dim = s.n_head * s.head_dim, s.n_head_kv * s.head_dim
    out: list[tuple[str, tuple[int, ...], bool]] = [("token_embd.weight", (s.n_embd, s.n_vocab), True)]
    if s.llama3_rope:
        out.append(("rope_freqs.weight", (s.head_dim // 2,), False))
    for i in range(s.n_layer):
        b = f"blk.{i}."
        out += [(b + "attn_norm.weight", (s.n_embd,), False),
                (b + "attn_q.weight", (s.n_embd, q_dim), True),
                (b + "attn_k.weight", (s.n_embd, kv_dim), True),
                (b + "attn_v.weight", (s.n_embd, kv_dim), True)]
        if s.qkv_bias:
            out += [(b + "attn_q.bias", (q_dim,), False), (b + "attn_k.bias", (kv_dim,), False),
                    (b + "attn_v.bias", (kv_dim,), False)]
        out += [(b + "attn_output.weight", (q_dim, s.n_embd), True),
                (b + "ffn_norm.weight", (s.n_embd,), False),
                (b + "ffn_gate.weight", (s.n_embd, s.n_ff), True),
                (b + "ffn_up.weight", (s.n_embd, s.n_ff), True),
                (b + "ffn_down.weight", (s.n_ff, s.n_embd), True)]
    out.append(("output_norm.weight", (s.n_embd,), False))
    return out


def f32_tensor(name: str, dims: tuple[int, ...], s: Shape, rng: np.random.Generator) -> np.ndarray:
    if name == "rope_freqs.weight":
        return llama3_rope_freqs(s.head_dim, s.rope_theta)
    if name.endswith("ssm_a"):  # -exp(A_log): every head decays
        return (-np.exp(0.5 * rng.standard_normal(dims[0]))).astype(np.float32)
    if name.endswith("norm.weight"):
        return (1.0 + 0.05 * rng.standard_normal(dims[0])).astype(np.float32)
    if len(dims) == 2:  # an F32 matrix (a MoE router)
        return (0.02 * rng.standard_normal(tuple(reversed(dims)))).astype(np.float32)
    return (0.02 * rng.standard_normal(dims[0])).astype(np.float32)  # biases


def write_model(s: Shape, qtype: T, tok_src: Path, path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pools: dict[T, BlockPool] = {}

    def pool_for(cols: int, storage: object = True) -> BlockPool:
        t = qtype if storage is True else storage
        if cols % gguf.GGML_QUANT_SIZES[t][0] != 0:
            t = FALLBACK[t]
        if t not in pools:
            pools[t] = BlockPool(t, rng)
        return pools[t]

    w = gguf.GGUFWriter(str(path), s.arch, use_temp_file=False)
    w.add_name(s.name)
    w.add_type("model")
    w.add_file_type(FILE_TYPES[qtype])
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_context_length(s.n_ctx)
    w.add_embedding_length(s.n_embd)
    w.add_block_count(s.n_layer)
    w.add_feed_forward_length(s.n_ff)
    w.add_head_count(s.n_head)
    w.add_head_count_kv(s.n_head_kv)
    w.add_rope_freq_base(s.rope_theta)
    w.add_layer_norm_rms_eps(s.rms_eps)
    if s.arch == "llama":
        w.add_rope_dimension_count(s.head_dim)
        w.add_key_length(s.head_dim)
        w.add_value_length(s.head_dim)
        w.add_vocab_size(s.n_vocab)
    if s.arch == "deepseek2":
        add_deepseek2_metadata(w, s, DEEPSEEK2)
    if s.arch == "gpt-oss":
        add_gpt_oss_metadata(w, s, GPT_OSS)
    if s.arch == "glm4moe":
        add_glm4moe_metadata(w, s, GLM45_AIR)
    if s.arch == "qwen35":
        add_qwen35_metadata(w, s, QWEN35)
    for key, value, vtype, sub in tokenizer_fields(tok_src, s.n_vocab):
        w.add_key_value(key, value, vtype, sub_type=sub)
    tensors = tensor_list(s)
    for name, dims, quantized in tensors:
        if quantized is not False:
            cols, rows = dims[0], int(np.prod(dims[1:]))
            pool = pool_for(cols, quantized)
            nbytes = rows * cols // pool.block_size * pool.type_size
            # Outer dims first (numpy order); the last is in bytes for a quantized type.
            byte_shape = (*reversed(dims[1:]), nbytes // rows)
            w.add_tensor_info(name, byte_shape, np.dtype(np.uint8), nbytes, raw_dtype=pool.qtype)
        else:
            w.add_tensor_info(name, tuple(reversed(dims)), np.dtype(np.float32), 4 * int(np.prod(dims)))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    for name, dims, quantized in tensors:
        if quantized is not False:
            rows = int(np.prod(dims[1:]))
            w.write_tensor_data(pool_for(dims[0], quantized).tensor(rows, dims[0]))
        else:
            w.write_tensor_data(f32_tensor(name, dims, s, rng))
    w.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, default=ROOT / "models" / "bench")
    ap.add_argument("--shape", choices=[*SHAPES, "all"], default="all")
    ap.add_argument("--type", choices=[*TYPES, "all"], default="all")
    ap.add_argument("--tokenizer-from", type=Path,
                    default=ROOT / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                    help="GGUF whose tokenizer.* metadata is copied (at least 151936 tokens)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="rewrite files that exist")
    args = ap.parse_args()
    if not args.tokenizer_from.is_file():
        sys.exit(f"make_bench_model: {args.tokenizer_from} is missing (scripts/fetch-models.sh)")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    # "all": the dense shapes bench/run.sh compares; the MoE ones (9-12 GB) only when named.
    shapes = ([v for v in SHAPES.values() if v.arch not in ("deepseek2", "gpt-oss", "glm4moe", "qwen35")]
              if args.shape == "all"
              else [SHAPES[args.shape]])
    types = TYPES.items() if args.type == "all" else [(args.type, TYPES[args.type])]
    for s in shapes:
        for tname, qtype in types:
            path = args.out_dir / f"{s.key}-{tname}.gguf"
            if path.exists() and not args.force:
                print(path)
                continue
            tmp = path.with_suffix(".gguf.tmp")
            write_model(s, qtype, args.tokenizer_from, tmp, args.seed)
            tmp.rename(path)
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
