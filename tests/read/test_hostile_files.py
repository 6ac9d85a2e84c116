"""Files the tool cannot use: the real CLI exits 2 with one line on stderr, never a traceback.

Each case runs `reviewer review FILE --no-corpus --format json` as a subprocess, the way a
reviewer (or a batch script) calls it.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import seed
from fixtures_build import (
    build_docx,
    build_encrypted_pdf,
    build_pdf_without_text,
    build_xlsx,
    build_zip_bomb,
    docx_bytes_without_tables,
    seed_sections,
)

from reviewer import settings
from reviewer.errors import InputError
from reviewer.read import read_path

REVIEWER = Path(sys.executable).parent / "reviewer"


def run_review(*paths: Path | str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(REVIEWER), "review", *map(str, paths), "--no-corpus", "--format", "json"],
        check=False, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )


def _random(path: Path) -> Path:
    path.write_bytes(random.Random(7).randbytes(64 * 1024))
    return path


def _empty(tmp: Path) -> Path:
    path = tmp / "empty.docx"
    path.write_bytes(b"")
    return path


def _truncated_xlsx(tmp: Path) -> Path:
    whole = build_xlsx({"表1": seed_sections(seed("003"), 1, "003")}, tmp / "whole.xlsx").read_bytes()
    path = tmp / "truncated.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def _zip_bomb(tmp: Path) -> Path:
    # Zeros beyond the unzipped limit: ~370 KB on disk, refused from the central directory alone.
    return build_zip_bomb(tmp / "bomb.xlsx", settings.MAX_UNZIPPED_BYTES + 64 * 1024 * 1024)


def _oversize(tmp: Path) -> Path:
    path = tmp / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: no disk used
    return path


def _docx_without_tables(tmp: Path) -> Path:
    path = tmp / "notes.docx"
    path.write_bytes(docx_bytes_without_tables())
    return path


def _ole(tmp: Path) -> Path:
    path = tmp / "locked.docx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 4096)
    return path


def _corrupt_pdf(tmp: Path) -> Path:
    path = tmp / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n" + random.Random(3).randbytes(32 * 1024))
    return path


def _docx_with_broken_xml(tmp: Path) -> Path:
    path = tmp / "broken.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", "<w:document><w:body><w:p>未闭合")
    return path


def _directory(tmp: Path) -> Path:
    path = tmp / "a-folder.docx"
    path.mkdir()
    return path


CASES = {
    "empty file": _empty,
    "random bytes named .docx": lambda tmp: _random(tmp / "random.docx"),
    "random bytes named .pdf": lambda tmp: _random(tmp / "random.pdf"),
    "truncated xlsx": _truncated_xlsx,
    "zip bomb named .xlsx": _zip_bomb,
    "file over the size limit": _oversize,
    "docx without tables": _docx_without_tables,
    "encrypted or legacy OLE file": _ole,
    "pdf header then garbage": _corrupt_pdf,
    "docx with broken XML": _docx_with_broken_xml,
    "pdf without text layer": lambda tmp: build_pdf_without_text(tmp / "scan.pdf"),
    "password-protected pdf": lambda tmp: build_encrypted_pdf(tmp / "locked.pdf"),
    "directory": _directory,
    "missing path": lambda tmp: tmp / "does-not-exist.xlsx",
}


@pytest.mark.parametrize("case", list(CASES))
def test_unusable_file_exits_2_with_one_line(case, tmp_path):
    path = CASES[case](tmp_path)
    proc = run_review(path)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert path.name in lines[0]
    assert len(lines[0]) > len(str(path)) + 4  # a message, not just the path


def test_bad_file_among_good_ones_still_reviews_the_good_one(tmp_path):
    good = tmp_path / "good.txt"
    shutil.copy(seed("003"), good)
    bad = _random(tmp_path / "bad.docx")
    proc = run_review(good, bad)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert any("bad.docx" in line for line in proc.stderr.splitlines())
    out = json.loads(proc.stdout)
    assert [d["source"] for d in out["documents"]] == [str(good)]
    assert sum(len(p["rows"]) for p in out["documents"][0]["projects"]) > 100


def test_office_fixtures_review_cleanly(tmp_path):
    """The same CLI accepts the real .docx and .xlsx fixtures (exit 0, JSON on stdout)."""
    sections = seed_sections(seed("003"), 2, "003")
    docx_path = build_docx(sections, tmp_path / "report.docx")
    xlsx_path = build_xlsx({"表1": sections}, tmp_path / "report.xlsx")
    proc = run_review(docx_path, xlsx_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert [len(d["projects"]) for d in out["documents"]] == [2, 2]


def test_unzipped_size_limit_applies_to_real_documents(tmp_path, monkeypatch):
    path = build_docx(seed_sections(seed("003"), 1, "003"), tmp_path / "report.docx")
    read_path(path)  # fine at the shipped limit
    monkeypatch.setattr(settings, "MAX_UNZIPPED_BYTES", 10 * 1024)
    with pytest.raises(InputError, match="解压后过大"):
        read_path(path)


def test_millions_of_empty_cells_are_refused_quickly(tmp_path):
    """A text file of 4 million tab-separated cells is refused (before parsing), in one line."""
    f = tmp_path / "tabs.txt"
    f.write_text(("\t" * 2000 + "x\n") * 2000, encoding="utf-8")
    res = subprocess.run([str(Path(sys.executable).with_name("reviewer")), "review", str(f), "--no-corpus"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "单元格过多" in res.stderr and res.stderr.count("\n") == 1
