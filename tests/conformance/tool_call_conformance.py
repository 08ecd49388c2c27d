#!/usr/bin/env python3
"""Tool-calling conformance: OpenAI tool calls through `minke serve`, with the official openai
client, on every chat template that has a tool-call format (and the generic one).

Each row is one `minke serve`: SmolLM2-135M with a template from tests/golden/data/chat/templates
put on it (--chat-template; a model that knows none of these formats, so the grammar carries
it), Qwen2.5-Coder-0.5B on its own template (Hermes), and the tiny scripted R1 model
(tests/golden/data/models/tiny/r1-scripted.gguf) on its own R1-Distill template. The tools:

  get_weather  {city: string, unit: "celsius" | "fahrenheit"}, city required
  search       {query: string, filters: {tags: up to 3 of "café" | "naïve" | "日本", limit: 1..10}},
               query, filters and tags required (nested objects, an array, non-ASCII enum strings)
(additionalProperties false and maxItems keep a 135M model from rambling to max_tokens inside
the arguments; they change nothing else).

and the cases (columns of the table):

  fmt       the raw text the model wrote (logprobs' token bytes) is the call in the format the
            row expects: the template's own, else the generic JSON
  single    tool_choice {"type": "function", "function": {"name": "get_weather"}},
            parallel_tool_calls false: finish_reason "tool_calls", exactly one call to
            get_weather, a non-empty id (Mistral: 9 letters and digits), arguments that
            json.loads (no repeated key, no U+FFFD, no <think> tag) and validate (jsonschema)
            against the tool's parameters, no content. Every call of every case is checked so,
            and the ids of one answer must differ.
  parallel  tool_choice "required", parallel_tool_calls true, seed 0 at temperature 0 and
            --seeds more at temperature 1: every call valid and naming a tool, ids unique
            (a run that ends at max_tokens still calling is reported, not failed; the note
            gives the calls per run: L for length, Ln for n calls returned with length, T for
            length while still thinking; "len" when no run finished)
  render    (templates that render tools) `minke template` renders the history of ans-* with the
            call and the tool result in it, as the server does (arguments as objects, else as
            JSON text)
  ans-auto  call then answer: [user, assistant with the tool_calls of `single` exactly as the
  ans-none  client got them, tool message with tool_call_id] and tool_choice auto / none: the
            server renders it and answers (stop or length; under auto another call is allowed
            and must be valid; under none no call)
  none      tool_choice "none": no tool_calls, content a string
  nested    named call to search: valid arguments, the non-ASCII enum strings exactly (json.loads),
            no U+FFFD anywhere in the arguments
  reason    (reasoning templates) tool_choice required: a valid call whose arguments hold no
            <think>/</think> and none of the reasoning text; reasoning_content when the model
            thought (SmolLM2 has no <think> token, so on Qwen3's template it cannot)
  stream    the requests of `single`, `nested`, `auto` and parallel's greedy run with
            stream=True: the tool_call deltas reassembled by index (id, type and name from the
            first delta, arguments concatenated) equal the unstreamed calls (same seed), the
            finish_reason is the same, content and reasoning_content deltas add up to the
            unstreamed ones (auto's text passes through the splitter that holds back a
            possible opening marker)
  auto      tool_choice "auto", "What's the weather in Paris?": a call, if made, is valid; text
            that ends with stop holds no opening marker of the format (the note says which)

The format a row expects: the template's own (Hermes, Llama 3, DeepSeek-V3/R1, V3.1, Mistral,
Kimi-K2, Granite), the generic JSON for templates without one (SmolLM2, Gemma 3). DeepSeek's
templates write calls in their own markers but never show the tools: the engine describes them
in its own system message and keeps the calls in the model's format. The scripted R1 model reads
bytes, 256 of them: no tool prompt fits, so its forced-call cases only check that the server
refuses with a 400 about the context ("n/a ctx"), and `none` checks its scripted reasoning and
answer.

A template whose generation prompt opens <think> (the R1 distills, QwQ) lets SmolLM2 think freely
until </think>, which it may never write: the forced-call requests there ask it to think briefly
and close the block, and are retried over a few sampled seeds until one leaves the reasoning;
when none does, the cell reads "len" (not a failure). Cells: ok, FAIL, n/a, len.

Exit status 1 on any FAIL (or a server that dies or exits non-zero on SIGTERM).

    tests/conformance/tool_call_conformance.py --minke build/minke [--only REGEX] [--seeds 3]
        [--parallel 4] [--threads 2] [--report out.json] [-v]
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import traceback

import jsonschema
import openai

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from minke_server import Server  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODELS = pathlib.Path(os.environ.get("MINKE_MODELS") or ROOT / "models")
TEMPLATES = ROOT / "tests/golden/data/chat/templates"
SMOL = MODELS / "SmolLM2-135M-Instruct.Q4_1.gguf"
CODER = MODELS / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
R1 = ROOT / "tests/golden/data/models/tiny/r1-scripted.gguf"

WEATHER_PARAMS = {
    "type": "object",
    "properties": {"city": {"type": "string"},
                   "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    "required": ["city"],
    "additionalProperties": False,
}
SEARCH_PARAMS = {
    "type": "object",
    "properties": {
        "query": {"type": "string"},
        "filters": {
            "type": "object",
            "properties": {
                "tags": {"type": "array", "items": {"enum": ["café", "naïve", "日本"]}, "maxItems": 3},
                "limit": {"type": "integer", "minimum": 1, "maximum": 10},
            },
            "required": ["tags"],
            "additionalProperties": False,
        },
    },
    "required": ["query", "filters"],
    "additionalProperties": False,
}
TOOLS = [
    {"type": "function", "function": {"name": "get_weather",
                                      "description": "Get the current weather in a city.",
                                      "parameters": WEATHER_PARAMS}},
    {"type": "function", "function": {"name": "search",
                                      "description": "Search the web with tag filters.",
                                      "parameters": SEARCH_PARAMS}},
]
PARAMS = {"get_weather": WEATHER_PARAMS, "search": SEARCH_PARAMS}
UNICODE_TAGS = {"café", "naïve", "日本"}

WEATHER_Q = "What's the weather in Paris?"
SEARCH_Q = "Search for good coffee places, tagged café and 日本, at most 3 results."
# For templates that open <think>: SmolLM2 copies this and so closes the block.
THINK_HINT = " Think in one short sentence, then write </think> and call the tool."
TOOL_RESULT = '{"temperature": 18, "unit": "celsius", "station": "LFPB-7Q"}'
RESULT_MARK = "LFPB-7Q"

# The text a call starts with in each format (what the grammar writes, see
# src/grammar/tool_call_grammar.cpp), for a call to get_weather; and the opening marker that free
# text under tool_choice auto must not contain.
WIRE = {
    "hermes": '<tool_call>\n{"name": "get_weather", "arguments": ',
    "llama3": '{"name": "get_weather", "parameters": ',
    "generic": '{"tool_calls": [{"name": "get_weather", "arguments": ',
    "mistral": '[TOOL_CALLS][{"name": "get_weather", "arguments": ',
    "kimi-k2": "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0"
               "<|tool_call_argument_begin|>",
    "granite": '<|tool_call|>[{"name": "get_weather", "arguments": ',
    "deepseek-v3": "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n",
    "deepseek-v3.1": "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>",
}
OPENING = {"hermes": "<tool_call>", "mistral": "[TOOL_CALLS]", "kimi-k2": "<|tool_calls_section_begin|>",
           "granite": "<|tool_call|>", "deepseek-v3": "<｜tool▁calls▁begin｜>",
           "deepseek-v3.1": "<｜tool▁calls▁begin｜>"}


class Row:
    """One server: a model, a template (None: the model's own), the format the template's text
    names (`detected`), the format the engine writes (`wire`: the template's own when it renders
    `tools`, else generic), whether the generation prompt opens <think>, whether the template is
    a reasoning model's (case `reason`)."""

    def __init__(self, name, model, template, detected, wire, opens_think=False, reasoning=False,
                 tiny=False):
        self.name, self.model, self.template = name, model, template
        self.detected, self.wire = detected, wire
        self.opens_think, self.reasoning, self.tiny = opens_think, reasoning, tiny

    @property
    def native(self):
        return self.wire != "generic"

    def label(self):
        return self.detected if self.detected == self.wire else f"{self.detected}->{self.wire}"


def smol(name, detected, wire=None, **kw):
    return Row(name, SMOL, TEMPLATES / f"{name}.jinja", detected, wire or detected, **kw)


# DeepSeek's templates write calls in their format but do not render `tools`: the engine then
# describes the tools in its own system message and keeps the calls in the model's format.
ROWS = [
    smol("qwen2.5-7b-instruct", "hermes"),
    smol("qwen2.5-coder-0.5b-instruct", "hermes"),
    smol("qwen3-0.6b", "hermes", reasoning=True),
    smol("qwq-32b", "hermes", opens_think=True, reasoning=True),
    smol("hermes-3-llama-3.1-8b-tool-use", "hermes"),
    smol("llama-3.1-8b-instruct", "llama3"),
    smol("llama-3.2-3b-instruct", "llama3"),
    smol("deepseek-r1-distill-qwen-32b", "deepseek-v3", opens_think=True, reasoning=True),
    smol("deepseek-r1-distill-llama-8b", "deepseek-v3", opens_think=True, reasoning=True),
    smol("deepseek-v3.1", "deepseek-v3.1"),
    smol("mistral-nemo-instruct-2407", "mistral"),
    smol("kimi-k2", "kimi-k2"),
    smol("granite-3.3-2b-instruct", "granite"),
    smol("smollm2-135m-instruct", "generic"),
    smol("gemma-3-it", "generic"),
    Row("qwen2.5-coder-0.5b (own)", CODER, None, "hermes", "hermes"),
    Row("r1-scripted (own R1)", R1, None, "deepseek-v3", "deepseek-v3", opens_think=True,
        reasoning=True, tiny=True),
]
CASES = ["fmt", "single", "parallel", "render", "ans-auto", "ans-none", "none", "nested", "reason",
         "stream", "auto"]


class Result:
    def __init__(self, status, note="", detail=None):
        self.status, self.note, self.detail = status, note, detail
        self.secs = 0.0

    def cell(self):
        return self.status + (f" {self.note}" if self.note else "")


class Fail(Exception):
    """A case failed: what was wrong, and the request and response that show it."""

    def __init__(self, why, request=None, response=None):
        super().__init__(why)
        self.why, self.request, self.response = why, request, response


def dump(obj):
    if obj is None:
        return None
    if hasattr(obj, "model_dump"):
        return obj.model_dump(exclude_none=True)
    return obj


def extra(obj, name):
    """A field the openai client does not model (reasoning_content)."""
    v = getattr(obj, name, None)
    if v is None and getattr(obj, "model_extra", None):
        v = obj.model_extra.get(name)
    return v


class Runner:
    def __init__(self, row, client, model, args, server):
        self.row, self.client, self.model, self.args, self.server = row, client, model, args, server
        self.single = None    # (kwargs, response) of the case `single`
        self.nested = None
        self.streamable = {}  # name -> (kwargs, response) that `stream` repeats streamed

    # --- requests --------------------------------------------------------------------------------
    def create(self, **kw):
        body = {"model": self.model, "max_tokens": self.args.max_tokens, **kw}
        try:
            return body, self.client.chat.completions.create(**body)
        except openai.APIStatusError as e:
            raise Fail(f"HTTP {e.status_code}: {e.body}", body) from None
        except openai.APIConnectionError as e:
            raise Fail(f"connection: {e}" + ("" if self.server.alive() else
                                             f" (minke serve died: exit {self.server.proc.returncode})"),
                       body) from None

    def ask(self, text):
        return text + (THINK_HINT if self.row.opens_think else "")

    def forced(self, **kw):
        """A request that forces a call. On a template that opens <think>, retried over sampled
        seeds until the model leaves its reasoning; returns (body, response, tries) of the first
        that did, or of the last try."""
        tries = [(0, 0.0)] + ([(s, 1.0) for s in range(1, self.args.think_tries)]
                              if self.row.opens_think else [])
        for n, (seed, temp) in enumerate(tries, 1):
            body, r = self.create(seed=seed, temperature=temp, **kw)
            if not still_thinking(r):
                return body, r, n
        return body, r, len(tries)

    # --- checks ----------------------------------------------------------------------------------
    def check_calls(self, body, r, names, exactly=None):
        """Every call in r is well-formed: a known name, an id, arguments valid for the tool."""
        msg = r.choices[0].message
        calls = msg.tool_calls or []
        if exactly is not None and len(calls) != exactly:
            raise Fail(f"{len(calls)} calls, want {exactly}", body, r)
        ids = set()
        for c in calls:
            if c.type != "function":
                raise Fail(f"call type {c.type!r}", body, r)
            if c.function.name not in names:
                raise Fail(f"call names {c.function.name!r}, not one of {sorted(names)}", body, r)
            if not c.id:
                raise Fail("a call without an id", body, r)
            if self.row.wire == "mistral" and not re.fullmatch(r"[A-Za-z0-9]{9}", c.id):
                raise Fail(f"Mistral call id {c.id!r} is not 9 letters and digits", body, r)
            if c.id in ids:
                raise Fail(f"call id {c.id!r} repeats", body, r)
            ids.add(c.id)
            args = c.function.arguments
            if "\ufffd" in args:
                raise Fail("U+FFFD in the arguments (invalid UTF-8 generated or mangled)", body, r)
            for tag in ("<think>", "</think>"):
                if tag in args:
                    raise Fail(f"{tag} in the arguments", body, r)
            repeated = []

            def pairs(kv):
                keys = [k for k, _ in kv]
                repeated.extend(k for i, k in enumerate(keys) if k in keys[:i])
                return dict(kv)

            try:
                doc = json.loads(args, object_pairs_hook=pairs)
            except ValueError as e:
                raise Fail(f"arguments are not JSON ({e}): {args!r}", body, r) from None
            if repeated:
                raise Fail(f"arguments repeat the keys {repeated}: {args!r}", body, r)
            errors = sorted(jsonschema.Draft202012Validator(PARAMS[c.function.name]).iter_errors(doc),
                            key=lambda e: list(e.path))
            if errors:
                raise Fail(f"arguments do not validate: {errors[0].message} at "
                           f"{'/'.join(map(str, errors[0].path)) or '(root)'}", body, r)
        return calls

    def expect_calls_finish(self, body, r):
        fr = r.choices[0].finish_reason
        if fr != "tool_calls":
            raise Fail(f"finish_reason {fr!r}, want 'tool_calls'", body, r)
        if r.choices[0].message.content not in (None, ""):
            raise Fail(f"content {r.choices[0].message.content!r} beside the calls", body, r)

    # --- the cases -------------------------------------------------------------------------------
    def case_single(self):
        if self.row.tiny:
            return self.too_long()
        body, r, n = self.forced(
            messages=[{"role": "user", "content": self.ask(WEATHER_Q)}], tools=TOOLS,
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
            parallel_tool_calls=False)
        if still_thinking(r):
            return Result("len", f"think x{n}", {"request": body, "response": dump(r)})
        self.expect_calls_finish(body, r)
        self.check_calls(body, r, {"get_weather"}, exactly=1)
        self.single = (body, r)
        return Result("ok", "" if n == 1 else f"try {n}")

    def case_fmt(self):
        """The raw text of the single call, from the logprobs' token bytes."""
        if self.row.tiny:
            return Result("n/a")
        if self.single is None:
            return Result("n/a", "no call")
        body = dict(self.single[0], logprobs=True)
        body.pop("model")
        body.pop("max_tokens")
        body, r = self.create(**body)
        lp = r.choices[0].logprobs
        if lp is None or not lp.content:
            raise Fail("no logprobs", body, r)
        raw = b"".join(bytes(t.bytes or []) for t in lp.content).decode("utf-8", "replace")
        if self.row.opens_think and "</think>" in raw:
            raw = raw.split("</think>", 1)[1]
        raw = raw.lstrip()
        if not raw.startswith(WIRE[self.row.wire]):
            got = next((f for f, w in WIRE.items() if raw.startswith(w[:12])), "?")
            raise Fail(f"the call is written as {raw[:120]!r} (looks like {got}), want "
                       f"{self.row.wire}: {WIRE[self.row.wire]!r}", body, r)
        a = [(c.function.name, c.function.arguments) for c in r.choices[0].message.tool_calls or []]
        b = [(c.function.name, c.function.arguments) for c in self.single[1].choices[0].message.tool_calls]
        if a != b:
            raise Fail(f"with logprobs the calls differ: {a} vs {b}", body, r)
        return Result("ok")

    def case_parallel(self):
        if self.row.tiny:
            return self.too_long()
        runs = [(0, 0.0)] + [(s, 1.0) for s in range(1, self.args.seeds + 1)]

        def one(seed, temp):
            return self.create(messages=[{"role": "user", "content": self.ask(WEATHER_Q)}],
                               tools=TOOLS, tool_choice="required", parallel_tool_calls=True,
                               seed=seed, temperature=temp)

        with concurrent.futures.ThreadPoolExecutor(max_workers=len(runs)) as pool:
            done = [f.result() for f in [pool.submit(one, *run) for run in runs]]
        self.streamable["parallel"] = done[0]
        notes = []
        called = 0
        for body, r in done:
            fr = r.choices[0].finish_reason
            if fr == "length":
                # Cut off: the text is content, unless the calls before the cut parsed whole (the
                # last closing marker may be missing); those must be valid.
                calls = self.check_calls(body, r, set(PARAMS))
                notes.append(f"L{len(calls)}" if calls else "T" if still_thinking(r) else "L")
                continue
            self.expect_calls_finish(body, r)
            calls = self.check_calls(body, r, set(PARAMS))
            if not calls:
                raise Fail("finish_reason tool_calls without calls", body, r)
            called += 1
            notes.append(str(len(calls)))
        return Result("ok" if called else "len", "/".join(notes))

    def history(self):
        """[user, assistant with the calls of `single` as the client got them, tool result]."""
        if self.single is not None:
            msg = self.single[1].choices[0].message
            calls = [c.model_dump(exclude_none=True) for c in msg.tool_calls]
            canned = False
        else:
            cid = "AbC123xYz" if self.row.wire == "mistral" or self.row.tiny else "call_0123456789abcdef"
            calls = [{"id": cid, "type": "function",
                      "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]
            canned = True
        q = "2+2?" if self.row.tiny else WEATHER_Q
        msgs = [{"role": "user", "content": q},
                {"role": "assistant", "content": None, "tool_calls": calls}]
        for c in calls:
            msgs.append({"role": "tool", "tool_call_id": c["id"],
                         "content": "4" if self.row.tiny else TOOL_RESULT})
        return msgs, canned

    def case_answer(self, choice):
        if self.row.tiny and choice != "none":
            return self.too_long()
        msgs, canned = self.history()
        try:
            body, r = self.create(messages=msgs, tools=TOOLS, tool_choice=choice,
                                  max_tokens=self.args.answer_tokens, temperature=0, seed=0)
        except Fail as f:
            # The tiny model's 256 byte-sized tokens hold no history with DeepSeek's markers.
            if self.row.tiny and "context_length_exceeded" in f.why:
                return Result("n/a", "ctx")
            raise
        fr = r.choices[0].finish_reason
        msg = r.choices[0].message
        note = "canned" if canned else ""
        if choice == "none" or fr != "tool_calls":
            if msg.tool_calls:
                raise Fail(f"tool_calls with tool_choice {choice} / finish_reason {fr}", body, r)
            if fr not in ("stop", "length"):
                raise Fail(f"finish_reason {fr!r}", body, r)
            if not isinstance(msg.content, str):
                raise Fail(f"content {msg.content!r} is not a string", body, r)
            # After a tool result the R1 template does not open <think>, so the scripted model may
            # answer without thinking; its answer is the same.
            if self.row.tiny and msg.content.strip() != "The answer: 4":
                raise Fail("the scripted model's answer is not content 'The answer: 4' with "
                           "reasoning 'Two plus two is four.'", body, r)
            return Result("ok", (note + " " + fr).strip() if fr == "length" else note)
        self.check_calls(body, r, set(PARAMS))
        return Result("ok", (note + " call").strip())

    def case_render(self):
        if not self.row.native or self.row.template is None:
            return Result("n/a")
        msgs, canned = self.history()
        # As the server renders for ans-auto: with the tools, arguments parsed into objects, or
        # (when the template throws on that) kept as JSON text.
        outs = []
        with tempfile.TemporaryDirectory() as tmp:
            tools_file = pathlib.Path(tmp) / "tools.json"
            tools_file.write_text(json.dumps(TOOLS, ensure_ascii=False))
            # As the engine does: content "" or null for the call-only message (templates
            # disagree), arguments as objects or as text; the first form that renders.
            for null_content in (False, True):
                for as_objects in (True, False):
                    m = json.loads(json.dumps(msgs))
                    for msg in m:
                        if msg.get("content") is None and not null_content:
                            msg["content"] = ""
                    if as_objects:
                        for c in m[1]["tool_calls"]:
                            c["function"]["arguments"] = json.loads(c["function"]["arguments"])
                    msgs_file = pathlib.Path(tmp) / "messages.json"
                    msgs_file.write_text(json.dumps(m, ensure_ascii=False))
                    p = subprocess.run([self.args.minke, "template", "-m", str(self.row.model),
                                        "--chat-template", str(self.row.template),
                                        "--messages", str(msgs_file), "--tools", str(tools_file)],
                                       capture_output=True, text=True, timeout=60)
                    outs.append((as_objects, p))
                    if p.returncode == 0 and "get_weather" in p.stdout.split(msgs[0]["content"])[-1]:
                        break
                else:
                    continue
                break
        rendered = [o for o in outs if o[1].returncode == 0]
        as_objects, p = rendered[-1] if rendered else outs[-1]
        req = {"minke template --messages": msgs, "--tools": "the two tools"}
        if p.returncode != 0:
            raise Fail("the template does not render the history: " +
                       " / ".join(o[1].stderr.strip() for o in outs), req)
        # What follows the question: the call (name and arguments) and its result.
        q = msgs[0]["content"]
        after = p.stdout[p.stdout.rindex(q) + len(q):] if q in p.stdout else ""
        if "get_weather" not in after:
            # No form shows earlier calls (Granite's template): the engine writes them as the
            # generic JSON in the assistant's content instead, which this raw render cannot show.
            return Result("n/a", "calls not shown by the template")
        args = json.loads(msgs[1]["tool_calls"][0]["function"]["arguments"])
        missing = [what for what, s in (("the question", q if not after else ""),
                                        ("the call's name", "get_weather"),
                                        ("the call's arguments", str(args.get("city", ""))),
                                        ("the tool result", RESULT_MARK)) if s and s not in after]
        if missing:
            raise Fail(f"the prompt lacks {', '.join(missing)} (after the question):\n{p.stdout}", req)
        return Result("ok", "" if as_objects else "args as text")

    def case_none(self):
        q = "2+2?" if self.row.tiny else WEATHER_Q
        body, r = self.create(messages=[{"role": "user", "content": q}], tools=TOOLS,
                              tool_choice="none", max_tokens=self.args.answer_tokens,
                              temperature=0, seed=0)
        msg = r.choices[0].message
        fr = r.choices[0].finish_reason
        if msg.tool_calls:
            raise Fail("tool_calls with tool_choice none", body, r)
        if fr not in ("stop", "length"):
            raise Fail(f"finish_reason {fr!r}", body, r)
        if not isinstance(msg.content, str):
            raise Fail(f"content {msg.content!r} is not a string", body, r)
        if self.row.tiny and not (msg.content == "The answer: 4" and
                                  extra(msg, "reasoning_content") == "Two plus two is four."):
            raise Fail("the scripted model's answer is not content 'The answer: 4' with "
                       "reasoning 'Two plus two is four.'", body, r)
        return Result("ok", "length" if fr == "length" else "")

    def case_nested(self):
        if self.row.tiny:
            return self.too_long()
        body, r, n = self.forced(
            messages=[{"role": "user", "content": self.ask(SEARCH_Q)}], tools=TOOLS,
            tool_choice={"type": "function", "function": {"name": "search"}},
            parallel_tool_calls=False)
        if still_thinking(r):
            return Result("len", f"think x{n}", {"request": body, "response": dump(r)})
        fr = r.choices[0].finish_reason
        if fr == "length":
            return Result("len", "args", {"request": body, "response": dump(r)})
        self.expect_calls_finish(body, r)
        (call,) = self.check_calls(body, r, {"search"}, exactly=1)
        tags = json.loads(call.function.arguments)["filters"]["tags"]
        if not set(tags) <= UNICODE_TAGS:  # validation says so too; the exact strings, once more
            raise Fail(f"tags {tags!r}", body, r)
        self.nested = (body, r)
        shown = ",".join(tags)
        return Result("ok", (shown if shown else "no tags") + ("" if n == 1 else f" try {n}"))

    def case_reason(self):
        if not self.row.reasoning:
            return Result("n/a")
        if self.row.tiny:
            return self.too_long()
        body, r, n = self.forced(messages=[{"role": "user", "content": self.ask(WEATHER_Q)}],
                                 tools=TOOLS, tool_choice="required", parallel_tool_calls=False)
        if still_thinking(r):
            return Result("len", f"think x{n}", {"request": body, "response": dump(r)})
        self.expect_calls_finish(body, r)
        (call,) = self.check_calls(body, r, set(PARAMS), exactly=1)
        reasoning = extra(r.choices[0].message, "reasoning_content") or ""
        if "<think>" in reasoning or "</think>" in reasoning:
            raise Fail("think tags inside reasoning_content", body, r)
        # A long run of the reasoning inside the arguments means the split went wrong.
        chunk = reasoning.strip()[:40]
        if len(chunk) >= 20 and chunk in call.function.arguments:
            raise Fail(f"the reasoning {chunk!r} is inside the arguments", body, r)
        if self.row.opens_think and not reasoning:
            raise Fail("no reasoning_content from a template that opens <think>", body, r)
        note = "thought" if reasoning else "no thinking"
        return Result("ok", note + ("" if n == 1 else f" try {n}"))

    def case_stream(self):
        """Each request of single, nested, auto and parallel's greedy run, streamed."""
        if self.row.tiny:
            return self.too_long()
        done = dict(self.streamable)
        if self.single is not None:
            done["single"] = self.single
        if self.nested is not None:
            done["nested"] = self.nested
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(done))) as pool:
            futs = [pool.submit(self.stream_equal, *x) for x in done.values()]
            for f in futs:
                f.result()  # raises its Fail
        return Result("ok", f"{len(done)} reqs")

    def stream_equal(self, body, r):
        """The request `body`, streamed: its deltas add up to the unstreamed response `r`."""
        sbody = dict(body, stream=True)
        try:
            chunks = list(self.client.chat.completions.create(**sbody))
        except openai.APIStatusError as e:
            raise Fail(f"HTTP {e.status_code}: {e.body}", sbody) from None
        shown = [dump(x) for x in chunks]
        calls, content, reasoning, finish = {}, "", "", None
        for ch in chunks:
            for c in ch.choices:
                d = c.delta
                content += d.content or ""
                reasoning += extra(d, "reasoning_content") or ""
                for t in d.tool_calls or []:
                    f = t.function
                    if t.index not in calls:
                        if not t.id or not (f and f.name) or t.type != "function":
                            raise Fail(f"the first delta of call {t.index} lacks id, name or type: "
                                       f"{dump(t)}", sbody, shown)
                        calls[t.index] = {"id": t.id, "name": f.name, "arguments": f.arguments or ""}
                        continue
                    if t.id and t.id != calls[t.index]["id"]:
                        raise Fail(f"call {t.index}'s id changes", sbody, shown)
                    if f and f.name and f.name != calls[t.index]["name"]:
                        raise Fail(f"call {t.index}'s name changes", sbody, shown)
                    calls[t.index]["arguments"] += (f.arguments or "") if f else ""
                if c.finish_reason:
                    finish = c.finish_reason
        msg = r.choices[0].message
        want = [(c.function.name, c.function.arguments) for c in msg.tool_calls or []]
        got = [(calls[i]["name"], calls[i]["arguments"]) for i in sorted(calls)]
        if sorted(calls) != list(range(len(calls))):
            raise Fail(f"call indexes {sorted(calls)}", sbody, shown)
        if got != want:
            raise Fail(f"streamed calls {got} differ from the unstreamed {want}", sbody, shown)
        if self.row.wire == "mistral":
            ids = [calls[i]["id"] for i in sorted(calls)]
            if ids != [c.id for c in msg.tool_calls or []]:
                raise Fail(f"Mistral ids {ids} differ from the unstreamed", sbody, shown)
        if finish != r.choices[0].finish_reason:
            raise Fail(f"streamed finish_reason {finish!r}, unstreamed "
                       f"{r.choices[0].finish_reason!r}", sbody, shown)
        if content != (msg.content or ""):
            raise Fail(f"streamed content {content!r} differs from {msg.content!r}", sbody, shown)
        if reasoning != (extra(msg, "reasoning_content") or ""):
            raise Fail(f"streamed reasoning_content {reasoning!r} differs from "
                       f"{extra(msg, 'reasoning_content')!r}", sbody, shown)

    def case_auto(self):
        if self.row.tiny:
            return self.too_long()
        body, r = self.create(messages=[{"role": "user", "content": WEATHER_Q}], tools=TOOLS,
                              tool_choice="auto", max_tokens=self.args.answer_tokens,
                              temperature=0, seed=0)
        self.streamable["auto"] = (body, r)
        fr = r.choices[0].finish_reason
        msg = r.choices[0].message
        if fr == "tool_calls":
            calls = self.check_calls(body, r, set(PARAMS))
            if not calls:
                raise Fail("finish_reason tool_calls without calls", body, r)
            return Result("ok", f"called x{len(calls)}")
        if msg.tool_calls:
            raise Fail(f"tool_calls with finish_reason {fr}", body, r)
        if fr not in ("stop", "length"):
            raise Fail(f"finish_reason {fr!r}", body, r)
        if not isinstance(msg.content, str):
            raise Fail(f"content {msg.content!r} is not a string", body, r)
        opening = OPENING.get(self.row.wire)
        if fr == "stop" and opening and opening in msg.content:
            raise Fail(f"free text holds the format's opening {opening!r}", body, r)
        if still_thinking(r):
            return Result("ok", "thinking")
        return Result("ok", "text" if fr == "stop" else "text, length")

    def too_long(self):
        """The tiny scripted model has 256 tokens of context, byte-sized: the generic tool prompt
        does not fit. The server must say so (400), not fail otherwise."""
        body = {"model": self.model, "messages": [{"role": "user", "content": "2+2?"}],
                "tools": TOOLS, "tool_choice": "required", "max_tokens": 20}
        try:
            r = self.client.chat.completions.create(**body)
        except openai.BadRequestError as e:
            if "context" in str(e.body):
                return Result("n/a", "ctx")
            raise Fail(f"HTTP 400 not about the context: {e.body}", body) from None
        except openai.APIStatusError as e:
            raise Fail(f"HTTP {e.status_code}: {e.body}", body) from None
        # It fits after all: then it must be a valid call.
        self.check_calls(body, r, set(PARAMS))
        return Result("ok", "fits")

    def run(self, name):
        fn = {"fmt": self.case_fmt, "single": self.case_single, "parallel": self.case_parallel,
              "render": self.case_render, "ans-auto": lambda: self.case_answer("auto"),
              "ans-none": lambda: self.case_answer("none"), "none": self.case_none,
              "nested": self.case_nested, "reason": self.case_reason, "stream": self.case_stream,
              "auto": self.case_auto}[name]
        t0 = time.time()
        try:
            res = fn()
            res.secs = time.time() - t0
            return res
        except Fail as f:
            resp = f.response
            resp = dump(resp) if not isinstance(resp, list) else resp
            return Result("FAIL", "", {"why": f.why, "request": f.request, "response": resp,
                                       "server_stderr": self.server.tail(12)})
        except Exception as e:  # noqa: BLE001 - a harness or client error is a failure to show
            return Result("FAIL", "", {"why": f"{type(e).__name__}: {e}",
                                       "traceback": traceback.format_exc(),
                                       "server_stderr": self.server.tail(12)})


def still_thinking(r):
    """Ended at max_tokens inside the reasoning: no answer, no call."""
    c = r.choices[0]
    return (c.finish_reason == "length" and not c.message.tool_calls and not c.message.content
            and bool(extra(c.message, "reasoning_content")))


def run_row(row, args):
    extra_args = ["--chat-template", row.template] if row.template else []
    ctx = None if row.tiny else args.ctx
    t0 = time.time()
    server = Server(args.minke, row.model, args.parallel, ctx, args.threads, extra_args)
    results = {}
    client = None
    try:
        client = openai.OpenAI(base_url=server.base, api_key="none", max_retries=0,
                               timeout=args.timeout)
        model = client.models.list().data[0].id
        runner = Runner(row, client, model, args, server)
        # `single` and `nested` first: fmt, render, ans-* and stream build on their calls.
        first = ["single", "nested", "parallel", "none", "reason", "auto"]
        then = ["fmt", "render", "ans-auto", "ans-none", "stream"]
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.parallel) as pool:
            for group in (first, then):
                futs = {n: pool.submit(runner.run, n) for n in group}
                for n, f in futs.items():
                    results[n] = f.result()
    finally:
        if client is not None:
            client.close()  # an idle keep-alive connection holds the server's exit for seconds
        rc = server.stop()
    if rc != 0:
        results["server"] = Result("FAIL", "", {"why": f"minke serve exited with {rc}",
                                                "server_stderr": server.tail(40)})
    return results, time.time() - t0, server.cmd


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minke", required=True, help="the minke binary")
    ap.add_argument("--only", help="only the rows whose name matches this regex")
    ap.add_argument("--max-tokens", type=int, default=200, help="for calls (default 200)")
    ap.add_argument("--answer-tokens", type=int, default=100,
                    help="for free-text answers: auto, none, ans-* (default 100)")
    ap.add_argument("--seeds", type=int, default=3,
                    help="sampled runs of `parallel` beside the greedy one (default 3)")
    ap.add_argument("--think-tries", type=int, default=4,
                    help="tries of a forced call on a template that opens <think> (default 4)")
    ap.add_argument("--parallel", type=int, default=4,
                    help="requests in flight per server; also `minke serve --parallel` (default 4)")
    ap.add_argument("--threads", type=int, help="`minke serve -t`")
    ap.add_argument("--ctx", type=int, default=2048, help="`minke serve -c` (default 2048)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per request")
    ap.add_argument("--report", help="write every result (failures with request, response and "
                                     "server stderr) here as JSON")
    ap.add_argument("-v", "--verbose", action="store_true", help="a line per row as it finishes")
    args = ap.parse_args()

    rows = [r for r in ROWS if not args.only or re.search(args.only, r.name)]
    missing = sorted({str(r.model) for r in rows if not pathlib.Path(r.model).is_file()})
    if missing:
        raise SystemExit(f"missing models: {', '.join(missing)} (scripts/fetch-models.sh)")
    t_start = time.time()
    table = {}
    for row in rows:
        try:
            results, secs, cmd = run_row(row, args)
        except Exception as e:  # noqa: BLE001 - a server that does not start fails the row
            results, secs, cmd = {"server": Result("FAIL", "", {"why": str(e)})}, 0.0, None
        table[row.name] = (row, results, secs, cmd)
        if args.verbose:
            bad = [n for n, r in results.items() if r.status == "FAIL"]
            print(f"{row.name:<32} {secs:5.1f}s  " + ("FAIL " + ", ".join(bad) if bad else "ok") +
                  "  (" + " ".join(f"{n} {r.secs:.1f}" for n, r in results.items()) + ")", flush=True)
    total = time.time() - t_start

    # The table.
    cols = CASES
    width = {c: max(len(c), *(len(res.get(c, Result("-")).cell()) for _, res, _, _ in table.values()))
             for c in cols}
    namew = max(len("template (format)"), *(len(f"{n} ({r.label()})") for n, (r, *_ ) in table.items()))
    print()
    print(f"{'template (format)':<{namew}}  " + "  ".join(f"{c:<{width[c]}}" for c in cols) + "   secs")
    for name, (row, res, secs, _) in table.items():
        cells = [res.get(c, Result("-")).cell() for c in cols]
        line = f"{name + ' (' + row.label() + ')':<{namew}}  " + \
            "  ".join(f"{x:<{width[c]}}" for x, c in zip(cells, cols)) + f"  {secs:5.1f}"
        if "server" in res:
            line += f"  server: {res['server'].status}"
        print(line)

    fails = [(name, case, r) for name, (_, res, _, _) in table.items() for case, r in res.items()
             if r.status == "FAIL"]
    counts = {s: sum(r.status == s for _, (_, res, _, _) in table.items() for r in res.values())
              for s in ("ok", "FAIL", "len", "n/a")}
    if fails:
        print("\n--- failures ---")
        for name, case, r in fails:
            d = r.detail or {}
            print(f"\nFAIL {name} / {case}: {d.get('why')}")
            for k in ("request", "response", "traceback", "server_stderr"):
                if d.get(k):
                    v = d[k] if isinstance(d[k], str) else json.dumps(d[k], ensure_ascii=False)
                    print(f"  {k}: {v[:3000]}")
    lens = [(name, case) for name, (_, res, _, _) in table.items() for case, r in res.items()
            if r.status == "len"]
    if lens:
        print("\nlen (ended at max_tokens still thinking or still calling; not failures): " +
              ", ".join(f"{n}/{c}" for n, c in lens))
    if args.report:
        rep = {"seconds": round(total, 1),
               "settings": {k: getattr(args, k) for k in ("max_tokens", "answer_tokens", "seeds",
                                                          "think_tries", "parallel", "threads", "ctx")},
               "rows": {name: {"model": str(row.model), "template": str(row.template or ""),
                               "detected": row.detected, "wire": row.wire, "cmd": cmd,
                               "seconds": round(secs, 1),
                               "cases": {c: {"status": r.status, "note": r.note, "detail": r.detail}
                                         for c, r in res.items()}}
                        for name, (row, res, secs, cmd) in table.items()},
               "counts": counts}
        pathlib.Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.report).write_text(json.dumps(rep, indent=1, ensure_ascii=False, default=str) + "\n")
        print(f"\nreport: {args.report}")
    print(f"\n{len(table)} templates in {total:.1f}s: {counts['ok']} ok, {counts['FAIL']} FAIL, "
          f"{counts['len']} len, {counts['n/a']} n/a")
    # The closing line CI reads.
    print(f"{counts['ok']} passed, {counts['FAIL']} failed, {counts['len'] + counts['n/a']} skipped")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
