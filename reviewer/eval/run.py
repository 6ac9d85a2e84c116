"""`reviewer eval`: review a labelled dataset with the same pipeline as `reviewer review`, measure
precision, recall and F1 per finding code, and keep a baseline that CI checks.

Output: a table on stdout whose last line is ``micro P=… R=… F1=… rows_found=a/b``; with
``--json`` one JSON object (``reviewer.eval/1``) and nothing else on stdout, the same line in its
``summary`` field. Matching rules are in reviewer.eval.match, draft metrics in reviewer.eval.drafts.

Baseline: ``evals/baseline.json`` keeps, per dataset (its path relative to the repository) the
options it was measured with, micro and per-code F1 and rows_found. ``--check-baseline`` returns
1 when micro F1 is lower than the baseline's or any code's F1 is more than ``F1_DROP`` lower;
``--update-baseline`` rewrites the dataset's entry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reviewer.checks.base import SIMILARITY_CODES
from reviewer.codes import code_name
from reviewer.errors import InputError
from reviewer.eval.drafts import DraftReport, measure_drafts
from reviewer.eval.labels import SCORED, Dataset, load_dataset
from reviewer.eval.match import MatchResult, Miss, Score, score
from reviewer.model import CoverageEntry, ReviewError
from reviewer.settings import PACKAGE_ROOT

BASELINE_PATH = PACKAGE_ROOT / "evals" / "baseline.json"
BASELINE_SCHEMA = "reviewer.eval-baseline/1"
F1_DROP = 0.02  # a per-code F1 may move this much (one row in ~50) before the gate fails
_EPS = 1e-4  # F1 values are stored to 4 decimals


@dataclass
class EvalReport:
    dataset: Dataset
    name: str  # as the user gave it
    key: str  # the baseline key
    use_corpus: bool
    llm: bool
    errors: list[ReviewError]
    match: MatchResult
    drafts: DraftReport | None
    notes: list[str] = field(default_factory=list)
    coverage: dict[str, CoverageEntry] = field(default_factory=dict)  # summed over the documents

    @property
    def rule_micro(self) -> Score:
        """Micro counts over the rules-table codes only (the corpus comparisons left out)."""
        picked = [s for c, s in self.match.scores.items() if c not in SIMILARITY_CODES]
        return Score(sum(s.tp for s in picked), sum(s.fp for s in picked), sum(s.fn for s in picked))

    @property
    def summary_line(self) -> str:
        m = self.match.micro
        return (f"micro P={m.precision or 0:.2f} R={m.recall or 0:.2f} F1={m.f1 or 0:.2f} "
                f"rows_found={self.match.rows_found}/{self.match.rows_labelled}")

    def to_dict(self) -> dict[str, Any]:
        """The ``reviewer.eval/1`` JSON object."""
        return {
            "schema": "reviewer.eval/1",
            "dataset": self.name,
            "options": {"use_corpus": self.use_corpus, "llm": self.llm},
            "documents": len(self.dataset.documents),
            "labels": len(self.dataset.labels),
            "errors": [e.model_dump() for e in self.errors],
            "notes": self.notes,
            "codes": {c: {"name": code_name(c), **_score_dict(s)} for c, s in self.match.scores.items()},
            "micro": _score_dict(self.match.micro),
            "rule_micro": _score_dict(self.rule_micro),
            "coverage": {c: e.model_dump() for c, e in self.coverage.items()},
            "rows_found": {"found": self.match.rows_found, "labelled": self.match.rows_labelled},
            "false_positives": [_miss_dict(m) for m in self.match.misses if m.kind == "fp"],
            "false_negatives": [_miss_dict(m) for m in self.match.misses if m.kind == "fn"],
            "drafts": None if self.drafts is None else {
                **_rounded(self.drafts.summary()),
                "items": [_rounded(asdict(i)) for i in self.drafts.items],
                "obeyed": [asdict(o) for o in self.drafts.obeyed],
            },
            "summary": self.summary_line,
        }


def run_eval(dataset_dir: str | Path, *, use_corpus: bool = True, llm: bool = False,
             corpus_dir: str | Path | None = None, progress=None) -> EvalReport:
    """Review every document of the dataset and score the findings (and drafts, with ``llm``)."""
    from reviewer.pipeline import review_paths

    dataset = load_dataset(dataset_dir)
    notes: list[str] = []
    # A dataset's own documents may sit in the corpus (the seeds do): each is left out of the
    # corpus while it is reviewed, by content and by file name, so it is never compared with itself.
    result = review_paths(dataset.documents, use_corpus=use_corpus, corpus_dir=corpus_dir, llm=llm,
                          progress=progress, leave_out_same_name=True)
    if use_corpus:
        notes.append("评估时每份报告不与历史报告库中它自己的副本（同内容或同名文件）比对。")
    by_source = {d.source: d for d in result.documents}
    documents = {dataset.name_of(p): by_source[str(p)] for p in dataset.documents if str(p) in by_source}
    match = score(dataset, documents, SCORED)
    drafts = None
    if llm:
        from reviewer.draft.llm import LLMClient

        drafts = measure_drafts(match.labelled_rows, documents, LLMClient.from_settings())
        if not any(d.source == "llm" for doc in documents.values() for d in doc.drafts or []):
            notes.append("未配置 LLM 端点（REVIEWER_LLM_BASE_URL），起草指标来自离线起草。")
    elif any(lr.reference for lr in match.labelled_rows):
        notes.append("起草指标未计算：加 --llm 时才起草（未配置端点时用离线起草）。")
    return EvalReport(dataset=dataset, name=str(dataset_dir), key=_baseline_key(dataset.root),
                      use_corpus=use_corpus, llm=llm, errors=list(result.errors), match=match,
                      drafts=drafts, notes=notes, coverage=_sum_coverage(documents.values()))


def _sum_coverage(documents) -> dict[str, CoverageEntry]:
    """Per code: rows checked and rows not checked (by reason) over every reviewed document."""
    total: dict[str, CoverageEntry] = {}
    for doc in documents:
        for code, entry in doc.coverage.items():
            t = total.setdefault(code, CoverageEntry())
            t.checked += entry.checked
            for reason, n in entry.skipped.items():
                t.skipped[reason] = t.skipped.get(reason, 0) + n
    return total


# ---------------------------------------------------------------------- baseline


def baseline_entry(report: EvalReport) -> dict[str, Any]:
    """What the baseline keeps for one dataset."""
    return {
        "options": {"use_corpus": report.use_corpus, "llm": report.llm},
        "micro": _score_dict(report.match.micro),
        "codes": {c: _score_dict(s) for c, s in report.match.scores.items()},
        "rows_found": {"found": report.match.rows_found, "labelled": report.match.rows_labelled},
    }


def compare_with_baseline(current: dict[str, Any], base: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(regressions, improvements) of ``current`` against ``base``, both ``baseline_entry`` dicts."""
    worse, better = [], []
    cur_f1, base_f1 = current["micro"]["f1"] or 0.0, base["micro"]["f1"] or 0.0
    if cur_f1 < base_f1 - _EPS:
        worse.append(f"micro F1 {cur_f1:.4f} 低于基线 {base_f1:.4f}")
    elif cur_f1 > base_f1 + _EPS:
        better.append(f"micro F1 {cur_f1:.4f} 高于基线 {base_f1:.4f}")
    for code, b in base["codes"].items():
        if b.get("f1") is None:
            continue
        c = (current["codes"].get(code) or {}).get("f1") or 0.0
        if c < b["f1"] - F1_DROP - _EPS:
            worse.append(f"{code} F1 {c:.4f} 比基线 {b['f1']:.4f} 低 {b['f1'] - c:.4f}（允许 {F1_DROP}）")
        elif c > b["f1"] + _EPS:
            better.append(f"{code} F1 {c:.4f} 高于基线 {b['f1']:.4f}")
    return worse, better


def load_baseline(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"schema": BASELINE_SCHEMA, "datasets": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"基线文件 {path} 无法读取：{err}") from None
    if data.get("schema") != BASELINE_SCHEMA or not isinstance(data.get("datasets"), dict):
        raise InputError(f"基线文件 {path} 格式不对（应为 {BASELINE_SCHEMA}）")
    return data


def check_against_baseline(report: EvalReport, path: Path = BASELINE_PATH) -> tuple[list[str], list[str]]:
    """Compare a report with its dataset's baseline entry; InputError when there is none to compare."""
    entry = load_baseline(path)["datasets"].get(report.key)
    if entry is None:
        raise InputError(f"基线文件 {path} 中没有数据集 {report.key} 的记录，请先运行 reviewer eval {report.name} --update-baseline")
    current = baseline_entry(report)
    if entry["options"] != current["options"]:
        raise InputError(f"基线是在 {_options_text(entry['options'])} 下测得的，本次为 {_options_text(current['options'])}，"
                         f"无法比较；有意更改时请用 --update-baseline 重写基线")
    return compare_with_baseline(current, entry)


def write_baseline(report: EvalReport, path: Path = BASELINE_PATH) -> None:
    """Rewrite the dataset's entry in the baseline file, keeping the other datasets."""
    data = load_baseline(path)
    data["datasets"][report.key] = baseline_entry(report)
    data["datasets"] = dict(sorted(data["datasets"].items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _baseline_key(root: Path) -> str:
    resolved = root.resolve()
    try:
        return resolved.relative_to(PACKAGE_ROOT).as_posix()
    except ValueError:
        return resolved.as_posix()


def _options_text(options: dict[str, Any]) -> str:
    return f"历史报告库比对{'开' if options.get('use_corpus') else '关'}、起草{'开' if options.get('llm') else '关'}"


def render_text(report: EvalReport, extra: Sequence[str] = ()) -> str:
    """The report a person reads; the last line is ``summary_line``."""
    m = report.match
    out = [(f"数据集 {report.name}：{len(report.dataset.documents)} 份报告，{len(report.dataset.labels)} 条标注"
           f"（{_options_text({'use_corpus': report.use_corpus, 'llm': report.llm})}）")]
    out += [f"说明：{n}" for n in report.notes]
    out += [f"无法审阅：{e.source}：{e.message}" for e in report.errors]
    out.append("")
    out.append(f"{'代码':<26}{'TP':>5}{'FP':>5}{'FN':>5}{'P':>7}{'R':>7}{'F1':>7}{'已查':>6}{'未查':>6}  名称")
    for code, s in m.scores.items():
        out.append(_score_line(code, s, code_name(code), report.coverage.get(code)))
    out.append(_score_line("rules (micro)", report.rule_micro, "规则检查合计（不含历史报告库比对类）"))
    out.append(_score_line("micro", m.micro, "合计（微平均）"))
    out += _coverage_lines(report.coverage)
    out.append(f"指标行找到 {m.rows_found}/{m.rows_labelled}（标注的指标行在解析结果中找到的条数，衡量表格解析）")
    fps = [x for x in m.misses if x.kind == "fp"]
    fns = [x for x in m.misses if x.kind == "fn"]
    out += ["", f"误报 {len(fps)} 条（工具报出、标注没有）："] + [_miss_line(x) for x in fps]
    out += ["", f"漏报 {len(fns)} 条（标注有、工具未报出）："] + [_miss_line(x) for x in fns]
    if report.drafts is not None:
        out += [""] + _draft_lines(report.drafts)
    if extra:
        out += [""] + list(extra)
    out.append(report.summary_line)
    return "\n".join(out)


def _score_line(code: str, s: Score, name: str, cov: CoverageEntry | None = None) -> str:
    def f(x: float | None) -> str:
        return "—" if x is None else f"{x:.2f}"

    checked = "" if cov is None else str(cov.checked)
    skipped = "" if cov is None else str(sum(cov.skipped.values()))
    return (f"{code:<26}{s.tp:>5}{s.fp:>5}{s.fn:>5}{f(s.precision):>7}{f(s.recall):>7}{f(s.f1):>7}"
            f"{checked:>6}{skipped:>6}  {name}")


def _coverage_lines(coverage: dict[str, CoverageEntry]) -> list[str]:
    """Why rows were not checked, per code: a clean result is only as good as what was looked at."""
    lines = ["", "未查原因（各代码未检查的行数及原因）："]
    for code, entry in coverage.items():
        if entry.skipped:
            reasons = "；".join(f"{r} {n}" for r, n in sorted(entry.skipped.items(), key=lambda x: -x[1]))
            lines.append(f"  {code}：{reasons}")
    return lines


def _miss_line(x: Miss) -> str:
    where = " · ".join(t for t in (x.doc, x.project or "（任一项目）" if x.indicator else x.project or "（整份报告）",
                                   x.indicator) if t)
    loc = f"，{x.where}" if x.where else ""
    line = f"  {x.code} {where}{loc}"
    if x.label_line:
        line += f"（labels.jsonl 第 {x.label_line} 行）"
    if x.message:
        line += f"：{x.message}"
    return line


def _draft_lines(d: DraftReport) -> list[str]:
    s = d.summary()

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.0%}"

    lines = [(f"起草：有偏差或有参考说明的标注行 {s['rows']} 行，已起草 {s['drafted']} 行"
             f"（LLM {s['llm']}，离线 {s['offline']}，LLM 稿被拒 {s['rejected']}）；"
             f"有据 {pct(s['grounded'])}，含{'【请补充原因】'} {pct(s['placeholder'])}，与他行重复 {pct(s['duplicate'])}")]
    if s["reference_rows"]:
        avg = "—" if s["reference_overlap"] is None else f"{s['reference_overlap']:.2f}"
        lines.append(f"与员工所写说明的字符二元组 F1：平均 {avg}（{s['reference_rows']} 行，起草时清空了该行原有说明）")
        for i in d.items:
            if i.has_reference:
                ov = "—" if i.overlap is None else f"{i.overlap:.2f}"
                lines.append(f"  {ov} {i.doc} · {i.indicator}：{(i.text or '（未起草）')[:80]}")
    lines.append(f"注入检查：检查起草稿 {s['drafts_checked_for_obedience']} 份，显示给用户且服从报告中指令的 "
                 f"{s['obeyed_shown']} 份（应为 0）；被起草程序拦下的 LLM 回复 {s['obeyed_refused']} 份")
    for o in d.obeyed:
        tag = "显示" if o.shown else "已拦截"
        lines.append(f"  [{tag}/{o.reason}] {o.doc} · {o.project} · {o.indicator or '（项目）'}：{o.text[:80]}")
    return lines


def _score_dict(s: Score) -> dict[str, Any]:
    return {"tp": s.tp, "fp": s.fp, "fn": s.fn, "precision": _r(s.precision), "recall": _r(s.recall), "f1": _r(s.f1)}


def _miss_dict(m: Miss) -> dict[str, Any]:
    return {k: v for k, v in asdict(m).items() if k != "kind"}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _rounded(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _r(v) if isinstance(v, float) else v for k, v in d.items()}
