"""On-call by Mission Locale (config/console.yml `on_call`): who covers which hours, the channels a
team watches (a Telegram group of référents, e-mail), a regional fallback (the ARML), and the
escalation chain.

A crisis or a request for a person first reaches the jeune's team (its Telegram group, its team
address, the console pages of its référents, and the person on duty now); if nobody has taken
the conversation after `crisis_minutes` (a crisis) or `waiting_minutes` (a request), the next
person of the chain is alerted, and so on every such period: the other people on duty in that
Mission Locale, then the regional people on duty, then the regional team. A jeune with no known
Mission Locale, not even through an action's QR code, goes to the regional team at once.

Times are Paris wall-clock times; a range may cross midnight ("18:00"-"02:00" covers the night
after each listed day).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.clock import parse_clock, to_paris
from bot.territoire.missions_locales import DAYS, check_days

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
class Shift(BaseModel):
    """One person on duty: the days it starts on, from when to when (Paris time)."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    who: str                                   # an e-mail address (usually a console account's)
    name: str | None = None                    # how the alert names them
    days: list[str] = Field(default_factory=lambda: list(DAYS))
    start: time = Field(default=time(0, 0), alias="from")
    end: time = Field(default=time(0, 0), alias="to")   # 00:00-00:00: the whole day

    @field_validator("who")
    @classmethod
    def _who(cls, value: str) -> str:
        value = value.strip().lower()
        if not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        return check_days(value)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _times(cls, value: Any) -> time:
        return parse_clock(value)

    def covers(self, at: datetime) -> bool:
        local = to_paris(at)
        t = local.time().replace(second=0, microsecond=0, tzinfo=None)
        today = DAYS[local.weekday()]
        yesterday = DAYS[(local.weekday() - 1) % 7]
        if self.start == self.end:                         # the whole day
            return today in self.days
        if self.start < self.end:
            return today in self.days and self.start <= t < self.end
        # crosses midnight: the evening of a listed day, or the small hours after it
        return (today in self.days and t >= self.start) or (yesterday in self.days and t < self.end)


class Team(BaseModel):
    """What a team watches, and its rota."""
    model_config = ConfigDict(extra="forbid")
    telegram_chat_id: int | None = None        # the référents' Telegram group (the bot is in it)
    emails: list[str] = Field(default_factory=list)   # team addresses, alerted with the group
    rota: list[Shift] = Field(default_factory=list)

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        out = []
        for email in value:
            email = email.strip().lower()
            if not _EMAIL.match(email):
                raise ValueError(f"{email!r} is not an e-mail address")
            out.append(email)
        return out

    def on_duty(self, at: datetime) -> list[Shift]:
        seen: set[str] = set()
        out = []
        for shift in self.rota:
            if shift.covers(at) and shift.who not in seen:
                seen.add(shift.who)
                out.append(shift)
        return out


class Smtp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = "insysteme@localhost"
    starttls: bool = False
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)


class OnCall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    crisis_minutes: int = Field(default=5, ge=1, le=24 * 60)
    waiting_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)
    check_seconds: int = Field(default=30, ge=1, le=3600)   # how often the escalation looks
    # a conversation waiting longer than this is no longer escalated (an old backlog at start-up
    # must not flood the region with relances); it stays at the top of the inbox
    stop_after_hours: int = Field(default=24, ge=1, le=24 * 30)
    teams: dict[str, Team] = Field(default_factory=dict)   # by Mission Locale id
    regional: Team = Field(default_factory=Team)
    smtp: Smtp | None = None                   # no SMTP: no e-mail (the rest still goes out)

    def team(self, ml_id: str | None) -> Team:
        return self.teams.get(ml_id or "") or self.regional

    def delay(self, kind: str) -> timedelta:
        return timedelta(minutes=self.crisis_minutes if kind == "crisis" else self.waiting_minutes)

    def chain(self, ml_id: str | None, at: datetime) -> list["Target"]:
        """Who is alerted, in order: step 0 is the team (its group and addresses) with the first
        person on duty; each later step the next person; the regional team comes last."""
        steps: list[Target] = []
        own = self.teams.get(ml_id or "")
        people = (own.on_duty(at) if own else []) + self.regional.on_duty(at)
        seen: set[str] = set()
        people = [p for p in people if not (p.who in seen or seen.add(p.who))]
        first_team = own or self.regional
        steps.append(Target(team_ml=ml_id if own else None, chat_id=first_team.telegram_chat_id,
                            emails=tuple(first_team.emails) + ((people[0].who,) if people else ()),
                            person=(people[0].name or people[0].who) if people else None))
        for person in people[1:]:
            steps.append(Target(team_ml=None, chat_id=None, emails=(person.who,),
                                person=person.name or person.who))
        if own is not None:
            regional = self.regional
            if regional.telegram_chat_id is not None or regional.emails:
                steps.append(Target(team_ml=None, chat_id=regional.telegram_chat_id,
                                    emails=tuple(regional.emails), person=None, regional=True))
        return steps


@dataclass(frozen=True)
class Target:
    """One step of the chain: where its alert goes."""
    team_ml: str | None
    chat_id: int | None
    emails: tuple[str, ...]
    person: str | None
    regional: bool = False


def problems_of(on_call: OnCall, ml_ids: set[str]) -> list[tuple[list, str]]:
    """(location in the file, message) for teams of Mission Locales that do not exist."""
    return [(["on_call", "teams", ml], f"on_call.teams: no Mission Locale {ml!r} in missions_locales.yml")
            for ml in on_call.teams if ml not in ml_ids]
