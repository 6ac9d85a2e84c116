"""Run the real web app (`python app.py`) in a subprocess for the API and browser tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, home: Path, port: int | None = None, env: dict[str, str] | None = None,
                 args: list[str] | None = None):
        self.home, self.port = home, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        full_env = {**os.environ, "REVIEWER_HOME": str(home), "GRADIO_ANALYTICS_ENABLED": "False",
                    "GRADIO_TEMP_DIR": str(home / "gradio-tmp"), **(env or {})}
        self.log = open(home.parent / f"server-{self.port}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(self.port), *(args or [])],
                                     cwd=ROOT, env=full_env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 90) -> Server:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.output()}")
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"server not ready after {timeout}s: {self.output()}")

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def kill(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


@contextmanager
def running_server(home: Path, **kwargs):
    server = Server(home, **kwargs).wait_ready()
    try:
        yield server
    finally:
        server.kill()


def build_index(home: Path, sample: Path) -> Path | None:
    """Build the corpus index once into ``home`` (a fresh home otherwise spends ~25 s building it).

    Returns the index directory, or None when the corpus step is unavailable (the app then
    falls back to rule checks with a notice, which the tests tolerate).
    """
    code = ("from reviewer.pipeline import review_paths; import sys; "
            "review_paths([sys.argv[1]], use_corpus=True, llm=False)")
    env = {**os.environ, "REVIEWER_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-c", code, str(sample)], check=False, cwd=ROOT, env=env, capture_output=True,
                          timeout=300)
    index = home / "index"
    return index if proc.returncode == 0 and index.exists() else None


def new_home(base: Path, index: Path | None) -> Path:
    """A fresh REVIEWER_HOME that starts with a copy of the prebuilt corpus index."""
    base.mkdir(parents=True, exist_ok=True)
    if index is not None:
        shutil.copytree(index, base / "index", ignore=shutil.ignore_patterns("*.lock"))
    return base
