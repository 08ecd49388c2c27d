#!/usr/bin/env python3
"""Grammar mask golden fixtures from llama.cpp's grammar sampler (llama-cpp-python) as the oracle.

For each GBNF grammar below (written for these tests, not taken from llama.cpp's grammars/) and
one sentence of it, the sentence is tokenized with SmolLM2's tokenizer (no BOS, no special-token
parsing) and walked token by token through llama_sampler_init_grammar: before every token and
after the last one, llama_sampler_apply runs on every token id with logit 0 and the ids left
finite are the allowed set; then llama_sampler_accept takes the sentence's next token. Writes
tests/golden/data/grammar/masks.json: the distinct allowed sets ("masks", end-of-generation ids
included when allowed), each as alternating run lengths "skip take skip take ..." over the ids
from 0 (skip: not allowed, take: allowed), and per step the index of its mask, the number of
allowed ids and whether the end of generation is allowed.
tests/golden/grammar_mask_golden_test.cpp replays the same tokens through GrammarConstraint.

  .venv-oracle/bin/python scripts/make_golden_grammar.py
"""
import ctypes
import json
import os
import re
import sys

import llama_cpp
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.environ.get("MINKE_MODELS", os.path.join(ROOT, "models"))
OUT = os.path.join(ROOT, "tests", "golden", "data", "grammar")
MODEL = "SmolLM2-135M-Instruct.Q4_1.gguf"

# (name, grammar, sentence). Each one exercises something the mask has to get right.
GRAMMARS = [
    # Nested objects and arrays, string escapes (four-hex-digit \u ones too), numbers with
    # fraction and exponent.
    ("json", r'''
root   ::= object
value  ::= object | array | string | number | "true" | "false" | "null"
object ::= "{" ws ( member ( "," ws member )* )? "}"
member ::= string ws ":" ws value ws
array  ::= "[" ws ( value ws ( "," ws value ws )* )? "]"
string ::= "\"" ( [^"\\\x00-\x1f] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\""
number ::= "-"? ( "0" | [1-9] [0-9]* ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?
ws     ::= [ \t\n]*
''', r'{"name": "Zoë \"Z\"", "tags": ["a", "b\n", []], "n": -12.5e3, "ok": true,'
     '\n "x": null, "u": "\\u00e9"}'),
    # Right-recursive precedence levels; the text may end after every complete operand.
    ("arithmetic", r'''
root   ::= expr
expr   ::= term ( ws [-+] ws term )*
term   ::= factor ( ws [*/] ws factor )*
factor ::= number | "(" ws expr ws ")" | "-" factor
number ::= [0-9]+ ( "." [0-9]+ )?
ws     ::= " "?
''', "(12 + 3.5) * -4 / (7-2) - 100"),
    # Multi-byte literals and classes, \u escapes; the sentence's characters are split across
    # tokens (a token ends inside a character), and the grammar may end between two emoji, so a
    # token holding the first bytes of the next one leaves the output mid-character, where the
    # end of generation must not be allowed.
    ("unicode", r'''
root     ::= greeting " " name ( " " emoji+ )?
greeting ::= "日本" | "Grüß" | "こんにちは"
name     ::= [A-Z\u00c0-\u00de] [a-zà-ÿ]+
emoji    ::= [😀-🙏]
''', "日本 Renée 😀🙏"),
    # '.' (any code point, newline included) and negated classes, one excluding non-ASCII
    # characters (« and ») so that a token ending inside a character may or may not be allowed;
    # the token " \xf0\x9f\x98" completes a space, after which .+ may end, then starts an emoji.
    ("dot_negated", r'''
root ::= "note: " text "\n" "raw: " .+
text ::= [^\n«»]+
''', "note: Ça coûte 5 € (cinq)\nraw: <b>§ x</b> 😀\tend\n"),
    # Bounded repetition: {m,n}, {m}, {0,n}, {m,} (llama.cpp's parser has no {,n}).
    ("repetition", r'''
root ::= "id-" [0-9]{2,4} "-" [A-Z]{3} ( "," hex ){1,3} "!"{0,2} ( " " [a-z]{2,} )?
hex  ::= [a-f0-9]{2,4}
''', "id-2024-ABC,ff,0a1,beef! ok"),
    # Optional groups inside optional groups; most of the text may be left out. (A rule goes on
    # to the next line inside a group.)
    ("nested_optional", r'''
root   ::= "call" ( "(" ( arg ( "," " "? arg )* )? ")" )? ( " as"
           ( " " name ( ":" type ( "[]" )? )? )? )? ";"
arg    ::= name ( "=" ( number | "'" [a-z ]* "'" )? )?
name   ::= [a-z_] [a-z0-9_]*
number ::= "-"? [0-9]+
type   ::= "int" | "str" | "list"
''', "call(x, y=12, z='ab c', w=) as out:int[];"),
    # The end of generation becomes allowed part way (after the number), then not (after
    # " Because"), then again.
    ("optional_tail", r'''
root ::= "The answer is " [0-9]+ ( "." ( " Because " [a-z ]+ "." )? )?
''', "The answer is 42. Because six times seven is forty two."),
    # Many parses at once: the pieces overlap ("ab" = "a" "b"), a word may be read three ways.
    ("ambiguous", r'''
root  ::= piece+ ( " " word )* [!?]?
piece ::= "a" | "ab" | "aba" | "b" | "ba" | "bab"
word  ::= [a-z]+ | [a-z]* "ing" | "walk" [a-z]*
''', "abababbab singing walked!"),
]


def tokenize(vocab, text):
    data = text.encode("utf-8")
    n = len(data) + 16
    buf = (llama_cpp.llama_token * n)()
    got = llama_cpp.llama_tokenize(vocab, data, len(data), buf, n, False, False)
    assert got >= 0
    return list(buf[:got])


def piece(vocab, tok):
    buf = ctypes.create_string_buffer(1024)
    n = llama_cpp.llama_token_to_piece(vocab, tok, buf, 1024, 0, True)
    assert 0 <= n <= 1024
    return buf.raw[:n]


def runs(ids):
    """Sorted ids as alternating run lengths: skip (not allowed), take (allowed), skip, ..."""
    out, next_id = [], 0
    for i in ids:
        if out and next_id == i:
            out[-1] += 1
        else:
            out += [i - next_id, 1]
        next_id = i + 1
    return " ".join(map(str, out))


TOKEN_DATA = np.dtype([("id", "<i4"), ("logit", "<f4"), ("p", "<f4")], align=True)
assert TOKEN_DATA.itemsize == ctypes.sizeof(llama_cpp.llama_token_data)


def allowed_ids(sampler, n_vocab):
    """Ids the grammar sampler leaves finite when every token starts with logit 0."""
    cand = np.zeros(n_vocab, dtype=TOKEN_DATA)
    cand["id"] = np.arange(n_vocab, dtype=np.int32)
    arr = llama_cpp.llama_token_data_array(
        data=cand.ctypes.data_as(ctypes.POINTER(llama_cpp.llama_token_data)), size=n_vocab,
        selected=-1, sorted=False)
    llama_cpp.llama_sampler_apply(sampler, ctypes.byref(arr))
    assert arr.size == n_vocab and not arr.sorted  # the grammar sampler only masks
    logit = cand["logit"]
    assert np.all((logit == 0) | np.isneginf(logit))
    return [int(i) for i in cand["id"][logit == 0]]


def run_grammar(vocab, n_vocab, eog, masks, name, gbnf, text):
    """Steps through the sentence; masks maps each distinct run string to its index."""
    ids = tokenize(vocab, text)
    assert b"".join(piece(vocab, i) for i in ids) == text.encode("utf-8"), name
    sampler = llama_cpp.llama_sampler_init_grammar(vocab, gbnf.encode("utf-8"), b"root")
    assert sampler, "llama.cpp rejected grammar " + name
    steps = []
    for k in range(len(ids) + 1):
        allowed = allowed_ids(sampler, n_vocab)
        allowed_set = set(allowed)
        eog_allowed = [e in allowed_set for e in eog]
        assert all(eog_allowed) or not any(eog_allowed), name
        mask = masks.setdefault(runs(allowed), len(masks))
        steps.append({"mask": mask, "n_allowed": len(allowed), "eog_allowed": eog_allowed[0]})
        if k < len(ids):
            assert ids[k] in allowed_set, "%s: sentence token %d (%r) rejected at step %d" % (
                name, ids[k], piece(vocab, ids[k]), k)
            llama_cpp.llama_sampler_accept(sampler, ids[k])
    assert steps[-1]["eog_allowed"], name + ": the sentence does not complete the grammar"
    llama_cpp.llama_sampler_free(sampler)
    return {"name": name, "gbnf": gbnf.lstrip("\n"), "text": text, "tokens": ids,
            "pieces_hex": [piece(vocab, i).hex() for i in ids], "steps": steps}


def dump_json(obj):
    """Indented JSON with lists of numbers, token pieces and steps kept on one line."""
    text = json.dumps(obj, indent=1, ensure_ascii=False)
    text = re.sub(r"\[\s+([^\[\]{}\"]*?)\s+\]",
                  lambda m: "[" + re.sub(r"\s+", " ", m.group(1)) + "]", text)
    text = re.sub(r"(\"pieces_hex\": )\[\s+([^\[\]{}]*?)\s+\]",
                  lambda m: m.group(1) + "[" + re.sub(r"\s+", " ", m.group(2)) + "]", text)
    return re.sub(r"\{\s+(\"mask\"[^{}]*?)\s+\}",
                  lambda m: "{" + re.sub(r"\s+", " ", m.group(1)) + "}", text) + "\n"


_LOG_CB = None


def main():
    llama_cpp.llama_backend_init()
    global _LOG_CB  # must outlive every llama.cpp call
    _LOG_CB = llama_cpp.llama_log_callback(lambda level, text, data: None)
    llama_cpp.llama_log_set(_LOG_CB, ctypes.c_void_p(0))
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = llama_cpp.llama_model_load_from_file(os.path.join(MODELS, MODEL).encode(), params)
    assert model, MODEL
    vocab = llama_cpp.llama_model_get_vocab(model)
    n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
    eog = [i for i in range(n_vocab) if llama_cpp.llama_vocab_is_eog(vocab, i)]
    grammars, masks = [], {}
    for name, gbnf, text in GRAMMARS:
        grammars.append(run_grammar(vocab, n_vocab, eog, masks, name, gbnf, text))
        print(name, len(grammars[-1]["tokens"]), "tokens", file=sys.stderr)
    llama_cpp.llama_model_free(model)
    os.makedirs(OUT, exist_ok=True)
    doc = {"oracle": "llama-cpp-python %s (llama.cpp grammar sampler)" % llama_cpp.__version__,
           "model": MODEL, "n_vocab": n_vocab, "eog": eog, "grammars": grammars,
           "masks": list(masks)}
    with open(os.path.join(OUT, "masks.json"), "w", encoding="utf-8") as f:
        f.write(dump_json(doc))


if __name__ == "__main__":
    main()
