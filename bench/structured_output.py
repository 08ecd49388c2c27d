#!/usr/bin/env python3
"""Constrained decoding speed: generation tokens/s with a JSON Schema against without one.

For each model, `minke run --raw` generates from the same prompt with the same sampling and seed,
once constrained by --json-schema and once free with -n set to the constrained run's token count,
alternating the two and taking each side's median decode tokens/s over the rounds (the stats
line's figure: the first token excluded). Both sides use Minke's default sampling chain
(top-k 40, top-p 0.95, min-p 0.05, temperature 0.8) and, in a second setting, greedy decoding.

  bench/structured_output.py -m MODEL [-m MODEL ...] [--minke build/minke] [--schema FILE]
                             [--rounds 5] [-t 2] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

STATS = re.compile(r"generated: (\d+) tokens, ([\d.]+) t/s \| (\w+)")

# A typical response schema: an object of strings, numbers, an enum, a nested array of objects.
SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "year": {"type": "integer", "minimum": 1900, "maximum": 2100},
        "rating": {"type": "number"},
        "genre": {"enum": ["drama", "comedy", "thriller", "documentary"]},
        "cast": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "role": {"type": "string"}},
                "required": ["name", "role"],
            },
            "minItems": 1,
            "maxItems": 6,
        },
        "summary": {"type": "string"},
    },
    "required": ["title", "year", "rating", "genre", "cast", "summary"],
    "additionalProperties": False,
}
PROMPT = "Here is a detailed description of a film, as JSON:\n"


def run(minke, model, threads, seed, temp, extra):
    cmd = [minke, "run", "-m", model, "--raw", "-t", str(threads), "-s", str(seed),
           "--temp", str(temp), "-p", PROMPT, *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {p.stderr[-800:]}")
    m = STATS.findall(p.stderr)
    if not m:
        raise RuntimeError(f"no stats line in: {p.stderr[-400:]}")
    n, tps, finish = m[-1]
    return int(n), float(tps), finish, p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-m", "--model", action="append", required=True)
    ap.add_argument("--minke", default="build/minke")
    ap.add_argument("--schema", help="JSON Schema file (default: a film description)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("--json", help="write every sample here")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        schema = args.schema
        if schema is None:
            schema = str(Path(tmp) / "schema.json")
            Path(schema).write_text(json.dumps(SCHEMA))
        results = []
        for model in args.model:
            for temp in (0.8, 0.0):
                samples = []
                for r in range(args.rounds):
                    seed = 100 + r
                    n, tps_c, finish, out = run(args.minke, model, args.threads, seed, temp,
                                                ["--json-schema", schema, "-n", "400"])
                    if finish == "stop":
                        json.loads(out)  # a complete constrained output is JSON
                    _, tps_u, _, _ = run(args.minke, model, args.threads, seed, temp,
                                         ["-n", str(n)])
                    samples.append({"tokens": n, "constrained": tps_c, "free": tps_u})
                c = statistics.median(s["constrained"] for s in samples)
                u = statistics.median(s["free"] for s in samples)
                row = {"model": Path(model).name, "temperature": temp, "constrained_tps": c,
                       "free_tps": u, "ratio": c / u,
                       "tokens": statistics.median(s["tokens"] for s in samples), "samples": samples}
                results.append(row)
                print(f"{row['model']:45s} temp {temp:3.1f}  {row['tokens']:5.0f} tokens  "
                      f"constrained {c:7.1f} t/s  free {u:7.1f} t/s  ratio {c / u:5.3f}", flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
