"""The copy-paste checks on large inputs: a report that repeats its tables many times, and copied
tables whose rows also sit in dozens of other projects."""

from __future__ import annotations

from decimal import Decimal

from conftest import seed

from reviewer.corpus import match_key
from reviewer.model import Document, IndicatorRow, Project
from reviewer.pipeline import parse_path
from reviewer.similarity import run_similarity
from reviewer.similarity.rules import text_ratio


def _flags(doc: Document, code: str) -> set[tuple[str, str | None]]:
    return {(f.project_id, f.row_id) for f in doc.findings if f.code == code}


def _review(doc: Document) -> Document:
    """Run the checks with cold caches (timings of this are benchmarks/bench_scaling.py's job)."""
    text_ratio.cache_clear()
    match_key.cache_clear()
    run_similarity([doc], use_corpus=False)
    return doc


def test_a_report_repeating_its_tables_is_judged_per_copy(tmp_path):
    text = seed("003").read_text(encoding="utf-8")
    single = parse_path(seed("003"))
    run_similarity([single], use_corpus=False)
    for n in (20, 80):
        path = tmp_path / f"copies{n}.txt"
        path.write_text(text * n, encoding="utf-8")
        doc = _review(parse_path(path))
        per_copy = len(single.projects)
        assert len(doc.projects) == n * per_copy
        # every table has identical twins in the same report
        dup = {pid for pid, _row in _flags(doc, "DUPLICATE_INDICATOR_SET")}
        assert dup == {p.id for p in doc.projects if len(p.rows) >= 4}
        # each copy's template rows are the seed's own: copies of one project are not "other projects"
        generic = _flags(doc, "GENERIC_INDICATOR")
        position = {r.id: (k % per_copy, j) for k, p in enumerate(doc.projects) for j, r in enumerate(p.rows)}
        seed_position = {r.id: (k, j) for k, p in enumerate(single.projects) for j, r in enumerate(p.rows)}
        expected = {seed_position[row] for _p, row in _flags(single, "GENERIC_INDICATOR")}
        assert {position[row] for _p, row in generic} == expected
        assert len(generic) == n * len(expected)


def _row(i: int, indicator: str, target: str) -> IndicatorRow:
    return IndicatorRow(id=f"r{i}", indicator=indicator, target=target, actual=target.lstrip("≥=≤"),
                        weight=Decimal(10), score=Decimal(10))


def test_a_copied_table_is_found_even_when_its_rows_sit_in_dozens_of_other_projects():
    # 120 projects share two template rows (with their own values); an archive table and its copy
    # come last. Every neighbour list of the template rows is full long before the copy.
    fillers = []
    for k in range(120):
        name = "专项" + chr(0x4E00 + 300 + 7 * k) + chr(0x4E00 + 900 + 11 * k)
        fillers.append((name, [_row(1, "验收合格率", f"≥{50 + k}%"), _row(2, "工作完成及时率", f"{k % 12 + 1}月底前"),
                               _row(3, f"{name}服务对象覆盖数", f"≥{k + 1}个"),
                               _row(4, f"{name}设备购置数量", f"{k + 2}台")]))
    archive = [_row(1, "验收合格率", "=100%"), _row(2, "工作完成及时率", "12月底前"),
               _row(3, "档案数字化加工页数", "≥5000页"), _row(4, "档案库房改造面积", "200平方米"),
               _row(5, "档案查阅服务人次", "≥300人次")]
    projects = fillers + [("档案管理", archive), ("档案管理", archive)]
    doc = Document(source="batch.txt", kind="project_selfeval", year=2024, projects=[
        Project(id=f"p{j}", name=name,
                rows=[r.model_copy(update={"id": f"p{j}.r{i}"}) for i, r in enumerate(rows)])
        for j, (name, rows) in enumerate(projects)])
    run_similarity([doc], use_corpus=False)
    dup = [f for f in doc.findings if f.code == "DUPLICATE_INDICATOR_SET"]
    assert {f.project_id for f in dup} == {"p120", "p121"}
    for f in dup:
        assert f.evidence["other"]["project_id"] == ({"p120", "p121"} - {f.project_id}).pop()
        assert f.evidence["share"] == 1.0
    # the template rows themselves are called generic (in 120 unrelated projects)
    generic = {row for _p, row in _flags(doc, "GENERIC_INDICATOR")}
    assert "p120.r0" in generic and "p120.r2" not in generic


def test_renamed_copies_of_a_report_are_judged_alike(tmp_path):
    # A county's batch: the same template report under other project names, one file each.
    text = seed("003").read_text(encoding="utf-8")
    docs = []
    for k, place in enumerate(["东山乡", "西河乡", "南林乡", "北田乡", "金水乡", "银石乡"]):
        body = "".join(line.replace("项目名称\t", f"项目名称\t{place}", 1) for line in text.splitlines(keepends=True))
        path = tmp_path / f"r{k}.txt"
        path.write_text(body, encoding="utf-8")
        docs.append(parse_path(path))
    run_similarity(docs, use_corpus=False)
    shapes = []
    for doc in docs:
        position = {r.id: (j, i) for j, p in enumerate(doc.projects) for i, r in enumerate(p.rows)}
        shapes.append({code: sorted(position[f.row_id] if f.row_id else (doc.projects.index(
            next(p for p in doc.projects if p.id == f.project_id)), -1) for f in doc.findings if f.code == code)
            for code in ("MISPLACED_INDICATOR", "GENERIC_INDICATOR", "DUPLICATE_INDICATOR_SET")})
    assert all(s == shapes[0] for s in shapes)
    assert shapes[0]["DUPLICATE_INDICATOR_SET"]  # every copy's tables have twins in the other reports
