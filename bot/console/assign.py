"""Who holds a conversation, and who is looking at it.

- `claim`: one atomic UPDATE takes a conversation nobody holds; of two référents clicking at
  once, exactly one wins (and only that one makes the bot say "je prends le relais").
- `transfer`: a held conversation moves to another référent (taken from a colleague after a
  confirmation, or given to one). The jeune is not told a second time: the next message is
  signed by the new référent anyway.
- `Viewers`: one row per open conversation page (its live stream), so every page shows who else
  has it open, whatever web worker serves them.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from bot.console.tables import assignments, viewers
from bot.stores.conversations import PRIORITY, conversations

VIEWER_STALE = timedelta(minutes=2)   # a page that died without saying so stops counting then


async def claim(engine, jeune_id: str, account, now: datetime) -> bool:
    """Take the conversation if nobody holds it. True when this account got it."""
    async with engine.begin() as conn:
        res = await conn.execute(
            update(conversations)
            .where(conversations.c.jeune_id == jeune_id,
                   or_(conversations.c.status != "taken", conversations.c.assigned_to.is_(None)))
            .values(status="taken", priority=PRIORITY["taken"], since=now,
                    assigned_to=account.name, outcome=None))
        if res.rowcount != 1:
            return False
        await _hold(conn, jeune_id, account, now)
    return True


async def transfer(engine, jeune_id: str, account, now: datetime) -> dict | None:
    """The held conversation now belongs to `account`. Returns who held it before
    ({"account_id", "name"}, or None)."""
    async with engine.begin() as conn:
        before = (await conn.execute(select(assignments).where(
            assignments.c.jeune_id == jeune_id))).first()
        await conn.execute(update(conversations).where(conversations.c.jeune_id == jeune_id)
                           .values(status="taken", priority=PRIORITY["taken"],
                                   assigned_to=account.name))
        await _hold(conn, jeune_id, account, now)
    return {"account_id": before.account_id, "name": before.name} if before else None


async def holder(engine, jeune_id: str) -> dict | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(assignments).where(
            assignments.c.jeune_id == jeune_id))).first()
    return dict(row._mapping) if row else None


async def release(engine, jeune_id: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(delete(assignments).where(assignments.c.jeune_id == jeune_id))


async def _hold(conn, jeune_id: str, account, now: datetime) -> None:
    await conn.execute(delete(assignments).where(assignments.c.jeune_id == jeune_id))
    await conn.execute(assignments.insert().values(jeune_id=jeune_id, account_id=account.id,
                                                   name=account.name, at=now))


class Viewers:
    def __init__(self, engine, clock):
        self.engine = engine
        self.clock = clock

    async def enter(self, jeune_id: str, account) -> str:
        stream = secrets.token_hex(16)
        async with self.engine.begin() as conn:
            await conn.execute(viewers.insert().values(
                stream=stream, jeune_id=jeune_id, account_id=account.id, name=account.name,
                at=self.clock.now()))
        return stream

    async def still(self, stream: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(viewers).where(viewers.c.stream == stream)
                               .values(at=self.clock.now()))

    async def leave(self, stream: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(viewers).where(viewers.c.stream == stream))

    async def of(self, jeune_id: str) -> list[dict]:
        """Who has the conversation open: [{"account_id", "name"}], one entry per account."""
        since = self.clock.now() - VIEWER_STALE
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(viewers.c.account_id, viewers.c.name)
                .where(viewers.c.jeune_id == jeune_id, viewers.c.at >= since)
                .distinct().order_by(viewers.c.name))
            return [dict(r._mapping) for r in rows]

    async def forget(self, jeune_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(viewers).where(viewers.c.jeune_id == jeune_id))
            await conn.execute(delete(assignments).where(assignments.c.jeune_id == jeune_id))
