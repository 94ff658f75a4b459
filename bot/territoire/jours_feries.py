"""French public holidays (metropolitan France), from the maintained `holidays` library.

A Mission Locale is closed on a jour férié, so a contact that day is out of hours. Kept as a
container (`date in jours_feries`) that computes each year once: the check runs on every message.
"""
from __future__ import annotations

from datetime import date, datetime

import holidays

from bot.clock import to_paris


class JoursFeries:
    """`d in JoursFeries()` for any year; a datetime is read in Paris local time."""

    def __init__(self) -> None:
        self._years: dict[int, dict[date, str]] = {}

    def _year(self, year: int) -> dict[date, str]:
        days = self._years.get(year)
        if days is None:
            # No subdivision: the metropolitan list (Alsace-Moselle's extra days are not ours).
            days = dict(holidays.France(years=year, language="fr"))
            self._years[year] = days
        return days

    @staticmethod
    def _day(value: date) -> date:
        return to_paris(value).date() if isinstance(value, datetime) else value

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, date):
            return False
        d = self._day(value)
        return d in self._year(d.year)

    def name(self, value: date) -> str | None:
        """The holiday's French name ("Noël"), or None on an ordinary day."""
        d = self._day(value)
        return self._year(d.year).get(d)

    def in_year(self, year: int) -> list[date]:
        return sorted(self._year(year))
