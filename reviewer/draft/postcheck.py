"""Checks on a drafted text beyond its numbers: did it obey the report, does it assert a cause
the material does not support?

Report text is untrusted. A reply that rates the report, echoes the system prompt or the data
delimiters, talks about instructions, or says a flagged row is fine, is treated as having
followed an instruction planted in the report and is refused. A cause sentence whose content
words are mostly absent from the row and project text is marked 【待核实】 rather than shown as fact.
"""

from __future__ import annotations

import re

# Rating a report or a row is never a drafter's job; in a draft it means an injection worked.
_RATING = re.compile(
    r"优秀|优良|(?:评为|评定为|评价为|等级为|等次为|结论为|自评为)[“\"'「]?(?:优|良|A|合格)"
    r"|(?:结论|等级|等次|档次|评级)\s*[:：为是]?\s*[“\"'「]?(?:优|良|A|合格|中|差)(?![化先势质])"
    r"|建议(?:予以|同意)?(?:验收)?通过|(?:给予|评为|评定为|打|给)满分|A级|(?i:grade\s*A|excellent|outstanding)"
)
# Talking about prompts or instructions, or reproducing the delimiters.
_META = re.compile(
    r"系统提示|提示词|system\s*prompt|忽略(?:以上|上述|之前|前面)|指令|(?:<<<|>>>)|报告内容>>>|<<<报告内容"
    r"|作为(?:一个)?(?:AI|人工智能|语言模型)|ignore (?:all |the )?(?:previous|above)"
    # paraphrases of the system prompt and replies about the task instead of drafts
    r"|照抄|审核助手|我的任务|(?<![单局委厅办处部院校])我(?:将|会)|以下是|(?:按照|根据)(?:您|你)的要求|^好的[，,。]",
    re.IGNORECASE,
)
# Saying the row is fine: wrong whenever the checks found something.
_ALL_CLEAR = re.compile(
    r"(?:不存在|没有|无)(?:任何|明显)?(?:偏差|问题)|无需(?:整改|改进|说明|修改|补充|调整)"
    r"|不需要(?:整改|改进|说明|修改|补充)|(?:完全|已经?|均)符合要求|表述(?:恰当|规范|完整|准确)|无可挑剔"
)

CAUSE_MARKER = re.compile(r"由于|因为|(?<!原)因(?![此而素])|受到?[^，。；]{0,12}影响|导致|致使|造成|原因(?:是|为|在于|主要)|主要是")
PLACEHOLDER = "【请补充原因】"
UNVERIFIED = "【待核实】"

# Words every cause sentence uses; they say nothing about whether the material supports it.
_GENERIC = re.compile(
    "由于|因为|导致|致使|造成|影响|原因|主要|因此|所以|从而|进而|使得|受到|受|因|是|的|了|和|与|及|等|在|对|将|为|有|"
    "年度|本年|今年|上年|实际|完成|目标|指标|计划|预计|预期|情况|工作|项目|相关|有关|增加|增长|减少|下降|降低|提高|"
    "提升|较|大幅|明显|一定|部分|进一步|存在|出现|数量|人数|比例|较多|较少|偏低|偏高|未能|未|不|达到|达成|"
    "实现|需要|需|要求|根据|按照|方面|整体|总体|相应|相对|其中|同时|由|所|该|此|本|这|其|我|单位|部门"
)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


def prompt_text(user_prompt: str) -> str:
    """The parts of a rendered user prompt that a draft must never repeat: instructions, examples
    and retry notes, i.e. all but the job's own data block and its computed figures."""
    head, sep, tail = user_prompt.rpartition("<<<报告内容")
    if sep:
        tail = tail.split("报告内容>>>", 1)[-1]
    text = (head + "\n" + tail) if sep else user_prompt
    return re.sub(r"^计算结果（程序已算好.*$", "", text, flags=re.MULTILINE)


def injection_reason(text: str, *, system_prompt: str = "", names: tuple[str, ...] = (),
                     quoted: tuple[str, ...] = (), has_findings: bool = False,
                     data: tuple[str, ...] = ()) -> str | None:
    """Why ``text`` looks like it obeyed the report instead of drafting, or None.

    ``names`` (the indicator and project names) are cut out first: a row named
    "优秀学生奖励人数" may be named, it may not be rated. ``quoted`` cells (an existing
    explanation) are cut out only where the text puts them in quotation marks.
    """
    body = text
    for cell in sorted({c.strip() for c in quoted if c and c.strip()}, key=len, reverse=True):
        for left, right in (("“", "”"), ('"', '"'), ("「", "」"), ("‘", "’")):
            body = body.replace(left + cell + right, "“”")
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        body = body.replace(name, "")
    if _RATING.search(body):
        return "rating"
    if system_prompt and _echoes(_masked(text, names), _masked(system_prompt, names), _masked("\n".join(data), names)):
        return "echo"
    if _META.search(body):
        return "meta"
    if has_findings and _ALL_CLEAR.search(body):
        return "all_clear"
    return None


def _masked(text: str, names: tuple[str, ...]) -> str:
    """``text`` with the row's names and every figure cut out (NUL): a draft about a row like a
    prompt example's row shares those with the example's reply, and that is not an echo."""
    for name in sorted({c for c in names if c and len(c) >= 2}, key=len, reverse=True):
        text = text.replace(name, "\x00")
    return re.sub(r"[\d.,%％≥≤<>]+", "\x00", text)


def _shingles(text: str, width: int) -> set[str]:
    flat = re.sub(r"[^\w\x00]+", "", text)  # punctuation too: a copy may start at a comma
    return {flat[i:i + width] for i in range(len(flat) - width + 1) if "\x00" not in flat[i:i + width]}


def _echoes(text: str, source: str, allowed: str = "", width: int = 16) -> bool:
    """True when ``text`` repeats a ``width``-character stretch of ``source`` that is not also in
    ``allowed`` (the job's own report text, which a draft may quote)."""
    return bool(_shingles(text, width) & (_shingles(source, width) - _shingles(allowed, width)))


def content_bigrams(text: str) -> set[str]:
    """CJK character bigrams of the content words of ``text`` (generic cause vocabulary removed)."""
    out: set[str] = set()
    for run in _CJK_RUN.findall(_GENERIC.sub(" ", text)):
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def sentences(text: str) -> list[str]:
    """Split at 。；！？ and newlines, keeping the terminator with its sentence."""
    return [s for s in re.findall(r"[^。；;！!？?\n]+[。；;！!？?]?", text) if s.strip()]


def is_supported(sentence: str, material: str, threshold: float = 0.6) -> bool:
    """Whether most content bigrams of a cause sentence occur in the material."""
    grams = content_bigrams(sentence)
    if not grams:
        return True
    have = sum(1 for g in grams if g in material)
    return have / len(grams) >= threshold


def _cause_topics() -> re.Pattern[str]:
    from reviewer.vocab import alternation, load

    return re.compile(alternation(load("draft_checks")["causes"]["topics"]))


def mark_unverified_causes(text: str, material: str) -> tuple[str, bool]:
    """Prefix every cause sentence the material does not support with 【待核实】 (a sentence naming a
    typical invented cause counts as a cause sentence even without 由于/因为)."""
    out, flagged = [], False
    topics = _cause_topics()
    for s in sentences(text):
        is_cause = CAUSE_MARKER.search(s) or any(t not in material for t in topics.findall(s))
        if is_cause and PLACEHOLDER not in s and UNVERIFIED not in s and not is_supported(s, material):
            lead = len(s) - len(s.lstrip())
            s = s[:lead] + UNVERIFIED + s[lead:]
            flagged = True
        out.append(s)
    return "".join(out), flagged
