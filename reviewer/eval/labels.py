"""A labelled dataset for `reviewer eval`: a folder of reports plus ``labels.jsonl`` (DESIGN.md).

Each line of labels.jsonl is one JSON object::

    {"doc": "file.docx", "project": "…" | null, "indicator": "…" | null,
     "codes": [...], "ignore": [...], "reference": "optional staff explanation"}

``note`` and keys starting with ``_`` are comments. Any other key is refused, so a typo such as
``"code"`` cannot silently turn a labelled row into a clean one.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reviewer.codes import CODE_NAMES
from reviewer.errors import InputError
from reviewer.read import report_files

LABELS_FILE = "labels.jsonl"
# Codes DESIGN.md leaves out of the score: both are judgements about a whole template or a
# whole table, and a row-level label could not say when they are right.
UNSCORED = frozenset({"GENERIC_INDICATOR", "EXACT_THRESHOLD_PATTERN"})
SCORED = tuple(c for c in CODE_NAMES if c not in UNSCORED)
FIELDS = ("doc", "project", "indicator", "codes", "ignore", "reference")

_PREFIX = re.compile(r"^(?:指标\d*[:：]?|[:：])")


@dataclass(frozen=True)
class Label:
    line: int
    doc: str
    project: str | None
    indicator: str | None
    codes: frozenset[str]
    ignore: frozenset[str]
    reference: str | None = None

    @property
    def kind(self) -> str:
        """"row", "project" (indicator null) or "document" (project and indicator null)."""
        if self.indicator is not None:
            return "row"
        return "project" if self.project is not None else "document"


@dataclass
class Dataset:
    root: Path
    documents: list[Path]  # every report in the folder, by name
    labels: list[Label]

    def name_of(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def text_key(text: str | None) -> str:
    """How names are compared: NFKC, all whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def indicator_key(text: str | None) -> str:
    """An indicator as compared: ``text_key`` without a leading "指标N：" and trailing colons."""
    return _PREFIX.sub("", text_key(text)).rstrip(":：")


def load_dataset(root: str | Path) -> Dataset:
    """Read and validate a dataset folder; anything unusable is an InputError with one Chinese line."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"数据集目录不存在：{root}")
    labels_path = root / LABELS_FILE
    if not labels_path.is_file():
        raise InputError(f"数据集目录 {root} 中没有 {LABELS_FILE}")
    documents = report_files(root, recursive=False)
    labels = _read_labels(labels_path, root)
    named = {root / label.doc for label in labels}
    documents = sorted(set(documents) | named)
    if not documents:
        raise InputError(f"数据集目录 {root} 中没有可审阅的报告（.txt/.docx/.xlsx/.pdf）")
    return Dataset(root=root, documents=documents, labels=labels)


def _read_labels(path: Path, root: Path) -> list[Label]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"无法读取 {path}：{err}") from None
    labels = []
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        where = f"{LABELS_FILE} 第 {n} 行"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as err:
            raise InputError(f"{where}不是有效的 JSON：{err.msg}（第 {err.colno} 列）") from None
        if not isinstance(obj, dict):
            raise InputError(f"{where}应为一个 JSON 对象")
        labels.append(_label(obj, n, where, root))
    return labels


def _label(obj: dict, n: int, where: str, root: Path) -> Label:
    unknown = [k for k in obj if k not in FIELDS and k != "note" and not k.startswith("_")]
    if unknown:
        raise InputError(f"{where}有未知字段 {', '.join(unknown)}（可用字段：{', '.join(FIELDS)}；注释可写在 note 中）")
    doc = obj.get("doc")
    if not isinstance(doc, str) or not doc.strip():
        raise InputError(f"{where}缺少 doc（报告文件名）")
    if not (root / doc).is_file():
        raise InputError(f"{where}引用的报告 {doc} 不在数据集目录中")
    for field in ("project", "indicator", "reference"):
        if obj.get(field) is not None and not isinstance(obj[field], str):
            raise InputError(f"{where}的 {field} 应为字符串或 null")
    sets = {}
    for field in ("codes", "ignore"):
        value = obj.get(field, [])
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
            raise InputError(f"{where}的 {field} 应为问题代码的列表")
        bad = [c for c in value if c not in CODE_NAMES]
        if bad:
            raise InputError(f"{where}有未知的问题代码 {', '.join(bad)}")
        sets[field] = frozenset(value)
    both = sets["codes"] & sets["ignore"]
    if both:
        raise InputError(f"{where}的 {', '.join(sorted(both))} 同时出现在 codes 和 ignore 中")
    indicator = obj.get("indicator")
    if indicator is not None and not indicator_key(indicator):
        raise InputError(f"{where}的 indicator 为空；要标注整个项目请写 null")
    if obj.get("project") is not None and not text_key(obj["project"]):
        raise InputError(f"{where}的 project 为空；不限定项目请写 null")
    return Label(line=n, doc=doc, project=obj.get("project"), indicator=indicator,
                 codes=sets["codes"], ignore=sets["ignore"], reference=obj.get("reference") or None)
