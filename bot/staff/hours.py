"""Office hours in Asia/Shanghai, China's public holidays and make-up working days, and the
sentence that tells a user roughly when staff will reply.

Holidays come from ``chinese-calendar`` (maintained; the State Council's schedule for each
year, make-up working days on weekends included). For a year it does not know yet, the rule
falls back to Monday to Friday, and says so to nobody: an estimate, not a promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from bot.domain import Lang

SHANGHAI = ZoneInfo("Asia/Shanghai")
_WEEKDAYS_ZH = "一二三四五六日"


def is_working_day(day: date) -> bool:
    """A working day in mainland China: holidays off, make-up Saturdays and Sundays on."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the library has no schedule for yet
        return day.weekday() < 5


def parse_hours(value: str) -> tuple[time, time]:
    """ "09:00-17:30" -> (09:00, 17:30); ValueError for anything else."""
    start, sep, end = value.partition("-")
    if not sep:
        raise ValueError(f"office hours must look like 09:00-17:30, not {value!r}")
    opens, closes = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    if opens >= closes:
        raise ValueError(f"office hours must open before they close: {value!r}")
    return opens, closes


@dataclass(frozen=True)
class OfficeHours:
    """When staff answer: these hours of each working day, Shanghai time."""

    opens: time = time(9, 0)
    closes: time = time(17, 30)

    @classmethod
    def parse(cls, value: str) -> OfficeHours:
        opens, closes = parse_hours(value)
        return cls(opens, closes)

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(SHANGHAI)
        return is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, now: datetime) -> datetime:
        """The next moment the office opens (``now`` itself when it is open)."""
        local = now.astimezone(SHANGHAI)
        if self.is_open(local):
            return local
        day = local.date()
        if not is_working_day(day) or local.time() >= self.closes:
            day += timedelta(days=1)
        for _ in range(60):  # the longest holiday run is far shorter
            if is_working_day(day):
                return datetime.combine(day, self.opens, SHANGHAI)
            day += timedelta(days=1)
        return datetime.combine(day, self.opens, SHANGHAI)

    def promise(self, now: datetime, lang: Lang) -> str:
        """One sentence: when a person will roughly reply, as of ``now``."""
        local = now.astimezone(SHANGHAI)
        closes = self.closes.strftime("%H:%M")
        if self.is_open(local):
            return (
                f"现在是工作时间，工作人员一般会在今天 {closes} 前回复。"
                if lang == "zh"
                else f"Staff are at work now and usually reply before {closes} today (Shanghai time)."
            )
        opening = self.next_opening(local)
        day = opening.date()
        at = self.opens.strftime("%H:%M")
        if lang == "zh":
            when = "明天" if day == local.date() + timedelta(days=1) else ""
            if day == local.date():
                when = "今天"
            label = f"{when}{day.month}月{day.day}日（周{_WEEKDAYS_ZH[day.weekday()]}）"
            return (
                f"现在不是工作时间（工作日 {at}–{closes}），工作人员会在{label} {at} 上班后回复。"
            )
        return (
            f"It is outside office hours (working days {at}–{closes}, Shanghai time); staff will "
            f"reply after {at} on {day.strftime('%A')}, {day.isoformat()}."
        )
