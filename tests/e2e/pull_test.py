#!/usr/bin/env python3
"""End-to-end checks of `minke pull` and `minke list` against a local HTTP server (loopback
only): a download that is cut off resumes from where it stopped, hf: sources and redirects,
a file that is not GGUF or has the wrong SHA-256 is refused and leaves nothing behind, and
-m takes a stored model's name.
    tests/e2e/pull_test.py path/to/minke
Prints one line per check and 'N passed, N failed'; exits 1 if any failed."""
import hashlib
import http.server
import os
import pathlib
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from checks import check, finish  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
MINKE = sys.argv[1]
MODEL = ROOT / "tests/golden/data/models/tiny/r1-scripted.gguf"
DATA = MODEL.read_bytes()

class Handler(http.server.BaseHTTPRequestHandler):
    cut_next = False  # the next download stops halfway (connection closed)
    ranges = []       # Range headers seen

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/redirect/tiny.gguf":
            self.send_response(302)
            self.send_header("Location", "/files/tiny.gguf")
            self.end_headers()
            return
        if self.path.startswith("/files/notgguf.gguf"):
            body = b"<html>not a model</html>" * 100
        elif self.path.startswith("/files/") or self.path.startswith("/owner/repo/resolve/main/"):
            body = DATA
        else:
            self.send_error(404)
            return
        start = 0
        rng = self.headers.get("Range")
        Handler.ranges.append(rng)
        if rng:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        if Handler.cut_next:
            Handler.cut_next = False
            self.wfile.write(body[start:start + (len(body) - start) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body[start:])


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    home = pathlib.Path(tempfile.mkdtemp())
    env = dict(os.environ, MINKE_HOME=str(home), MINKE_HF_ENDPOINT=base)

    def minke(*args):
        return subprocess.run([MINKE, *args], capture_output=True, text=True, env=env, timeout=120)

    r = minke("list")
    check("list on an empty store says how to add one", r.returncode == 0 and "minke pull" in r.stderr, r)

    Handler.cut_next = True
    r = minke("pull", f"{base}/files/tiny.gguf")
    part = home / "tiny.gguf.part"
    check("a cut-off transfer fails, keeps its part and says to pull again",
          r.returncode == 1 and "minke: error:" in r.stderr and "resume" in r.stderr and
          part.exists() and 0 < part.stat().st_size < len(DATA), r.stderr)
    kept = part.stat().st_size if part.exists() else -1
    Handler.ranges.clear()
    r = minke("pull", f"{base}/files/tiny.gguf")
    final = home / "tiny.gguf"
    check("pulling again resumes from the bytes kept (Range) and completes the file",
          r.returncode == 0 and Handler.ranges == [f"bytes={kept}-"] and final.read_bytes() == DATA
          and not part.exists(), (r.stderr, Handler.ranges))
    check("pull prints the stored path on stdout", r.stdout.strip() == str(final), r.stdout)

    r = minke("list")
    check("list shows the stored model", "tiny.gguf" in r.stdout, r.stdout)
    r = minke("run", "-m", "tiny", "--hide-thinking", "--no-stats", "-p", "2+2?")
    check("-m takes a stored model's name", r.returncode == 0 and r.stdout.strip() == "The answer: 4", r)

    sha = hashlib.sha256(DATA).hexdigest()
    r = minke("pull", "hf:owner/repo/hf-model.gguf", "--sha256", sha.upper())
    check("hf:OWNER/REPO/FILE resolves through MINKE_HF_ENDPOINT; a matching SHA-256 keeps it",
          r.returncode == 0 and (home / "hf-model.gguf").read_bytes() == DATA, r.stderr)
    r = minke("pull", f"{base}/redirect/tiny.gguf")
    check("redirects are followed", r.returncode == 0, r.stderr)

    r = minke("pull", f"{base}/files/other.gguf", "--sha256", "0" * 64)
    check("a wrong SHA-256 is refused and nothing is left",
          r.returncode == 1 and "SHA-256" in r.stderr and not list(home.glob("other.gguf*")), r.stderr)
    r = minke("pull", f"{base}/files/notgguf.gguf")
    check("a file that is not GGUF is refused and nothing is left",
          r.returncode == 1 and "not a GGUF" in r.stderr and not list(home.glob("notgguf*")), r.stderr)
    r = minke("pull", f"{base}/nothing/missing.gguf")
    check("an HTTP 404 is one error line, nothing left",
          r.returncode == 1 and "404" in r.stderr and r.stderr.count("minke: error:") == 1 and
          not list(home.glob("missing*")), r.stderr)
    for bad in ["ftp://x/y.gguf", "hf:owner/model.gguf", f"{base}/files/a%2F..%2Fb.gguf",
                f"{base}/files/model.bin"]:
        r = minke("pull", bad)
        check(f"'{bad}' is refused with an error naming it", r.returncode == 1 and
              r.stderr.startswith("minke: error:"), r.stderr)
    r = minke("pull", "x", "--sha256", "xyz")
    check("a malformed --sha256 is a usage error", r.returncode == 2, r.stderr)
    server.shutdown()
    finish()


if __name__ == "__main__":
    main()
