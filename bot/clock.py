"""The clock is injected everywhere so tests and `insysteme chat --at` can set the time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol
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
