"""Settings: the environment (read here and nowhere else) and `config/settings.yml`."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork, field_validator

from bot.clock import parse_range


@dataclass(frozen=True)
class Env:
    """What the deployment says through environment variables (SPEC: Environment)."""
    database_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = "insysteme:"     # several deployments (or the tests) on one Redis
    telegram_bot_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_secret: str | None = None
    public_url: str | None = None
    config_dir: Path = Path("config")
    var_dir: Path = Path("var")
    cache_dir: Path | None = None        # what can be rebuilt (the trained crisis model); default var/cache
    secret: str | None = None
    port: int | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> "Env":
        e = os.environ if environ is None else environ
        port = e.get("PORT")
        return cls(
            database_url=e.get("DATABASE_URL") or None,
            redis_url=e.get("REDIS_URL") or None,
            redis_prefix=e.get("REDIS_PREFIX") or "insysteme:",
            telegram_bot_token=e.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_url=(e.get("TELEGRAM_API_URL") or "https://api.telegram.org").rstrip("/"),
            telegram_webhook_secret=e.get("TELEGRAM_WEBHOOK_SECRET") or None,
            public_url=(e.get("PUBLIC_URL") or "").rstrip("/") or None,
            config_dir=Path(e.get("INSYSTEME_CONFIG") or "config"),
            var_dir=Path(e.get("INSYSTEME_VAR") or "var"),
            cache_dir=Path(e["INSYSTEME_CACHE"]) if e.get("INSYSTEME_CACHE") else None,
            secret=e.get("INSYSTEME_SECRET") or None,
            port=int(port) if port and port.isdigit() else None,
        )

    @property
    def cache(self) -> Path:
        """Where rebuildable files go: losing them costs a rebuild at the next start, nothing else."""
        return self.cache_dir or self.var_dir / "cache"

    def pseudonym_key(self) -> bytes:
        """Key of the pseudonymous jeune ids: INSYSTEME_SECRET, else one generated once under var/.

        Losing it only means old conversations start over; ids of past events stay as they were."""
        if self.secret:
            return self.secret.encode()
        path = self.var_dir / "secret.key"
        try:
            return path.read_bytes().strip()
        except FileNotFoundError:
            self.var_dir.mkdir(parents=True, exist_ok=True)
            key = secrets.token_hex(32).encode()
            try:
                with open(path, "xb") as fh:
                    fh.write(key)
                path.chmod(0o600)
            except FileExistsError:
                return path.read_bytes().strip()
            return key


class Settings(BaseModel):
    """`config/settings.yml`: the knobs a Mission Locale or the ARML may turn."""
    model_config = ConfigDict(extra="forbid")
    # Days after the last contact when transcripts are purged and profiles erased (events stay,
    # pseudonymous).
    retention_days: int = Field(default=365, ge=7, le=3 * 365)
    # A new `contact` event after this much silence (one per conversation session).
    contact_session_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Conversation state expires after this long without a message.
    state_ttl_days: int = Field(default=30, ge=1, le=365)
    # No outgoing reminder or nudge in this window (Paris time).
    quiet_hours: str = "21:00-09:00"
    # Cohort `reactive` when the last contact with a Mission Locale is at least this old.
    reactive_after_months: int = Field(default=6, ge=1, le=36)
    # Per-jeune flood control: at most `flood_messages` in `flood_seconds`, then slowed down.
    flood_messages: int = Field(default=12, ge=3)
    flood_seconds: int = Field(default=10, ge=1)
    max_message_chars: int = Field(default=2000, ge=200)
    # Default opening hours when a jeune's Mission Locale is not known yet.
    network_hours: dict[str, list[str]] = Field(default_factory=lambda: {
        d: ["09:00-12:30", "13:30-17:30"] for d in ("lun", "mar", "mer", "jeu", "ven")})
    # General contact when the jeune's Mission Locale is unknown.
    network_name: str = "les Missions Locales de Nouvelle-Aquitaine"
    network_phone: str | None = None
    network_website: str = "https://www.unml.info/les-missions-locales/annuaire"
    # Telegram group where référents get alerts (crisis, handoff); optional.
    referent_alert_chat_id: int | None = None
    # Reverse proxies in front of the service (addresses or networks). Only from these is
    # X-Forwarded-For believed, to find the client's address (login lockout, audit log);
    # otherwise everyone behind the proxy would share one address, and anyone could forge one.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        start, _, end = value.partition("-")
        if not start or not end:
            raise ValueError("quiet_hours looks like 21:00-09:00")
        parse_range("00:00-" + start.strip()) if start.strip() != "00:00" else None
        parse_range("00:00-" + end.strip()) if end.strip() != "00:00" else None
        return value
