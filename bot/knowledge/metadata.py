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
from collections import Counter
from dataclasses import dataclass
from datetime import date

from bot.knowledge.places import gazetteer, region_of_name
from bot.text import chinese_number, to_simplified

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
_NOTICE_TITLE = re.compile(r"(?:现将|現將|将|將)《([^》]{4,80})》")
# What a document says about its own force. ``_SELF`` is how it names itself; a date or a
# period anywhere else (a permit "有效期为三年", a contract "自…起生效") is not its validity.
_SELF = (
    r"(?:本|此)(?:实施细则|實施細則|若干措施|若干规定|若干規定|若干意见|若干意見|条例|條例|办法|辦法|"
    r"规定|規定|意见|意見|细则|細則|措施|决定|決定|通知|方案|计划|計劃|政策|规则|規則|指引|公告|"
    r"通告|文件|规划|規劃|纲要|綱要|指南)"
)
_IN_FORCE = r"(?:施行|实施|實施|執行|执行|生效|試行|试行)"
_REACH = r"[^。；;]{0,40}?"
_FROM = re.compile(rf"{_SELF}{_REACH}自\s*({_DATE.pattern})\s*起?{_IN_FORCE}")
_FROM_PUBLISH = re.compile(
    rf"{_SELF}{_REACH}自(?:公布|发布|印发|發佈|公佈|發布|印發)之日起{_IN_FORCE}"
)
# The adoption notes of a regulation: "2017年3月1日 施行" on a line of its own.
_NOTE_FROM = re.compile(rf"^({_DATE.pattern})\s*(?:起)?施行")
_UNTIL = re.compile(rf"{_SELF}{_REACH}有效期(?:至|到|截至)\s*({_DATE.pattern})")
_YEARS = re.compile(
    rf"{_SELF}{_REACH}有效期(?:为|為)?\s*([0-9]{{1,2}}|[一二三四五六七八九十两]{{1,2}})\s*年"
)
_REPEALED = re.compile(
    rf"{_SELF}{_REACH}(?:自|于|於)\s*({_DATE.pattern})\s*(?:起)?(?:废止|廢止|失效)"
)
_PERIOD = re.compile(r"[（(](\d{4})\s*[-—–至]\s*(\d{4})年?[）)]")
# The legislature that adopted a regulation: "宁波市第十五届人民代表大会常务委员会第二十八次会议".
_CONGRESS = re.compile(r"第[一二三四五六七八九十百]{1,4}届人民代表大会(常务委员会)?")
_SELF_PLACE = re.compile(r"(?:本|我|全)(省|市|县|区|自治区|州)")
_BREADCRUMB = re.compile(r"(当前位置|所在位置|您的位置|当前的位置|首页\s*[>＞»/])")


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


def _is_marker(line: str) -> bool:
    """A line that opens the body's structure: never a title."""
    return bool(
        re.match(
            r"^(第[一二三四五六七八九十百零〇\d]+[编章节条]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])",
            line,
        )
    )


def title_candidate(line: str) -> bool:
    return (
        4 <= len(line) <= 80
        and not line.endswith(("。", "：", ":", "，", ",", "；"))
        and not _DATE.fullmatch(line)
        and not _DATE.match(line)
        and not _NUMBER.fullmatch(line)
        and not _ISSUER.match(line)
        and not _is_marker(line)
        and not _BREADCRUMB.search(line)
        and not _CONGRESS.search(line)
    )


def _title(lines: list[str]) -> str | None:
    """The document's own title: the 《…》 its notice issues, else the first title-like line
    of its head (never a breadcrumb, a date, an organ or a first section heading)."""
    for line in lines[:30]:
        match = _NOTICE_TITLE.search(line)
        if match:
            return match.group(1).strip()
    head = [ln.lstrip("#").strip() for ln in lines[:15]]
    candidates = [ln for ln in head if title_candidate(ln)]
    for line in candidates:
        if _TITLE_WORDS.search(line):
            return line
    return candidates[0] if candidates else None


def _congress(head: list[str]) -> tuple[str | None, str]:
    """The legislature of a regulation's adoption notes, and its place's full name."""
    atlas = gazetteer()
    for line in head:
        for match in _CONGRESS.finditer(line):
            before = to_simplified(line[max(0, match.start() - 12) : match.start()])
            for start in range(len(before)):
                place = atlas.unique(before[start:])
                if place is not None:
                    body = "人民代表大会" + ("常务委员会" if match.group(1) else "")
                    return place.name + body, atlas.full_name(place)
    return None, ""


def _issuers(head: list[str], title: str | None) -> tuple[list[str], str]:
    """Organ names on lines of their own before the body starts; else the legislature."""
    issuers: list[str] = []
    for line in head:
        if _is_marker(line):
            break
        for part in re.split(r"[\s\u3000]+", line):
            if _ISSUER.match(part) and part not in issuers and part != title:
                issuers.append(part)
    congress, place = _congress(head)
    if not issuers and congress:
        issuers.append(congress)
    return issuers, place


def _issue_date(head: list[str]) -> date | None:
    """The notice's own date line, else the last date of the adoption notes (the latest
    amendment)."""
    date_lines = [ln for ln in head if _DATE.fullmatch(ln) or _DATE.fullmatch(ln.strip("()（）"))]
    if date_lines:
        found = dates_in(date_lines[0])
        return found[0] if found else None
    notes = [
        ln
        for ln in head[:12]
        if _DATE.search(ln)
        and (ln.startswith(("(", "（")) or re.search("通过|修正|修订|公布|批准|發佈|发布", ln))
    ]
    found = [d for ln in notes for d in dates_in(ln)]
    return max(found) if found else None


def validity_of(
    text: str, head: list[str], issue_date: date | None, title: str | None
) -> tuple[date | None, date | None]:
    """(valid from, valid until) from what the text says about its own force only."""
    valid_from: date | None = None
    match = _FROM.search(text)
    if match:
        valid_from = to_date(match, 1)
    elif _FROM_PUBLISH.search(text):
        valid_from = issue_date
    else:
        note = next((m for m in (_NOTE_FROM.match(ln) for ln in head[:12]) if m), None)
        valid_from = to_date(note, 1) if note else None
    valid_until: date | None = None
    until = _UNTIL.search(text)
    repealed = _REPEALED.search(text)
    if until:
        valid_until = to_date(until, 1)
    elif repealed:
        end = to_date(repealed, 1)
        valid_until = date.fromordinal(end.toordinal() - 1) if end else None
    else:
        years = _YEARS.search(text)
        count = chinese_number(years.group(1)) if years else None
        if count and valid_from is not None:
            valid_until = _add_years(valid_from, count)
    if valid_from is None and valid_until is None and title:
        # "行动计划（2024-2026年）" states its period in the title.
        period = _PERIOD.search(title)
        if period:
            valid_from = date(int(period.group(1)), 1, 1)
            valid_until = date(int(period.group(2)), 12, 31)
    return valid_from, valid_until


def extract(body: str) -> Extracted:
    """The document's metadata as stated in ``body`` (plain text, one paragraph per line)."""
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    head = [ln.lstrip("#").strip() for ln in lines[:40]]
    title = _title(lines)
    number_match = next((m for m in (_NUMBER.search(ln) for ln in head) if m), None)
    number = re.sub(r"\s+", "", number_match.group(1)) if number_match else None
    issuers, congress_place = _issuers(head, title)
    issue_date = _issue_date(head)
    valid_from, valid_until = validity_of("\n".join(lines), head, issue_date, title)
    return Extracted(
        title=title,
        number=number,
        issuers=tuple(issuers),
        issue_date=issue_date,
        valid_from=valid_from,
        valid_until=valid_until,
        region=region_of(title or "", issuers, body) or congress_place,
    )


def _place_of_body(body: str) -> str:
    """The place a document without issuers speaks for: the one it calls 本县 / 我市 / 全省,
    named most often in its text."""
    atlas = gazetteer()
    text = to_simplified(body)
    levels = Counter(m.group(1) for m in _SELF_PLACE.finditer(text))
    if not levels:
        return ""
    suffix = levels.most_common(1)[0][0]
    named: Counter[str] = Counter()
    for name, places in atlas.by_name.items():
        if name.endswith(suffix) and len(places) == 1 and name in text:
            named[name] = text.count(name)
    if not named:
        return ""
    return atlas.full_name(atlas.by_name[named.most_common(1)[0][0]][0])


def region_of(title: str, issuers: list[str] | tuple[str, ...], body: str = "") -> str:
    """The place a document governs, as a full name (浙江省宁波市, 上海市嘉定区): the place
    of its issuers, else the one its title names, else the one its text calls 本县 / 本市.
    Only places that exist are regions."""
    for source in issuers:
        region = region_of_name(to_simplified(source))
        if region:
            return region
    region = region_of_name(to_simplified(title))
    if region or not body:
        return region
    return _place_of_body(body)
