"""A Mission Locale as its config describes it: who, where, when it is open, what territory."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from bot.clock import PARIS, parse_range, to_paris

_TOWN = re.compile(r"\b\d{5}\s+([^,\d][^,]*)$")
DAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
def check_days(days: list[str]) -> list[str]:
    """A non-empty list of day names as the config writes them (lun … dim)."""
    if not days:
        raise ValueError("days is empty; list at least one of " + ", ".join(DAYS))
    for day in days:
        if day not in DAYS:
            raise ValueError(f"unknown day {day!r}; use one of {', '.join(DAYS)}")
    return days


def _check_range(text: str) -> str:
    parse_range(text)
    return text


# Typed per item so that a config error points at the very line of the bad range or day.
TimeRange = Annotated[str, AfterValidator(_check_range)]
Day = Literal["lun", "mar", "mer", "jeu", "ven", "sam", "dim"]


class Territory(BaseModel):
    """Communes (INSEE codes), EPCIs (SIREN) and arrondissements (code) of the region's CSV.

    A commune belongs to the territory when it is listed, or in a listed EPCI or arrondissement,
    and not in `exclude_communes` (for an EPCI that straddles two Missions Locales).
    """
    model_config = ConfigDict(extra="forbid")
    epci: list[str] = Field(default_factory=list)
    arrondissements: list[str] = Field(default_factory=list)
    communes: list[str] = Field(default_factory=list)
    exclude_communes: list[str] = Field(default_factory=list)

    @field_validator("epci", "arrondissements", "communes", "exclude_communes", mode="before")
    @classmethod
    def _codes(cls, value):
        # Someone editing the YAML will write 200040392 unquoted: a number, meant as a code.
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        return value


# What `to_confirm` may name: the facts a Mission Locale has to check itself.
CONFIRMABLE = ("name", "short_name", "address", "phone", "email", "website", "hours", "closures",
               "territory")


class MissionLocale(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str
    short_name: str | None = None
    address: str
    phone: str
    email: str | None = None
    website: str | None = None
    # Opening hours, Europe/Paris: {"lun": ["09:00-12:30", "13:30-17:30"], ...}; absent day = closed.
    hours: dict[Day, list[TimeRange]] = Field(default_factory=dict)
    # Days the Mission Locale is closed on top of public holidays (bridges, summer closure).
    closures: list[date] = Field(default_factory=list)
    territory: Territory = Field(default_factory=Territory)
    # Facts not yet confirmed by the Mission Locale itself (address, phone, hours, territory...).
    to_confirm: list[str] = Field(default_factory=list)

    @field_validator("to_confirm")
    @classmethod
    def _to_confirm(cls, value: list[str]) -> list[str]:
        for fact in value:
            if fact not in CONFIRMABLE:
                raise ValueError(f"unknown fact {fact!r}; use some of {', '.join(CONFIRMABLE)}")
        return value

    def is_confirmed(self, fact: str) -> bool:
        """False for a placeholder (listed in to_confirm) or a fact left empty."""
        return fact not in self.to_confirm and bool(getattr(self, fact, None))

    @property
    def town(self) -> str:
        """The town of its address ("17500 Jonzac" → "Jonzac"), known even when the street is not."""
        m = _TOWN.search(self.address or "")
        return m.group(1).strip() if m else ""

    def contact_facts(self) -> dict[str, str]:
        """`ml_town`, `ml_address`, `ml_phone` as a jeune may see them: a fact still `to_confirm`
        is "" (the text leaves its line out), never a placeholder nor a postcode alone."""
        return {"ml_town": self.town,
                "ml_address": self.address if self.is_confirmed("address") else "",
                "ml_phone": self.phone if self.is_confirmed("phone") else ""}

    def place(self) -> str:
        """Where it is, for "Où : …": the checked address, else its town, never empty."""
        return self.address if self.is_confirmed("address") else (self.town or self.address)

    def how_to_reach(self, directory: str) -> str:
        """A sentence to reach it by phone: its checked number, else where to find one."""
        if self.is_confirmed("phone"):
            return f"appelle {self.name} au {self.phone}"
        return f"trouve le numéro de {self.name} ({self.town or self.address}) sur {directory}"

    def opening_ranges(self, day_index: int) -> list[tuple[time, time]]:
        return [parse_range(r) for r in self.hours.get(DAYS[day_index], [])]

    def is_open(self, at: datetime, holidays) -> bool:
        """Open at that instant: an opening range of that weekday, not a holiday nor a closure."""
        local = to_paris(at)
        d = local.date()
        if d in holidays or d in self.closures:
            return False
        t = local.time()
        return any(start <= t < end for start, end in self.opening_ranges(local.weekday()))

    def next_opening(self, at: datetime, holidays, horizon_days: int = 21) -> datetime | None:
        """The next instant (Paris time) it opens after `at`, for "someone will answer at…"."""
        local = to_paris(at)
        for offset in range(horizon_days):
            d = local.date() + timedelta(days=offset)
            if d in holidays or d in self.closures:
                continue
            for start, _end in sorted(self.opening_ranges(d.weekday())):
                candidate = datetime.combine(d, start, tzinfo=PARIS)
                if candidate > local:
                    return candidate
        return None

    def hours_text(self) -> str:
        lines = []
        for i, day in enumerate(DAYS):
            ranges = self.hours.get(day)
            if ranges:
                lines.append(f"{DAY_NAMES[i]} : " + ", ".join(r.replace(":", "h") for r in ranges))
        return "\n".join(lines) if lines else "horaires non renseignés"
