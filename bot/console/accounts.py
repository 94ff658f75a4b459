"""Console accounts: a référent (one Mission Locale), an admin (ARML: every Mission Locale), or the
communication role (weekly posts and figures; never the conversations).

Passwords are hashed with argon2id (argon2-cffi defaults); a login with an unknown e-mail still
spends one hash verification, so timing does not tell which addresses have an account.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.console.tables import ROLES, accounts, sessions, totp
from bot.stores.records import _utc

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
_NAME = re.compile(r"^[^\x00-\x1f<>]{1,80}$")
MIN_PASSWORD = 10

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the account does not exist (same time either way); made on
    first use, not at import: argon2 costs half a second of CPU, which every command would pay."""
    return _hasher.hash("not a password, a timing decoy")


class AccountError(ValueError):
    """A bad value for an account (message in French, for the person typing it)."""


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    name: str
    role: str
    mission_locale: str | None
    active: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_journal(self) -> bool:
        """Admins (every Mission Locale), a Mission Locale's data-protection officer (its own)."""
        return self.role == "admin" or (self.role == "dpo" and bool(self.mission_locale))

    @property
    def sees_conversations(self) -> bool:
        return self.role in ("referent", "admin")

    def can_see_ml(self, ml_id: str | None) -> bool:
        """Admins see everything (also jeunes whose Mission Locale is not known yet); a référent
        only their own Mission Locale's."""
        if self.role == "admin":
            return True
        if self.role == "referent":
            return ml_id is not None and ml_id == self.mission_locale
        return False


def _account(row) -> Account:
    m = row._mapping
    return Account(id=m["id"], email=m["email"], name=m["name"], role=m["role"],
                   mission_locale=m["mission_locale"], active=bool(m["active"]))


def check_password(password: str | None) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"mot de passe trop court ({MIN_PASSWORD} caractères au moins)")
    if len(password) > 1024:
        raise AccountError("mot de passe trop long (1024 caractères au plus)")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


class AccountStore:
    def __init__(self, engine):
        self.engine = engine

    async def add(self, email: str, name: str, role: str, mission_locale: str | None,
                  password: str, now: datetime, known_mls: set[str] | None = None) -> Account:
        email = normalise_email(email)
        name = (name or "").strip()
        if not _EMAIL.match(email):
            raise AccountError(f"adresse e-mail invalide : {email!r}")
        if not _NAME.match(name):
            raise AccountError("le prénom est obligatoire (80 caractères au plus)")
        if role not in ROLES:
            raise AccountError(f"rôle inconnu {role!r} (possibles : {', '.join(ROLES)})")
        if role in ("referent", "dpo") and not mission_locale:
            raise AccountError(f"un compte {role} est rattaché à une Mission Locale (--ml ID)")
        if role == "admin" and mission_locale:
            raise AccountError("un compte admin voit toutes les Missions Locales : pas de --ml")
        if mission_locale and known_mls is not None and mission_locale not in known_mls:
            raise AccountError(f"Mission Locale inconnue : {mission_locale!r}")
        check_password(password)
        existing = await self.by_email(email)
        if existing is not None and existing.active:
            raise AccountError(f"un compte existe déjà pour {email} (changer son mot de passe : "
                               f"insysteme referent passwd --email {email})")
        if existing is not None:
            # a person coming back: the same account, re-enabled, with what was given now
            async with self.engine.begin() as conn:
                await conn.execute(update(accounts).where(accounts.c.id == existing.id).values(
                    name=name, role=role, mission_locale=mission_locale,
                    password_hash=_hasher.hash(password), active=True, disabled_at=None))
                await conn.execute(totp.delete().where(totp.c.account_id == existing.id))
            return Account(existing.id, email, name, role, mission_locale, True)
        try:
            async with self.engine.begin() as conn:
                res = await conn.execute(accounts.insert().values(
                    email=email, name=name, role=role, mission_locale=mission_locale,
                    password_hash=_hasher.hash(password), active=True, created_at=now))
                account_id = res.inserted_primary_key[0]
        except IntegrityError:
            raise AccountError(f"un compte existe déjà pour {email}") from None
        return Account(account_id, email, name, role, mission_locale, True)

    async def get(self, account_id: int) -> Account | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).first()
        return _account(row) if row else None

    async def by_email(self, email: str) -> Account | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                select(accounts).where(accounts.c.email == normalise_email(email)))).first()
        return _account(row) if row else None

    async def list(self) -> list[dict]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(accounts).order_by(accounts.c.email))
            return [{k: (_utc(v) if isinstance(v, datetime) else v)
                     for k, v in r._mapping.items() if k != "password_hash"} for r in rows]

    async def verify(self, email: str, password: str) -> Account | None:
        """The active account with this e-mail and password, else None."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                select(accounts).where(accounts.c.email == normalise_email(email)))).first()
        stored = row.password_hash if row is not None else _dummy_hash()
        try:
            _hasher.verify(stored, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if _hasher.check_needs_rehash(stored):
            async with self.engine.begin() as conn:
                await conn.execute(update(accounts).where(accounts.c.id == row.id)
                                   .values(password_hash=_hasher.hash(password)))
        return _account(row)

    async def set_password(self, email: str, password: str) -> Account | None:
        """A new password; every session of the account ends (a stolen one too)."""
        check_password(password)
        account = await self.by_email(email)
        if account is None:
            return None
        async with self.engine.begin() as conn:
            await conn.execute(update(accounts).where(accounts.c.id == account.id)
                               .values(password_hash=_hasher.hash(password)))
            await conn.execute(sessions.delete().where(sessions.c.account_id == account.id))
        return account

    async def check_password(self, account_id: int, password: str) -> bool:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(accounts.c.password_hash)
                                      .where(accounts.c.id == account_id))).first()
        try:
            return row is not None and _hasher.verify(row.password_hash, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def enable(self, email: str) -> Account | None:
        account = await self.by_email(email)
        if account is None:
            return None
        async with self.engine.begin() as conn:
            await conn.execute(update(accounts).where(accounts.c.id == account.id)
                               .values(active=True, disabled_at=None))
        return await self.get(account.id)

    async def colleagues(self, account: Account) -> list[Account]:
        """The active référents of the same Mission Locale (to give a conversation to)."""
        q = select(accounts).where(accounts.c.active.is_(True), accounts.c.role == "referent",
                                   accounts.c.id != account.id).order_by(accounts.c.name)
        if account.mission_locale:
            q = q.where(accounts.c.mission_locale == account.mission_locale)
        async with self.engine.connect() as conn:
            return [_account(r) for r in await conn.execute(q)]

    async def disable(self, email: str, now: datetime) -> Account | None:
        """Disable the account and end its sessions at once."""
        account = await self.by_email(email)
        if account is None:
            return None
        async with self.engine.begin() as conn:
            await conn.execute(update(accounts).where(accounts.c.id == account.id)
                               .values(active=False, disabled_at=now))
            await conn.execute(sessions.delete().where(sessions.c.account_id == account.id))
        return await self.get(account.id)
