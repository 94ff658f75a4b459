"""Login lockout: after `max_failures` failed logins within `window_minutes`, for one account or
from one address, every login attempt (even with the right password) is refused until the oldest
of those failures leaves the window. Kept in SQL so every web worker counts the same failures."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from bot.console.accounts import normalise_email
from bot.console.config import LockoutKnobs
from bot.console.tables import login_failures
from bot.stores.records import _utc


def keys_for(email: str, ip: str | None) -> list[str]:
    keys = [f"account:{normalise_email(email)[:254]}"]
    if ip:
        keys.append(f"ip:{ip[:64]}")
    return keys


class Lockout:
    def __init__(self, engine, knobs: LockoutKnobs, clock):
        self.engine = engine
        self.knobs = knobs
        self.clock = clock

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.knobs.window_minutes)

    async def locked_until(self, email: str, ip: str | None) -> datetime | None:
        """When attempts are allowed again, or None when they are allowed now."""
        now = self.clock.now()
        since = now - self.window
        until = None
        async with self.engine.connect() as conn:
            for key in keys_for(email, ip):
                rows = (await conn.execute(
                    select(login_failures.c.at).where(login_failures.c.key == key,
                                                      login_failures.c.at > since)
                    .order_by(login_failures.c.at.desc()).limit(self.knobs.max_failures))).all()
                if len(rows) >= self.knobs.max_failures:
                    # the oldest of the last max_failures failures leaves the window then
                    free_at = _utc(rows[-1].at) + self.window
                    until = max(until, free_at) if until else free_at
        return until

    async def failed(self, email: str, ip: str | None) -> None:
        now = self.clock.now()
        async with self.engine.begin() as conn:
            await conn.execute(login_failures.insert(), [
                {"key": key, "at": now} for key in keys_for(email, ip)])
            await conn.execute(delete(login_failures).where(
                login_failures.c.at < now - self.window - timedelta(days=1)))

    async def succeeded(self, email: str) -> None:
        """The account's count starts over (not the address's: one good password must not
        unlock an address that is guessing other accounts)."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(login_failures).where(
                login_failures.c.key == keys_for(email, None)[0]))

    async def count(self, key: str) -> int:
        since = self.clock.now() - self.window
        async with self.engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(login_failures).where(
                login_failures.c.key == key, login_failures.c.at > since))).scalar_one()
