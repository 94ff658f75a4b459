"""The weekly posts in SQL: the calendar (one row per ISO week, which is also the week's post and
its status), one publication per week and network with its idempotency key, and a log of what
happened (approvals, reminders, failures) that the console shows.

Exactly-once publishing rests on two rules kept here: a publication is *claimed* by a conditional
UPDATE (status pending → publishing) before any network call, so two schedulers cannot both send;
and the claim is written (committed) before the call, so a process that dies mid-call leaves a
`publishing` row that the next run reconciles instead of blindly resending.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.stores.db import metadata

# week statuses (the post's workflow)
DRAFT, APPROVED, SCHEDULED, PUBLISHED, FAILED = "draft", "approved", "scheduled", "published", "failed"
# publication statuses (one network)
PENDING, PUBLISHING, UNCERTAIN = "pending", "publishing", "uncertain"

post_weeks = Table(
    "post_weeks", metadata,
    Column("week", String(8), primary_key=True),          # ISO week, "2026-W49"
    Column("mission_locale", String(64), nullable=False),
    Column("action_id", String(64), nullable=False),
    Column("manual", Boolean, nullable=False, default=False),   # a person chose it: the rotation keeps it
    Column("status", String(12), nullable=False, default=DRAFT),
    Column("publish_at", DateTime(timezone=True), nullable=False),
    Column("texts", JSON, nullable=False, default=dict),  # network → text, frozen at approval
    Column("set_by", String(120)),
    Column("approved_by", String(120)),
    Column("approved_at", DateTime(timezone=True)),
    Column("reminded_at", DateTime(timezone=True)),
    Column("error", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

post_publications = Table(
    "post_publications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("week", String(8), nullable=False),
    Column("network", String(20), nullable=False),
    Column("key", String(80), nullable=False, unique=True),   # idempotency key, sent where supported
    Column("status", String(12), nullable=False, default=PENDING),
    Column("text", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(80)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("remote_id", String(120)),
    Column("url", Text),
    Column("error", Text),
    Column("published_at", DateTime(timezone=True)),
    UniqueConstraint("week", "network", name="uq_post_publication_week_network"),
)

post_log = Table(
    "post_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("week", String(8), nullable=False),
    Column("kind", String(30), nullable=False),   # set, approved, reminder, scheduled, published, failed…
    Column("message", Text, nullable=False),
    Column("by", String(120)),
    Index("ix_post_log_week", "week", "id"),
)


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


@dataclass
class Week:
    week: str
    mission_locale: str
    action_id: str
    manual: bool
    status: str
    publish_at: datetime
    texts: dict[str, str] = field(default_factory=dict)
    set_by: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    reminded_at: datetime | None = None
    error: str | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> "Week":
        m = dict(row._mapping)
        for key in ("publish_at", "approved_at", "reminded_at", "updated_at"):
            m[key] = _utc(m[key])
        m["texts"] = m["texts"] or {}
        m["manual"] = bool(m["manual"])
        return cls(**m)


@dataclass
class Publication:
    id: int
    week: str
    network: str
    key: str
    status: str
    text: str
    attempts: int
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    remote_id: str | None
    url: str | None
    error: str | None
    published_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> "Publication":
        m = dict(row._mapping)
        for key in ("next_attempt_at", "claimed_at", "published_at"):
            m[key] = _utc(m[key])
        return cls(**m)


class PostStore:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    # weeks -------------------------------------------------------------------------------------
    async def weeks(self, first: str | None = None, last: str | None = None) -> list[Week]:
        """Rows in week order ("2026-W49" sorts as text: the year then a two-digit week)."""
        q = select(post_weeks).order_by(post_weeks.c.week)
        if first:
            q = q.where(post_weeks.c.week >= first)
        if last:
            q = q.where(post_weeks.c.week <= last)
        async with self.engine.connect() as conn:
            return [Week.from_row(r) for r in await conn.execute(q)]

    async def get(self, week: str) -> Week | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(post_weeks).where(post_weeks.c.week == week))).first()
        return Week.from_row(row) if row else None

    async def put_draft(self, week: str, ml: str, action_id: str, publish_at: datetime,
                        now: datetime, manual: bool, by: str | None = None,
                        rotation: bool = False) -> bool:
        """Create the week, or rewrite it while it is still a draft or merely approved (which
        voids the approval). False when it is scheduled or past: then it can no longer change.
        `rotation`: an automatic fill, which only ever rewrites an automatic draft (a person's
        choice made meanwhile by another process wins)."""
        values = dict(mission_locale=ml, action_id=action_id, manual=manual, status=DRAFT,
                      publish_at=publish_at, texts={}, set_by=by, approved_by=None,
                      approved_at=None, error=None, updated_at=now)
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        async with self.engine.begin() as conn:
            res = await conn.execute(dialect.insert(post_weeks).values(week=week, **values)
                                     .on_conflict_do_nothing(index_elements=["week"]))
            if res.rowcount == 1:
                return True
            allowed = (DRAFT,) if rotation else (DRAFT, APPROVED)
            cond = [post_weeks.c.week == week, post_weeks.c.status.in_(allowed)]
            if rotation:
                cond.append(post_weeks.c.manual.is_(False))
            res = await conn.execute(update(post_weeks).where(*cond).values(**values))
            return res.rowcount == 1

    async def set_status(self, week: str, status: str, now: datetime, *, expect: tuple[str, ...],
                         **fields: Any) -> bool:
        """Move a week to `status` only from one of `expect` (a compare-and-set)."""
        async with self.engine.begin() as conn:
            res = await conn.execute(update(post_weeks).where(
                post_weeks.c.week == week, post_weeks.c.status.in_(expect)).values(
                status=status, updated_at=now, **fields))
            return res.rowcount == 1

    async def mark_reminded(self, week: str, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            res = await conn.execute(update(post_weeks).where(
                post_weeks.c.week == week, post_weeks.c.reminded_at.is_(None)).values(reminded_at=now))
            return res.rowcount == 1

    # publications ------------------------------------------------------------------------------
    async def schedule(self, week: str, texts: dict[str, str], keys: dict[str, str],
                       now: datetime, first_attempt: datetime) -> bool:
        """approved → scheduled, with one pending publication per network, in one transaction."""
        async with self.engine.begin() as conn:
            res = await conn.execute(update(post_weeks).where(
                post_weeks.c.week == week, post_weeks.c.status == APPROVED).values(
                status=SCHEDULED, updated_at=now))
            if res.rowcount != 1:
                return False
            for network, text in texts.items():
                await conn.execute(insert(post_publications).values(
                    week=week, network=network, key=keys[network], status=PENDING, text=text,
                    attempts=0, next_attempt_at=first_attempt))
            return True

    async def publications(self, week: str | None = None) -> list[Publication]:
        q = select(post_publications).order_by(post_publications.c.week, post_publications.c.network)
        if week:
            q = q.where(post_publications.c.week == week)
        async with self.engine.connect() as conn:
            return [Publication.from_row(r) for r in await conn.execute(q)]

    async def due_publications(self, now: datetime) -> list[Publication]:
        q = select(post_publications).where(
            post_publications.c.status == PENDING,
            post_publications.c.next_attempt_at <= now).order_by(post_publications.c.id)
        async with self.engine.connect() as conn:
            return [Publication.from_row(r) for r in await conn.execute(q)]

    async def stale_claims(self, before: datetime) -> list[Publication]:
        """`publishing` rows claimed before `before`: their process died (or hung) mid-call."""
        q = select(post_publications).where(
            post_publications.c.status == PUBLISHING,
            or_(post_publications.c.claimed_at.is_(None), post_publications.c.claimed_at < before))
        async with self.engine.connect() as conn:
            return [Publication.from_row(r) for r in await conn.execute(q)]

    async def claim(self, pub_id: int, worker: str, now: datetime) -> bool:
        """pending → publishing, committed before the network call; only one claimer wins."""
        async with self.engine.begin() as conn:
            res = await conn.execute(update(post_publications).where(
                post_publications.c.id == pub_id, post_publications.c.status == PENDING,
                post_publications.c.next_attempt_at <= now).values(
                status=PUBLISHING, claimed_by=worker, claimed_at=now,
                attempts=post_publications.c.attempts + 1))
            return res.rowcount == 1

    async def finish(self, pub_id: int, status: str, *, expect: tuple[str, ...] = (PUBLISHING,),
                     **fields: Any) -> bool:
        async with self.engine.begin() as conn:
            res = await conn.execute(update(post_publications).where(
                post_publications.c.id == pub_id, post_publications.c.status.in_(expect)).values(
                status=status, **fields))
            return res.rowcount == 1

    # log ---------------------------------------------------------------------------------------
    async def log(self, week: str, kind: str, message: str, at: datetime, by: str | None = None) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(insert(post_log).values(week=week, kind=kind, message=message, at=at,
                                                       by=by))

    async def log_entries(self, week: str | None = None, kind: str | None = None,
                          limit: int = 200) -> list[dict[str, Any]]:
        q = select(post_log).order_by(post_log.c.id.desc()).limit(limit)
        conds = []
        if week:
            conds.append(post_log.c.week == week)
        if kind:
            conds.append(post_log.c.kind == kind)
        if conds:
            q = q.where(and_(*conds))
        async with self.engine.connect() as conn:
            rows = await conn.execute(q)
            return [{**r._mapping, "at": _utc(r.at)} for r in rows][::-1]
