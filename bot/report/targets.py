"""The targets a Mission Locale (or the ARML, `mission_locale: region`) sets itself for a year, in
config/report.yml: the report shows each figure's progress ("65 % de la cible").

    targets:
      - mission_locale: ml-pau
        year: 2026
        remobilised: 400          # jeunes repérés ou réactivés
        remobilised_on_raccrochage: 60
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from pydantic import BaseModel, ConfigDict, Field

from bot.yamlconf import ConfigError, LineDict, LineList, load_yaml, validate_file

REGION = "region"
# the report's figures a target may be set on (bot/report/figures.py)
TARGET_FIGURES = ("jeunes", "remobilised", "repere", "reactive", "minors", "remobilised_minors",
                  "contacts", "rdv_booked", "raccrochage_registered", "remobilised_on_raccrochage")


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mission_locale: str = Field(min_length=1)
    year: int = Field(ge=2020, le=2100)
    jeunes: int | None = Field(default=None, gt=0)
    remobilised: int | None = Field(default=None, gt=0)
    repere: int | None = Field(default=None, gt=0)
    reactive: int | None = Field(default=None, gt=0)
    minors: int | None = Field(default=None, gt=0)
    remobilised_minors: int | None = Field(default=None, gt=0)
    contacts: int | None = Field(default=None, gt=0)
    rdv_booked: int | None = Field(default=None, gt=0)
    raccrochage_registered: int | None = Field(default=None, gt=0)
    remobilised_on_raccrochage: int | None = Field(default=None, gt=0)

    def figures(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in TARGET_FIGURES
                if getattr(self, name) is not None}


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    targets: list[Target] = Field(default_factory=list)


class ReportConfig:
    def __init__(self, targets: Iterable[Target] = ()):
        self.targets = {(t.mission_locale, t.year): t.figures() for t in targets}

    def for_scope(self, scope: str, year: int) -> dict[str, int]:
        """The targets of a Mission Locale id (or "region") for that year; {} when none."""
        return dict(self.targets.get((scope, year), {}))


def load_report_config(path: Path | str, ml_ids: Iterable[str]) -> ReportConfig:
    """Validate config/report.yml; every problem as `file:line: message`."""
    data = load_yaml(path)
    if data is None:
        return ReportConfig()
    parsed = validate_file(_File, path, data)
    known = set(ml_ids) | {REGION}
    raw = data.get("targets") or []
    problems, seen = [], {}
    for i, target in enumerate(parsed.targets):
        item = raw[i]
        line = raw.line_of(i) if isinstance(raw, LineList) else 1

        def at(key: str) -> int:
            return item.line_of(key) if isinstance(item, LineDict) and key in item else line

        if target.mission_locale not in known:
            problems.append(f"{path}:{at('mission_locale')}: targets.{i}.mission_locale: unknown "
                            f"Mission Locale {target.mission_locale!r} (not in "
                            f"config/missions_locales.yml; `region` for the whole network)")
        if not target.figures():
            problems.append(f"{path}:{line}: targets.{i}: no target set; give one of "
                            + ", ".join(TARGET_FIGURES))
        key = (target.mission_locale, target.year)
        if key in seen:
            problems.append(f"{path}:{at('year')}: targets.{i}: {target.mission_locale} already has "
                            f"targets for {target.year} (line {seen[key]})")
        seen.setdefault(key, line)
    if problems:
        raise ConfigError(problems)
    return ReportConfig(parsed.targets)
