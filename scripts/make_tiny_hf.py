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
  (rows of 192 make a partial edge block), config vocab_size 280 > 272 tokens (padding).
transformers computes the logits in float32 from the weights as stored (the FP8 model from its
dequantized weights, scale multiplied per block as DeepSeek's own conversion does); they go to
logits.json with the prompt ids, and tokenizer.json's encodings of a few strings.

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
CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
                 "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
PROMPT_IDS = [271, 269, 117, 115, 101, 114, 10, 72, 101, 108, 108, 111, 258, 32, 99, 265, 263,
              265, 32, 262, 258, 32, 109, 265, 46, 270, 10, 269, 97, 115, 115, 105, 115, 116]
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
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": add_bos,
                  "vocab": vocab, "merges": [list(m) for m in tiny.MERGES]},
    }
    (d / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False, indent=1))
    cfg = {"add_bos_token": add_bos, "add_eos_token": False,
           "bos_token": "<s>" if add_bos else None, "eos_token": "<|im_end|>",
           "pad_token": "<|endoftext|>", "chat_template": CHAT_TEMPLATE,
           "model_max_length": 256, "tokenizer_class": "PreTrainedTokenizerFast"}
    (d / "tokenizer_config.json").write_text(json.dumps(cfg, indent=1))


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


def configs():
    common = dict(vocab_size=tiny.N_VOCAB, hidden_size=64, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, intermediate_size=128,
                  max_position_embeddings=256, rms_norm_eps=1e-5,
                  bos_token_id=tiny.TOK_BOS, eos_token_id=tiny.TOK_IM_END)
    ds = dict(common, num_key_value_heads=4, kv_lora_rank=64, qk_nope_head_dim=32,
              qk_rope_head_dim=16, v_head_dim=32, n_routed_experts=8, num_experts_per_tok=2,
              moe_intermediate_size=32, first_k_dense_replace=1, num_hidden_layers=3,
              rope_theta=10000.0, rms_norm_eps=1e-6)
    return {
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
                elif "norm" in n:
                    p.copy_(1.0 + torch.randn_like(p) * 0.1)
                else:
                    p.copy_(torch.randn_like(p) * (0.5 / math.sqrt(p.shape[-1])))
            for n, b in model.named_buffers():
                if "e_score_correction_bias" in n:
                    b.copy_(torch.randn_like(b) * 0.1)
        model.to(dtype).save_pretrained(d, safe_serialization=True)
        write_tokenizer(d, split, add_bos)
        if name.endswith("fp8"):
            deq = fp8_quantize(d / "model.safetensors")
            conf = json.loads((d / "config.json").read_text())
            conf["quantization_config"] = {"quant_method": "fp8", "fmt": "e4m3",
                                           "activation_scheme": "dynamic",
                                           "weight_block_size": [128, 128]}
            (d / "config.json").write_text(json.dumps(conf, indent=2))
            # The oracle runs the dequantized weights, loaded the way transformers loads a
            # checkpoint (its in-memory names differ: experts are fused there).
            with tempfile.TemporaryDirectory() as tmp:
                model.config.save_pretrained(tmp)
                save_file({k: v.contiguous() for k, v in deq.items()},
                          str(pathlib.Path(tmp) / "model.safetensors"), metadata={"format": "pt"})
                model = getattr(transformers, arch).from_pretrained(tmp, dtype=torch.float32)
        model = model.float()
        ids = [i for i in PROMPT_IDS if add_bos or i != tiny.TOK_BOS]
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0]
        tk = Tokenizer.from_file(str(d / "tokenizer.json"))
        fixture = {"oracle": f"transformers {transformers.__version__}, torch {torch.__version__}",
                   "made_by": "scripts/make_tiny_hf.py", "ids": ids,
                   "logits": [[round(float(v), 6) for v in row] for row in logits],
                   "encodings": {t: tk.encode(t).ids for t in TEXTS}}
        (d / "logits.json").write_text(json.dumps(fixture))
        size = sum(f.stat().st_size for f in d.iterdir())
        print(f"{d.relative_to(ROOT)}: {size} bytes")


if __name__ == "__main__":
    main()
