"""`config/console.yml`: canned answers (network-wide or per Mission Locale), outcome labels, and
the session / lockout knobs. Validated once at start; problems come out as `file:line: message`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.console.oncall import OnCall, problems_of
from bot.yamlconf import ConfigError, line_of, load_yaml, validate_file

# The outcomes the report counts (bot/report/html.py OUTCOME_LABELS): closing a conversation
# writes one of these in an `outcome` event.
OUTCOMES = ("rdv_pris", "oriente", "entree_cej", "entree_pacea", "emploi", "formation",
            "service_civique", "sans_suite")
DEFAULT_OUTCOME_LABELS = {
    "rdv_pris": "Rendez-vous pris", "oriente": "Orienté·e vers un partenaire",
    "entree_cej": "Entrée en CEJ", "entree_pacea": "Entrée en PACEA", "emploi": "Emploi",
    "formation": "Formation", "service_civique": "Service civique", "sans_suite": "Sans suite",
}


class SessionKnobs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # A session ends after this long without any request, and in any case after max_hours.
    idle_minutes: int = Field(default=120, ge=5, le=24 * 60)
    max_hours: int = Field(default=12, ge=1, le=7 * 24)


class LockoutKnobs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Throttling, not locking (bot/console/lockout.py): after max_failures failed logins within
    # window_minutes for one account *from one address*, that pair waits first_delay_seconds
    # before the next try, then twice as long after each further failure, up to
    # max_delay_minutes. Other addresses, and other accounts from that address, are not slowed.
    max_failures: int = Field(default=5, ge=2, le=100)
    window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    first_delay_seconds: int = Field(default=30, ge=1, le=3600)
    max_delay_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # One address guessing many accounts: past this many failures in the window, it is slowed
    # for accounts that never logged in from it (the colleagues of an office NAT are not).
    address_failures: int = Field(default=30, ge=5, le=10_000)


class CannedAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    title: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1, max_length=2000)
    # None: every Mission Locale; else only the référents of these.
    missions_locales: list[str] | None = None


class ConsoleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session: SessionKnobs = Field(default_factory=SessionKnobs)
    lockout: LockoutKnobs = Field(default_factory=LockoutKnobs)
    # A référent counts as "online" (the bot tells the jeune someone answers in a few minutes)
    # with an open console page, or a request within this many minutes.
    presence_minutes: int = Field(default=3, ge=1, le=60)
    outcomes: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_OUTCOME_LABELS))
    canned_answers: list[CannedAnswer] = Field(default_factory=list)
    # who is on call, where alerts go, when the next person is alerted (bot/console/oncall.py)
    on_call: OnCall = Field(default_factory=OnCall)
    # the second factor (TOTP, an authenticator app): "optional" (each person chooses) or
    # "admins" (required for admin accounts before they see anything)
    totp: str = Field(default="optional", pattern="^(optional|admins)$")

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = [k for k in value if k not in OUTCOMES]
        if unknown:
            raise ValueError(f"unknown outcome {unknown[0]!r}; the report knows {', '.join(OUTCOMES)}")
        # every outcome can be chosen; a label not given keeps its default
        return {k: value.get(k) or DEFAULT_OUTCOME_LABELS[k] for k in OUTCOMES}

    @field_validator("canned_answers")
    @classmethod
    def _unique(cls, value: list[CannedAnswer]) -> list[CannedAnswer]:
        seen: set[str] = set()
        for answer in value:
            if answer.id in seen:
                raise ValueError(f"canned answer id {answer.id!r} is used twice")
            seen.add(answer.id)
        return value

    def canned_for(self, ml_id: str | None) -> list[CannedAnswer]:
        """The answers a référent of `ml_id` may use (admins: ml_id None → network-wide ones and
        every Mission Locale's)."""
        return [a for a in self.canned_answers
                if a.missions_locales is None or ml_id is None or ml_id in a.missions_locales]


def load_console_config(path: Path | str, ml_ids: Iterable[str] | None = None) -> ConsoleConfig:
    """config/console.yml (absent → defaults). `ml_ids`: the configured Mission Locales, to catch a
    canned answer meant for a Mission Locale that does not exist."""
    path = Path(path)
    if not path.exists():
        return ConsoleConfig()
    data = load_yaml(path)
    config = validate_file(ConsoleConfig, path, data)
    if ml_ids is not None:
        known = set(ml_ids)
        problems = []
        for i, answer in enumerate(config.canned_answers):
            for j, ml in enumerate(answer.missions_locales or []):
                if ml not in known:
                    loc = ["canned_answers", i, "missions_locales", j]
                    problems.append(f"{path}:{line_of(data, loc)}: canned_answers.{i}: no Mission "
                                    f"Locale {ml!r} in missions_locales.yml")
        for loc, message in problems_of(config.on_call, known):
            problems.append(f"{path}:{line_of(data, loc)}: {message}")
        if problems:
            raise ConfigError(problems)
    return config
