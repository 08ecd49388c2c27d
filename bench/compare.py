#!/usr/bin/env python3
"""Minke side by side with other engines: pp/tg tokens per second on the same GGUF files.

For each model, every engine runs the same test (prompt processing of -p tokens, generation of
-n tokens, -t threads, each from a cache of -d tokens: llama-bench's depth) once per round; the engines' order rotates from round to round so that a
drift in the machine (turbo, a neighbour's load) does not favour one of them, and each engine's
figure is the median of its rounds. Minke runs `minke bench --json`; a peer is any
llama-bench-compatible binary (`--peer NAME=PATH`, read through its `-o json` output: mainline
llama.cpp, ik_llama.cpp). With no peer given, llama.cpp is timed through llama-cpp-python when it
is installed (pp: one eval of the prompt from an empty cache; tg: n single-token evals).

  bench/compare.py -m MODEL [-m MODEL ...] [--minke build/minke] [--peer NAME=PATH ...]
                   [-p 512] [-n 128] [-d 0] [-t 2] [--rounds 3] [--reps 1] [--json OUT]
                   [--report docs/BENCHMARKS.md]

Prints a table (tokens/s, Minke's ratio to each peer, Minke's memory-bandwidth roofline fraction
in generation) and writes every sample to --json. --report writes the whole docs/BENCHMARKS.md
(bench/run.sh is the one command that regenerates it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def log(msg: str) -> None:
    print(f"compare: {msg}", file=sys.stderr, flush=True)


@dataclass
class Engine:
    name: str
    kind: str  # "minke", "llama-bench", "llama-cpp-python"
    path: str = ""
    extra: list[str] = field(default_factory=list)
    version: str = ""


@dataclass
class Sample:
    pp: float | None
    tg: float | None
    info: dict


def run_json(cmd: list[str], timeout: float) -> object:
    log("$ " + " ".join(shlex.quote(c) for c in cmd))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {p.returncode}: {p.stderr.strip()[-800:]}")
    return json.loads(p.stdout)


def run_minke(e: Engine, model: str, a: argparse.Namespace) -> Sample:
    cmd = [e.path, "bench", "-m", model, "-p", str(a.n_prompt), "-n", str(a.n_gen),
           "-d", str(a.depth), "-t", str(a.threads), "-r", str(a.reps), "--json", "--no-membw",
           *e.extra]
    j = run_json(cmd, a.timeout)
    return Sample(j["pp_tokens_per_s"], j["tg_tokens_per_s"], j)


def run_llama_bench(e: Engine, model: str, a: argparse.Namespace) -> Sample:
    cmd = [e.path, "-m", model, "-p", str(a.n_prompt), "-n", str(a.n_gen), "-t", str(a.threads),
           "-r", str(a.reps), "-o", "json", *e.extra]
    if a.depth > 0:
        cmd[1:1] = ["-d", str(a.depth)]
    rows = run_json(cmd, a.timeout)
    pp = tg = None
    for r in rows:
        if r.get("n_prompt", 0) > 0 and r.get("n_gen", 0) == 0:
            pp = r["avg_ts"]
        elif r.get("n_gen", 0) > 0 and r.get("n_prompt", 0) == 0:
            tg = r["avg_ts"]
    info = rows[0] if rows else {}
    if not e.version and info:
        e.version = f"{info.get('build_commit', '?')} (build {info.get('build_number', '?')})"
    return Sample(pp, tg, {"rows": rows})


def run_llama_cpp_python(e: Engine, model: str, a: argparse.Namespace) -> Sample:
    """llama.cpp through its Python binding, timed here as llama-bench times it."""
    import random

    import llama_cpp  # noqa: the optional path

    if a.depth > 0:
        raise RuntimeError("the llama-cpp-python peer does not measure at a depth: give --peer")
    e.version = f"llama-cpp-python {llama_cpp.__version__}"
    llm = llama_cpp.Llama(model_path=model, n_ctx=max(a.n_prompt, a.n_gen) + 8, n_batch=512,
                          n_ubatch=512, n_threads=a.threads, n_threads_batch=a.threads,
                          verbose=False)
    rng = random.Random(1234)
    n_vocab = llm.n_vocab()
    pps, tgs = [], []
    for rep in range(a.reps + 1):  # the first is the warm-up
        if a.n_prompt > 0:
            llm.reset()  # eval() then drops the cache from position 0 on
            toks = [rng.randrange(n_vocab) for _ in range(a.n_prompt)]
            t0 = time.perf_counter()
            llm.eval(toks)
            s = time.perf_counter() - t0
            if rep > 0:
                pps.append(a.n_prompt / s)
        if a.n_gen > 0:
            llm.reset()  # eval() then drops the cache from position 0 on
            t0 = time.perf_counter()
            for _ in range(a.n_gen):
                llm.eval([rng.randrange(n_vocab)])
            s = time.perf_counter() - t0
            if rep > 0:
                tgs.append(a.n_gen / s)
    llm.close() if hasattr(llm, "close") else None
    mean = lambda v: statistics.fmean(v) if v else None  # noqa: E731
    return Sample(mean(pps), mean(tgs), {"pp_samples": pps, "tg_samples": tgs})


RUNNERS = {"minke": run_minke, "llama-bench": run_llama_bench,
           "llama-cpp-python": run_llama_cpp_python}


def median(v: list[float | None]) -> float | None:
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def measure(engines: list[Engine], models: list[str], a: argparse.Namespace) -> dict:
    results = []
    probes = []  # the bandwidth probe after each model: the machine's best is the limit
    for model in models:
        log(f"model {model}")
        samples: dict[str, list[Sample]] = {e.name: [] for e in engines}
        errors: dict[str, str] = {}
        for rnd in range(a.rounds):
            order = engines[rnd % len(engines):] + engines[:rnd % len(engines)]
            for e in order:
                if e.name in errors:
                    continue
                try:
                    samples[e.name].append(RUNNERS[e.kind](e, model, a))
                except Exception as ex:  # noqa: BLE001 - one engine failing must not stop the rest
                    errors[e.name] = str(ex)
                    log(f"{e.name} failed on {model}: {ex}")
        entry = {"model": model, "engines": {}}
        for e in engines:
            s = samples[e.name]
            entry["engines"][e.name] = {
                "pp_tokens_per_s": median([x.pp for x in s]),
                "tg_tokens_per_s": median([x.tg for x in s]),
                "pp_rounds": [x.pp for x in s],
                "tg_rounds": [x.tg for x in s],
                "error": errors.get(e.name),
            }
        minke = next((e for e in engines if e.kind == "minke"), None)
        if minke and samples[minke.name]:
            info = samples[minke.name][-1].info
            entry["minke"] = {k: info.get(k) for k in (
                "arch", "file_type", "n_params", "model_bytes", "weight_bytes_per_token",
                "kernel_path", "threads", "commit", "machine")}
        results.append(entry)
        if engines[0].kind == "minke":
            p = probe_membw(engines[0], a)
            if p:
                probes.append(p)
    best = max(probes, key=lambda p: p["membw_gb_per_s"]) if probes else None
    return {"results": results, "membw": best,
            "membw_probes_gb_per_s": [p["membw_gb_per_s"] for p in probes]}


def probe_membw(minke: Engine, a: argparse.Namespace) -> dict | None:
    try:
        return run_json([minke.path, "bench", "--membw", "--json", "-t", str(a.threads)], a.timeout)
    except Exception as ex:  # noqa: BLE001
        log(f"bandwidth probe failed: {ex}")
        return None


def add_ratios(report: dict, engines: list[Engine]) -> None:
    minke = next((e for e in engines if e.kind == "minke"), None)
    bw = (report.get("membw") or {}).get("membw_gb_per_s")
    for entry in report["results"]:
        if minke is None:
            continue
        m = entry["engines"][minke.name]
        for e in engines:
            if e is minke:
                continue
            p = entry["engines"][e.name]
            for t in ("pp", "tg"):
                mv, pv = m[f"{t}_tokens_per_s"], p[f"{t}_tokens_per_s"]
                p[f"minke_{t}_ratio"] = mv / pv if mv and pv else None
        info = entry.get("minke") or {}
        tg = m["tg_tokens_per_s"]
        if tg and bw and info.get("weight_bytes_per_token"):
            gbs = tg * info["weight_bytes_per_token"] / 1e9
            m["tg_gb_per_s"] = gbs
            m["roofline_fraction"] = gbs / bw
        else:
            m["roofline_fraction"] = None


def fmt(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def model_label(entry: dict) -> str:
    return Path(entry["model"]).name


def at_depth(a: argparse.Namespace) -> str:
    """llama-bench's label for a test started from a cache of a.depth tokens."""
    return f" @ d{a.depth}" if a.depth > 0 else ""


def table(report: dict, engines: list[Engine], a: argparse.Namespace) -> str:
    minke = next((e for e in engines if e.kind == "minke"), None)
    peers = [e for e in engines if e is not minke]
    head = ["model"]
    for e in engines:
        head += [f"{e.name} pp{a.n_prompt}{at_depth(a)}", f"{e.name} tg{a.n_gen}{at_depth(a)}"]
    for e in peers if minke else []:
        head += [f"pp ×{e.name}", f"tg ×{e.name}"]
    if minke:
        head += ["Minke tg roofline"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for entry in report["results"]:
        row = [model_label(entry)]
        for e in engines:
            r = entry["engines"][e.name]
            row += [fmt(r["pp_tokens_per_s"]), fmt(r["tg_tokens_per_s"])]
        for e in peers if minke else []:
            r = entry["engines"][e.name]
            row += [fmt(r.get("minke_pp_ratio"), 2), fmt(r.get("minke_tg_ratio"), 2)]
        if minke:
            rf = entry["engines"][minke.name].get("roofline_fraction")
            row.append("—" if rf is None else f"{100 * rf:.0f} %")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def roofline_table(report: dict, engines: list[Engine]) -> str:
    minke = next((e for e in engines if e.kind == "minke"), None)
    if minke is None:
        return ""
    lines = ["| model | Minke kernels | weights read per token | Minke tg | tg GB/s | roofline |",
             "|---|---|---:|---:|---:|---:|"]
    for entry in report["results"]:
        info = entry.get("minke") or {}
        m = entry["engines"][minke.name]
        wb = info.get("weight_bytes_per_token")
        rf = m.get("roofline_fraction")
        lines.append(" | ".join([
            f"| {model_label(entry)}", f"{info.get('kernel_path', '—')}",
            "—" if not wb else f"{wb / 2**20:.1f} MiB", fmt(m["tg_tokens_per_s"]),
            fmt(m.get("tg_gb_per_s")), "—" if rf is None else f"{100 * rf:.0f} % |"]))
    return "\n".join(lines)


def git_commit() -> str:
    try:
        c = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", "HEAD", "--", "src",
                                "include", "tools", "CMakeLists.txt"]).returncode != 0
        return c + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


HAND_KEPT = "## Earlier runs"


def write_report(path: Path, report: dict, engines: list[Engine], a: argparse.Namespace) -> None:
    bw = report.get("membw") or {}
    cores = bw.get("physical_cores", "?")
    mem = bw.get("memory_bytes")
    cpu = f"- CPU: {bw.get('machine') or platform.processor() or '?'}, {cores} physical cores " \
          f"({os.cpu_count()} logical CPUs)"
    if mem:
        cpu += f", {mem / 2**30:.1f} GiB memory"
    lines = [
        "# Benchmarks",
        "",
        "Minke against the fastest CPU engines on the same GGUF files, measured in one run on one",
        "machine by `bench/run.sh` (which calls `bench/compare.py`). Speed is never a pass/fail test;",
        "this page is the record. Tokens per second, higher is better; ×peer is Minke's speed divided",
        "by the peer's.",
        "",
        "## Machine and run",
        "",
        cpu,
        f"- features: {bw.get('cpu_features', '?')}",
        f"- memory read bandwidth (`minke bench --membw -t {a.threads}`: {a.threads} threads, "
        f"{(bw.get('buffer_bytes') or 0) >> 20} MiB buffer, best of {bw.get('passes', '?')} passes): "
        f"**{fmt(bw.get('membw_gb_per_s'))} GB/s**, the best of the probes run after each model "
        f"({', '.join(fmt(x) for x in report.get('membw_probes_gb_per_s', []))} GB/s)",
        f"- Minke commit: `{report['commit']}`; kernel path: "
        f"`{next((r['minke']['kernel_path'] for r in report['results'] if r.get('minke')), '?')}`",
    ]
    for e in engines:
        if e.kind != "minke":
            lines.append(f"- {e.name}: `{e.path or e.kind}` {e.version}".rstrip()
                         + (f" (extra flags `{' '.join(e.extra)}`)" if e.extra else ""))
    lines += [
        f"- test: pp{a.n_prompt} (a {a.n_prompt}-token prompt from "
        + (f"a cache of {a.depth} tokens" if a.depth > 0 else "an empty cache")
        + f") and tg{a.n_gen} "
        f"({a.n_gen} tokens generated one at a time), {a.threads} threads; each engine ran "
        f"{a.rounds} rounds of {a.reps} repetition(s) after a warm-up, engines alternating in "
        f"rotating order; the figure is the median of the rounds",
        f"- measured {report['date']}, load average before the run {report.get('loadavg', '?')}",
        "",
        "## Results",
        "",
        table(report, engines, a),
        "",
        roofline_table(report, engines),
        "",
        "Roofline: Minke's generation speed × the bytes of weights one token reads (every tensor but",
        "the token embedding, which is read one row at a time unless tied to the output) ÷ the",
        "measured read bandwidth. 100 % is the most any engine can reach without reading less.",
        "",
        "Models: SmolLM2-135M-Instruct Q4_1, Gemma 3 270M Q4_K_M and Qwen2.5-Coder-0.5B-Instruct",
        "Q4_K_M are the files `scripts/fetch-models.sh` downloads; `qwen2.5-0.5b-*` and",
        "`llama-3.2-1b-*` are random-weight files with those models' shapes written by",
        "`scripts/make_bench_model.py` (every matrix in the one type; Qwen2.5-0.5B's 896-wide",
        "matrices cannot be Q4_K and are Q5_0 there, as in real Qwen2.5-0.5B Q4_K files).",
        "",
    ]
    if report.get("notes"):
        lines += ["## Notes", "", *report["notes"], ""]
    lines += [
        "## Regenerating",
        "",
        "```sh",
        "bench/build_peers.sh           # once: llama.cpp and ik_llama.cpp llama-bench into peers/",
        "bench/run.sh                   # builds Minke, writes the bench models, measures, rewrites this file",
        "```",
        "",
        "`bench/run.sh` takes `BUILD_DIR` (default `build`), `THREADS` (2), `ROUNDS` (3),",
        "`LLAMA_BENCH` and `IK_LLAMA_BENCH` (the peers' llama-bench binaries) from the",
        "environment. For one model or other engines, call `bench/compare.py` directly, e.g.",
        "`bench/compare.py -m models/SmolLM2-135M-Instruct.Q4_1.gguf --peer llama.cpp=PATH -t 2`;",
        "`minke bench -m MODEL` alone gives Minke's figures with mean ± stddev and the roofline.",
        "The raw samples of the run above are in `bench/results.json`.",
        "",
    ]
    # The hand-kept sections (earlier machines, forced paths, other models) follow the generated
    # part from HAND_KEPT on: a rerun replaces the generated part and keeps them.
    old = path.read_text() if path.exists() else ""
    kept = old[old.index(HAND_KEPT):] if HAND_KEPT in old else ""
    path.write_text("\n".join(lines) + kept)
    log(f"wrote {path}")


def parse_engines(a: argparse.Namespace) -> list[Engine]:
    engines = [Engine("Minke", "minke", a.minke)]
    extra = {}
    for spec in a.peer_args:
        name, _, args = spec.partition("=")
        extra[name] = shlex.split(args)
    for spec in a.peer:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            sys.exit(f"compare: --peer wants NAME=PATH, got {spec!r}")
        if not os.access(path, os.X_OK):
            sys.exit(f"compare: peer {name}: {path} is not an executable")
        engines.append(Engine(name, "llama-bench", path, extra.get(name, [])))
    if not a.peer and not a.no_python_peer:
        try:
            import llama_cpp  # noqa: F401

            engines.append(Engine("llama.cpp (python)", "llama-cpp-python"))
        except ImportError:
            log("no --peer given and llama-cpp-python is not installed: Minke alone")
    return engines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-m", "--model", action="append", required=True, help="GGUF file (repeatable)")
    ap.add_argument("--minke", default=str(ROOT / "build" / "minke"), help="the minke binary")
    ap.add_argument("--peer", action="append", default=[], metavar="NAME=PATH",
                    help="a llama-bench-compatible binary (repeatable)")
    ap.add_argument("--peer-args", action="append", default=[], metavar="NAME=ARGS",
                    help="extra llama-bench flags for one peer, e.g. 'ik_llama.cpp=-rtr 1'")
    ap.add_argument("--no-python-peer", action="store_true",
                    help="without --peer, do not fall back to llama-cpp-python")
    ap.add_argument("-p", "--n-prompt", type=int, default=512)
    ap.add_argument("-n", "--n-gen", type=int, default=128)
    ap.add_argument("-d", "--depth", type=int, default=0,
                    help="tokens already in the cache when each test starts (llama-bench's -d)")
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per model (median)")
    ap.add_argument("--reps", type=int, default=1, help="repetitions inside each engine run")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per engine run")
    ap.add_argument("--json", type=Path, help="write every sample here")
    ap.add_argument("--report", type=Path, help="write a docs/BENCHMARKS.md page here")
    ap.add_argument("--note", action="append", default=[], help="a line for the report's notes")
    a = ap.parse_args()
    if not os.access(a.minke, os.X_OK):
        sys.exit(f"compare: {a.minke} is not an executable (build Minke first)")
    for m in a.model:
        if not Path(m).is_file():
            sys.exit(f"compare: {m}: no such file")
    engines = parse_engines(a)
    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report = measure(engines, a.model, a)
    report["commit"] = git_commit()
    report["date"] = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    report["loadavg"] = loadavg
    report["notes"] = a.note
    report["settings"] = {"n_prompt": a.n_prompt, "n_gen": a.n_gen, "depth": a.depth,
                          "threads": a.threads,
                          "rounds": a.rounds, "reps": a.reps}
    report["engines"] = [{"name": e.name, "kind": e.kind, "path": e.path, "extra": e.extra,
                          "version": e.version} for e in engines]
    add_ratios(report, engines)
    print(table(report, engines, a))
    bw = (report["membw"] or {}).get("membw_gb_per_s")
    print(f"\nmemory read bandwidth: {fmt(bw)} GB/s ({a.threads} threads); commit {report['commit']}")
    if a.json:
        a.json.write_text(json.dumps(report, indent=2) + "\n")
        log(f"wrote {a.json}")
    if a.report:
        write_report(a.report, report, engines, a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
