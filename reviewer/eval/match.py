"""Match labels to reviewed documents and count hits, false alarms and misses per code.

The unit of scoring is a (place, code) pair, where a place is a parsed row, a project (findings
with ``row_id: null``) or a whole document. Several findings of one code on one place count once.

Matching (DESIGN.md "Labelled dataset"):
- a row label names a document, a project (null: any project of the document) and an
  indicator; indicators match after NFKC, whitespace removal and stripping "指标N："; a project
  matches by its name or by its table's own title line;
- a label with ``indicator: null`` is about the project's own findings (row_id null); with
  ``project: null`` as well it is about the document: it accepts a row-less finding of that
  code on any project that has no label of its own for the code;
- every parsed row (and project) no label names is clean: its findings are false positives;
- ``ignore`` codes on a place are neither right nor wrong there.
Duplicates: when k label lines share one key (document, project, indicator) and exactly k rows
(or projects) match it, they are paired in document order, so identical rows can carry
different codes; otherwise every line applies to every match. A label that matches nothing
keeps its codes as misses and counts against rows_found.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from reviewer.eval.labels import UNSCORED, Dataset, Label, indicator_key, text_key
from reviewer.model import Document, Finding, IndicatorRow, Project


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """None when the code was neither expected nor found; 0 when only one side has it."""
        p, r = self.precision, self.recall
        if p is None and r is None:
            return None
        if not p or not r:
            return 0.0
        return 2 * p * r / (p + r)


@dataclass
class Miss:
    """A false positive (the tool said it, no label did) or a false negative (the reverse)."""

    kind: str  # "fp" | "fn"
    code: str
    doc: str
    project: str | None
    indicator: str | None
    where: str = ""
    message: str = ""  # the finding's message (fp) or why a label found nothing (fn)
    label_line: int | None = None


@dataclass
class LabelledRow:
    doc: str
    document: Document
    project: Project
    row: IndicatorRow
    codes: set[str]
    ignore: set[str]
    reference: str | None


@dataclass
class MatchResult:
    scores: dict[str, Score]
    misses: list[Miss]
    rows_labelled: int = 0
    rows_found: int = 0
    labelled_rows: list[LabelledRow] = field(default_factory=list)

    @property
    def micro(self) -> Score:
        return Score(sum(s.tp for s in self.scores.values()), sum(s.fp for s in self.scores.values()),
                     sum(s.fn for s in self.scores.values()))


@dataclass
class _Place:
    codes: set[str] = field(default_factory=set)
    ignore: set[str] = field(default_factory=set)
    reference: str | None = None
    lines: list[int] = field(default_factory=list)

    def take(self, label: Label) -> None:
        self.codes |= label.codes - UNSCORED
        self.ignore |= label.ignore | UNSCORED
        self.reference = self.reference or label.reference
        self.lines.append(label.line)


def score(dataset: Dataset, documents: dict[str, Document], scored: tuple[str, ...]) -> MatchResult:
    """Score the reviewed ``documents`` (keyed by dataset name) against the dataset's labels."""
    result = MatchResult(scores={c: Score() for c in scored}, misses=[])
    by_doc: dict[str, list[Label]] = defaultdict(list)
    for label in dataset.labels:
        by_doc[label.doc].append(label)
    for name in (dataset.name_of(p) for p in dataset.documents):
        doc = documents.get(name)
        labels = by_doc.get(name, [])
        if doc is None:  # could not be read: every labelled code is a miss
            for label in labels:
                result.rows_labelled += label.kind == "row"
                _unmatched(result, label, "报告无法读取")
            continue
        _score_document(result, name, doc, labels)
    return result


def _score_document(result: MatchResult, name: str, doc: Document, labels: list[Label]) -> None:
    rows = [(p, r) for p in doc.projects for r in p.rows]
    row_place, project_place, doc_place = _place_labels(result, doc, rows, labels)
    predicted = _predicted(result, doc, rows, row_place, project_place, doc_place)
    expected: dict[tuple, _Place] = {}
    for kind, places in (("row", row_place), ("project", project_place), ("document", {None: doc_place})):
        for ident, place in places.items():
            expected.update({(kind, ident, c): place for c in place.codes if c in result.scores})
    _tally(result, name, doc, rows, predicted, expected)
    for p, r in rows:
        place = row_place.get(r.id)
        if place is not None:
            result.labelled_rows.append(LabelledRow(name, doc, p, r, place.codes, place.ignore, place.reference))


def _place_labels(result: MatchResult, doc: Document, rows: list, labels: list[Label]
                  ) -> tuple[dict[str, _Place], dict[str, _Place], _Place]:
    """Where each label lands: on rows, on projects, or on the document (findings with row_id null)."""
    row_place: dict[str, _Place] = {}
    project_place: dict[str, _Place] = {}
    doc_place = _Place()
    groups: dict[tuple, list[Label]] = defaultdict(list)
    for label in labels:
        key = (text_key(label.project) if label.project is not None else None,
               indicator_key(label.indicator) if label.indicator is not None else None)
        groups[key].append(label)
    for (pkey, ikey), group in groups.items():
        if ikey is None and pkey is None:
            for label in group:
                doc_place.take(label)
            continue
        if ikey is None:
            matches = [p for p in doc.projects if _project_matches(p, pkey)]
            for label, hits in _pair(group, matches):
                if not hits:
                    _unmatched(result, label, "报告中没有该项目")
                for p in hits:
                    project_place.setdefault(p.id, _Place()).take(label)
            continue
        matches = [(p, r) for p, r in rows
                   if (pkey is None or _project_matches(p, pkey)) and indicator_key(r.indicator) == ikey]
        for label, hits in _pair(group, matches):
            result.rows_labelled += 1
            result.rows_found += bool(hits)
            if not hits:
                _unmatched(result, label, "解析结果中没有该指标行")
            for _p, r in hits:
                row_place.setdefault(r.id, _Place()).take(label)
    return row_place, project_place, doc_place


def _predicted(result: MatchResult, doc: Document, rows: list, row_place: dict[str, _Place],
               project_place: dict[str, _Place], doc_place: _Place) -> dict[tuple, Finding]:
    """What the tool said, as (place kind, place id, code) → finding."""
    predicted: dict[tuple, Finding] = {}
    projects = {p.id for p in doc.projects}
    row_ids = {r.id for _p, r in rows}
    for f in doc.findings:
        if f.code not in result.scores:
            continue
        if f.row_id is not None and f.row_id in row_ids:
            place = row_place.get(f.row_id, _Place())
            if f.code not in place.ignore:
                predicted.setdefault(("row", f.row_id, f.code), f)
            continue
        own = project_place.get(f.project_id or "", _Place())
        if f.project_id in projects and (f.code in own.codes or f.code in own.ignore):
            if f.code not in own.ignore:
                predicted.setdefault(("project", f.project_id, f.code), f)
        elif f.code in doc_place.codes:
            predicted.setdefault(("document", None, f.code), f)
        elif f.code not in doc_place.ignore:
            predicted.setdefault(("project", f.project_id, f.code), f)
    return predicted


def _tally(result: MatchResult, name: str, doc: Document, rows: list, predicted: dict[tuple, Finding],
           expected: dict[tuple, _Place]) -> None:
    """Count true/false positives and misses per code, in document order."""
    projects = {p.id: p for p in doc.projects}
    row_of = {r.id: (p, r) for p, r in rows}
    pos = {p.id: (i, -1) for i, p in enumerate(doc.projects)}
    pos.update({r.id: (i, j) for i, p in enumerate(doc.projects) for j, r in enumerate(p.rows)})
    for key in sorted(set(predicted) | set(expected), key=lambda k: (pos.get(k[1], (-1, -1)), k[2])):
        kind, ident, code = key
        s = result.scores[code]
        p, r = (row_of[ident] if kind == "row" else (projects.get(ident), None))
        if key in predicted and key in expected:
            s.tp += 1
            continue
        miss = Miss(kind="fp" if key in predicted else "fn", code=code, doc=name,
                    project=p.name if p else None, indicator=r.indicator if r else None,
                    where=(r.where if r else (p.where or "") if p else ""))
        if key in predicted:
            s.fp += 1
            miss.message = predicted[key].message
        else:
            s.fn += 1
            miss.label_line = expected[key].lines[0] if expected[key].lines else None
        result.misses.append(miss)


def _project_matches(p: Project, key: str) -> bool:
    return key in (text_key(p.name), text_key(p.title))


def _pair(group: list[Label], matches: list) -> list[tuple[Label, list]]:
    """k lines and k matches pair in order; otherwise every line takes every match."""
    if len(group) > 1 and len(group) == len(matches):
        return [(label, [m]) for label, m in zip(group, matches)]
    return [(label, matches) for label in group]


def _unmatched(result: MatchResult, label: Label, why: str) -> None:
    for code in sorted(label.codes - UNSCORED):
        if code in result.scores:
            result.scores[code].fn += 1
            result.misses.append(Miss(kind="fn", code=code, doc=label.doc, project=label.project,
                                      indicator=label.indicator, message=why, label_line=label.line))
