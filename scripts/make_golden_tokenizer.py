#!/usr/bin/env python3
"""Tokenizer golden fixtures from llama.cpp (llama-cpp-python) as the oracle.

Writes tests/golden/data/tokenizer/corpus.json (the strings, hex-encoded so invalid UTF-8
survives) and one <name>.json per model / pre-tokenizer with, for every string, the ids of
llama_tokenize(add_special=True, parse_special=True) and (False, False), plus the detokenized
bytes. Tokenizers with no model here are read from vocab-only files under tests/golden/data/vocab.
Pre-tokenizers without a model here are run on vocab-only copies of the Qwen2 GGUF
(written to /tmp) whose tokenizer.ggml.pre is changed; the C++ test loads the Qwen2 tokenizer
with a pre-type override and must reproduce those ids.

  /tmp/oracle-venv/bin/python scripts/make_golden_tokenizer.py [NAME...]

With NAMEs (e.g. qwen2-pre-qwen35), only those fixtures are written; corpus.json always is.
"""
import ctypes
import json
import os
import random
import sys

import gguf
import llama_cpp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.environ.get("MINKE_MODELS", os.path.join(ROOT, "models"))
OUT = os.path.join(ROOT, "tests", "golden", "data", "tokenizer")
QWEN = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
REAL_MODELS = {
    "smollm2": "SmolLM2-135M-Instruct.Q4_1.gguf",
    "qwen2": QWEN,
    "gemma3": "gemma-3-270m-q4_k_m.gguf",
}
# Vocab-only files committed with the tests (tokenizers with no model in models/).
VOCAB_FILES = {
    "gemma4": os.path.join(ROOT, "tests", "golden", "data", "vocab", "ggml-vocab-gemma-4.gguf"),
}
# Pre-tokenizers checked through the Qwen2 vocab.
PRE_TYPES = ["llama-bpe", "deepseek-llm", "deepseek-coder", "deepseek-v3", "gpt-2", "default",
             "smollm", "falcon", "dbrx", "gpt-4o", "tekken", "poro-chat", "viking", "qwen35"]


def corpus():
    s = []
    add = lambda x: s.append(x if isinstance(x, bytes) else x.encode("utf-8"))
    for t in ["", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\n ", "\t\t\n  \r\n",
              "a", "A", "Hello", "Hello world", " Hello world", "Hello world ", "  Hello  world  ",
              "hello\nworld", "hello\n\nworld", "hello \n world", "hello\t\tworld", "a\r\nb\r\n",
              "The quick brown fox jumps over the lazy dog.",
              "It's a dog's life, isn't it? They're here; we've won; I'm sure you'll see; he'd go.",
              "IT'S DON'T THEY'RE WE'VE I'M YOU'LL HE'D 'S 'T 'RE 'VE 'M 'LL 'D", "'s", "'S",
              "don't", "DON'T", "o'clock", "rock'n'roll", "'''", "' s", "’s curly",
              "1", "12", "123", "1234", "12345", "1234567", "123456789012345", "3.14159",
              "1,000,000", "-42", "+7", "0x1F", "1e-9", "v1.2.3", "2024-01-15", "12:30:45",
              "$100.00", "100%", "½ ¾ ² ³ ⅷ", "١٢٣ ٤٥٦", "१२३", "一二三 123", "①②③", "𝟏𝟐𝟑",
              "你好，世界！", "我爱北京天安门。", "中文和English混合", "日本語のテキストです。",
              "カタカナ ひらがな 漢字", "ｶﾀｶﾅ ＡＢＣ　全角", "한국어 텍스트입니다.", "안녕하세요 세계",
              "مرحبا بالعالم", "السلام عليكم ورحمة الله", "नमस्ते दुनिया", "हिन्दी में लिखा पाठ",
              "สวัสดีชาวโลก", "ภาษาไทย", "Привет, мир!", "Съешь же ещё этих мягких булок",
              "Γειά σου Κόσμε", "שלום עולם", "Ελληνικά και Русский", "Tiếng Việt có dấu",
              "Ça va? Déjà vu, naïve café, Straße, Ærø, Œuvre", "ﬁnancial ﬂow",
              "e\u0301 combining", "a\u0300\u0301\u0302", "\u200b zero width", "\u00a0nbsp\u00a0",
              "ideographic\u3000space", "em\u2003space", "line\u2028sep", "\u0085next line",
              "\x00nul", "\x01\x02\x1f ctl", "\x7f del", "tab\tend\t", "\x0b\x0c vt ff",
              "😀", "😀😃😄", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇺🇸🇫🇷🇯🇵", "❤️", "I ❤️ you 😀!",
              "∑∫√∞≠≤≥", "→ ← ↑ ↓", "© ® ™", "~tilde ~~ ~/path", "`backtick` ``", "^caret |pipe|",
              "<html><body><p class=\"x\">Hi &amp; bye</p></body></html>",
              "def foo(x):\n    return x * 2\n", "    indented\n        more\n",
              "int main() {\n  std::vector<int> v{1, 2, 3};\n  return 0;\n}\n",
              "for (int i = 0; i < n; ++i) { a[i] += b[i]; }",
              "{\"key\": \"value\", \"n\": 42, \"arr\": [1, 2.5, null, true]}",
              "SELECT * FROM users WHERE id = 1;", "#include <stdio.h>", "x = y if z else w",
              "console.log(`template ${literal}`);", "fn main() -> Result<(), Box<dyn Error>> {}",
              "a+b=c", "a==b!=c", "!!!???...", "...", "---", "___init___", "@decorator", "#hashtag",
              "email@example.com", "https://example.com/path?q=1&r=2#frag", "C:\\Windows\\path",
              "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_start|>user\nHi<|im_end|>\n",
              "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>assistant\n",
              "<start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n", "<bos>", "<eos>",
              "<bos>text", "text<eos>", "<|eot_id|>", "<|begin_of_text|>", "<|im_sta", "<|im_",
              "im_start|>", "<|im_start|><|im_start|>", "<|im_start|> spaced <|im_end|>",
              "a<|endoftext|>b", "<|endoftext|><|endoftext|>", "<start_of_turn>", "<end_of_turn>",
              "<start_of_image>", "<pad>", "<unk>", "<mask>", "<|fim_prefix|>def<|fim_suffix|>",
              "<think>reasoning</think>answer", "<tool_call>{}</tool_call>", "[INST] hi [/INST]",
              "<s>", "</s>", "<0x41>", "▁space▁marker", "Ġ Ċ", "  <|im_start|>  ", "\n<|im_end|>\n"]:
        add(t)
    # Invalid UTF-8 and edge bytes.
    for b in [b"\x80", b"\xbf", b"\xff", b"\xfe", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80",
              b"abc\x80def", b"\xe4\xbd", b"\xe4\xbd\xa0\xe5",
              b"\xf0\x9f\x98", b"x\xf0\x9f\x98", b"\xc3", b"\xc3(", b"\xe2\x28\xa1",
              b"\x80\x80\x80", b"caf\xe9", b"\xff\xfe\xfd", b"ok \xc2\xa0 ok", b"\xf8\x88\x80\x80\x80"]:
        add(b)
    # Long and repetitive inputs.
    add("a" * 300)
    add(" " * 100)
    add("\n" * 50)
    add("ab" * 150)
    add("1" * 100)
    add("supercalifragilisticexpialidocious" * 3)
    add("Pneumonoultramicroscopicsilicovolcanoconiosis")
    add("😀" * 40)
    add("的" * 60)
    add("-" * 80)
    add("=" * 33 + "\n" + "#" * 33)
    add("word " * 60)
    # Numbers of many lengths.
    for n in range(1, 25):
        add("".join(str((i * 7 + n) % 10) for i in range(n)))
    # Deterministic random mixtures of scripts and symbols.
    rng = random.Random(1234)
    pieces = ["the", "The", " ", "  ", "\n", "\t", "123", "4", ".", ",", "!", "?", "'s", "'LL",
              "'re", "中文", "日本", "한국", "мир", "عالم", "हिन्दी", "ไทย", "😀", "👍🏽", "é", "ß",
              "<|im_start|>", "<|im_end|>", "<end_of_turn>", "<|endoftext|>", "<bos>", "{", "}",
              "(", ")", "[", "]", ";", "::", "->", "=>", "_", "__", "\"", "'", "`", "~", "^", "$",
              "%", "&", "*", "+", "-", "/", "\\", "|", "<", ">", "@", "#", "\r\n", "   ", "x",
              "Hello", "world", "\u3000", "\u00a0", "٣", "½", "\u0301", "ᾀ", "Ⅻ", "ｱ"]
    while len(s) < 300:
        add("".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))))
    return s


def vocab_of(model):
    return llama_cpp.llama_model_get_vocab(model)


def tokenize(vocab, text, add_special, parse_special):
    n = len(text) + 16
    buf = (llama_cpp.llama_token * n)()
    got = llama_cpp.llama_tokenize(vocab, text, len(text), buf, n, add_special, parse_special)
    if got < 0:
        n = -got
        buf = (llama_cpp.llama_token * n)()
        got = llama_cpp.llama_tokenize(vocab, text, len(text), buf, n, add_special, parse_special)
    assert got >= 0
    return list(buf[:got])


def piece(vocab, tok, special):
    buf = ctypes.create_string_buffer(1024)
    n = llama_cpp.llama_token_to_piece(vocab, tok, buf, 1024, 0, special)
    assert 0 <= n <= 1024
    return buf.raw[:n]


def run_model(path, texts, name):
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = llama_cpp.llama_model_load_from_file(path.encode(), params)
    assert model, path
    vocab = vocab_of(model)
    n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
    cases = []
    for t in texts:
        special = tokenize(vocab, t, True, True)
        plain = tokenize(vocab, t, False, False)
        detok = b"".join(piece(vocab, i, False) for i in plain)
        detok_special = b"".join(piece(vocab, i, True) for i in special)
        cases.append({"special": special, "plain": plain, "detok": detok.hex(),
                      "detok_special": detok_special.hex()})
    info = {
        "n_vocab": n_vocab,
        "bos": llama_cpp.llama_vocab_bos(vocab),
        "eos": llama_cpp.llama_vocab_eos(vocab),
        "eot": llama_cpp.llama_vocab_eot(vocab),
        "add_bos": bool(llama_cpp.llama_vocab_get_add_bos(vocab)),
        "add_eos": bool(llama_cpp.llama_vocab_get_add_eos(vocab)),
        "eog": [i for i in range(n_vocab) if llama_cpp.llama_vocab_is_eog(vocab, i)],
        "control": [i for i in range(n_vocab) if llama_cpp.llama_vocab_is_control(vocab, i)],
    }
    llama_cpp.llama_model_free(model)
    return {"oracle": "llama-cpp-python %s (llama.cpp)" % llama_cpp.__version__, "model": name,
            "info": info, "cases": cases}


def write_pre_variant(pre):
    """A vocab-only copy of the Qwen2 GGUF (all metadata, no tensors) with another pre type."""
    reader = gguf.GGUFReader(os.path.join(MODELS, QWEN))
    path = "/tmp/minke-tok-%s.gguf" % pre
    writer = gguf.GGUFWriter(path, arch=str(reader.fields["general.architecture"].contents()))
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        vtype = field.types[0]
        value = field.contents()
        if name == "tokenizer.ggml.pre":
            value = pre
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, value, vtype, sub_type=sub)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


_LOG_CB = None


def main():
    llama_cpp.llama_backend_init()
    global _LOG_CB  # must outlive every llama.cpp call
    _LOG_CB = llama_cpp.llama_log_callback(lambda level, text, data: None)
    llama_cpp.llama_log_set(_LOG_CB, ctypes.c_void_p(0))
    texts = corpus()
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "corpus.json"), "w") as f:
        json.dump({"strings_hex": [t.hex() for t in texts]}, f, indent=0)
    jobs = [(name, os.path.join(MODELS, file), name) for name, file in REAL_MODELS.items()]
    jobs += [(name, path, name) for name, path in VOCAB_FILES.items()]
    jobs += [("qwen2-pre-" + pre, None, pre) for pre in PRE_TYPES]
    if len(sys.argv) > 1:
        jobs = [job for job in jobs if job[0] in sys.argv[1:]]
    for name, path, label in jobs:
        if path is None:
            path = write_pre_variant(label)
        result = run_model(path, texts, label)
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(result, f, separators=(",", ":"))
        print(name, len(texts), "strings", file=sys.stderr)


if __name__ == "__main__":
    main()
