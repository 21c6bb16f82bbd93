"""Read a document's metadata from its own text, for files without front matter.

What an official document states about itself: its title (the 《…》 of "现将《…》印发给你们",
a Markdown title, or the first title-like line), its number (嘉商规〔2024〕1号), its issuers
(the organ names on lines of their own in the notice, or the 人大常委会 of a regulation's
adoption note), its date, and its validity ("自2024年3月1日起施行", "自公布之日起施行",
"有效期至2025年12月31日", "有效期3年"). Every function is pure; what is not found is None or
empty, and a document without stated dates is shown as "validity unknown", never as in force.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from bot.text import chinese_number

_NUMERAL = "〇零○Ｏ一二三四五六七八九十两"
_DATE = re.compile(
    rf"([0-9]{{4}}|[{_NUMERAL}]{{4}})\s*年\s*([0-9]{{1,2}}|[{_NUMERAL}]{{1,3}})\s*月"
    rf"\s*([0-9]{{1,2}}|[{_NUMERAL}]{{1,3}})\s*日"
)
_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,12}[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*第?\s*\d{1,4}\s*号)"
)
_TITLE_WORDS = re.compile(
    r"(条例|办法|规定|意见|方案|计划|通知|决定|细则|措施|规划|规则|纲要|指引|指南|公告|通告|"
    r"若干|实施|條例|辦法|規定|計劃|通知|決定|細則|措施|規劃)"
)
_ISSUER = re.compile(
    r"^[\u4e00-\u9fff（）()]{3,40}(委员会|委員會|局|厅|廳|办公室|辦公室|人民政府|政府|部|署|中心|"
    r"管委会|管委會|总局|總局|常务委员会|常務委員會|宣传部|宣傳部)$"
)
_CONGRESS = re.compile(r"([\u4e00-\u9fff]{2,8}?)第[\u4e00-\u9fff]{1,4}届人民代表大会常务委员会")
_REGION = re.compile(
    r"((?:[\u4e00-\u9fff]{2,3}?(?:省|自治区))?[\u4e00-\u9fff]{2,3}?市"
    r"(?:[\u4e00-\u9fff]{1,3}?(?:区|县))?)"
)
_DISTRICT = re.compile(r"([\u4e00-\u9fff]{2,3}?(?:区|县))")
_NOTICE_TITLE = re.compile(r"(?:现将|現將|将|將)《([^》]{4,80})》")
_FROM = re.compile(rf"自\s*({_DATE.pattern})\s*起(?:施行|实施|執行|执行|生效|試行|试行)")
_FROM_PUBLISH = re.compile(r"自(?:公布|发布|印发|發佈|公佈)之日起(?:施行|实施|执行|生效)")
_UNTIL = re.compile(rf"有效期(?:至|到|截至)\s*({_DATE.pattern})")
_YEARS = re.compile(r"有效期(?:为)?\s*([0-9]{1,2}|[一二三四五六七八九十两]{1,2})\s*年")
_FROM_TO = re.compile(rf"({_DATE.pattern})\s*(?:至|到|—|-|～)\s*({_DATE.pattern})")


def _number(text: str) -> int:
    value = chinese_number(text)
    if value is None:
        raise ValueError(f"not a number: {text}")
    return value


def to_date(match: re.Match[str], offset: int = 0) -> date | None:
    """The date of a ``_DATE`` match (groups from ``offset + 1``), None when impossible."""
    try:
        return date(
            _number(match.group(offset + 1)),
            _number(match.group(offset + 2)),
            _number(match.group(offset + 3)),
        )
    except ValueError:
        return None


def dates_in(text: str) -> list[date]:
    return [d for d in (to_date(m) for m in _DATE.finditer(text)) if d is not None]


@dataclass(frozen=True)
class Extracted:
    """What the text says about the document; None / empty where it says nothing."""

    title: str | None = None
    number: str | None = None
    issuers: tuple[str, ...] = ()
    issue_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    region: str = ""


def _add_years(day: date, years: int) -> date:
    """The last day of a period of ``years`` years starting on ``day``."""
    year = day.year + years
    last = min(day.day, calendar.monthrange(year, day.month)[1])
    return date.fromordinal(date(year, day.month, last).toordinal() - 1)


def _title(lines: list[str]) -> str | None:
    for line in lines[:30]:
        match = _NOTICE_TITLE.search(line)
        if match:
            return match.group(1).strip()
    for line in lines[:12]:
        if line.startswith("# "):
            return line[2:].strip()
    candidates = [
        ln.lstrip("#").strip()
        for ln in lines[:15]
        if 4 <= len(ln.lstrip("#").strip()) <= 60
        and not ln.rstrip().endswith(("。", "：", ":", "，", ",", "；"))
        and not _DATE.fullmatch(ln.strip())
        and not _NUMBER.fullmatch(ln.strip())
        and not _ISSUER.match(ln.strip())
    ]
    for line in candidates:
        if _TITLE_WORDS.search(line) and not line.startswith(("第", "一、", "（")):
            return line
    return candidates[0] if candidates else None


def extract(body: str) -> Extracted:
    """The document's metadata as stated in ``body`` (plain text, one paragraph per line)."""
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    head = lines[:40]
    title = _title(lines)
    number_match = next((m for m in (_NUMBER.search(ln) for ln in head) if m), None)
    number = re.sub(r"\s+", "", number_match.group(1)) if number_match else None
    # Issuers: organ names on lines of their own, before the body starts; else the congress
    # standing committee that adopted a regulation.
    issuers: list[str] = []
    for line in head:
        if line.startswith(("第", "一、")):
            break
        for part in re.split(r"[\s\u3000]+", line):
            if _ISSUER.match(part) and part not in issuers and part != title:
                issuers.append(part)
    if not issuers:
        congress = _CONGRESS.search("\n".join(head))
        if congress:
            issuers.append(f"{congress.group(1)}人民代表大会常务委员会")
    # The issue date: the notice's own date line, else the last date in the preface notes
    # (a regulation's latest amendment).
    date_lines = [ln for ln in head if _DATE.fullmatch(ln) or _DATE.fullmatch(ln.strip("()（）"))]
    issue_date: date | None = None
    if date_lines:
        found = dates_in(date_lines[0])
        issue_date = found[0] if found else None
    else:
        notes = [
            ln
            for ln in head[:12]
            if _DATE.search(ln)
            and (ln.startswith(("(", "（")) or re.search("通过|修正|修订|公布|批准|發佈|发布", ln))
        ]
        found = [d for ln in notes for d in dates_in(ln)]
        issue_date = max(found) if found else None
    text = "\n".join(lines)
    valid_from: date | None = None
    match = _FROM.search(text)
    if match:
        valid_from = to_date(match, 1)
    elif _FROM_PUBLISH.search(text):
        valid_from = issue_date
    valid_until: date | None = None
    until = _UNTIL.search(text)
    if until:
        valid_until = to_date(until, 1)
    else:
        years = _YEARS.search(text)
        count = chinese_number(years.group(1)) if years else None
        if count and valid_from is not None:
            valid_until = _add_years(valid_from, count)
    if valid_from is None and valid_until is None and title:
        # "行动计划（2024-2026年）" states its period in the title.
        period = re.search(r"[（(](\d{4})\s*[-—–至]\s*(\d{4})年?[）)]", title)
        if period:
            valid_from = date(int(period.group(1)), 1, 1)
            valid_until = date(int(period.group(2)), 12, 31)
    return Extracted(
        title=title,
        number=number,
        issuers=tuple(issuers),
        issue_date=issue_date,
        valid_from=valid_from,
        valid_until=valid_until,
        region=region_of(title or "", issuers),
    )


def region_of(title: str, issuers: list[str] | tuple[str, ...]) -> str:
    """The place a document governs: 上海市嘉定区 from its issuers, else from its title."""
    for source in [*issuers, title]:
        match = _REGION.search(source.removeprefix("中共"))
        if match:
            return match.group(1)
    for source in [title, *issuers]:
        match = _DISTRICT.search(source)
        if match and not match.group(1).endswith(("地区", "园区", "社区", "街区", "城区")):
            return match.group(1)
    return ""
