"""The posts' calendar: one post per ISO week, on the configured weekday and time (Paris)."""
from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta

from bot.clock import PARIS, as_utc, to_paris
from bot.posts.config import PostError, PostsConfig
from bot.reperage.actions_config import Action, Window
from bot.territoire.missions_locales import DAYS

log = logging.getLogger(__name__)

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --- weeks ----------------------------------------------------------------------------------------
def parse_week(text: str) -> tuple[int, int]:
    m = _WEEK.match((text or "").strip())
    if not m:
        raise PostError(f"semaine {text!r} : écrire l'année puis le numéro, comme 2026-W49")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise PostError(f"semaine {text!r} : l'année {year} n'a pas de semaine {week}") from None
    return year, week


def week_of(at: datetime) -> str:
    year, week, _ = to_paris(at).isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    year, number = parse_week(week)
    return date.fromisocalendar(year, number, 1)


def add_weeks(week: str, n: int) -> str:
    return week_of(datetime.combine(week_monday(week) + timedelta(weeks=n), time(12), tzinfo=PARIS))


def publish_at(week: str, cfg: PostsConfig) -> datetime:
    """The week's publication instant in UTC: weekday and time are Paris wall-clock time."""
    d = week_monday(week) + timedelta(days=DAYS.index(cfg.day))
    return as_utc(datetime.combine(d, cfg.time, tzinfo=PARIS))


# --- what can be posted ---------------------------------------------------------------------------
def window_ahead(window: Window, day: date) -> bool:
    if window.date is not None:
        return window.date >= day
    if window.to_date is not None:
        return window.to_date >= day
    return True


def publishable(action: Action, at: datetime) -> bool:
    """Worth a post at `at`: a Mission Locale's own action that has not happened yet (a dated
    outing not past, a session still to come, hours still running). Network-wide actions are not
    "1 Mission Locale"."""
    if action.mission_locale is None:
        return False
    day = to_paris(at).date()
    if action.type == "extra-muros":
        return action.date is None or action.date >= day
    if action.type == "raccrochage":
        return any(as_utc(s.start) >= as_utc(at) for s in action.sessions)
    return any(window_ahead(w, day) for w in action.windows)
