"""A `minke serve` for the conformance harnesses (tests/conformance/*_conformance.py)."""
import collections
import re
import signal
import subprocess
import threading
import time
import urllib.request


class Server:
    """A `minke serve` on a free loopback port (--port 0; the port is read from its first stderr
    line), ready once /health answers 200. Its stderr is drained into a buffer in the background,
    so a chatty server never blocks, and the tail is shown if it dies."""

    def __init__(self, minke, model, parallel, ctx, threads, extra, start_timeout=120):
        cmd = [minke, "serve", "-m", str(model), "--port", "0", "--parallel", str(parallel)]
        if ctx:
            cmd += ["-c", str(ctx)]
        if threads:
            cmd += ["-t", str(threads)]
        cmd += [str(a) for a in extra]
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        first = self.proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/v1", first)
        if not m:
            rest = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError(f"minke serve did not start: {' '.join(cmd)}\n{first}{rest}")
        self.log = collections.deque([first], maxlen=400)
        threading.Thread(target=self._drain, daemon=True).start()
        self.port = int(m.group(1))
        self.base = f"http://127.0.0.1:{self.port}/v1"
        deadline = time.time() + start_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"minke serve exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                self.stop()
                raise RuntimeError(f"minke serve: /health not 200 after {start_timeout}s")
            time.sleep(0.2)

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def tail(self, n=40):
        return "".join(list(self.log)[-n:])

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()
