#!/usr/bin/env python3
"""Soak test of `minke serve`: 500 mixed requests from 16 client threads (streamed and whole
answers, clients hanging up mid-stream, prompts longer than the context, bodies over the size
limit, malformed JSON). Every answer is well-formed, none is a 5xx, and the server's RSS at the
end is within 5 % of its RSS after the first 50 requests (nothing grows per request).
    tests/e2e/serve_soak_test.py path/to/minke"""
import concurrent.futures
import http.client
import json
import os
import pathlib
import random
import re
import signal
import subprocess
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from checks import check, finish  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
MINKE = sys.argv[1]
SMOL = pathlib.Path(os.environ.get("MINKE_MODELS", ROOT / "models")) / "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL = "SmolLM2-135M-Instruct.Q4_1"
TOTAL, WARM, CLIENTS = int(os.environ.get("SOAK_TOTAL", 500)), 50, 16


def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def request(port, i):
    """Request number i of the mix; returns (kind, HTTP status, whether the answer was right)."""
    rng = random.Random(i)
    kind = rng.choices(["stream", "whole", "hangup", "too_long", "too_big", "bad_json"],
                       weights=[40, 30, 10, 10, 5, 5])[0]
    msgs = [{"role": "user", "content": f"Say something about the number {i}."}]
    body = {"model": MODEL, "messages": msgs, "max_tokens": rng.randint(1, 12),
            "temperature": rng.choice([0, 0.7, 1.2]), "seed": i}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    if kind == "too_long":
        body["messages"] = [{"role": "user", "content": "word " * 3000}]
    data = json.dumps(dict(body, stream=kind in ("stream", "hangup"))).encode()
    if kind == "too_big":
        data = b"x" * (9 << 20)
    elif kind == "bad_json":
        data = data[: len(data) // 2]
    try:
        conn.request("POST", "/v1/chat/completions", data, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        if kind == "hangup":
            resp.fp.readline()
            conn.sock.close()
            return kind, resp.status, resp.status == 200
        payload = resp.read()
    except (ConnectionError, http.client.HTTPException) as e:
        # The server may close a 9 MiB upload early after answering 413.
        return kind, 413 if kind == "too_big" else 0, kind == "too_big"
    finally:
        conn.close()
    if kind == "stream":
        events = [e for e in payload.decode().split("\n\n") if e]
        ok = resp.status == 200 and events[-1] == "data: [DONE]" and all(
            "choices" in json.loads(e[6:]) for e in events[:-1])
    elif kind == "whole":
        j = json.loads(payload)
        ok = resp.status == 200 and j["choices"][0]["finish_reason"] in ("stop", "length")
    else:
        want = {"too_long": 400, "too_big": 413, "bad_json": 400}[kind]
        ok = resp.status == want and "error" in json.loads(payload)
    return kind, resp.status, ok


def main():
    server = subprocess.Popen([MINKE, "serve", "-m", str(SMOL), "--port", "0", "--parallel", "16",
                               "-t", "2", "-c", "1024"], stderr=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, text=True)
    port = int(re.search(r":(\d+)/v1", server.stderr.readline()).group(1))
    results, lock, marks = [], threading.Lock(), {}

    def one(i):
        r = request(port, i)
        with lock:
            results.append(r)
            if len(results) == WARM:
                marks["warm"] = rss(server.pid)
        return r
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one, range(TOTAL)))
    end = rss(server.pid)
    server.send_signal(signal.SIGTERM)
    rc = server.wait(timeout=60)
    bad = [r for r in results if not r[2]]
    kinds = {k: sum(1 for r in results if r[0] == k) for k in sorted({r[0] for r in results})}
    checks = [
        (f"{TOTAL} mixed requests ({kinds}) all answered as expected", not bad, bad[:5]),
        ("no 5xx", all(r[1] < 500 for r in results), [r for r in results if r[1] >= 500][:5]),
        (f"RSS at the end within 5 % of RSS after {WARM} requests "
         f"({marks['warm'] >> 20} -> {end >> 20} MiB)", end <= marks["warm"] * 1.05, None),
        ("the server exits 0 on SIGTERM", rc == 0, rc),
    ]
    for name, ok, detail in checks:
        check(name, ok, detail)
    finish()


if __name__ == "__main__":
    main()
