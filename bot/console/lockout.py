"""Login throttling that slows guessing without letting a stranger lock anyone out.

- One account from one address (`pair`): after `max_failures` failures within `window_minutes`,
  that pair waits `first_delay_seconds` before its next try, twice as long after each further
  failure, at most `max_delay_minutes`. A right password ends it. Someone guessing Camille's
  password from elsewhere slows *their* tries; Camille, from her own address, logs in at once.
- One address guessing many accounts (`ip`): past `address_failures` failures within the window,
  the address is slowed the same way, but only for accounts that have never logged in from it
  (`ok` marks, kept 90 days): behind one office NAT, one person guessing cannot keep the
  colleagues who work there out.

There is never a lock of an account as such. Kept in SQL so every web worker counts the same.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, not_, select

from bot.console.accounts import normalise_email
from bot.console.config import LockoutKnobs
from bot.console.tables import login_failures
from bot.stores.records import _utc

KNOWN_FOR = timedelta(days=90)


def _email(email: str) -> str:
    return normalise_email(email)[:200]


def pair_key(email: str, ip: str | None) -> str:
    return f"pair:{_email(email)}|{(ip or '-')[:64]}"


def ip_key(ip: str | None) -> str:
    return f"ip:{(ip or '-')[:64]}"


def ok_key(email: str, ip: str | None) -> str:
    return f"ok:{_email(email)}|{(ip or '-')[:64]}"


class Lockout:
    def __init__(self, engine, knobs: LockoutKnobs, clock):
        self.engine = engine
        self.knobs = knobs
        self.clock = clock

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.knobs.window_minutes)

    def delay(self, over: int) -> timedelta:
        """The wait after the `over`-th failure past the threshold (0: the first one)."""
        seconds = self.knobs.first_delay_seconds * (2 ** min(over, 20))
        return timedelta(seconds=min(seconds, self.knobs.max_delay_minutes * 60))

    async def _recent(self, conn, key: str, since: datetime) -> tuple[int, datetime | None]:
        row = (await conn.execute(
            select(func.count(), func.max(login_failures.c.at))
            .where(login_failures.c.key == key, login_failures.c.at > since))).one()
        return row[0], _utc(row[1])

    async def locked_until(self, email: str, ip: str | None) -> datetime | None:
        """When this account may be tried again from this address; None: now."""
        now = self.clock.now()
        since = now - self.window
        until = None
        async with self.engine.connect() as conn:
            count, last = await self._recent(conn, pair_key(email, ip), since)
            if count >= self.knobs.max_failures and last is not None:
                until = last + self.delay(count - self.knobs.max_failures)
            count, last = await self._recent(conn, ip_key(ip), since)
            if count >= self.knobs.address_failures and last is not None:
                known = (await conn.execute(select(login_failures.c.id).where(
                    login_failures.c.key == ok_key(email, ip),
                    login_failures.c.at > now - KNOWN_FOR).limit(1))).first()
                if known is None:
                    free = last + self.delay(count - self.knobs.address_failures)
                    until = max(until, free) if until else free
        return until if until is not None and until > now else None

    async def failed(self, email: str, ip: str | None) -> None:
        now = self.clock.now()
        async with self.engine.begin() as conn:
            await conn.execute(login_failures.insert(), [
                {"key": pair_key(email, ip), "at": now}, {"key": ip_key(ip), "at": now}])
            old_failure = and_(not_(login_failures.c.key.startswith("ok:")),
                               login_failures.c.at < now - self.window - timedelta(days=1))
            old_mark = and_(login_failures.c.key.startswith("ok:"),
                            login_failures.c.at < now - KNOWN_FOR)
            await conn.execute(delete(login_failures).where(old_failure | old_mark))

    async def succeeded(self, email: str, ip: str | None = None) -> None:
        """This pair starts over, and the address is known for this account (the address's
        own count stays: one good password must not unlock an address guessing others)."""
        now = self.clock.now()
        async with self.engine.begin() as conn:
            await conn.execute(delete(login_failures).where(
                login_failures.c.key.in_((pair_key(email, ip), ok_key(email, ip)))))
            await conn.execute(login_failures.insert().values(key=ok_key(email, ip), at=now))

    async def count(self, key: str) -> int:
        since = self.clock.now() - self.window
        async with self.engine.connect() as conn:
            return (await self._recent(conn, key, since))[0]
