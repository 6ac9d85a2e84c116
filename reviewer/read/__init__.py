"""Readers: one per format, each turning a file into a RawDocument of Grids and Paragraphs.

``read_path`` is the only entry point: it refuses what no reader should see (missing, empty,
oversized files), picks the reader by content rather than trusting the extension, and turns
any parser failure into an InputError with one reviewer-facing line.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from reviewer.errors import InputError
from reviewer.model import RawDocument
from reviewer.settings import MAX_FILE_BYTES

SUPPORTED_SUFFIXES = {".txt", ".md", ".csv", ".tsv", ".docx", ".xlsx", ".pdf"}


def report_files(folder: Path, recursive: bool = True) -> list[Path]:
    """The report files in a folder, in name order: known suffixes only; hidden files, office
    lock files (~$…) and READMEs skipped."""
    if not folder.is_dir():
        return []
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(f for f in found if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES
                  and not f.name.startswith((".", "~$")) and not f.name.upper().startswith("README"))


def expand_paths(paths: list[str | Path]) -> tuple[list[str | Path], list[tuple[str, str]]]:
    """Files to review: a folder (a county's batch) stands for the report files under it, in
    name order; office lock files and hidden files are skipped. Returns (files, errors)."""
    files: list[str | Path] = []
    errors: list[tuple[str, str]] = []
    for given in paths:
        p = Path(given)
        if not p.is_dir():
            files.append(given)
            continue
        found = report_files(p)
        if not found:
            errors.append((str(given), "这是一个目录，其中没有可审阅的报告文件（.txt/.docx/.xlsx/.pdf）"))
        files.extend(found)
    return files, errors


def sniff(path: Path, head: bytes) -> str:
    """Return the reader to use: text, docx, xlsx or pdf (by magic bytes first)."""
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            raise InputError("文件已损坏或不完整（压缩包无法打开），请重新导出后再试", str(path)) from None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise InputError("无法识别的 Office 文件：既不是 .docx 也不是 .xlsx", str(path))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # OLE2: legacy .doc/.xls, or an encrypted (password-protected) OOXML file.
        raise InputError("文件受密码保护或为旧版 .doc/.xls 格式，请另存为 .docx/.xlsx（不加密）后再试", str(path))
    if suffix in {".docx", ".xlsx", ".pdf", ".doc", ".xls"}:
        raise InputError(f"文件内容与扩展名 {suffix} 不符，可能已损坏", str(path))
    return "text"


def read_path(path: str | Path) -> RawDocument:
    """Read any supported file into a RawDocument, or raise InputError."""
    p = Path(path)
    src = str(path)
    if not p.exists():
        raise InputError("文件不存在", src)
    if p.is_dir():
        raise InputError("这是一个目录，不是文件", src)
    size = p.stat().st_size
    if size == 0:
        raise InputError("文件为空", src)
    if size > MAX_FILE_BYTES:
        raise InputError(f"文件过大（{size / 1048576:.0f} MB），上限为 {MAX_FILE_BYTES // 1048576} MB", src)
    with p.open("rb") as fh:
        head = fh.read(8)
    kind = sniff(p, head)
    try:
        if kind == "text":
            from reviewer.read.text import read_text

            return read_text(p, source=src)
        if kind == "docx":
            from reviewer.read.docx import read_docx

            return read_docx(p, source=src)
        if kind == "xlsx":
            from reviewer.read.xlsx import read_xlsx

            return read_xlsx(p, source=src)
        from reviewer.read.pdf import read_pdf

        return read_pdf(p, source=src)
    except InputError as err:
        err.source = err.source or src
        raise
    except (MemoryError, RecursionError):
        raise InputError("文件结构异常（过大或嵌套过深），已拒绝读取", src) from None
    except Exception as exc:  # noqa: BLE001 - a parser library failing on a corrupt file
        raise InputError(f"文件无法解析（{type(exc).__name__}），可能已损坏", src) from None
