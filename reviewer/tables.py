"""Grids → Projects and IndicatorRows.

Real tables are irregular: exports shift cells left or right when merged cells are lost, wrap
long cells onto a row of their own, repeat headers at page breaks, and word headers freely
(年度指标值 / 指标值 / 年度 指标值). So each indicator row is read two ways: by the header's
column positions when the row fits them, and otherwise by content (level keywords first,
then text cells, anchored on the trailing 分值/得分 numbers).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from reviewer.model import Budget, Cell, Document, Grid, IndicatorRow, Paragraph, Project, RawDocument, Total
from reviewer.values import is_plain_number, normalise_text, parse_value, to_decimal, years_in

# ------------------------------------------------------------------ vocabulary

LEVEL1 = re.compile(r"^(产出|效益|满意度|投入管理|投入|过程|管理)(指标)?(\d+(\.\d+)?分)?$")
LEVEL2 = re.compile(
    r"^(数量|质量|时效|成本|经济效益|社会效益|生态效益|生态|环境效益|可持续影响|可持续发展影响|社会公众满意度|"
    r"服务对象满意度|满意度|工作目标管理|预算和财务管理|预算执行|财务管理|绩效管理|重点工作任务完成|"
    r"履职目标实现|履职社会效益|履职效益|资金管理|项目管理|组织管理)(指标)?(\d+(\.\d+)?分)?$"
)
GOAL = re.compile(r"^(绩效目标|目标|年度目标)\s*\d+[:：]?$")
INDICATOR_PREFIX = re.compile(r"^(指标\s*\d*\s*[:：]?|[:：])\s*")
TOTAL = re.compile(r"^(总分|合计|总计|综合得分)[:：]?$")
TITLE_SUFFIX = re.compile(r"(项目支出绩效自评表|绩效自评表|绩效目标表|自评表|绩效目标申报表)$")
HEADER_WORDS = re.compile(r"^(预期目标|实际完成情况|目标序号|年度绩效目标|目标名称|主要内容|目标完成情况|任务名称|任务完成情况)$")
CAPTION = re.compile(r"^表\d+([-－—]\d+)?")  # "表 3-2 各项指标得分情况表"
YEAR_LINE = re.compile(r"^[（(]?\s*((?:19|20)\d{2})\s*年度?\s*[)）]?$")

HEADER_FIELDS: list[tuple[str, re.Pattern[str]]] = [
    ("basis", re.compile(r"指标值确定依据|确定依据")),
    ("explanation", re.compile(r"偏差原因|未完成原因|原因分析|改进措施")),
    ("description", re.compile(r"^(绩效)?指标(描述|说明|解释)$")),
    ("level1", re.compile(r"^一级指标$")),
    ("level2", re.compile(r"^二级指标$")),
    ("level3", re.compile(r"^三级指标$")),
    ("perf", re.compile(r"^绩效指标$")),
    ("target", re.compile(r"^(年度)?(指标值|目标值)$|^预期指标值$|^年度目标值$")),
    ("actual", re.compile(r"^(实际)?完成值$|^实际完成(情况)?$|^实际值$|^全年实际完成值$")),
    ("weight", re.compile(r"^(分值|权重|权重分值)$")),
    ("score", re.compile(r"^(得分|自评得分)$")),
    ("goal", re.compile(r"^(年度指标完成情况|绩效目标|目标序号)$")),
    ("grade_a", re.compile(r"^优$")),
    ("grade_b", re.compile(r"^良$")),
    ("grade_c", re.compile(r"^中$")),
    ("grade_d", re.compile(r"^差$")),
    ("activity_code", re.compile(r"^活动编码$")),
    ("budget_year", re.compile(r"^预算年度$")),
    ("activity_name", re.compile(r"^活动名称$")),
    ("activity_desc", re.compile(r"^活动描述$")),
]

FUNDING_LABELS: list[tuple[str, re.Pattern[str]]] = [
    ("initial", re.compile(r"^年初(预算)?数")),
    ("full", re.compile(r"^全年(预算)?数|^调整后预算数|^全年预算")),
    ("spent", re.compile(r"^全年执行数|^执行数|^全年执行|^实际支出")),
    ("weight", re.compile(r"^分值$")),
    ("rate", re.compile(r"执行率")),
    ("score", re.compile(r"^得分$")),
]


def norm(text: str | None) -> str:
    return normalise_text(text).replace(" ", "")


def clean_indicator(text: str) -> str:
    t = normalise_text(text)
    t = INDICATOR_PREFIX.sub("", t).strip()
    return t.rstrip("：:").strip()


def is_level1(text: str) -> bool:
    return bool(LEVEL1.match(norm(text)))


def is_level2(text: str) -> bool:
    return bool(LEVEL2.match(norm(text)))


def is_goal(text: str) -> bool:
    return bool(GOAL.match(norm(text)))


def level_weight(text: str) -> tuple[str, str | None]:
    """"产出指标 50分" → ("产出指标", "50")."""
    t = norm(text)
    m = re.match(r"^(.*?)(\d+(?:\.\d+)?)分$", t)
    if m and m.group(1):
        return m.group(1), m.group(2)
    return t, None


# ------------------------------------------------------------------ header


@dataclass
class Header:
    cols: dict[str, int]
    width: int
    where: str

    @property
    def indicator_col(self) -> int:
        return self.cols.get("level3", self.cols.get("perf", -1))

    @property
    def target_col(self) -> int | None:
        return self.cols.get("target", self.cols.get("grade_a"))

    @property
    def has_actual(self) -> bool:
        return "actual" in self.cols

    def text_fields(self) -> list[str]:
        """Text columns between the levels and the weight, in column order."""
        names = {"indicator": self.indicator_col, "description": self.cols.get("description"),
                 "target": self.target_col, "actual": self.cols.get("actual"), "basis": self.cols.get("basis")}
        return [k for k, v in sorted(names.items(), key=lambda kv: (kv[1] is None, kv[1] or 0)) if v is not None]


def detect_header(cells: list[str], where: str) -> Header | None:
    cols: dict[str, int] = {}
    for i, raw in enumerate(cells):
        t = norm(raw)
        if not t:
            continue
        for name, pat in HEADER_FIELDS:
            if pat.search(t):
                if name == "weight" and "weight" in cols and "score" not in cols:
                    cols["level1_weight"] = cols["weight"]  # 002: 一级指标 | 分值 | … | 分值 | 得分
                    cols["weight"] = i
                elif name not in cols or name in {"weight"}:
                    cols.setdefault(name, i)
                break
    has_indicator = "level3" in cols or "perf" in cols
    has_target = "target" in cols or "grade_a" in cols
    if not (has_indicator and has_target):
        return None
    if "level3" in cols and "perf" in cols and cols["perf"] < cols["level3"]:
        cols.pop("perf")  # 003: "绩效指标" is the row label column of the block
    return Header(cols=cols, width=len(cells), where=where)


# ------------------------------------------------------------------ interpretation state


@dataclass
class _State:
    doc_title: str | None = None
    year: int | None = None
    projects: list[Project] = field(default_factory=list)
    pending_title: str | None = None
    current: Project | None = None
    header: Header | None = None
    carry: dict[str, str | None] = field(default_factory=dict)
    last_row: IndicatorRow | None = None
    funding_fields: list[str] | None = None
    expect_purpose: bool = False


def interpret(raw: RawDocument) -> Document:
    """Turn a RawDocument into a Document with projects, rows, kind, title and year."""
    st = _State()
    paragraphs: list[Paragraph] = []
    for block in raw.blocks:
        if isinstance(block, Paragraph):
            paragraphs.append(block)
            _paragraph(st, block)
        else:
            _grid(st, block)
    projects = [p for p in st.projects if p.rows or p.budget or p.total]
    doc_title = st.doc_title or _first_title(paragraphs)
    year = st.year or _majority_year(paragraphs)
    kind = _kind(projects)
    for n, p in enumerate(projects, 1):
        p.id = f"p{n}"
        for m, r in enumerate(p.rows, 1):
            r.id = f"{p.id}.r{m}"
    from reviewer.errors import InputError

    if not projects:
        raise InputError("未找到绩效指标表（需要含“三级指标/指标值”等表头的表格）", raw.source)
    return Document(source=raw.source, title=doc_title, year=year, kind=kind, projects=projects,
                    paragraphs=paragraphs)


def _first_title(paragraphs: list[Paragraph]) -> str | None:
    for p in paragraphs[:15]:
        t = p.text.strip("# ").strip()
        if t and len(t) <= 80 and re.search(r"自评|报告|绩效|目标", t):
            return t
    return paragraphs[0].text.strip("# ")[:80] if paragraphs else None


def _majority_year(paragraphs: list[Paragraph]) -> int | None:
    for p in paragraphs[:20]:
        m = re.search(r"((?:19|20)\d{2})\s*年度", normalise_text(p.text))
        if m:
            return int(m.group(1))
    counts: Counter[int] = Counter()
    for p in paragraphs[:40]:
        counts.update(years_in(p.text))
    return counts.most_common(1)[0][0] if counts else None


def _kind(projects: list[Project]) -> str:
    rows = [r for p in projects for r in p.rows]
    if not rows:
        return "narrative"
    with_actual = sum(1 for r in rows if r.actual not in (None, ""))
    if with_actual == 0:
        return "targets"
    dept = sum(1 for p in projects if p.department and p.name == p.department and p.rows)
    if dept or any(re.search(r"整体", p.title or "") for p in projects):
        return "department_selfeval"
    return "project_selfeval"


# ------------------------------------------------------------------ paragraphs


def _paragraph(st: _State, block: Paragraph) -> None:
    text = normalise_text(block.text).strip("#* ").strip()
    if not text:
        return
    m = YEAR_LINE.match(text)
    if m:
        st.year = st.year or int(m.group(1))
        return
    compact = text.replace(" ", "")
    if st.doc_title is None and len(compact) <= 60 and re.search(r"自评|绩效|报告", compact):
        st.doc_title = text
        ym = re.search(r"((?:19|20)\d{2})年度", compact)
        if ym:
            st.year = int(ym.group(1))
    if CAPTION.match(compact) and len(compact) <= 60:
        st.pending_title = compact
        st.header = None
        st.current = None
        return
    if len(compact) <= 80 and TITLE_SUFFIX.search(compact):
        title = re.sub(r"^\d+[.、．]\s*", "", compact)
        st.pending_title = title
        st.header = None  # a titled table is a new table


# ------------------------------------------------------------------ grids


def _new_project(st: _State, name: str | None, where: str) -> Project:
    title = st.pending_title
    if not name and title:
        name = TITLE_SUFFIX.sub("", title).strip() or title
    p = Project(id="", name=name or f"表格（{where}）", title=title, where=where)
    st.projects.append(p)
    st.current = p
    st.pending_title = None
    st.header = None
    st.carry = {}
    st.last_row = None
    st.funding_fields = None
    return p


def _label_value(cells: list[str], label: re.Pattern[str]) -> str | None:
    for i, c in enumerate(cells):
        if label.match(norm(c)):
            for nxt in cells[i + 1:]:
                t = normalise_text(nxt).strip()
                if t and not re.match(r"^(主管部门|实施单位|项目编码|项目名称)$", norm(nxt)):
                    return t
            return None
    return None


def _indicator_grid(st: _State, grid: Grid) -> None:
    # A titled grid without a 项目名称/部门名称 row is its own project (004 target tables);
    # an untitled one continues the current project (page-broken tables).
    if st.pending_title and not any(
        re.match(r"^(项目名称|部门名称|部门（单位）名称|部门\(单位\)名称)$", norm(c.text))
        for row in grid.rows[:6] for c in row
    ):
        _new_project(st, None, grid.where)
    elif st.current is None and not _has_identity(grid):
        _new_project(st, grid.sheet, grid.where)
    for row in grid.rows:
        cells = [_cell_text(c) for c in row]
        where = next((c.where for c in row if c.text.strip()), row[0].where if row else grid.where)
        _row(st, cells, where, grid)


SECTION_LABEL = re.compile(r"^(绩效指标|绩效指|项目资金|年度总体目标|预算执行情况|年度指标完成情况|年度绩效目标完成情况|"
                           r"年度履职目标|年度主要任务|项目资金\(万元\)|资金来源)$")


def _cell_text(cell: Cell) -> str:
    """The text a row contributes: copies of a merged cell in the same row (a label spanning
    two columns) and copies of a table's section label down its first column are empty."""
    if not cell.merged:
        return cell.text
    if cell.origin_offset is not None and cell.origin_offset[0] == 0:
        return ""
    if SECTION_LABEL.match(norm(cell.text)):
        return ""
    return cell.text


def _has_identity(grid: Grid) -> bool:
    return any(re.match(r"^(项目名称|部门名称|部门（单位）名称)$", norm(c.text)) for row in grid.rows[:6] for c in row)


def _row(st: _State, cells: list[str], where: str, grid: Grid) -> None:
    nonempty = [c for c in cells if normalise_text(c)]
    if not nonempty:
        return
    first = norm(nonempty[0])
    joined = "|".join(norm(c) for c in nonempty)

    # Identity rows.
    if re.match(r"^(项目名称)$", first) or (first == "项目编码" and "项目名称" in joined):
        name = _label_value(cells, re.compile(r"^项目名称$"))
        if name:
            name = TITLE_SUFFIX.sub("", norm(name)) or norm(name)
        if st.current is not None and not st.current.rows and not st.current.budget and st.current.name.startswith("表格"):
            st.current.name = name or st.current.name
        elif st.current is not None and not st.current.rows and st.current.budget is None and st.current.title \
                and st.pending_title is None and st.current.name == TITLE_SUFFIX.sub("", st.current.title):
            st.current.name = name or st.current.name
        else:
            _new_project(st, name, where)
        return
    if re.match(r"^部门(（单位）|\(单位\))?名称$", first):
        name = _label_value(cells, re.compile(r"^部门(（单位）|\(单位\))?名称$"))
        p = _new_project(st, name, where)
        p.department = name
        return
    if st.current is None:
        header = detect_header(cells, where)
        if header is None and not re.search(r"年初|预算", joined):
            return
        _new_project(st, grid.sheet or None, where)
    p = st.current
    assert p is not None
    if "主管部门" in joined or "实施单位" in joined:
        dept = _label_value(cells, re.compile(r"^主管部门$"))
        unit = _label_value(cells, re.compile(r"^实施单位$"))
        p.department = p.department or dept
        p.unit = p.unit or unit
        return

    # Funding table.
    if re.search(r"年初(预算)?数", joined) and re.search(r"全年", joined):
        st.funding_fields = []
        for c in cells:
            t = norm(c)
            for name, pat in FUNDING_LABELS:
                if t and pat.search(t) and name not in st.funding_fields:
                    st.funding_fields.append(name)
                    break
        return
    if st.funding_fields is not None and p.budget is None and st.header is None:
        if _funding_row(p, cells, st.funding_fields, where):
            return
    if first in {"预算数"} and p.budget is None and st.header is None:  # 004 targets: 预算数 78.71
        vals = [to_decimal(c) for c in nonempty[1:]]
        if vals and vals[0] is not None:
            p.budget = Budget(full=vals[0], where=where)
        return
    if first.startswith("预算规模") or first.startswith("预算数"):
        vals = [(norm(a), to_decimal(b)) for a, b in zip(nonempty, nonempty[1:])]
        for label, v in vals:
            if label == "预算数" and v is not None and p.budget is None:
                p.budget = Budget(full=v, where=where)
        return

    # Goals / purpose.
    if re.match(r"^(年度总体目标|年度绩效目标完成情况|总体目标|年度履职目标|年度主要任务)$", first) or first == "绩效目标" and len(nonempty) >= 2 and st.header is None:
        rest = [normalise_text(c) for c in nonempty[1:] if not HEADER_WORDS.match(norm(c))]
        if first == "绩效目标" and rest:
            _add_purpose(p, rest[0])
        st.expect_purpose = first != "绩效目标"
        return
    header = detect_header(cells, where)
    if header is not None:
        st.header = header
        st.expect_purpose = False
        if "activity_code" in header.cols and p.name.startswith("表格"):
            p.name = "部门活动绩效指标"
        return
    if st.header is None:
        if st.expect_purpose:
            texts = [normalise_text(c) for c in nonempty
                     if len(norm(c)) >= 6 and not is_plain_number(c) and not is_goal(c) and not HEADER_WORDS.match(norm(c))]
            if texts:
                _add_purpose(p, texts[0])
                if len(texts) > 1:
                    p.achieved = ((p.achieved + "；") if p.achieved else "") + texts[-1]
        elif first.startswith("本项目") or (len(nonempty) == 1 and len(first) > 20 and p.budget is not None):
            _add_purpose(p, normalise_text(nonempty[0]))
        return

    if TOTAL.match(first.rstrip("：:")):
        nums = [to_decimal(c) for c in nonempty[1:] if to_decimal(c) is not None]
        p.total = Total(weight=nums[0] if nums else None, score=nums[1] if len(nums) > 1 else None, where=where)
        st.header, st.last_row = None, None  # what follows a 总分 row is no longer the table
        return
    _indicator_row(st, cells, where)


def _add_purpose(p: Project, text: str) -> None:
    text = text.strip().lstrip(":：").strip()
    if text:
        p.purpose = (p.purpose + "；" if p.purpose else "") + text


def _funding_row(p: Project, cells: list[str], fields: list[str], where: str) -> bool:
    """Read the first row of figures under the funding header; later rows (其中…) are ignored."""
    values = [normalise_text(c) for c in cells if normalise_text(c)]
    labels = [v for v in values if to_decimal(v) is None and v not in {"—", "-", "——"}]
    nums = [v for v in values if to_decimal(v) is not None or v in {"—", "-"}]
    if not any(to_decimal(v) is not None for v in nums):
        return bool(labels) and all(re.match(r"^[（(]?万元[)）]?$", norm(lab)) for lab in labels)
    if any(re.match(r"^(其中|上年结转|其他资金)", norm(lab)) for lab in labels):
        return True
    b = Budget(where=where)
    # Money columns are always 年初, 全年, 执行 in that order; wrapped headers ("全年 / 执行数")
    # often hide their labels. 分值/执行率/得分 follow in the header's order when it names them.
    others = [f for f in fields if f in {"weight", "rate", "score"}]
    if not {"weight", "score"} <= set(others):
        others = ["weight", "rate", "score"]
    plain: list[str] = []
    after_marker: list[str] = []
    for v in nums:
        if v in {"—", "-"}:
            continue
        if v.endswith("%") or re.match(r"^[（(].*%[)）]$", v):
            b.rate, b.rate_text = to_decimal(v), v
        elif v.endswith("分"):
            b.weight = to_decimal(v)
        elif b.rate is not None or b.weight is not None:
            after_marker.append(v)
        else:
            plain.append(v)
    b.initial, b.full, b.spent = (to_decimal(x) for x in (plain[:3] + [None, None, None])[:3])
    tail = plain[3:] + after_marker if b.weight is None else after_marker
    for name in others:
        if getattr(b, name) is None and tail:
            value = tail.pop(0)
            setattr(b, name, to_decimal(value))
            if name == "rate":
                b.rate_text = value
    p.budget = b
    return True


# ------------------------------------------------------------------ indicator rows


def _cell(cells: list[str], idx: int | None) -> str:
    if idx is None or idx < 0 or idx >= len(cells):
        return ""
    return normalise_text(cells[idx])


def _positional(h: Header, cells: list[str]) -> dict[str, str] | None:
    """Read a row by the header's columns; None when the row plainly does not fit them."""
    c = h.cols
    goal = _cell(cells, c.get("goal"))
    l1 = _cell(cells, c.get("level1"))
    l2 = _cell(cells, c.get("level2"))
    ind = _cell(cells, h.indicator_col)
    weight = _cell(cells, c.get("weight"))
    score = _cell(cells, c.get("score"))
    if goal and not is_goal(goal) and "activity_code" not in c:
        return None
    if l1 and not is_level1(l1):
        return None
    if l2 and not is_level2(l2):
        return None
    if not ind or is_level1(ind) or is_level2(ind) or is_goal(ind) or is_plain_number(ind):
        return None
    if weight and not is_plain_number(weight):
        return None
    if score and not is_plain_number(score):
        return None
    # Content beyond the last known column means the row is shifted right.
    last = max(v for v in c.values())
    if any(normalise_text(x) for x in cells[last + 1:]):
        return None
    out = {"goal": goal, "level1": l1, "level2": l2, "indicator": ind, "weight": weight, "score": score,
           "target": _cell(cells, h.target_col), "actual": _cell(cells, c.get("actual")),
           "explanation": _cell(cells, c.get("explanation")), "description": _cell(cells, c.get("description")),
           "basis": _cell(cells, c.get("basis"))}
    if "activity_code" in c:
        code, name = _cell(cells, c.get("activity_code")), _cell(cells, c.get("activity_name"))
        out["goal"] = f"{code} {name}".strip() if (code or name) else ""
        out["activity_desc"] = _cell(cells, c.get("activity_desc"))
        out["budget_year"] = _cell(cells, c.get("budget_year"))
    return out


def _by_content(h: Header, cells: list[str]) -> dict[str, str] | None:
    """Read a shifted row: leading goal/level cells, then text cells, then 分值/得分/explanation."""
    items = [normalise_text(x) for x in cells]
    items = [x for x in items if x]
    out: dict[str, str] = {}
    i = 0
    while i < len(items):
        x = items[i]
        if "goal" not in out and "level1" not in out and "level2" not in out and is_goal(x):
            out["goal"] = x
        elif "level1" not in out and "level2" not in out and is_level1(x):
            out["level1"] = x
        elif "level2" not in out and is_level2(x) and i + 1 < len(items):
            out["level2"] = x
        else:
            break
        i += 1
    rest = items[i:]
    if not rest:
        return None
    # Anchor: 分值, 得分 are the first pair of plain numbers after the mandatory text cells
    # (indicator, target, actual); failing that, the last pair. What follows is the explanation.
    mandatory = len([f for f in h.text_fields() if f in {"indicator", "target", "actual"}])
    pairs = [j for j in range(1, len(rest) - 1) if is_plain_number(rest[j]) and is_plain_number(rest[j + 1])]
    anchor = next((j for j in pairs if j >= mandatory), pairs[-1] if pairs else None)
    if anchor is not None:
        texts = rest[:anchor]
        out["weight"], out["score"] = rest[anchor], rest[anchor + 1]
        out["explanation"] = "；".join(x for x in rest[anchor + 2:] if not is_plain_number(x))
    else:
        texts = rest
        if len(texts) >= 3 and is_plain_number(texts[-1]) and h.cols.get("weight") is not None:
            out["weight"] = texts[-1]
            texts = texts[:-1]
    fields = [f for f in h.text_fields()]
    # "社会公众满意度" is a 二级指标 in some templates and a 三级指标 in others: when taking it
    # as a level leaves no room for indicator and target, it was the indicator.
    if "level2" in out and texts and parse_value(texts[0]).kind in {"quantitative", "date"}:
        texts = [out.pop("level2")] + texts
    if h.cols.get("explanation") is not None and anchor is None and len(texts) > len(fields):
        out["explanation"] = texts[-1]
        texts = texts[:-1]
    # Fewer cells than columns: the optional columns are the ones left empty.
    for optional in ("description", "basis", "actual"):
        if len(texts) < len(fields) and optional in fields:
            fields.remove(optional)
    if len(texts) > len(fields):
        # A cell repeated by the export ("推动促进 | 完成 | 完成") is one cell.
        deduped = [t for k, t in enumerate(texts) if k == 0 or t != texts[k - 1]]
        texts = deduped if len(deduped) >= len(fields) else texts
    if len(texts) > len(fields) and fields:
        extra = len(texts) - len(fields) + 1
        texts = ["".join(texts[:extra])] + texts[extra:]
    for name, text in zip(fields, texts):
        out[name] = text
    if not out.get("indicator") or is_plain_number(out["indicator"]):
        return None
    return out


def _indicator_row(st: _State, cells: list[str], where: str) -> None:
    h = st.header
    p = st.current
    assert h is not None and p is not None
    nonempty = [normalise_text(c) for c in cells if normalise_text(c)]
    # A wrapped cell continued on its own row: one or two text cells and nothing else.
    if st.last_row is not None and 1 <= len(nonempty) <= 2 and not any(is_plain_number(x) for x in nonempty) \
            and not any(is_level1(x) or is_level2(x) or is_goal(x) for x in nonempty):
        _continue_row(st, cells)
        return
    data = _positional(h, cells) or _by_content(h, cells)
    if data is None:
        return
    for key in ("goal", "level1", "level2"):
        if data.get(key):
            st.carry[key] = data[key]
            if key == "goal":
                st.carry.pop("level1", None)
                st.carry.pop("level2", None)
            if key == "level1":
                st.carry.pop("level2", None)
                name, w = level_weight(data[key])
                if w is not None:
                    p.level1_weights[name] = to_decimal(w)  # type: ignore[assignment]
        elif st.carry.get(key):
            data[key] = st.carry[key]  # type: ignore[assignment]
    l1 = level_weight(data["level1"])[0] if data.get("level1") else None
    l2 = level_weight(data["level2"])[0] if data.get("level2") else None
    description = data.get("description") or data.get("activity_desc") or None
    row = IndicatorRow(
        id="",
        goal=data.get("goal") or None,
        level1=l1,
        level2=l2,
        indicator=clean_indicator(data["indicator"]),
        target=data.get("target") or None,
        actual=(data.get("actual") or None) if h.has_actual else None,
        weight=to_decimal(data.get("weight")),
        score=to_decimal(data.get("score")),
        explanation=data.get("explanation") or None,
        where=where,
        description=description,
        basis=data.get("basis") or None,
        weight_text=data.get("weight") or None,
        score_text=data.get("score") or None,
    )
    if not row.indicator:
        return
    if data.get("budget_year", "").isdigit() and st.year is None:
        st.year = int(data["budget_year"])  # 004: the 预算年度 column is the report's year
    p.rows.append(row)
    st.last_row = row


def _continue_row(st: _State, cells: list[str]) -> None:
    """Append a wrapped continuation to the column it sits in (indicator, description…)."""
    h, row = st.header, st.last_row
    assert h is not None and row is not None
    for idx, raw in enumerate(cells):
        text = normalise_text(raw)
        if not text:
            continue
        if idx == h.indicator_col:
            row.indicator = clean_indicator(row.indicator + text)
        elif idx == h.cols.get("explanation"):
            row.explanation = (row.explanation or "") + text
        elif idx == h.target_col and not row.actual:
            row.target = (row.target or "") + text
        else:
            row.description = (row.description or "") + text


# ------------------------------------------------------------------ narrative (001)


def interpret_project_list(grid: Grid) -> list[Project]:
    """A table listing projects with 预算金额 and 自评得分 (seed 001)."""
    out: list[Project] = []
    header: dict[str, int] | None = None
    for row in grid.rows:
        cells = [norm(c.text) for c in row]
        if header is None:
            if any("项目名称" in c for c in cells) and any("得分" in c for c in cells):
                header = {}
                for i, c in enumerate(cells):
                    if "项目名称" in c:
                        header["name"] = i
                    elif "预算" in c or "金额" in c:
                        header["budget"] = i
                    elif "得分" in c:
                        header["score"] = i
                    elif "主管部门" in c:
                        header["dept"] = i
            continue
        name = normalise_text(row[header["name"]].text) if header.get("name", 99) < len(row) else ""
        if not name:
            continue
        where = row[header["name"]].where
        budget = to_decimal(row[header["budget"]].text) if header.get("budget", 99) < len(row) else None
        score = to_decimal(row[header["score"]].text) if header.get("score", 99) < len(row) else None
        dept = normalise_text(row[header["dept"]].text) if header.get("dept", 99) < len(row) else None
        out.append(Project(id="", name=name, department=dept or None,
                           budget=Budget(full=budget) if budget is not None else None,
                           total=Total(weight=None, score=score), where=where))
    return out


def is_project_list(grid: Grid) -> bool:
    """A list of projects with scores (001): one header row naming 项目名称 and 得分 among
    several columns, and no indicator header anywhere in the grid."""
    for row in grid.rows[:3]:
        cells = [norm(c.text) for c in row]
        if len([c for c in cells if c]) >= 3 and any("项目名称" in c for c in cells) and any(
                c.endswith("得分") for c in cells):
            return not any(detect_header([c.text for c in r], "") for r in grid.rows)
    return False


def _grid(st: _State, grid: Grid) -> None:
    if is_project_list(grid):
        st.projects.extend(interpret_project_list(grid))
        st.current = None
        return
    _indicator_grid(st, grid)
