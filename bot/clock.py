"""The clock is injected everywhere so tests and `insysteme chat --at` can set the time."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A settable clock: tests move it forward by hand."""

    def __init__(self, at: datetime):
        self._at = as_utc(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = as_utc(at)

    def advance(self, **kwargs) -> datetime:
        self._at += timedelta(**kwargs)
        return self._at


def as_utc(at: datetime) -> datetime:
    """Naive datetimes are read as Paris local time: that is what people type."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=PARIS)
    return at.astimezone(timezone.utc)


def to_paris(at: datetime) -> datetime:
    return as_utc(at).astimezone(PARIS)


def parse_at(text: str) -> datetime:
    """ISO-8601 from the command line; without an offset it is Paris time."""
    return as_utc(datetime.fromisoformat(text))


_RANGE = re.compile(r"^\s*(\d{1,2})[:h](\d{2})\s*-\s*(\d{1,2})[:h](\d{2})\s*$")


def parse_range(text: str) -> tuple[time, time]:
    m = _RANGE.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a time range like 09:00-12:30")
    h1, m1, h2, m2 = map(int, m.groups())
    if not (0 <= h1 <= 24 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60):
        raise ValueError(f"{text!r}: hours go from 00:00 to 24:00")
    start = time(h1 % 24, m1)
    end = time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2)
    if end <= start:
        raise ValueError(f"{text!r}: the end must be after the start")
    return start, end


_CLOCK = re.compile(r"^\s*(\d{1,2})[:hH](\d{2})\s*$")


def parse_clock(value: Any) -> time:
    """"18:00" or "18h00"; YAML 1.1 turns an unquoted 18:00 into 1080 (minutes, base 60)."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(*divmod(value, 60))
    if isinstance(value, str) and (m := _CLOCK.match(value)):
        h, mi = int(m.group(1)), int(m.group(2))
        if 0 <= h < 24 and 0 <= mi < 60:
            return time(h, mi)
    raise ValueError(f"{value!r} is not a time like 18:00")


class QuietHours:
    """No reminder or nudge in this daily window (Paris time); what falls in it waits for its end."""

    def __init__(self, text: str = "21:00-09:00"):
        start, sep, end = text.partition("-")
        if not sep:
            raise ValueError(f"{text!r}: quiet hours look like 21:00-09:00")
        self.text = text
        self.start, self.end = parse_clock(start), parse_clock(end)
        if self.start == self.end:
            raise ValueError(f"{text!r}: start and end are the same")

    def holds(self, at: datetime) -> bool:
        t = to_paris(at).time()
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def postpone(self, at: datetime) -> datetime:
        """`at` itself when outside the window, else the window's end (UTC), DST-correct."""
        at = as_utc(at)
        if not self.holds(at):
            return at
        local = to_paris(at)
        d = local.date()
        if self.start > self.end and local.time() >= self.start:
            d += timedelta(days=1)
        return as_utc(datetime.combine(d, self.end, tzinfo=PARIS))
