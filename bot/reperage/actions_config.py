"""The actions of config/actions.yml: what each Mission Locale does to reach jeunes.

Every event is keyed to one of them (`action_id`), so the programme can say what each action
brought. Three types: `temps-additionnel` (extra hours: evenings, a night, a period), `extra-muros`
(going out: maraude, forum, live, stand — found by the code of its QR poster) and `raccrochage`
(sessions jeunes register on). `mission_locale: null` marks an action of the whole network (ARML).
"""
from __future__ import annotations

import re
from datetime import date as Date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.clock import as_utc, to_paris
from bot.territoire.missions_locales import DAYS, check_days
from bot.yamlconf import ConfigError, LineDict, LineList, load_yaml, validate_file

ACTION_TYPES = ("temps-additionnel", "extra-muros", "raccrochage")
ActionType = Literal["temps-additionnel", "extra-muros", "raccrochage"]
# Telegram's /start payload: 1 to 64 of these characters.
CODE_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_CLOCK = re.compile(r"^\s*(\d{1,2})[:hH](\d{2})\s*$")


def parse_clock(value: Any) -> time:
    """"18:00", "18h00", or what YAML 1.1 makes of an unquoted 18:00 (1080, base 60)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time like 18:00")
    if isinstance(value, int):
        hours, minutes = divmod(value, 60)
    elif isinstance(value, time):
        return value
    elif isinstance(value, str) and (m := _CLOCK.match(value)):
        hours, minutes = int(m.group(1)), int(m.group(2))
    else:
        raise ValueError(f"{value!r} is not a time like 18:00")
    if (hours, minutes) == (24, 0):
        return time(23, 59, 59, 999999)
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError(f"{value!r}: times go from 00:00 to 24:00")
    return time(hours, minutes)


class Window(BaseModel):
    """When a temps-additionnel action runs, in Paris local time.

    Weekly (`days`), one date (`date`) or a period (`from_date`..`to_date`, optionally only some
    `days`). `to` earlier than `from` means the window runs past midnight (20:00-01:00): the part
    after midnight belongs to the day the window started.
    """
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    days: list[str] | None = None
    date: Date | None = None
    from_date: Date | None = None
    to_date: Date | None = None
    start: time = Field(alias="from")
    end: time = Field(alias="to")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> time:
        return parse_clock(value)

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_days(value)

    @model_validator(mode="after")
    def _shape(self) -> "Window":
        dated = self.date is not None
        period = self.from_date is not None or self.to_date is not None
        if dated + period + (self.days is not None and not period) != 1:
            raise ValueError(
                "a window needs exactly one of: days (weekly), date, or from_date and to_date")
        if period:
            if self.from_date is None or self.to_date is None:
                raise ValueError("a period needs both from_date and to_date")
            if self.to_date < self.from_date:
                raise ValueError(f"to_date {self.to_date} is before from_date {self.from_date}")
        if self.start == self.end:
            raise ValueError("from and to are the same time: the window would be empty")
        return self

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    @property
    def specificity(self) -> int:
        """A dated window beats a period, which beats a weekly one (a special night wins)."""
        return 2 if self.date is not None else 1 if self.from_date is not None else 0

    def runs_on(self, d: Date) -> bool:
        """The window starts on day `d`."""
        if self.date is not None:
            return d == self.date
        if self.from_date is not None and not (self.from_date <= d <= self.to_date):
            return False
        return self.days is None or DAYS[d.weekday()] in self.days

    def holds(self, at: datetime) -> bool:
        """`at` (aware, or naive = Paris) falls in the window, in Paris wall-clock time."""
        local = to_paris(at)
        d, t = local.date(), local.time()
        if not self.crosses_midnight:
            return self.runs_on(d) and self.start <= t < self.end
        return (self.runs_on(d) and t >= self.start) or (
            self.runs_on(d - timedelta(days=1)) and t < self.end)


class Session(BaseModel):
    """One raccrochage session (a workshop, a collective info session); times in Paris time."""
    model_config = ConfigDict(extra="forbid")
    start: datetime
    end: datetime
    place: str
    capacity: int = Field(ge=1)

    @model_validator(mode="after")
    def _order(self) -> "Session":
        if as_utc(self.end) <= as_utc(self.start):
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    type: ActionType
    mission_locale: str | None
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    code: str | None = Field(default=None, pattern=CODE_PATTERN)
    windows: list[Window] = Field(default_factory=list)
    kind: str | None = None
    date: Date | None = None
    place: str | None = None
    sessions: list[Session] = Field(default_factory=list)

    @model_validator(mode="after")
    def _by_type(self) -> "Action":
        if self.type == "temps-additionnel" and not self.windows:
            raise ValueError("a temps-additionnel action needs at least one window")
        if self.type != "temps-additionnel" and self.windows:
            raise ValueError(f"windows are for temps-additionnel actions, not {self.type}")
        if self.type == "extra-muros":
            if not self.code:
                raise ValueError("an extra-muros action needs a code (for its QR poster)")
            if not self.kind:
                raise ValueError("an extra-muros action needs a kind (maraude, forum, live, stand…)")
        if self.type == "raccrochage" and not self.sessions:
            raise ValueError("a raccrochage action needs at least one session")
        if self.type != "raccrochage" and self.sessions:
            raise ValueError(f"sessions are for raccrochage actions, not {self.type}")
        return self

    def window_holding(self, at: datetime) -> Window | None:
        best = None
        for window in self.windows:
            if window.holds(at) and (best is None or window.specificity > best.specificity):
                best = window
        return best


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actions: list[Action]


class ActionsConfig:
    """The validated actions, indexed by id and by code."""

    def __init__(self, actions: Iterable[Action]):
        self.actions: list[Action] = list(actions)
        self.by_id: dict[str, Action] = {a.id: a for a in self.actions}
        self.by_code: dict[str, Action] = {a.code: a for a in self.actions if a.code}
        self._by_folded_code = {code.casefold(): a for code, a in self.by_code.items()}

    def for_ml(self, ml_id: str | None) -> list[Action]:
        """Actions of that Mission Locale (None: the network-wide ones)."""
        return [a for a in self.actions if a.mission_locale == ml_id]

    def of_type(self, action_type: str) -> list[Action]:
        return [a for a in self.actions if a.type == action_type]

    def action_for_code(self, code: str | None) -> Action | None:
        """Exact code first; a poster code retyped by hand may differ in case."""
        if not code:
            return None
        code = code.strip()
        return self.by_code.get(code) or self._by_folded_code.get(code.casefold())

    def type_of(self, action_id: str | None) -> str | None:
        action = self.by_id.get(action_id) if action_id else None
        return action.type if action else None


def load_actions(path: Path | str, ml_ids: Iterable[str]) -> ActionsConfig:
    """Validate config/actions.yml against the known Mission Locale ids; all problems at once."""
    data = load_yaml(path)
    parsed = validate_file(_File, path, data)
    known = set(ml_ids)
    raw = data["actions"]
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    for index, action in enumerate(parsed.actions):
        item = raw[index]
        line = raw.line_of(index) if isinstance(raw, LineList) else 1

        def at(key: str) -> int:
            return item.line_of(key) if isinstance(item, LineDict) else line

        if action.mission_locale is not None and action.mission_locale not in known:
            problems.append(
                f"{path}:{at('mission_locale')}: actions.{index}.mission_locale: unknown Mission "
                f"Locale {action.mission_locale!r} (not in config/missions_locales.yml)")
        if action.id in seen_ids:
            problems.append(
                f"{path}:{at('id')}: actions.{index}.id: duplicate id {action.id!r} "
                f"(already at line {seen_ids[action.id]})")
        else:
            seen_ids[action.id] = at("id")
        if action.code:
            folded = action.code.casefold()
            if folded in seen_codes:
                problems.append(
                    f"{path}:{at('code')}: actions.{index}.code: duplicate code {action.code!r} "
                    f"(already at line {seen_codes[folded]}); each QR poster needs its own")
            else:
                seen_codes[folded] = at("code")
    if problems:
        raise ConfigError(problems)
    return ActionsConfig(parsed.actions)
