"""The audit log: who opened which conversation (a read of personal data) and who did what
(take over, reply, note, hand back, close, logins). Jeunes appear by their pseudonymous id only;
message texts are not copied here (the transcript has them, and is erased on request)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.console.tables import audit
from bot.stores.records import _utc


class AuditLog:
    def __init__(self, engine, clock):
        self.engine = engine
        self.clock = clock

    async def record(self, action: str, *, account=None, email: str | None = None,
                     jeune_id: str | None = None, mission_locale: str | None = None,
                     ip: str | None = None, **detail: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(audit.insert().values(
                at=self.clock.now(), account_id=account.id if account else None,
                account_email=account.email if account else (email or "")[:254] or None,
                action=action, jeune_id=jeune_id, mission_locale=mission_locale,
                ip=(ip or "")[:64] or None, detail=detail))

    async def entries(self, *, jeune_id: str | None = None, account_id: int | None = None,
                      action: str | None = None, mission_locale: str | None = None,
                      since: datetime | None = None, limit: int = 500) -> list[dict]:
        """Newest first."""
        q = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if jeune_id is not None:
            q = q.where(audit.c.jeune_id == jeune_id)
        if account_id is not None:
            q = q.where(audit.c.account_id == account_id)
        if action is not None:
            q = q.where(audit.c.action == action)
        if mission_locale is not None:
            q = q.where(audit.c.mission_locale == mission_locale)
        if since is not None:
            q = q.where(audit.c.at >= since)
        async with self.engine.connect() as conn:
            return [{**dict(r._mapping), "at": _utc(r.at)} for r in await conn.execute(q)]


async def search(log: AuditLog, *, mission_locale: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, action: str | None = None,
                 jeune_id: str | None = None, email: str | None = None, limit: int = 100,
                 offset: int = 0) -> tuple[list[dict], int]:
    """The journal as its reader filters it (newest first), and how many entries match.
    `mission_locale`: a data-protection officer reads their own Mission Locale's only."""
    conds = []
    if mission_locale is not None:
        conds.append(audit.c.mission_locale == mission_locale)
    if since is not None:
        conds.append(audit.c.at >= since)
    if until is not None:
        conds.append(audit.c.at < until)
    if action:
        conds.append(audit.c.action == action)
    if jeune_id:
        conds.append(audit.c.jeune_id == jeune_id)
    if email:
        conds.append(audit.c.account_email == email.strip().lower())
    q = select(audit).where(*conds).order_by(audit.c.id.desc()).limit(limit).offset(offset)
    count = select(func.count()).select_from(audit).where(*conds)
    async with log.engine.connect() as conn:
        rows = [{**dict(r._mapping), "at": _utc(r.at)} for r in await conn.execute(q)]
        total = (await conn.execute(count)).scalar_one()
    return rows, total
