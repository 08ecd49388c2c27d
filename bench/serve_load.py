#!/usr/bin/env python3
"""Load benchmark of `minke serve`, side by side with llama.cpp's server (llama-cpp-python's
llama_cpp.server) on the same model and threads: aggregate generated tokens/s at 1, 4 and 16
concurrent streams, time-to-first-token p50/p99, and the prefix-cache hit rate of a run where
every request shares one long system prompt.

    bench/serve_load.py --model models/SmolLM2-135M-Instruct.Q4_1.gguf \\
        [--minke build/minke] [--llama-python .venv-oracle/bin/python] [--json out.json]

Each stream sends --requests requests one after the other (a chat turn, --max-tokens tokens,
greedy); streams start together. Counted tokens come from the streamed usage, or one per
content chunk when the server sends no usage. The servers run one after the other, never at
the same time, on the same cores (--threads)."""
import argparse
import concurrent.futures
import http.client
import json
import pathlib
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

TOPICS = ["the sea", "mountains", "a city at night", "autumn", "a library", "the desert",
          "a train journey", "rain", "the moon", "a garden", "winter", "a lighthouse",
          "a forest", "the river", "a market", "snow", "a bridge", "the harbour"]
SYSTEM = ("You are a helpful assistant for a travel company. " * 30).strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name, cmd, port):
        self.name, self.port = name, port
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/v1/models")
                r = c.getresponse()
                body = json.loads(r.read())
                if r.status == 200:
                    self.model = body["data"][0]["id"]
                    return
            except (OSError, ValueError, KeyError):
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.proc.stderr.read()[-2000:]}")
            time.sleep(0.5)
        raise RuntimeError(f"{name} did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def metrics(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", "/metrics")
        r = c.getresponse()
        out = {}
        for line in r.read().decode().splitlines():
            if line and not line.startswith("#"):
                k, v = line.rsplit(" ", 1)
                out[k] = float(v)
        return out

    def chat(self, messages, max_tokens):
        """One streamed chat completion: (generated tokens, seconds to the first text)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        body = {"model": self.model, "messages": messages, "max_tokens": max_tokens,
                "temperature": 0, "stream": True, "stream_options": {"include_usage": True}}
        t0 = time.perf_counter()
        c.request("POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"})
        r = c.getresponse()
        if r.status != 200:
            raise RuntimeError(f"{self.name}: HTTP {r.status}: {r.read()[:300]}")
        first, chunks, usage = None, 0, None
        for raw in r:
            line = raw.decode().strip()
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = json.loads(line[6:])
            if event.get("usage"):
                usage = event["usage"]["completion_tokens"]
            for ch in event.get("choices", []):
                if ch.get("delta", {}).get("content"):
                    chunks += 1
                    first = first or time.perf_counter() - t0
        return (usage if usage is not None else chunks), first or 0.0


def run_streams(server, n_streams, requests, max_tokens, shared_system=False):
    def stream(i):
        out = []
        for k in range(requests):
            topic = TOPICS[(i * requests + k) % len(TOPICS)]
            msgs = [{"role": "user", "content": f"Write a short poem about {topic} (stream {i}, turn {k})."}]
            if shared_system:
                msgs.insert(0, {"role": "system", "content": SYSTEM})
            out.append(server.chat(msgs, max_tokens))
        return out
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(n_streams) as pool:
        results = [r for rs in pool.map(stream, range(n_streams)) for r in rs]
    wall = time.perf_counter() - t0
    tokens = sum(r[0] for r in results)
    ttft = sorted(r[1] for r in results)
    p99 = ttft[min(len(ttft) - 1, int(round(0.99 * (len(ttft) - 1))))]
    return {"streams": n_streams, "requests": len(results), "tokens": tokens, "seconds": wall,
            "tokens_per_s": tokens / wall, "ttft_p50": statistics.median(ttft), "ttft_p99": p99}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--minke", default="build/minke")
    ap.add_argument("--llama-python", help="a Python with llama-cpp-python[server] (omit to skip)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=2048)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--requests", type=int, default=4, help="requests per stream")
    ap.add_argument("--streams", default="1,4,16")
    ap.add_argument("--json")
    a = ap.parse_args()
    levels = [int(x) for x in a.streams.split(",")]
    servers = [("minke", lambda p: [a.minke, "serve", "-m", a.model, "--port", str(p), "-t", str(a.threads),
                                    "-c", str(a.ctx), "--parallel", str(max(levels))])]
    if a.llama_python:
        servers.append(("llama.cpp", lambda p: [a.llama_python, "-m", "llama_cpp.server", "--model", a.model,
                                                "--port", str(p), "--n_threads", str(a.threads),
                                                "--n_ctx", str(a.ctx), "--verbose", "False",
                                                # Its default cancels a running request when
                                                # another arrives; queue them instead.
                                                "--interrupt_requests", "False"]))
    report = {"model": pathlib.Path(a.model).name, "threads": a.threads, "max_tokens": a.max_tokens,
              "requests_per_stream": a.requests, "servers": {}}
    for name, cmd in servers:
        port = free_port()
        s = Server(name, cmd(port), port)
        try:
            s.chat([{"role": "user", "content": "Hi"}], 8)  # warm-up
            rows = []
            for n in levels:
                row = run_streams(s, n, a.requests, a.max_tokens)
                rows.append(row)
                print(f"{name:10s} {n:3d} streams: {row['tokens_per_s']:7.1f} tokens/s aggregate, "
                      f"TTFT p50 {row['ttft_p50']*1000:6.0f} ms, p99 {row['ttft_p99']*1000:6.0f} ms "
                      f"({row['tokens']} tokens in {row['seconds']:.1f} s)", flush=True)
            entry = {"levels": rows}
            if name == "minke":
                before = s.metrics()
                shared = run_streams(s, 4, a.requests, a.max_tokens, shared_system=True)
                after = s.metrics()
                hit = after["minke_prefix_cache_hit_tokens_total"] - before["minke_prefix_cache_hit_tokens_total"]
                query = after["minke_prefix_cache_query_tokens_total"] - before["minke_prefix_cache_query_tokens_total"]
                shared["prefix_hit_rate"] = hit / query if query else 0.0
                entry["shared_system_prompt"] = shared
                print(f"{name:10s} shared system prompt, 4 streams: prefix-cache hit rate "
                      f"{shared['prefix_hit_rate']*100:.1f} % of prompt tokens, TTFT p50 "
                      f"{shared['ttft_p50']*1000:.0f} ms, {shared['tokens_per_s']:.1f} tokens/s", flush=True)
            report["servers"][name] = entry
        finally:
            s.stop()
    m = report["servers"]["minke"]["levels"]
    one = next(r for r in m if r["streams"] == 1)
    for r in m:
        print(f"minke {r['streams']} streams / 1 stream: {r['tokens_per_s'] / one['tokens_per_s']:.2f}x")
    if "llama.cpp" in report["servers"]:
        for r, l in zip(m, report["servers"]["llama.cpp"]["levels"]):
            print(f"{r['streams']} streams, minke / llama.cpp: {r['tokens_per_s'] / l['tokens_per_s']:.2f}x")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
