"""The posts' settings (config/posts.yml): networks, templates, retries, approval roles."""
from __future__ import annotations

import datetime as dt
import logging
import string
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.reperage.actions_config import parse_clock
from bot.territoire.missions_locales import DAYS
from bot.yamlconf import validate_file

log = logging.getLogger(__name__)

APPROVER_ROLES = ("communication", "admin")
NETWORKS = ("telegram", "mastodon", "facebook")
PLACEHOLDERS = {
    "titre": "the action's title",
    "mission_locale": "the Mission Locale's name",
    "description": "what jeunes get (cut to fit the network's limit)",
    "quand": "date(s) or hours of the action",
    "lieu": "where",
    "lien_telegram": "deep link to the bot on Telegram, with the action's code",
    "lien_web": "link to the web chat, with the action's code (needs PUBLIC_URL)",
    "code": "the action's code",
}


class PostError(ValueError):
    """A request the posts workflow refuses (message in French, for the person who asked)."""


# --- configuration --------------------------------------------------------------------------------
DEFAULT_TEMPLATE = (
    "{mission_locale} : {titre}\n\n{description}\n\nQuand : {quand}\nOù : {lieu}\n\n"
    "Écris-nous sur Telegram : {lien_telegram}\nOu sur le chat : {lien_web}")


class _Network(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    max_chars: int = Field(ge=100)
    template: str = DEFAULT_TEMPLATE

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
        except ValueError as exc:
            raise ValueError(f"template: {exc} (write {{{{ and }}}} for a literal brace)")
        for name in fields:
            if name not in PLACEHOLDERS:
                raise ValueError(f"unknown placeholder {{{name}}}; use one of "
                                 + ", ".join("{" + p + "}" for p in PLACEHOLDERS))
        return value


class TelegramNetwork(_Network):
    chat_id: int | str            # "@channel_name" or the channel's numeric id (-100…)
    max_chars: int = Field(default=4096, ge=100, le=4096)


class MastodonNetwork(_Network):
    base_url: str = Field(pattern=r"^https?://")
    token_file: str
    visibility: str = Field(default="public", pattern=r"^(public|unlisted|private)$")
    max_chars: int = Field(default=500, ge=100)


class FacebookNetwork(_Network):
    page_id: str = Field(pattern=r"^[0-9]{3,32}$")
    graph_url: str = Field(default="https://graph.facebook.com/v21.0", pattern=r"^https?://")
    token_file: str
    max_chars: int = Field(default=63206, ge=100)


class Networks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    telegram: TelegramNetwork | None = None
    mastodon: MastodonNetwork | None = None
    facebook: FacebookNetwork | None = None

    def enabled(self) -> dict[str, _Network]:
        return {n: cfg for n in NETWORKS if (cfg := getattr(self, n)) is not None and cfg.enabled}


class Retries(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_attempts: int = Field(default=6, ge=1, le=50)
    first_delay_seconds: float = Field(default=60, ge=0)
    max_delay_seconds: float = Field(default=3600, ge=0)

    def delay(self, attempts: int, asked: float | None = None) -> timedelta:
        seconds = min(self.max_delay_seconds, self.first_delay_seconds * 2 ** max(0, attempts - 1))
        return timedelta(seconds=max(seconds, asked or 0))


class PostsConfig(BaseModel):
    """config/posts.yml."""
    model_config = ConfigDict(extra="forbid")
    day: str = "mar"
    time: dt.time = Field(default=dt.time(10, 0))
    weeks_ahead: int = Field(default=8, ge=1, le=52)
    reminder_days_before: float = Field(default=2, ge=0)
    lock_hours_before: float = Field(default=24, ge=0)
    late_grace_hours: float = Field(default=48, ge=0)
    claim_timeout_seconds: float = Field(default=300, ge=30)
    telegram_bot_username: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{5,32}$")
    # Telegram chat that also gets the approval reminder (the communication team's group); optional.
    reminder_chat_id: int | str | None = None
    retries: Retries = Field(default_factory=Retries)
    networks: Networks = Field(default_factory=Networks)

    @field_validator("day")
    @classmethod
    def _day(cls, value: str) -> str:
        if value not in DAYS:
            raise ValueError(f"unknown day {value!r}; use one of {', '.join(DAYS)}")
        return value

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> dt.time:
        return parse_clock(value)


def load_posts_config(path: Path | str) -> PostsConfig:
    """Validate config/posts.yml; problems as `file:line: message` (ConfigError)."""
    return validate_file(PostsConfig, path)


# --- weeks ----------------------------------------------------------------------------------------
