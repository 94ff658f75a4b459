"""Server-side console sessions in SQL: shared by every web worker, ended by deleting a row.

A new session (new token, new CSRF token) at each login, so a token planted before login is
worthless after it. A session ends after `idle_minutes` without a request and in any case
`max_hours` after login. `last_seen_at` also says who is online (see presence.py).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, select, update

from bot.console.accounts import Account, _account
from bot.console.config import SessionKnobs
from bot.console.tables import accounts, sessions
from bot.stores.records import _utc

TOUCH_EVERY = timedelta(seconds=20)   # last_seen_at is written at most this often per session


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    token_hash: str
    account: Account
    csrf: str
    last_seen_at: datetime
    expires_at: datetime

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf.encode())


class SessionStore:
    def __init__(self, engine, knobs: SessionKnobs, clock):
        self.engine = engine
        self.knobs = knobs
        self.clock = clock

    async def create(self, account: Account, ip: str | None, replaces: str | None = None) -> str:
        """A fresh session for `account`; the token (for the cookie). `replaces`: the token of the
        session the browser had before (ended)."""
        now = self.clock.now()
        token = secrets.token_urlsafe(32)
        async with self.engine.begin() as conn:
            if replaces:
                await conn.execute(delete(sessions).where(
                    sessions.c.token_hash == token_hash(replaces)))
            await conn.execute(delete(sessions).where(sessions.c.expires_at <= now))
            await conn.execute(sessions.insert().values(
                token_hash=token_hash(token), account_id=account.id,
                csrf=secrets.token_urlsafe(32), created_at=now, last_seen_at=now,
                expires_at=now + timedelta(hours=self.knobs.max_hours), ip=(ip or "")[:64]))
        return token

    async def get(self, token: str | None) -> Session | None:
        """The live session of this token (active account, not expired), touched; else None."""
        if not token or len(token) > 200:
            return None
        now = self.clock.now()
        h = token_hash(token)
        q = (select(sessions, accounts).join(accounts, accounts.c.id == sessions.c.account_id)
             .where(sessions.c.token_hash == h))
        async with self.engine.connect() as conn:
            row = (await conn.execute(q)).first()
        if row is None:
            return None
        m = row._mapping
        last_seen, expires = _utc(m[sessions.c.last_seen_at]), _utc(m[sessions.c.expires_at])
        idle_end = last_seen + timedelta(minutes=self.knobs.idle_minutes)
        if not m[accounts.c.active] or now >= expires or now >= idle_end:
            await self.end(token)
            return None
        if now - last_seen >= TOUCH_EVERY:
            await self.touch(h, now)
            last_seen = now
        account = _account(_Row({c.name: m[c] for c in accounts.c}))
        return Session(h, account, m[sessions.c.csrf], last_seen, expires)

    async def touch(self, hashed: str, now: datetime | None = None) -> None:
        now = now or self.clock.now()
        async with self.engine.begin() as conn:
            await conn.execute(update(sessions).where(sessions.c.token_hash == hashed)
                               .values(last_seen_at=now))

    async def alive(self, hashed: str) -> bool:
        """Still a valid session (for long-lived SSE connections: logout or disable ends them)."""
        now = self.clock.now()
        q = (select(sessions.c.token_hash)
             .join(accounts, accounts.c.id == sessions.c.account_id)
             .where(sessions.c.token_hash == hashed, accounts.c.active.is_(True),
                    sessions.c.expires_at > now))
        async with self.engine.connect() as conn:
            return (await conn.execute(q)).first() is not None

    async def end(self, token: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token)))

    async def online(self, since: datetime, ml_id: str | None) -> bool:
        """A référent of `ml_id` was active since `since`. Only that Mission Locale's people count:
        an ARML admin watching the region does not answer a jeune within minutes (issue 17), and a
        jeune whose Mission Locale is unknown is promised nothing."""
        now = self.clock.now()
        if ml_id is None:
            return False
        who = and_(accounts.c.role == "referent", accounts.c.mission_locale == ml_id)
        q = (select(sessions.c.token_hash)
             .join(accounts, accounts.c.id == sessions.c.account_id)
             .where(accounts.c.active.is_(True), sessions.c.last_seen_at >= since,
                    sessions.c.expires_at > now, who).limit(1))
        async with self.engine.connect() as conn:
            return (await conn.execute(q)).first() is not None


class _Row:
    """Adapter so `_account` reads a plain mapping like a SQLAlchemy row."""

    def __init__(self, mapping: dict):
        self._mapping = mapping
