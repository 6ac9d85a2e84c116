"""The header vocabulary (reviewer/vocab/headers.toml) compiled into matchers, loaded once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from reviewer import vocab
from reviewer.values import normalise_text

# "(A)", "(B/A)", "(万元)", "(包含数字及文字描述)", "(10分)": notes a header cell may carry.
_NOTE = re.compile(r"[（(][^（()）]{0,20}[)）]$")
# Weight written on a level label in any of the forms provinces print.
_LEVEL_WEIGHT = re.compile(
    r"[（(]?\s*(?:(\d+(?:\.\d+)?)\s*[-－—~～]\s*)?(\d+(?:\.\d+)?)\s*[)）]?\s*分?\s*[)）]?$"
)


_SPACE = re.compile(r"\s+")


def norm(text: str | None) -> str:
    """Normalised cell text without any whitespace: the form every label is matched in."""
    return _norm(text) if text else ""


@lru_cache(maxsize=200_000)
def _norm(text: str) -> str:
    return _SPACE.sub("", normalise_text(text))


def _compile(patterns: list[str]) -> re.Pattern[str]:
    parts = [p[1:] if p.startswith("~") else f"^(?:{p})$" for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts))


@dataclass(frozen=True)
class Vocabulary:
    role_order: tuple[str, ...]
    roles: dict[str, list[re.Pattern[str]]]  # role → its patterns, most preferred first
    labels: dict[str, re.Pattern[str]]
    funding: dict[str, re.Pattern[str]]
    level1: re.Pattern[str]
    level2: re.Pattern[str]
    family: dict[str, str]  # 二级 stem → 一级 stem
    title_suffix: re.Pattern[str]  # the ending of a table title, to strip from a project name
    # Answers already given, per question and cell text: a county batch repeats its templates'
    # words hundreds of thousands of times.
    _memo: dict[tuple[str, str, str], object] = field(default_factory=dict, compare=False, repr=False)

    def _cached(self, question: str, kind: str, cell: str, answer):
        key = (question, kind, cell)
        if key not in self._memo:
            if len(self._memo) > 500_000:
                self._memo.clear()
            self._memo[key] = answer(cell)
        return self._memo[key]

    def header_role(self, cell: str) -> tuple[str, int] | None:
        """(role, preference rank) of a header cell, or None when no role names it."""
        return self._cached("role", "", cell, self._header_role)

    def _header_role(self, cell: str) -> tuple[str, int] | None:
        for text in _variants(cell):
            for role in self.role_order:
                for rank, pat in enumerate(self.roles.get(role, [])):
                    if pat.search(text):
                        return role, rank
        return None

    def label(self, kind: str, cell: str) -> bool:
        """True when the cell is a label of this kind ("project", "total", "section" …)."""
        return self._cached("label", kind, cell, lambda c: any(self.labels[kind].search(t) for t in _variants(c)))

    def funding_field(self, cell: str) -> str | None:
        """The funding figure a header cell names (initial, full, spent, rate …), or None."""
        return self._cached("funding", "", cell, self._funding_field)

    def _funding_field(self, cell: str) -> str | None:
        # The label without its bracketed notes decides first: "得分 (20分*执行率)" is a score.
        for text in reversed(_variants(cell)):
            for name in ("initial", "spent", "full", "rate", "weight", "score", "rule"):
                if self.funding[name].search(text):
                    return name
        return None

    def funding_row(self, kind: str, cell: str) -> bool:
        return self._cached("funding_row", kind, cell,
                            lambda c: any(self.funding[kind].search(t) for t in _variants(c)))


def _variants(cell: str) -> list[str]:
    t = norm(cell).rstrip(":：")
    out = [t]
    while _NOTE.search(t):
        t = _NOTE.sub("", t)
        out.append(t)
    return out


def _level_pattern(stems: list[str]) -> re.Pattern[str]:
    # "服务对象满意度指标等", "数量类指标": a trailing 等/类 does not change the level.
    return re.compile(rf"^(?:{vocab.alternation(stems)})类?(?:指标|目标)?[等类]?$")


@lru_cache(maxsize=8)
def _build(_key: str | None) -> Vocabulary:
    data = vocab.load("headers")
    roles_data = dict(data["roles"])
    order = tuple(roles_data.pop("order"))
    roles = {name: [_compile([p]) for p in pats] for name, pats in roles_data.items()}
    labels_data = dict(data["labels"])
    title_suffix = re.compile(f"(?:{vocab.alternation(labels_data.pop('title_suffix'))})$")
    labels = {name: _compile(pats) for name, pats in labels_data.items()}
    funding = {name: _compile(pats) for name, pats in data["funding"].items()}
    levels = data["levels"]
    family = {l2: l1 for l1, l2s in levels.get("family", {}).items() for l2 in l2s}
    return Vocabulary(order, roles, labels, funding, _level_pattern(levels["level1"]),
                      _level_pattern(levels["level2"]), family, title_suffix)


def get() -> Vocabulary:
    """The compiled vocabulary (shipped words plus REVIEWER_VOCAB's)."""
    import os

    return _build(os.environ.get("REVIEWER_VOCAB"))


def is_title(text: str | None) -> bool:
    """A table title line ("2023年度项目支出绩效自评表"): short and ending like one."""
    t = norm(text)
    return 0 < len(t) <= 80 and get().title_suffix.search(t) is not None


def level_weight(text: str | None) -> tuple[str, str | None]:
    """"产出指标(50分)" → ("产出指标", "50"); "成本指标(0-20)分" → ("成本指标", "20"); "(50分)" → ("", "50")."""
    t = norm(text)
    m = _LEVEL_WEIGHT.search(t)
    if m and (m.start() > 0 or t.startswith(("(", "（")) or "分" in t[m.start():]):
        name = t[: m.start()].rstrip("(（:：")
        if not name or not name[-1].isdigit():
            return name, m.group(2)
    return t, None


# Numbered section labels stand for levels: "一、投入目标", "1.数量目标", "(二)效益指标".
SECTION_NUMBER = re.compile(r"^([一二三四五六七八九十]+[、.．]|\d+[、.．]|[（(][一二三四五六七八九十\d]+[)）][、.．]?)")


def _unnumbered(text: str | None) -> str:
    return SECTION_NUMBER.sub("", norm(text))


def is_level1(text: str | None) -> bool:
    v = get()
    return bool(text) and v._cached("level1", "", text, _is_level1)


def _is_level1(text: str) -> bool:
    name, weight = level_weight(_unnumbered(text))
    return bool(get().level1.match(name)) or (not name and weight is not None)


def is_level2(text: str | None) -> bool:
    return bool(text) and get()._cached("level2", "", text, lambda t: bool(get().level2.match(level_weight(_unnumbered(t))[0])))


def level_family(level2: str | None) -> str | None:
    """The 一级 stem a 二级 label belongs to ("质量指标" → "产出"), when the framework says."""
    name = re.sub(r"类?(指标|目标)?[等类]?$", "", level_weight(_unnumbered(level2))[0])
    return get().family.get(name)
