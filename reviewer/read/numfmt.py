"""Render an Excel cell value the way Excel shows it, from its number format.

openpyxl returns raw values (0.9422, 139.04000000000002) and the format code; a reviewer
reads "94.22%" and "139.04". This covers the formats real reports use — General, fixed
decimals, thousands separators, percentages, literal units ("0.00万元"), accounting and
currency sections, scientific — and falls back to General for anything exotic.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_CONDITION = re.compile(r"\[[<>=]")


def display_text(value: object, number_format: str | None) -> str:
    """The text a person sees in the cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return format_number(value, number_format or "General")
    return str(value).strip()


def format_number(value: float | Decimal, fmt: str) -> str:
    """Apply an Excel number format code to a number."""
    try:
        num = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:  # inf / nan
        return str(value)
    if not num.is_finite():
        return str(value)
    sections = _split_sections(fmt)
    if not sections or _CONDITION.search(fmt) or sections[0].strip().lower() in ("general", ""):
        return _general(num)
    if num < 0 and len(sections) >= 2:
        section, num, signed = sections[1], -num, False
    elif num == 0 and len(sections) >= 3:
        section, signed = sections[2], False
    else:
        section, signed = sections[0], True
    if section.strip().lower() == "general":
        return _general(num)
    return _apply_section(num, section, signed).strip()


def _split_sections(fmt: str) -> list[str]:
    """Split on ';' outside quotes and brackets."""
    sections, buf, quoted, bracket, escape = [], [], False, False, False
    for ch in fmt:
        if escape:
            buf.append(ch)
            escape = False
            continue
        if ch == "\\" and not quoted:
            escape = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "[" and not quoted:
            bracket = True
        elif ch == "]" and not quoted:
            bracket = False
        elif ch == ";" and not quoted and not bracket:
            sections.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    sections.append("".join(buf))
    return sections


def _general(num: Decimal) -> str:
    """Excel's General: integers without '.0', at most 15 significant digits, no float noise."""
    if num == num.to_integral_value() and abs(num) < Decimal("1e15"):
        return str(int(num))
    text = f"{float(num):.15g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        return f"{mantissa}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    return text


def _apply_section(num: Decimal, section: str, signed: bool) -> str:
    """Render one format section: literals around a single run of digit placeholders."""
    # One pass over the format's characters, as Excel reads it; split up, every piece would
    # need the same six pieces of state (before/after/core, percent, scientific, text_at).
    before: list[str] = []
    after: list[str] = []
    core: list[str] = []
    percent = 0
    scientific = False
    text_at = False
    i, n = 0, len(section)
    while i < n:
        ch = section[i]
        out = after if core else before
        if ch == '"':
            end = section.find('"', i + 1)
            end = n if end < 0 else end
            out.append(section[i + 1:end])
            i = end + 1
            continue
        if ch == "\\" and i + 1 < n:
            out.append(section[i + 1])
            i += 2
            continue
        if ch in "_*":  # padding to a character's width / repeat-fill: no visible text
            i += 2
            continue
        if ch == "[":
            end = section.find("]", i)
            end = n if end < 0 else end
            inner = section[i + 1:end]
            if inner.startswith("$"):  # [$¥-804]: currency symbol and locale
                out.append(inner[1:].split("-")[0])
            i = end + 1
            continue
        if ch in "0#?.," and not scientific and (not after or ch in "0#?"):
            if after:  # placeholders resumed after a literal: treat the literal as part of the core
                core.extend(after)
                after.clear()
            core.append(ch)
        elif ch in "Ee" and core and i + 1 < n and section[i + 1] in "+-":
            scientific = True
            after.append(section[i:])
            break
        elif ch == "%":
            percent += 1
            out.append("%")
        elif ch == "@":
            text_at = True
            out.append("@")
        else:
            out.append(ch)
        i += 1
    if not core:
        # A section without digits ("-" for zero in accounting formats, "@" for text).
        text = "".join(before)
        return text.replace("@", _general(num)) if text_at else text
    num = num * (Decimal(100) ** percent)
    if scientific:
        decimals = _decimals(core)[0]
        rendered = f"{abs(float(num)):.{decimals}E}"
        mantissa, exp = rendered.split("E")
        body = f"{mantissa}E{exp[0]}{abs(int(exp)):02d}"
        tail = ""
    else:
        body = _render_digits(abs(num), "".join(c for c in core if c in "0#?.,"))
        tail = "".join(after)
    sign = "-" if signed and num < 0 and body.strip("0.,") else ""
    return "".join(before) + sign + body + tail


def _decimals(core: list[str]) -> tuple[int, int]:
    """(max, min) decimal places of a placeholder run."""
    text = "".join(core)
    if "." not in text:
        return 0, 0
    frac = [c for c in text.split(".", 1)[1] if c in "0#?"]
    return len(frac), sum(1 for c in frac if c == "0")


def _render_digits(num: Decimal, core: str) -> str:
    int_part, _, frac_part = core.partition(".")
    # Trailing commas scale by thousands; commas between placeholders mean grouping.
    scale = len(int_part) - len(int_part.rstrip(","))
    int_part = int_part.rstrip(",")
    num = num / (Decimal(1000) ** scale)
    grouping = "," in int_part
    max_dec = sum(1 for c in frac_part if c in "0#?")
    min_dec = sum(1 for c in frac_part if c == "0")
    min_int = sum(1 for c in int_part if c == "0")
    rounded = num.quantize(Decimal(1).scaleb(-max_dec), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{rounded:f}".partition(".")
    frac = frac.ljust(max_dec, "0")
    while len(frac) > min_dec and frac.endswith("0"):
        frac = frac[:-1]
    if whole == "0" and min_int == 0:
        whole = ""
    whole = whole.rjust(min_int, "0")
    if grouping and whole:
        whole = f"{int(whole):,}"
    if frac or (max_dec and "." in core and min_dec):
        return f"{whole}.{frac}"
    if max_dec and not frac:
        # "0.##" with an integral value: Excel keeps the point ("5."); reports never want it.
        return whole or "0"
    return whole or ("0" if min_int else "")
