"""The optional second factor: a TOTP code from an authenticator app (RFC 6238, pyotp).

A secret is made on request, shown once (key and otpauth:// link), and asked at login only
once a first code has confirmed it. A code is accepted once (the last time step used is kept),
with one step of clock drift either way.
"""
from __future__ import annotations

from datetime import datetime

import pyotp
from sqlalchemy import select, update

from bot.console.tables import totp

ISSUER = "IN Système console"


class TotpStore:
    def __init__(self, engine):
        self.engine = engine

    async def _row(self, account_id: int):
        async with self.engine.connect() as conn:
            return (await conn.execute(select(totp).where(totp.c.account_id == account_id))).first()

    async def enabled(self, account_id: int) -> bool:
        row = await self._row(account_id)
        return row is not None and row.confirmed_at is not None

    async def start(self, account_id: int) -> str:
        """A new (unconfirmed) secret; replaces any earlier one."""
        secret = pyotp.random_base32()
        async with self.engine.begin() as conn:
            await conn.execute(totp.delete().where(totp.c.account_id == account_id))
            await conn.execute(totp.insert().values(account_id=account_id, secret=secret))
        return secret

    async def pending_secret(self, account_id: int) -> str | None:
        row = await self._row(account_id)
        return row.secret if row is not None and row.confirmed_at is None else None

    @staticmethod
    def uri(secret: str, email: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)

    async def check(self, account_id: int, code: str | None, now: datetime,
                    confirming: bool = False) -> bool:
        """The code is right for this account (and not used before); confirming: the first code
        of a new secret, which turns the second factor on."""
        row = await self._row(account_id)
        code = "".join(ch for ch in (code or "") if ch.isdigit())
        if row is None or len(code) != 6 or (row.confirmed_at is None) != confirming:
            return False
        otp = pyotp.TOTP(row.secret)
        step = int(now.timestamp()) // otp.interval
        for candidate in (step, step - 1, step + 1):
            if candidate <= (row.last_step or -1):
                continue
            if otp.at(candidate * otp.interval) == code:
                values = {"last_step": candidate}
                if confirming:
                    values["confirmed_at"] = now
                async with self.engine.begin() as conn:
                    res = await conn.execute(update(totp).where(
                        totp.c.account_id == account_id,
                        (totp.c.last_step.is_(None)) | (totp.c.last_step < candidate))
                        .values(**values))
                return res.rowcount == 1
        return False

    async def remove(self, account_id: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(totp.delete().where(totp.c.account_id == account_id))
