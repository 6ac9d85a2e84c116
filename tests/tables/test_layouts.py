"""The layout suite: every known table, written in every layout, reads back to the same rows.

Sources: the seeds (as the reader parses them today), every realdev document whose rows are in
its expected.json (the ground truth), and the published tables of tests/data/realextra. Each is
written by tests/layouts.py into tmp_path and read with reviewer.pipeline.parse_path; the rows
(indicator, target, actual, weight, score, 一级, 二级) must come back as written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import layouts as L
import pytest
from conftest import TESTS
from rowcompare import LEVEL_FIELDS, OCR_COPIES, VALUE_FIELDS, compare_rows, got_row, match_projects

from reviewer.pipeline import parse_path

HERE = TESTS
SHARED = HERE.parents[1] / "shared"
if not SHARED.exists():  # CI clones main with shared/ beside it
    SHARED = Path(os.environ.get("REVIEWER_SEEDS", "../shared/seeds")).resolve().parent
FIELDS = VALUE_FIELDS + LEVEL_FIELDS


def _labelled(folder: Path, prefix: str) -> dict[str, list[L.SourceTable]]:
    spec_file = folder / "expected.json"
    if not spec_file.exists():
        return {}
    specs = json.loads(spec_file.read_text(encoding="utf-8"))
    found = {f"{prefix}/{name}": L.from_expected(spec) for name, spec in specs.items() if name not in OCR_COPIES}
    return {k: v for k, v in found.items() if v}


def _seeds() -> dict[str, list[L.SourceTable]]:
    found = {}
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        try:
            tables = L.from_document(parse_path(path))
        except Exception:  # noqa: BLE001, S112 - a seed the reader refuses has no source table
            continue
        if tables:
            found[f"seed/{path.name[:3]}"] = tables
    return found


SOURCES = {**_seeds(), **_labelled(SHARED / "realdev", "realdev"),
           **_labelled(HERE / "data" / "realextra", "realextra")}


def first_difference(tables: list[L.SourceTable], doc) -> tuple[int, str]:
    """How many cells differ between the written tables and the parsed document, and the first."""
    expected = [{"project": t.name, "rows": [r.as_dict() for r in t.rows]} for t in tables]
    got = [(p.name, [got_row(r) for r in p.rows]) for p in doc.projects]
    chosen = match_projects(expected, got)
    differences = []
    for exp, index in zip(expected, chosen, strict=True):
        rows = got[index][1] if index is not None else []
        differences += compare_rows(str(exp["project"]), exp["rows"], rows, FIELDS).differences
    for i, (name, rows) in enumerate(got):
        if i not in chosen and rows:
            differences += compare_rows(name, [], rows, FIELDS).differences
    if not differences:
        return 0, ""
    d = differences[0]
    return len(differences), f"{d.project} | {d.indicator} | {d.field} | expected {d.expected!r} | got {d.got!r}"


@pytest.mark.parametrize("layout", L.LAYOUTS, ids=lambda x: x.name)
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_layout_reads_back_the_same_rows(source, layout, tmp_path):
    tables = SOURCES[source]
    path = L.write(tables, layout, tmp_path, source.split("/")[-1].split(".")[0])
    try:
        doc = parse_path(path)
    except Exception as exc:  # noqa: BLE001 - a refusal is this layout's failure, reported as such
        pytest.fail(f"refused: {exc}", pytrace=False)
    count, first = first_difference(tables, doc)
    assert not count, f"{count} cells differ; first: {first} ({path})"


# ---------------------------------------------------------------- the generator itself


def _table() -> L.SourceTable:
    rows = [L.SourceRow("产出指标", "数量指标", "培训人次", "≥200人次", "210人次", "20", "20"),
            L.SourceRow("产出指标", "质量指标", "合格率", "100%", "100%", "30", "30"),
            L.SourceRow("效益指标", "社会效益指标", "群众满意度", "≥90%", "95%", "50", "48", "")]
    return L.SourceTable("示例项目", rows, "2023", funding={"budget": "1,200.50", "executed": "1200",
                                                        "rate": "99.96%", "weight": "10", "score": "10"})


def test_generator_blanks_continuation_labels_and_adds_level_weights():
    lines = L.text_lines([_table()], L.Layout("t", "tab", level_weights=True))
    body = [x.split("\t") for x in lines[lines.index(next(x for x in lines if x.startswith("一级指标"))) + 1:] if x]
    assert [r[0] for r in body] == ["产出指标(50分)", "", "效益指标（50分）"]
    assert [r[1] for r in body] == ["数量指标", "质量指标", "社会效益指标"]


def test_generator_lines_layout_writes_one_cell_per_line():
    table = _table()
    plain = L.text_lines([table], L.Layout("l", "lines"))
    spaced = L.text_lines([table], L.Layout("l", "lines", blank_between=True, indent="  "))
    cells = sum(len(r) for g in L.grids(table, L.Layout("l", "lines")) for r in g.rows)
    assert len(plain) == 1 + cells  # the title line and one line per cell
    assert len(spaced) == len(plain) + sum(len(g.rows) for g in L.grids(table, L.Layout("l", "lines")))
    assert all(x.startswith("  ") or not x.strip() for x in spaced[1:])


def test_generator_office_files_merge_labels_and_store_figures_as_numbers(tmp_path):
    import docx
    import openpyxl

    table = _table()
    ws = openpyxl.load_workbook(L.write([table], L.LAYOUTS[-1], tmp_path)).worksheets[0]
    merged = {str(r) for r in ws.merged_cells.ranges}
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "一级指标")
    assert f"B{header + 1}:B{header + 2}" in merged  # 产出指标 spans its two rows
    actual = ws.cell(header + 2, 6)
    assert (actual.value, actual.number_format) == (1, "0%")
    assert ws.cell(header - 1, 2).number_format == "#,##0.00"
    word = docx.Document(str(L.write([table], L.LAYOUTS[-2], tmp_path))).tables[0]
    labels = [word.cell(r, 1).text for r in range(len(word.rows))][-3:]
    assert labels == ["产出指标", "产出指标", "效益指标"]  # one merged cell read twice
    assert word.cell(len(word.rows) - 3, 1)._tc is word.cell(len(word.rows) - 2, 1)._tc
