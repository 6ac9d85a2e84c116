"""Indicator rows: read by the header's column map; by content only when a row does not fit it.

Exports lose merged cells and shift a row's cells left or right; a row that plainly does not fit
its header's columns (a value where a label belongs, text beyond the last column) is read by
content instead: level labels first, then text cells, anchored on the trailing 分值/得分.
"""

from __future__ import annotations

import re

from reviewer.tables.header import Header
from reviewer.values import normalise_text, parse_value, to_decimal
from reviewer.vocab.headers import get, is_level1, is_level2, level_family, level_weight, norm

GOAL = re.compile(r"^(绩效目标|目标|年度目标)\s*\d+[:：]?$")
INDICATOR_PREFIX = re.compile(r"^(指标\s*\d*\s*[:：]?|[:：])\s*")
EMPTY_MARKS = {"-", "—", "——", "--", "/", "……", "…", "...", "......"}
_MARK = re.compile(r"^[-—–_/\\.…·、]+$")


def is_mark(text: str | None) -> bool:
    """A filler cell ("-", "……", "/"): a placeholder, never content."""
    t = norm(text)
    return bool(t) and (t in EMPTY_MARKS or _MARK.match(t) is not None)


def is_goal(text: str | None) -> bool:
    return bool(GOAL.match(norm(text)))


def clean_indicator(text: str) -> str:
    t = normalise_text(text)
    t = INDICATOR_PREFIX.sub("", t).strip()
    return t.rstrip("：:").strip()


def is_number_cell(text: str | None) -> bool:
    """A 分值/得分 cell: a figure, possibly with 分 ("10", "12.5", "10分")."""
    t = norm(text)
    return bool(t) and re.fullmatch(r"-?\d+(\.\d+)?分?", t) is not None


def cell(cells: list[str], idx: int | None) -> str:
    if idx is None or idx < 0 or idx >= len(cells):
        return ""
    return normalise_text(cells[idx])


def level_label(text: str) -> str | None:
    """The level a label-only cell stands for: "level1", "level2" or None."""
    if is_level1(text):
        return "level1"
    if is_level2(text):
        return "level2"
    return None


def _numbered(text: str) -> bool:
    """"2.财务管理": a numbered item is an indicator even when its words name a level."""
    return re.match(r"^\d+[.、．]", norm(text)) is not None


def _level_ok(text: str, strict: bool = False) -> bool:
    """A level column cell fits when it is a level label or weight marker; a short unknown name
    fits the 一级 column only (provinces name their 一级 freely, a shifted row puts a 三级 there)."""
    if not text or is_level1(text) or is_level2(text):
        return True
    t = norm(text)
    return not strict and len(t) <= 12 and parse_value(t).kind not in {"quantitative", "date"} and not is_goal(t)


def _levels_fit(out: dict[str, str], carried_level1: str | None) -> bool:
    """Check the level cells; a 二级 label printed in the 一级 column with the 二级 cell empty is a
    二级 (the row lost a cell), except a satisfaction label spanning both columns."""
    l1, l2 = out.get("level1", ""), out.get("level2", "")
    if not (_level_ok(l1) and _level_ok(l2, strict=True)):
        return False
    if l1 and is_level2(l1) and not is_level1(l1):
        if l2:
            return False
        if not _spans_both(l1, carried_level1):
            out["level2"], out["level1"] = l1, ""
    elif l1 and not l2 and _second_level_under(l1, carried_level1):
        out["level2"], out["level1"] = l1, ""  # "成本指标" under 产出 is a 二级 that lost its cell
    return True


def _spans_both(label: str, carried_level1: str | None) -> bool:
    """A satisfaction label printed across the 一级 and 二级 columns (服务对象满意度指标 with no
    一级 of the 满意度 family above it) stands for the 一级."""
    return level_family(label) == "满意度" and level_family(carried_level1 or "") != "满意度"


def _second_level_under(label: str, carried_level1: str | None) -> bool:
    """A label both levels use ("成本指标") is a 二级 when the 一级 above is its family's."""
    return bool(carried_level1) and is_level2(label) and level_weight(label)[1] is None \
        and level_family(label) == re.sub(r"(指标|目标)$", "", level_weight(carried_level1)[0])


def read_positional(h: Header, cells: list[str], carried_level1: str | None = None,
                    carried_level2: str | None = None) -> dict[str, str] | None:
    """Read a row by the header's columns; None when the row plainly does not fit them."""
    c = h.cols
    get_ = {role: cell(cells, i) for role, i in c.items()}
    ind = get_.get("indicator", "")
    l1, l2 = get_.get("level1", ""), get_.get("level2", "")
    goal = get_.get("goal", "")
    if goal and not is_goal(goal) and "activity_code" not in c:
        return None
    if not ind or is_goal(ind) or is_mark(ind):
        return None
    if is_number_cell(ind) and not is_level2(l2 or carried_level2 or ""):
        return None  # a figure in the indicator column is a shifted row, unless the row has its own 二级
    values = [get_.get(r, "") for r in ("target", "actual", "weight", "score", "grade_a")]
    if (is_level1(ind) or is_level2(ind) or level_label(ind)) and not (l1 or l2) and not any(values):
        return None  # a category row ("一、投入目标", "数量指标" alone)
    has_levels = "level1" in c or "level2" in c
    if has_levels and (is_level1(ind) or is_level2(ind)) and not (l1 or l2) and not _numbered(ind) \
            and parse_value(get_.get("target", "")).kind not in {"quantitative", "date"} \
            and not (get_.get("weight") or get_.get("score")):
        return None  # a level label in the indicator column, text where the target belongs: shifted
    roled = set(c.values())
    if any(level_label(cells[i]) for i in range(min(h.indicator_col, len(cells))) if i not in roled and cells[i].strip()):
        return None  # a level label in a column the header gives no role: the row is shifted
    out = dict(get_)
    if not _levels_fit(out, carried_level1):
        return None
    for role in ("weight", "score", "level_weight"):
        v = get_.get(role, "")
        if v and not is_number_cell(v) and not is_mark(v):
            return None
    last = max(c.values())
    if any(normalise_text(x) for x in cells[max(last, h.width - 1) + 1:]):
        return None
    if "target" not in c and "grade_a" in c:
        out["target"] = get_.get("grade_a", "")  # a graded target table: 优 is the target
    if "activity_code" in c:
        code, name = get_.get("activity_code", ""), get_.get("activity_name", "")
        out["goal"] = f"{code} {name}".strip()
    return out


def read_by_content(h: Header, cells: list[str], carried_level1: str | None = None) -> dict[str, str] | None:
    """Read a shifted row: leading goal/level cells, then text cells, then 分值/得分/explanation."""
    items = [x for x in (normalise_text(c) for c in cells) if x]
    out: dict[str, str] = {}
    i = 0
    while i < len(items):
        x = items[i]
        if not out and is_goal(x):
            out["goal"] = x
        elif "level1" not in out and "level2" not in out and is_level1(x) \
                and not _second_level_under(x, carried_level1):
            out["level1"] = x
        elif "level2" not in out and is_level2(x) and i + 1 < len(items):
            out["level2"] = x
        else:
            break
        i += 1
    rest = items[i:]
    if not rest:
        return None
    mandatory = len([f for f in h.text_fields() if f in {"indicator", "target", "actual"}])
    pairs = [j for j in range(1, len(rest) - 1) if is_number_cell(rest[j]) and is_number_cell(rest[j + 1])]
    anchor = next((j for j in pairs if j >= mandatory), pairs[-1] if pairs else None)
    if anchor is not None and "weight" in h.cols and "score" in h.cols:
        texts = rest[:anchor]
        out["weight"], out["score"] = rest[anchor], rest[anchor + 1]
        out["explanation"] = "；".join(x for x in rest[anchor + 2:] if not is_number_cell(x))
    else:
        texts = rest
        numeric = [r for r in ("weight", "score") if r in h.cols]
        if len(texts) >= 3 and is_number_cell(texts[-1]) and numeric:
            out[numeric[-1] if len(numeric) == 1 else "weight"] = texts[-1]
            texts = texts[:-1]
    fields = list(h.text_fields())
    # "社会公众满意度" is a 二级指标 in some templates and a 三级指标 in others: when taking it
    # as a level leaves no room for indicator and target, it was the indicator.
    if "level2" in out and texts and parse_value(texts[0]).kind in {"quantitative", "date"} \
            and len(texts) < mandatory:
        texts = [out.pop("level2")] + texts
    if h.cols.get("explanation") is not None and anchor is None and len(texts) > len(fields):
        out["explanation"] = texts[-1]
        texts = texts[:-1]
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
    if not out.get("indicator") or is_number_cell(out["indicator"]) or is_mark(out["indicator"]):
        return None
    return out


def label_only(h: Header, cells: list[str], carried_level1: str | None = None) -> dict[str, str] | None:
    """A row that only sets a category ("二级指标" label alone, "一、投入目标", "1.数量目标")."""
    texts = {i: normalise_text(x) for i, x in enumerate(cells) if normalise_text(x)}
    if not texts:
        return None
    value_cols = {h.cols.get(r) for r in ("target", "actual", "weight", "score")} - {None}
    if value_cols & set(texts):
        return None
    out: dict[str, str] = {}
    for i, t in texts.items():
        if is_mark(t):
            continue
        if i == h.cols.get("level1") and _level_ok(t) and not (is_level2(t) and not is_level1(t)) or i == h.cols.get("level1") and _spans_both(t, carried_level1):
            out["level1"] = t
        elif i in (h.cols.get("level2"), h.cols.get("level1")) and _level_ok(t, strict=True):
            out["level2"] = t
        elif i == h.cols.get("goal") and is_goal(t):
            out["goal"] = t
        elif i == h.label_col or get().label("section", t):
            continue
        else:
            kind = level_label(t)
            if kind is None or kind in out:
                return None
            out[kind] = t
    return out or None


def to_number(text: str | None):
    """分值/得分 text → Decimal ("10分" → 10); None when empty or a filler mark."""
    t = norm(text).removesuffix("分")
    return to_decimal(t) if t and not is_mark(t) else None
