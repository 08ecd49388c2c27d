#!/usr/bin/env python3
"""Writes tiny Hugging Face checkpoints and transformers' logits for them, the oracle of
`minke convert` (tests/golden/convert_test.cpp).

Each checkpoint in tests/golden/data/hf/<name>/ is what `save_pretrained` writes for a randomly
initialised transformers model (seeded), with a byte-level BPE tokenizer.json over the same
272-token vocabulary as the tiny GGUF fixtures (make_tiny_models.py) and the pre-tokenizer regex
of the family (Llama 3's or Qwen2's), a tokenizer_config.json with a chat template, and:
- llama: Llama 3 shape (GQA, rope_scaling llama3, untied), the checkpoint in BF16;
- qwen2: QKV biases, tied embeddings, F32;
- qwen3: head_dim 32 != hidden/heads, q/k norms, BF16;
- qwen3moe: 8 experts, top 2, normalised, BF16;
- deepseek-v2-lite: no q_lora, softmax top-2 of 8, 1 dense layer + 2 shared experts, YaRN, BF16;
- deepseek-v3-fp8: q_lora, sigmoid routing with correction bias, 4 groups (2 used), scale 2.5,
  YaRN, and its linear weights stored as float8_e4m3fn with 128x128 weight_scale_inv blocks
  (rows of 192 make a partial edge block), config vocab_size 280 > 272 tokens (padding);
- glm4moe: GLM-4.5's shape (q/k/v biases, q/k norms, half-rotary NeoX RoPE, 1 dense layer, then
  sigmoid routing with a correction bias, 1 shared expert, scale 2.5) and an appended
  multi-token-prediction layer as the published checkpoints carry, Llama 3's split (glm4), BF16;
- gpt-oss: sinks, biases everywhere, sliding window 8 on even layers, YaRN (truncate false, as
  released; correction dims 1.62 and 7.65, so truncating them would show), fused interleaved gate_up experts with gates past the clamp at 7, o200k's split, BF16;
- gpt-oss-mxfp4: the same with its expert weights as OpenAI's MXFP4 *_blocks / *_scales;
- qwen3next: 3 Gated DeltaNet layers (4 value heads over 2 key heads, fused qkvz and ba) + 1 gated
  full-attention layer, all MoE with a gated shared expert, zero-centred norms, BF16;
- qwen35 / qwen35moe: Qwen3.5's separate in_proj_qkv/z/b/a (value heads grouped by key head, which
  the converter tiles), dense SwiGLU or MoE, Qwen3.5's split, BF16;
- gemma4: sliding (head 16, 2 KV heads) and global layers (head 32, 1 KV head, K = V,
  proportional RoPE over a quarter), the last 2 layers reading earlier layers' KV with a
  double-wide MLP, per-layer inputs, the dense MLP beside 4 routed experts, soft-capped logits,
  and Gemma 4's space-escaped BPE with byte fallback (its own small vocabulary), BF16.
transformers computes the logits in float32 from the checkpoint as saved and loaded again (the
FP8 and MXFP4 models from their dequantized weights); they go to logits.json with the prompt ids,
and tokenizer.json's encodings of a few strings.

Run: python3 -m venv .venv-hf && .venv-hf/bin/pip install torch transformers safetensors \\
     tokenizers gguf numpy; .venv-hf/bin/python scripts/make_tiny_hf.py"""
import json
import math
import pathlib
import shutil
import sys
import tempfile
from importlib import metadata

import torch
import transformers
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_tiny_models as tiny  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "data" / "hf"

LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
               r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN35_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}|"
                r" ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
O200K_SPLIT = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
               r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+"
               r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}|"
               r" ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")
CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
                 "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
PROMPT_IDS = [271, 269, 117, 115, 101, 114, 10, 72, 101, 108, 108, 111, 258, 32, 99, 265, 263,
              265, 32, 262, 258, 32, 109, 265, 46, 270, 10, 269, 97, 115, 115, 105, 115, 116]
# A broad corpus for the tokenizers: llama.cpp's tokenizer test strings (multilingual text,
# emoji, whitespace and newline runs, digit runs; tests/golden/data/vocab/*.inp) and some more
# code, combining marks, camel case, contractions, paths and CRLF, where the families'
# pre-tokenizer regexes differ.
CORPUS_EXTRA = [
    "def f(x):\n    return x**2  # square\r\n", "e\u0301te\u0301 na\u0308i\u0308ve \u0915\u094d\u0937",
    "HTTPServerError getHTTPResponse iPhone McDONALD's", "I'M don't WE'LL they've",
    "/usr/local/bin/minke --threads=2\n\n\n", "1234567 12.50 3,141,592 \u0663\u0664\u0665",
    "\u4f60\u597d\uff0c\u4e16\u754c\uff01 \uc548\ub155\ud558\uc138\uc694 \u3053\u3093\u306b\u3061\u306f",
    "\t\t  \n \u00a0x\u3000y", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e0a\u0e32\u0e27\u0e42\u0e25\u0e01", "<<<>>> ...!!! ---=== \U0001F44D\U0001F3FD\u200d"]


def corpus():
    texts = []
    for inp in sorted((ROOT / "tests" / "golden" / "data" / "vocab").glob("*.inp")):
        for t in inp.read_text(encoding="utf-8").split("\n__ggml_vocab_test__\n"):
            if t and t not in texts:
                texts.append(t)
    return texts + CORPUS_EXTRA


TEXTS = ["Hello, the world!", "  the  other\n\nthe 12345 fish's", "<|im_start|>user\nHi<|im_end|>"]


def write_tokenizer(d, split, add_bos):
    vocab = {t: i for i, t in enumerate(tiny.TOKENS) if t not in tiny.SPECIALS}
    added = [{"id": tiny.TOKENS.index(s), "content": s, "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": True} for s in tiny.SPECIALS]
    post = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}
    if add_bos:
        post = {"type": "Sequence", "processors": [
            post,
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                        {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                      {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": "<s>", "type_id": 1}},
                      {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {"<s>": {"id": "<s>", "ids": [tiny.TOK_BOS], "tokens": ["<s>"]}}}]}
    tok = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": split}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
             "use_regex": False}]},
        "post_processor": post,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": split == LLAMA3_SPLIT,
                  "vocab": vocab, "merges": [list(m) for m in tiny.MERGES]},
    }
    (d / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False, indent=1))
    cfg = {"add_bos_token": add_bos, "add_eos_token": False,
           "bos_token": "<s>" if add_bos else None, "eos_token": "<|im_end|>",
           "pad_token": "<|endoftext|>", "chat_template": CHAT_TEMPLATE,
           "model_max_length": 256, "tokenizer_class": "PreTrainedTokenizerFast"}
    (d / "tokenizer_config.json").write_text(json.dumps(cfg, indent=1))


GEMMA4_SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<|turn>", "<turn|>", "<|channel>",
                   "<channel|>"]
GEMMA4_TEXTS = ["Hello, the world!", "  the  other\n\nthe 12345 fish's",
                "<|turn>user\nHi \u00fcn\u00efc\u00f6d\u00e9 \U0001F600<turn|>\n"]
GEMMA4_PROMPT = ("<|turn>user\nHello, the world! Where are the other fish?<turn|>\n"
                 "<|turn>model\n")


def gemma4_vocab():
    """Gemma 4's kind of vocabulary, small: the specials, the 256 <0xXX> byte tokens, U+2581 (the
    escaped space), newline and printable ASCII, then the tiny merges with spaces escaped."""
    tokens = GEMMA4_SPECIALS + [f"<0x{b:02X}>" for b in range(256)]
    tokens += ["\u2581", "\n"] + [chr(c) for c in range(0x21, 0x7F)]
    u2b = {u: b for b, u in tiny.bytes_to_unicode().items()}
    merges = []
    for a, b in tiny.MERGES:
        a, b = (bytes(u2b[ch] for ch in x).decode().replace(" ", "\u2581") for x in (a, b))
        merges.append([a, b])
        if a + b not in tokens:
            tokens.append(a + b)
    return tokens, merges


def write_gemma4_tokenizer(d):
    """tokenizer.json / tokenizer_config.json in Gemma 4's form: a BPE with byte fallback over
    U+2581-escaped spaces, split only at newline runs, BOS always."""
    tokens, merges = gemma4_vocab()
    n_special = len(GEMMA4_SPECIALS)
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}
                         for i, t in enumerate(GEMMA4_SPECIALS)],
        "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
        "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\n+"}, "behavior": "Isolated",
                          "invert": False},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<bos>": {"id": "<bos>", "ids": [2], "tokens": ["<bos>"]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>",
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens)}, "merges": merges},
    }
    assert all(tokens.index(t) < n_special for t in GEMMA4_SPECIALS)
    (d / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False, indent=1))
    cfg = {"bos_token": "<bos>", "eos_token": "<eos>", "unk_token": "<unk>", "pad_token": "<pad>",
           "mask_token": "<mask>", "extra_special_tokens": ["<|turn>", "<turn|>"],
           "chat_template": CHAT_TEMPLATE, "model_max_length": 256,
           "tokenizer_class": "GemmaTokenizer"}
    (d / "tokenizer_config.json").write_text(json.dumps(cfg, indent=1))
    return len(tokens)


def fp8_quantize(path):
    """Rewrites the 2-D linear weights of a saved checkpoint as float8_e4m3fn with 128x128
    weight_scale_inv blocks (DeepSeek-V3's format); returns the dequantized state dict."""
    state = load_file(str(path))
    out, deq = {}, {}
    for name, w in state.items():
        linear = w.dim() == 2 and name.endswith(("proj.weight", "proj_with_mqa.weight"))
        if not linear:
            out[name] = w
            deq[name] = w.float()
            continue
        w = w.float()
        rows, cols = w.shape
        br, bc = math.ceil(rows / 128), math.ceil(cols / 128)
        scale = torch.empty(br, bc)
        q = torch.empty(rows, cols, dtype=torch.float8_e4m3fn)
        for i in range(br):
            for j in range(bc):
                blk = w[i * 128:(i + 1) * 128, j * 128:(j + 1) * 128]
                s = blk.abs().max().clamp(min=1e-12) / 448.0
                scale[i, j] = s
                q[i * 128:(i + 1) * 128, j * 128:(j + 1) * 128] = (blk / s).to(torch.float8_e4m3fn)
        out[name] = q
        out[name + "_scale_inv"] = scale
        full = scale.repeat_interleave(128, 0)[:rows].repeat_interleave(128, 1)[:, :cols]
        deq[name] = q.float() * full
    save_file(out, str(path), metadata={"format": "pt"})
    return deq


FP4_VALUES = torch.tensor([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0])


def mxfp4_rows(w):
    """OpenAI's MXFP4 of the rows of `w` [..., n] (n a multiple of 32): (blocks [..., n/32, 16]
    uint8, element 2i in the low nibble and 2i+1 in the high; scales [..., n/32] uint8, the E8M0
    exponent + 127, the smallest that keeps the block within +-6) and the values they decode
    to."""
    b = w.float().reshape(*w.shape[:-1], w.shape[-1] // 32, 32)
    amax = b.abs().amax(-1, keepdim=True).clamp(min=2.0 ** -120)
    e = torch.ceil(torch.log2(amax / 6.0))
    x = (b / torch.exp2(e)).clamp(-6.0, 6.0)
    code = (x.abs().unsqueeze(-1) - FP4_VALUES).abs().argmin(-1)
    code = code | ((x < 0) & (code != 0)).long() << 3
    deq = (FP4_VALUES[code & 7] * torch.where(code >= 8, -1.0, 1.0) * torch.exp2(e))
    blocks = (code[..., 0::2] | code[..., 1::2] << 4).to(torch.uint8)
    return blocks, (e.squeeze(-1) + 127).to(torch.uint8), deq.reshape(w.shape)


def mxfp4_quantize(path):
    """Rewrites gpt-oss's expert weights as the MXFP4 `*_blocks` / `*_scales` pairs of OpenAI's
    release (rows are outputs there: gate_up [E, 2I, hidden/32, 16]); returns the dequantized
    state dict under transformers' names."""
    state = load_file(str(path))
    out, deq = {}, {}
    for name, w in state.items():
        if not name.endswith(("experts.gate_up_proj", "experts.down_proj")):
            out[name] = w
            deq[name] = w.float()
            continue
        blocks, scales, values = mxfp4_rows(w.float().transpose(1, 2).contiguous())
        out[name + "_blocks"], out[name + "_scales"] = blocks, scales
        deq[name] = values.transpose(1, 2).contiguous()
    save_file(out, str(path), metadata={"format": "pt"})
    return deq


def add_mtp_layer(path, n_layer):
    """Appends GLM-4.5's multi-token-prediction block (layer n_layer: a copy of the last layer plus
    eh_proj, enorm, hnorm and shared_head.norm), which transformers neither builds nor saves but
    the published checkpoints carry: the converter must leave it out."""
    state = load_file(str(path))
    last = f"model.layers.{n_layer - 1}."
    for name, w in list(state.items()):
        if name.startswith(last):
            state[f"model.layers.{n_layer}." + name[len(last):]] = w.clone()
    n_embd = state["model.norm.weight"].shape[0]
    mtp = f"model.layers.{n_layer}."
    state[mtp + "eh_proj.weight"] = torch.randn(n_embd, 2 * n_embd).to(torch.bfloat16)
    for norm in ("enorm", "hnorm", "shared_head.norm"):
        state[mtp + norm + ".weight"] = torch.ones(n_embd, dtype=torch.bfloat16)
    save_file(state, str(path), metadata={"format": "pt"})


def configs():
    common = dict(vocab_size=tiny.N_VOCAB, hidden_size=64, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, intermediate_size=128,
                  max_position_embeddings=256, rms_norm_eps=1e-5,
                  bos_token_id=tiny.TOK_BOS, eos_token_id=tiny.TOK_IM_END)
    ds = dict(common, num_key_value_heads=4, kv_lora_rank=64, qk_nope_head_dim=32,
              qk_rope_head_dim=16, v_head_dim=32, n_routed_experts=8, num_experts_per_tok=2,
              moe_intermediate_size=32, first_k_dense_replace=1, num_hidden_layers=3,
              rope_theta=10000.0, rms_norm_eps=1e-6)
    glm = dict(common, num_hidden_layers=3, head_dim=32, attention_bias=True, use_qk_norm=True,
               partial_rotary_factor=0.5, n_routed_experts=8, num_experts_per_tok=2,
               moe_intermediate_size=32, n_shared_experts=1, first_k_dense_replace=1, n_group=1,
               topk_group=1, routed_scaling_factor=2.5, norm_topk_prob=True,
               num_nextn_predict_layers=1, rope_theta=1000000.0, tie_word_embeddings=False)
    linear = dict(common, num_hidden_layers=4, head_dim=32, linear_num_value_heads=4,
                  linear_num_key_heads=2, linear_key_head_dim=16, linear_value_head_dim=16,
                  linear_conv_kernel_dim=4, tie_word_embeddings=False,
                  layer_types=["linear_attention"] * 3 + ["full_attention"])
    moe = dict(num_experts=8, num_experts_per_tok=2, moe_intermediate_size=32,
               shared_expert_intermediate_size=48, norm_topk_prob=True)
    gpt_oss = dict(common, num_hidden_layers=4, head_dim=32, intermediate_size=64,
                   num_local_experts=8, num_experts_per_tok=2, sliding_window=8,
                   max_position_embeddings=131072, tie_word_embeddings=False,
                   # YaRN untruncated as released, over a base and original context that put
                   # its correction dims far from whole pairs (1.62 and 7.65 of 16), where
                   # ggml's rounding of them would show within the prompt.
                   rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 32.0,
                                    "original_max_position_embeddings": 512, "beta_fast": 32.0,
                                    "beta_slow": 1.0, "truncate": False})
    gemma4 = dict(common, vocab_size=len(gemma4_vocab()[0]), num_hidden_layers=6, head_dim=16,
                  intermediate_size=96, sliding_window=8, rms_norm_eps=1e-6,
                  # The last layer with its own KV is global, as in the released models (where
                  # llama.cpp's rule for the KV-sharing layers holds).
                  layer_types=["sliding_attention", "full_attention"] * 3,
                  per_layer_config={str(i): {"head_dim": 32, "num_key_value_heads": 1}
                                    for i in (1, 3, 5)},
                  attention_k_eq_v=True, num_kv_shared_layers=2, hidden_size_per_layer_input=16,
                  enable_moe_block=True, num_experts=4, top_k_experts=2, moe_intermediate_size=32,
                  final_logit_softcapping=30.0, use_double_wide_mlp=True, bos_token_id=2,
                  eos_token_id=1, pad_token_id=0, tie_word_embeddings=True)
    gemma4["vocab_size_per_layer_input"] = gemma4["vocab_size"]
    return {
        "gemma4": ("Gemma4ForCausalLM", transformers.Gemma4TextConfig(**gemma4), torch.bfloat16,
                   None, True),
        "glm4moe": ("Glm4MoeForCausalLM", transformers.Glm4MoeConfig(**glm), torch.bfloat16,
                    LLAMA3_SPLIT, False),
        "qwen3next": ("Qwen3NextForCausalLM", transformers.Qwen3NextConfig(**linear, **moe),
                      torch.bfloat16, QWEN2_SPLIT, False),
        "qwen35": ("Qwen3_5ForCausalLM", transformers.Qwen3_5TextConfig(**linear),
                   torch.bfloat16, QWEN35_SPLIT, False),
        "qwen35moe": ("Qwen3_5MoeForCausalLM", transformers.Qwen3_5MoeTextConfig(**linear, **moe),
                      torch.bfloat16, QWEN35_SPLIT, False),
        "gpt-oss": ("GptOssForCausalLM", transformers.GptOssConfig(**gpt_oss), torch.bfloat16,
                    O200K_SPLIT, False),
        "gpt-oss-mxfp4": ("GptOssForCausalLM", transformers.GptOssConfig(**gpt_oss),
                          torch.bfloat16, O200K_SPLIT, False),
        "llama": ("LlamaForCausalLM", transformers.LlamaConfig(
            **common, rope_theta=500000.0, tie_word_embeddings=False,
            rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                          "high_freq_factor": 4.0, "original_max_position_embeddings": 64}),
                  torch.bfloat16, LLAMA3_SPLIT, True),
        "qwen2": ("Qwen2ForCausalLM", transformers.Qwen2Config(
            **common, rope_theta=1000000.0, tie_word_embeddings=True), torch.float32,
                  QWEN2_SPLIT, False),
        "qwen3": ("Qwen3ForCausalLM", transformers.Qwen3Config(
            **common, head_dim=32, rope_theta=1000000.0, tie_word_embeddings=False),
                  torch.bfloat16, QWEN2_SPLIT, False),
        "qwen3moe": ("Qwen3MoeForCausalLM", transformers.Qwen3MoeConfig(
            **common, head_dim=32, rope_theta=1000000.0, num_experts=8, num_experts_per_tok=2,
            moe_intermediate_size=32, norm_topk_prob=True, tie_word_embeddings=False),
                     torch.bfloat16, QWEN2_SPLIT, False),
        "deepseek-v2-lite": ("DeepseekV2ForCausalLM", transformers.DeepseekV2Config(
            **dict(ds, q_lora_rank=None, n_shared_experts=2, topk_method="greedy",
                   n_group=1, topk_group=1, routed_scaling_factor=1.0, norm_topk_prob=False,
                   rope_scaling={"type": "yarn", "factor": 4.0,
                                 "original_max_position_embeddings": 64, "beta_fast": 32,
                                 "beta_slow": 1, "mscale": 0.707, "mscale_all_dim": 0.707},
                   tie_word_embeddings=False)),
                             torch.bfloat16, LLAMA3_SPLIT, True),
        "deepseek-v3-fp8": ("DeepseekV3ForCausalLM", transformers.DeepseekV3Config(
            **dict(ds, vocab_size=280, q_lora_rank=48, n_shared_experts=1, n_group=4,
                   topk_group=2, routed_scaling_factor=2.5, norm_topk_prob=True,
                   rope_scaling={"type": "yarn", "factor": 8.0,
                                 "original_max_position_embeddings": 32, "beta_fast": 32,
                                 "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0},
                   tie_word_embeddings=False)),
                            torch.bfloat16, LLAMA3_SPLIT, True),
    }


def main():
    from tokenizers import Tokenizer
    OUT.mkdir(parents=True, exist_ok=True)
    names = sys.argv[1:] or list(configs())
    for name in names:
        arch, cfg, dtype, split, add_bos = configs()[name]
        d = OUT / name
        shutil.rmtree(d, ignore_errors=True)
        torch.manual_seed(sum(map(ord, name)))
        cfg.architectures = [arch]
        model = getattr(transformers, arch)(cfg).eval()
        with torch.no_grad():  # gates of DeepSeek's router start at zero: give them some spread
            for n, p in model.named_parameters():
                if "e_score_correction_bias" in n:
                    p.copy_(torch.randn_like(p) * 0.1)
                elif n.endswith("sinks"):
                    p.copy_(torch.randn_like(p))
                elif n.endswith("router.proj.weight"):  # expert logits far from ties
                    p.copy_(torch.randn_like(p) * 4.0)
                elif name == "gemma4" and n.endswith(("q_norm.weight", "k_norm.weight")):
                    # Gemma 4 attends with scale 1 over unit-RMS q and k: norms of ~1/2 keep the
                    # scores O(1), as trained weights do, so the softmax is not a hair trigger.
                    p.copy_(0.5 + torch.randn_like(p) * 0.05)
                elif n.endswith(("router.scale", "per_expert_scale", "layer_scalar")):
                    p.copy_(1.0 + torch.randn_like(p) * 0.1)
                elif n.endswith("experts.gate_up_proj") and name == "gpt-oss":
                    # Gates past the clamp at 7. Not in gpt-oss-mxfp4, whose 8-bit activations
                    # (the MXFP4 kernels') the large gates would amplify past any useful bound.
                    p.copy_(torch.randn_like(p) * (5.0 / math.sqrt(p.shape[-2])))
                elif "norm" in n:
                    p.copy_(1.0 + torch.randn_like(p) * 0.1)
                else:
                    p.copy_(torch.randn_like(p) * (0.5 / math.sqrt(p.shape[-1])))
            for n, b in model.named_buffers():
                if "e_score_correction_bias" in n:
                    b.copy_(torch.randn_like(b) * 0.1)
        model.to(dtype).save_pretrained(d, safe_serialization=True)
        if name == "gemma4":
            write_gemma4_tokenizer(d)
        else:
            write_tokenizer(d, split, add_bos)
        if name == "glm4moe":
            add_mtp_layer(d / "model.safetensors", cfg.num_hidden_layers)
        deq = None
        conf = json.loads((d / "config.json").read_text())
        if name.endswith("fp8"):
            deq = fp8_quantize(d / "model.safetensors")
            conf["quantization_config"] = {"quant_method": "fp8", "fmt": "e4m3",
                                           "activation_scheme": "dynamic",
                                           "weight_block_size": [128, 128]}
        if name.endswith("mxfp4"):
            deq = mxfp4_quantize(d / "model.safetensors")
            conf["quantization_config"] = {
                "quant_method": "mxfp4",
                "modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router",
                                           "model.embed_tokens", "lm_head"]}
        if deq is not None:
            (d / "config.json").write_text(json.dumps(conf, indent=2))
            # The oracle runs the dequantized weights, loaded the way transformers loads a
            # checkpoint (its in-memory names differ: experts are fused there).
            with tempfile.TemporaryDirectory() as tmp:
                model.config.save_pretrained(tmp)
                save_file({k: v.contiguous() for k, v in deq.items()},
                          str(pathlib.Path(tmp) / "model.safetensors"), metadata={"format": "pt"})
                model = getattr(transformers, arch).from_pretrained(tmp, dtype=torch.float32)
        else:
            # The checkpoint as transformers loads it: the in-memory model's rotary frequencies
            # were rounded to BF16 with its weights, a loaded one computes them in float32.
            model = getattr(transformers, arch).from_pretrained(d, dtype=torch.float32)
        model = model.float()
        tk = Tokenizer.from_file(str(d / "tokenizer.json"))
        ids = [i for i in PROMPT_IDS if add_bos or i != tiny.TOK_BOS]
        texts = TEXTS
        if name == "gemma4":
            ids, texts = tk.encode(GEMMA4_PROMPT).ids, GEMMA4_TEXTS
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0]
        fixture = {"oracle": f"transformers {transformers.__version__}, torch {torch.__version__}",
                   "made_by": "scripts/make_tiny_hf.py", "ids": ids,
                   "logits": [[round(float(v), 6) for v in row] for row in logits],
                   "encodings": {t: tk.encode(t).ids for t in texts + corpus()}}
        (d / "logits.json").write_text(json.dumps(fixture))
        size = sum(f.stat().st_size for f in d.iterdir())
        print(f"{d.relative_to(ROOT)}: {size} bytes")


if __name__ == "__main__":
    main()
