"""The référents' inbox: one row per jeune's conversation, with its status and priority.

The engine writes it when something a référent must see happens (a crisis, a request for a human,
a new session, a message while a person is on it); the console reads it. Kept apart from the
conversation state so the console can list and filter with SQL.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, bindparam, select, update

from bot.stores.db import metadata
from bot.stores.records import _utc

# Status, in the order the inbox shows them.
STATUSES = ("crisis", "waiting", "taken", "bot", "closed")
PRIORITY = {"crisis": 0, "waiting": 1, "taken": 2, "bot": 3, "closed": 4}

conversations = Table(
    "conversations", metadata,
    Column("jeune_id", String(64), primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("mission_locale", String(64)),
    Column("status", String(16), nullable=False, default="bot"),
    Column("priority", Integer, nullable=False, default=3),
    Column("since", DateTime(timezone=True)),            # when the current status began
    Column("last_message_at", DateTime(timezone=True)),
    Column("assigned_to", String(80)),
    Column("outcome", String(40)),
    Column("unread", Integer, nullable=False, default=0),
    Column("first_name", String(80)),
    Index("ix_conversations_ml_status", "mission_locale", "priority", "since"),
)


# Built once: on the engine's hot path, building `.where(...).values(...)` per turn cost more CPU
# than running the statement (docs/performance.md). The UPDATE's SET columns come from the
# parameters given at execution.
_SELECT_ONE = select(conversations).where(conversations.c.jeune_id == bindparam("_jeune"))
_INSERT = conversations.insert()
_UPDATE_ONE = update(conversations).where(conversations.c.jeune_id == bindparam("_jeune"))


class ConversationStore:
    def __init__(self, engine):
        self.engine = engine

    async def touch(self, jeune_id: str, channel: str, at: datetime, *, status: str | None = None,
                    mission_locale: str | None = None, unread: int = 0,
                    first_name: str | None = None) -> None:
        """Record activity; a new status (crisis, waiting…) only moves up in priority unless the
        caller is the console (use set_status for that)."""
        async with self.engine.begin() as conn:
            await self.touch_in(conn, jeune_id, channel, at, status=status,
                                mission_locale=mission_locale, unread=unread, first_name=first_name)

    @staticmethod
    async def touch_in(conn, jeune_id: str, channel: str, at: datetime, *, status: str | None = None,
                       mission_locale: str | None = None, unread: int = 0,
                       first_name: str | None = None) -> None:
        """`touch` inside the caller's transaction (the engine's turn: one transaction, not two).
        No write when nothing would change."""
        row = (await conn.execute(_SELECT_ONE, {"_jeune": jeune_id})).first()
        if row is None:
            st = status or "bot"
            await conn.execute(_INSERT, dict(
                jeune_id=jeune_id, channel=channel, mission_locale=mission_locale, status=st,
                priority=PRIORITY[st], since=at, last_message_at=at, unread=unread,
                first_name=first_name, assigned_to=None, outcome=None))
            return
        values: dict[str, Any] = {"last_message_at": at, "unread": row.unread + unread,
                                  "channel": channel}
        if mission_locale:
            values["mission_locale"] = mission_locale
        if first_name:
            values["first_name"] = first_name
        if status and (PRIORITY[status] < row.priority or row.status == "closed"):
            values.update(status=status, priority=PRIORITY[status], since=at)
        current = row._mapping
        if all(_same(current[name], value) for name, value in values.items()):
            return
        await conn.execute(_UPDATE_ONE, {"_jeune": jeune_id, **values})

    async def set_status(self, jeune_id: str, status: str, at: datetime, *,
                         assigned_to: str | None = None, outcome: str | None = None) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(conversations).where(conversations.c.jeune_id == jeune_id)
                               .values(status=status, priority=PRIORITY[status], since=at,
                                       assigned_to=assigned_to, outcome=outcome))

    async def mark_read(self, jeune_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(conversations).where(conversations.c.jeune_id == jeune_id)
                               .values(unread=0))

    async def get(self, jeune_id: str) -> dict | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                select(conversations).where(conversations.c.jeune_id == jeune_id))).first()
        return _row(row) if row else None

    async def inbox(self, mission_locale: str | None = None, status: str | None = None,
                    limit: int = 200) -> list[dict]:
        """Crisis first, then waiting (longest wait first), taken, bot, closed."""
        q = select(conversations)
        if mission_locale is not None:
            q = q.where(conversations.c.mission_locale == mission_locale)
        if status is not None:
            q = q.where(conversations.c.status == status)
        q = q.order_by(conversations.c.priority, conversations.c.since).limit(limit)
        async with self.engine.connect() as conn:
            return [_row(r) for r in await conn.execute(q)]

    async def delete(self, jeune_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(conversations.delete().where(conversations.c.jeune_id == jeune_id))


def _same(stored: Any, value: Any) -> bool:
    if isinstance(value, datetime) and isinstance(stored, datetime):
        return _utc(stored) == value
    return stored == value


def _row(row) -> dict:
    out = dict(row._mapping)
    for key in ("since", "last_message_at"):
        out[key] = _utc(out[key])
    return out
