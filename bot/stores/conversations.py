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
_SELECT_MANY = select(conversations).where(
    conversations.c.jeune_id.in_(bindparam("_jeunes", expanding=True)))
_INSERT = conversations.insert()
# every column from the parameters (`_name`): one statement for rows changing different columns
_UPDATE_ROW = update(conversations).where(conversations.c.jeune_id == bindparam("_jeune")).values(
    {c.name: bindparam("_" + c.name) for c in conversations.columns if c.name != "jeune_id"})


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
        await ConversationStore.touch_many_in(conn, [dict(
            jeune_id=jeune_id, channel=channel, at=at, status=status, mission_locale=mission_locale,
            unread=unread, first_name=first_name)])

    @staticmethod
    async def touch_many_in(conn, touches: list[dict[str, Any]]) -> None:
        """`touch_in` for the turns of a group commit (bot/stores/group_commit.py): one SELECT of
        their rows, one INSERT of the new ones, one UPDATE of those that change, instead of two
        statements per turn. `touches`: dicts of touch_in's arguments."""
        current = {row.jeune_id: dict(row._mapping) for row in await conn.execute(
            _SELECT_MANY, {"_jeunes": sorted({t["jeune_id"] for t in touches})})}
        inserts: dict[str, dict] = {}
        updates: dict[str, dict] = {}
        for t in touches:
            jeune_id, at, status, unread = t["jeune_id"], t["at"], t.get("status"), t.get("unread", 0)
            row = current.get(jeune_id)
            if row is None:
                st = status or "bot"
                row = dict(jeune_id=jeune_id, channel=t["channel"], mission_locale=t.get("mission_locale"),
                           status=st, priority=PRIORITY[st], since=at, last_message_at=at,
                           unread=unread, first_name=t.get("first_name"), assigned_to=None,
                           outcome=None)
                current[jeune_id] = inserts[jeune_id] = row
                continue
            values: dict[str, Any] = {"last_message_at": at, "unread": row["unread"] + unread,
                                      "channel": t["channel"]}
            if t.get("mission_locale"):
                values["mission_locale"] = t["mission_locale"]
            if t.get("first_name"):
                values["first_name"] = t["first_name"]
            if status and (PRIORITY[status] < row["priority"] or row["status"] == "closed"):
                values.update(status=status, priority=PRIORITY[status], since=at)
            if all(_same(row[name], value) for name, value in values.items()):
                continue
            row.update(values)
            if jeune_id not in inserts:
                updates[jeune_id] = row
        if inserts:
            await conn.execute(_INSERT, list(inserts.values()))
        if updates:
            await conn.execute(_UPDATE_ROW, [{"_jeune": jeune_id, **{f"_{k}": v for k, v in row.items()
                                                                     if k != "jeune_id"}}
                                             for jeune_id, row in updates.items()])

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
