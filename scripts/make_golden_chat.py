#!/usr/bin/env python3
"""Chat-template golden fixtures: renders every template in tests/golden/data/chat/templates/
with jinja2 exactly as Hugging Face transformers' apply_chat_template does (same environment
settings, globals and custom tojson) for a fixed set of conversations, and writes the expected
strings (or the error jinja2 raised) to tests/golden/data/chat/expected.json.

Run with the oracle venv: /tmp/oracle-venv/bin/python scripts/make_golden_chat.py
"""
import json
import os
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "golden", "data", "chat")
# strftime_now reads this fixed clock so the fixtures are deterministic.
FIXED_NOW = datetime(2025, 3, 7, 14, 5, 9)

# bos/eos token text per template (as the model's tokenizer defines them).
TOKENS = {
    "smollm2-135m-instruct": ("<|im_start|>", "<|im_end|>"),
    "qwen2.5-coder-0.5b-instruct": ("<|endoftext|>", "<|im_end|>"),
    "gemma-3-it": ("<bos>", "<eos>"),
    "gemma-2-2b-it": ("<bos>", "<eos>"),
    "llama-3.1-8b-instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama-3.2-3b-instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "hermes-3-llama-3.1-8b-tool-use": ("<|begin_of_text|>", "<|im_end|>"),
    "qwen2.5-7b-instruct": ("<|endoftext|>", "<|im_end|>"),
    "qwen3-0.6b": ("<|endoftext|>", "<|im_end|>"),
    "qwq-32b": ("<|endoftext|>", "<|im_end|>"),
    "deepseek-r1-distill-llama-8b": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "deepseek-r1-distill-qwen-32b": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "deepseek-v3.1": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "mistral-nemo-instruct-2407": ("<s>", "</s>"),
    "phi-3.5-mini-instruct": ("<s>", "<|endoftext|>"),
    "granite-3.3-2b-instruct": ("<|end_of_text|>", "<|end_of_text|>"),
    "gpt-oss-120b": ("<|startoftext|>", "<|return|>"),
    "kimi-k2": ("[BOS]", "[EOS]"),
    "qwen3.5-4b": ("<|endoftext|>", "<|im_end|>"),
    "glm-4.6": ("[gMASK]", "<|endoftext|>"),
    "gemma-4-31b-it": ("<bos>", "<eos>"),
}

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "description": "Forecast days"},
            },
            "required": ["city"],
        },
    },
}

CONVERSATIONS = {
    "single_user": {"messages": [{"role": "user", "content": "Hello!"}]},
    "system_multi_turn": {
        "messages": [
            {"role": "system", "content": "You are a concise assistant."},
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "4"},
            {"role": "user", "content": "And 3+3?"},
        ]
    },
    "reasoning": {
        "messages": [
            {"role": "user", "content": "Is 7 prime?"},
            {
                "role": "assistant",
                "content": "<think>\nCheck divisors 2..sqrt(7).\n</think>\n\nYes, 7 is prime.",
                "reasoning_content": "Check divisors 2..sqrt(7).",
            },
            {"role": "user", "content": "And 9?"},
        ]
    },
    "tools_dict_args": {
        "tools": [WEATHER_TOOL],
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call00001",
                        "type": "function",
                        "function": {"name": "get_weather",
                                     "arguments": {"city": "Paris", "unit": "celsius"}},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call00001", "name": "get_weather",
             "content": "{\"temp\": 21.5, \"sky\": \"clear\"}"},
        ],
    },
    "tools_string_args": {
        "tools": [WEATHER_TOOL],
        "messages": [
            {"role": "system", "content": "Use tools when helpful."},
            {"role": "user", "content": "Weather in Oslo and Rome?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": "c00000001", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}},
                    {"id": "c00000002", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\"city\": \"Rome\"}"}},
                ],
            },
            {"role": "tool", "tool_call_id": "c00000001", "content": "cold"},
            {"role": "tool", "tool_call_id": "c00000002", "content": "warm"},
            {"role": "assistant", "content": "Oslo is cold, Rome is warm."},
        ],
    },
    "unicode_whitespace": {
        "messages": [
            {"role": "system", "content": "  Ünïcödé 你好 \"quotes\" and 'apostrophes' \\ back\n"},
            {"role": "user", "content": "\tline one\n  line two  \n"},
        ]
    },
}

# Small templates that exercise one construct each (filters, tests, methods, scoping,
# whitespace control), rendered with the same environment and variables below.
SNIPPET_VARS = {
    "s": "  Hello, Wörld! ", "n": 7, "f": 2.5, "xs": [3, 1, 2], "d": {"b": 1, "a": [1, 2]},
    "msgs": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
}
SNIPPETS = {
    "whitespace": "a\n  {% if true %}\n    b\n  {% endif %}\nc {{- ' d ' -}} e\n{# note #}\nf",
    "lstrip_plus": "x\n  {%+ if true %}y{% endif %}\n  {%- if true %}z{% endif %}",
    "arith": "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 1 + 2.5 }} {{ 10 / 4 }}",
    "floats": "{{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1.0 }} {{ 3.0 * 2 }} {{ 1 / 3 }} {{ 0.00001 }} {{ f|round }} {{ 3.14159|round(2) }}",
    "strings": "{{ s|trim }}|{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip(' !') }}|{{ s|upper }}|{{ 'ab cd-ef'|title }}|{{ 'hELLO wORLD'|capitalize }}",
    "split": "{{ 'a,b,,c'.split(',') }} {{ '  a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'x</think>y'.split('</think>')[-1] }}",
    "slices": "{{ xs[1:] }} {{ xs[::-1] }} {{ 'hello'[:-1] }} {{ 'Wörld'[1:3] }} {{ xs[-1] }} {{ msgs[-1].content }}",
    "repr": "{{ d }} {{ xs }} {{ none }} {{ true }} {{ ('a', 1) }} {{ [\"it's\"] }} {{ {'k': none} }}",
    "tojson": "{{ d|tojson }} {{ d|tojson(indent=2) }} {{ 'é\"\\n'|tojson }} {{ msgs|tojson(separators=(',', ':')) }} {{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}",
    "tests": "{{ n is odd }} {{ n is even }} {{ n is divisibleby 7 }} {{ d is mapping }} {{ xs is sequence }} {{ s is string }} {{ n is number }} {{ f is float }} {{ n is integer }} {{ none is none }} {{ zz is defined }} {{ true is sameas true }} {{ n is eq 7 }}",
    "loop": "{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.cycle('a','b') }}{{ loop.previtem|default('-') }},{% endfor %}",
    "loop_filter_else": "{% for x in xs if x > 1 %}{{ x }}{{ loop.last }}{% else %}none{% endfor %}{% for x in [] %}{% else %}empty{% endfor %}",
    "loop_break": "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x > 4 %}{% break %}{% endif %}{{ x }}{% endfor %}",
    "scoping": "{% set x = 1 %}{% for i in xs %}{% set x = i %}{% endfor %}{{ x }}{% set ns = namespace(x=1) %}{% for i in xs %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}",
    "dict_items": "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}{{ d.keys()|list }}{{ d.get('zz', 5) }}{{ d|items|list }}{{ d|dictsort }}",
    "filters": "{{ xs|sort }} {{ xs|sort(reverse=true) }} {{ xs|join('-') }} {{ xs|first }} {{ xs|last }} {{ xs|length }} {{ xs|sum }} {{ xs|min }} {{ xs|max }} {{ [1,1,2]|unique|list }} {{ xs|reverse|list }} {{ 'a b  c'|wordcount }}",
    "map_select": "{{ msgs|map(attribute='role')|join(',') }} {{ msgs|selectattr('role', 'equalto', 'user')|list|length }} {{ msgs|rejectattr('role', 'eq', 'user')|map(attribute='content')|first }} {{ xs|select('odd')|list }} {{ xs|reject('odd')|list }} {{ ['a','B']|map('upper')|list }}",
    "default": "{{ zz|default('dflt') }} {{ ''|default('e', true) }} {{ none|d('x') }} {{ zz is not defined }}",
    "macro": "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', punct='?') }}",
    "callblock": "{% macro wrap(t) %}<{{ t }}>{{ caller() }}</{{ t }}>{% endmacro %}{% call wrap('b') %}bold{% endcall %}",
    "set_block": "{% set body %}x {{ n }} y{% endset %}[{{ body }}]{% set up | upper %}abc{% endset %}{{ up }}",
    "filter_block": "{% filter upper %}hello {{ s|trim }}{% endfilter %}",
    "indent": "{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(4, true) }}|{{ 'a\\n\\nb'|indent(2, blank=true) }}",
    "conditional": "{{ 'y' if n > 3 else 'n' }}{{ 'z' if false }}{{ n > 3 and 'and' or 'or' }}{{ not n }}{{ 1 < n < 10 }}{{ 'ell' in 'hello' }}{{ 3 not in xs }}",
    "string_methods": "{{ 'Hello'.startswith('He') }}{{ 'Hello'.endswith(('x', 'lo')) }}{{ 'a-b-c'.replace('-', '+', 1) }}{{ 'abc'.find('c') }}{{ 'hello world'.title() }}{{ ', '.join(['a', 'b']) }}{{ 'aXa'.count('a') }}",
    "concat": "{{ 'a' ~ 1 ~ none ~ zz }}{{ 'x' + 'y' }}{{ [1] + [2] }}{{ '-' * 3 }}",
    "int_float": "{{ '42'|int + 1 }} {{ '3.7'|float }} {{ 'x'|int }} {{ 3.9|int }} {{ -3|abs }} {{ n|string ~ '!' }}",
    "strftime": "{{ strftime_now('%d %b %Y %H:%M:%S') }} {{ strftime_now('%A %B %-d') }}",
    "raise": "{% if n > 3 %}{{ raise_exception('n is too big: ' ~ n) }}{% endif %}",
    "undefined_attr": "{{ msgs[0].nope.deeper }}",
    "none_iter": "{% for x in none %}{% endfor %}",
    "str_plus_int": "{{ 'a' + 1 }}",
    "range_big": "{% for i in range(10**12) %}{% endfor %}",
    "list_append": "{% set l = [] %}{{ l.append(1) }}",
}


def make_env():
    # Mirrors transformers.utils.chat_template_utils._compile_jinja_template.
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, source, conv, bos, eos, add_generation_prompt, extra):
    try:
        template = env.from_string(source)
        text = template.render(messages=conv["messages"], tools=conv.get("tools"),
                               documents=None, add_generation_prompt=add_generation_prompt,
                               bos_token=bos, eos_token=eos, **extra)
        return {"output": text}
    except jinja2.exceptions.TemplateError as e:
        kind = type(e).__name__
        return {"error": str(e), "error_type": kind}
    except Exception as e:  # TypeError etc. raised while rendering
        return {"error": str(e), "error_type": type(e).__name__}


def main():
    env = make_env()
    tdir = os.path.join(DATA, "templates")
    cases = []
    for fname in sorted(os.listdir(tdir)):
        name = fname[: -len(".jinja")]
        with open(os.path.join(tdir, fname), encoding="utf-8", newline="") as f:
            source = f.read()
        bos, eos = TOKENS[name]
        extras = [{}]
        if "enable_thinking" in source:
            extras.append({"enable_thinking": False})
        for conv_name, conv in CONVERSATIONS.items():
            for agp in (True, False):
                for extra in extras:
                    case = {"template": name, "conversation": conv_name,
                            "add_generation_prompt": agp, "bos_token": bos, "eos_token": eos,
                            "extra": extra}
                    case.update(render(env, source, conv, bos, eos, agp, extra))
                    cases.append(case)
    snippets = []
    for name, source in SNIPPETS.items():
        case = {"name": name, "source": source}
        try:
            case["output"] = env.from_string(source).render(**SNIPPET_VARS)
        except Exception as e:  # recorded: the interpreter must fail the same way
            case.update({"error": str(e), "error_type": type(e).__name__})
        snippets.append(case)
    out = {
        "oracle": f"jinja2 {jinja2.__version__} (transformers apply_chat_template environment)",
        "now": FIXED_NOW.isoformat(),
        "conversations": CONVERSATIONS,
        "cases": cases,
        "snippet_vars": SNIPPET_VARS,
        "snippets": snippets,
    }
    with open(os.path.join(DATA, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    n_err = sum(1 for c in cases if "error" in c)
    print(f"{len(cases)} cases ({n_err} record an error)")


if __name__ == "__main__":
    main()
