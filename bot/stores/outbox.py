"""The durable outbox: every reply waits here, in SQL, until its channel took it.

Why: a webhook answers 200 once the turn is committed and Telegram never sends that update again.
Replies kept only in memory die with the process and the jeune's next message is then read as the
answer to a question they never saw. So a turn's replies are rows written in the turn's own
transaction (RecordStore.save_turn), and a sender (bot/channels/outbox.py, one in every process
that has channels, safe with several) delivers them and deletes nothing until the channel said yes.

Life of a row: `pending` → `claimed` (one worker, with a lease) → `sent` | `failed`; a passing
failure puts it back to `pending` with `not_before`. Lanes order the work: 0 crisis, 1 conversation
(the bot's answers, a référent's), 2 background (reminders, broadcasts).

Claims keep the order of one address: a worker claims all the pending rows of an address at once,
and never an address whose rows another worker holds under a live lease. On PostgreSQL the claim
takes a transaction-scoped advisory lock first, so two claims never look at the table at the same
moment (each sees what the other committed; the claims are a few milliseconds each). SQLite runs
one writer at a time, which gives the same.

What "delivered" means, by channel: the web chat's mailbox keeps the row id with the message, so
a row re-claimed after a crash is looked up there first and never shown twice (exactly once).
Telegram has no idempotency key: a row whose send had started when its worker died is sent again
(at least once: a rare duplicate rather than a lost question).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import (
    JSON, Column, DateTime, Index, Integer, String, Table, Text, and_, any_, bindparam, case, cast,
    column, delete, exists, func, literal, or_, select, text, true, update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import as_utc
from bot.stores.db import insert_ids, leased_claim, metadata, stored_utc

PENDING, CLAIMED, SENT, FAILED = "pending", "claimed", "sent", "failed"
CRISIS, CONVERSATION, BACKGROUND = 0, 1, 2

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # NULL for the last answer of an erasure: the jeune is gone, the confirmation still goes out
    Column("jeune_id", String(64)),
    Column("channel", String(20), nullable=False),
    Column("address", String(128), nullable=False),
    Column("lane", Integer, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(10), nullable=False),
    Column("key", String(200), unique=True),          # idempotent hand-over (a reminder's key)
    Column("check_stop", Integer, nullable=False, default=0),   # not sent after STOP / blocked
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("not_before", DateTime(timezone=True)),
    Column("claimed_by", String(80)),
    Column("claimed_until", DateTime(timezone=True)),
    Column("send_started_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("done_at", DateTime(timezone=True)),
    Column("last_error", String(200)),
    Index("ix_outbox_status_lane", "status", "lane", "id"),
    Index("ix_outbox_address", "channel", "address", "status"),
    Index("ix_outbox_jeune", "jeune_id"),
)


_utc = stored_utc


@dataclass
class OutRow:
    id: int
    jeune_id: str | None
    channel: str
    address: str
    lane: int
    payload: dict[str, Any]
    attempts: int = 0
    check_stop: bool = False
    send_started_at: datetime | None = None
    key: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> "OutRow":
        m = row._mapping
        return cls(id=m["id"], jeune_id=m["jeune_id"], channel=m["channel"], address=m["address"],
                   lane=m["lane"], payload=m["payload"] or {}, attempts=m["attempts"],
                   check_stop=bool(m["check_stop"]), send_started_at=_utc(m["send_started_at"]),
                   key=m["key"])


@dataclass
class NewReply:
    """One reply to write: where it goes and what it says (bot.messages.Reply.to_payload)."""
    channel: str
    address: str
    payload: dict[str, Any]
    lane: int = CONVERSATION
    jeune_id: str | None = None
    key: str | None = None
    check_stop: bool = False
    at: datetime | None = None              # when it was written (the turn's time)
    # written already claimed by this worker (who sends it right after the commit), unless the
    # address has rows waiting: then it queues behind them (write_replies decides)
    claim_by: str | None = None
    claim_until: datetime | None = None
    id: int | None = field(default=None)    # set once written

    def row(self, now: datetime) -> dict[str, Any]:
        claimed = self.claim_by is not None
        return dict(jeune_id=self.jeune_id, channel=self.channel, address=self.address[:128],
                    lane=self.lane, payload=self.payload, status=CLAIMED if claimed else PENDING,
                    key=self.key, check_stop=1 if self.check_stop else 0,
                    created_at=as_utc(self.at) if self.at else now, attempts=1 if claimed else 0,
                    claimed_by=self.claim_by, claimed_until=self.claim_until if claimed else None)

    def out_row(self) -> "OutRow":
        return OutRow(id=self.id, jeune_id=self.jeune_id, channel=self.channel,
                      address=self.address[:128], lane=self.lane, payload=self.payload, attempts=1,
                      check_stop=self.check_stop, key=self.key)


# rows still waiting for these addresses; the writer's own claims do not count: the writer sends
# an address's rows under one lock, so its new rows go out after them anyway
_BUSY = (select(outbox.c.address).distinct()
         .where(outbox.c.channel == bindparam("channel"),
                or_(outbox.c.status == PENDING,
                    and_(outbox.c.status == CLAIMED, outbox.c.claimed_by != bindparam("me"))),
                outbox.c.address.in_(bindparam("addresses", expanding=True))))

# The columns of a batch of replies, one array each (PostgreSQL: one statement, whatever the batch)
_ARRAYS = (("jeune_id", String), ("channel", String), ("address", String), ("lane", Integer),
           ("payload", Text), ("key", String), ("check_stop", Integer),
           ("created_at", DateTime(timezone=True)), ("claim_by", String),
           ("claim_until", DateTime(timezone=True)))


def _write_statement_pg():
    """The whole batch in one INSERT … SELECT FROM unnest(arrays) WITH ORDINALITY, the busy check
    inside it: a row is written claimed by its writer unless its address has rows waiting (pending,
    or claimed by another worker), seen as they were when the statement started, so the rows of
    one address in one batch all go the same way. Ids follow the arrays' order (ORDER BY ord: the
    sequence is drawn in that order, as SQLAlchemy's own sorted executemany relies on). A key
    already present (a reminder handed over twice) writes nothing and returns nothing."""
    u = (func.unnest(*(bindparam(name, type_=postgresql.ARRAY(kind)) for name, kind in _ARRAYS))
         .table_valued(*(column(name, kind) for name, kind in _ARRAYS), with_ordinality="ord")
         .render_derived(name="u"))
    held = outbox.alias("held")
    waiting = (select(literal(1).label("waiting"))
               .where(held.c.channel == u.c.channel, held.c.address == u.c.address,
                      or_(held.c.status == PENDING,
                          and_(held.c.status == CLAIMED, held.c.claimed_by != u.c.claim_by)))
               .limit(1).lateral("w"))
    claimed = and_(u.c.claim_by.is_not(None), waiting.c.waiting.is_(None))
    pick = (select(u.c.jeune_id, u.c.channel, u.c.address, u.c.lane, cast(u.c.payload, JSON),
                   u.c.key, case((claimed, CLAIMED), else_=PENDING), u.c.check_stop,
                   u.c.created_at, case((claimed, 1), else_=0), case((claimed, u.c.claim_by)),
                   case((claimed, u.c.claim_until)))
            .select_from(u.outerjoin(waiting, true())).order_by(u.c.ord))
    t = outbox.c
    return (postgresql.insert(outbox)
            .from_select([t.jeune_id, t.channel, t.address, t.lane, t.payload, t.key, t.status,
                          t.check_stop, t.created_at, t.attempts, t.claimed_by, t.claimed_until],
                         pick)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(t.id, t.key, t.claimed_by))


_WRITE_PG = _write_statement_pg()


async def write_replies(conn: AsyncConnection, items: list[NewReply], now: datetime) -> None:
    """Inside a caller's transaction (the turn's): rows get their ids. A key already present
    (a reminder handed over twice) adds nothing and leaves `id` None."""
    if not items:
        return
    now = as_utc(now)
    if conn.dialect.name == "postgresql":
        await _write_pg(conn, items, now)
        return
    wanted = {(i.channel, i.address[:128]) for i in items if i.claim_by is not None}
    if wanted:
        # an address with rows still waiting (a crash, a failing channel, another process's
        # turn being sent): the new rows queue behind them, in order, for whoever holds them
        # (one cached statement whatever the batch size: the addresses as one expanding list)
        busy = set()
        for channel, me in {(i.channel, i.claim_by) for i in items if i.claim_by is not None}:
            busy |= {(channel, a) for (a,) in await conn.execute(_BUSY, {
                "channel": channel, "me": me,
                "addresses": sorted(a for c, a in wanted if c == channel)})}
        for item in items:
            if (item.channel, item.address[:128]) in busy:
                item.claim_by = item.claim_until = None
    plain = [i for i in items if i.key is None]
    if plain:
        for item, new_id in zip(plain, await insert_ids(conn, outbox, [i.row(now) for i in plain])):
            item.id = new_id
    for item in (i for i in items if i.key is not None):
        res = await conn.execute(sqlite.insert(outbox).values(item.row(now))
                                 .on_conflict_do_nothing(index_elements=["key"])
                                 .returning(outbox.c.id))
        found = res.first()
        item.id = found[0] if found else None


async def _write_pg(conn: AsyncConnection, items: list[NewReply], now: datetime) -> None:
    params: dict[str, list[Any]] = {name: [] for name, _kind in _ARRAYS}
    for i in items:
        claimed = i.claim_by is not None
        params["jeune_id"].append(i.jeune_id)
        params["channel"].append(i.channel)
        params["address"].append(i.address[:128])
        params["lane"].append(i.lane)
        params["payload"].append(json.dumps(i.payload))
        params["key"].append(i.key)
        params["check_stop"].append(1 if i.check_stop else 0)
        params["created_at"].append(as_utc(i.at) if i.at else now)
        params["claim_by"].append(i.claim_by)
        params["claim_until"].append(i.claim_until if claimed else None)
    written = sorted((await conn.execute(_WRITE_PG, params)).fetchall(), key=lambda r: r[0])
    plain = iter(r for r in written if r[1] is None)
    keyed = {r[1]: r for r in written if r[1] is not None}
    for item in items:
        row = next(plain, None) if item.key is None else keyed.pop(item.key, None)
        item.id = row[0] if row is not None else None
        if row is None or row[2] is None:       # queued behind rows waiting (or not written)
            item.claim_by = item.claim_until = None


def _finish_statements(by_id):
    """Sent rows, by id, if this worker still holds them: deleted, or (keyed) kept as `sent`."""
    t = outbox
    mine = [by_id, t.c.status == CLAIMED, t.c.claimed_by == bindparam("me")]
    return (delete(t).where(*mine),
            update(t).where(*mine).values(status=SENT, done_at=bindparam("done_at"),
                                          claimed_until=None))


# PostgreSQL: the ids as one array parameter (one prepared statement whatever their number);
# SQLite: an expanding list
_FINISH_PG = _finish_statements(
    outbox.c.id == any_(bindparam("ids", type_=postgresql.ARRAY(Integer))))
_FINISH = _finish_statements(outbox.c.id.in_(bindparam("ids", expanding=True)))


async def finish_sent_in(conn: AsyncConnection,
                         items: list[tuple[list[OutRow], str, datetime]]) -> int:
    """Inside a caller's transaction: the sender hands its sent rows to the records' group commit
    (`batched`), so under load they share the turns' transaction instead of one of their own."""
    remove, keep = _FINISH_PG if conn.dialect.name == "postgresql" else _FINISH
    done = 0
    by_worker: dict[str, tuple[list[int], list[int], datetime]] = {}
    for rows, worker_id, now in items:
        plain, keyed, _ = by_worker.setdefault(worker_id, ([], [], now))
        plain += [r.id for r in rows if r.key is None]
        keyed += [r.id for r in rows if r.key is not None]
    for worker_id, (plain, keyed, now) in by_worker.items():
        if plain:
            done += (await conn.execute(remove, {"ids": plain, "me": worker_id})).rowcount
        if keyed:
            done += (await conn.execute(keep, {"ids": keyed, "me": worker_id,
                                               "done_at": as_utc(now)})).rowcount
    return done


class OutboxStore:
    """The table and its atomic steps (times UTC). The sender is bot/channels/outbox.py."""

    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    @property
    def _pg(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    # writing -----------------------------------------------------------------------------------
    async def add_in(self, conn: AsyncConnection, items: list[NewReply], now: datetime) -> None:
        await write_replies(conn, items, now)

    async def add(self, items: list[NewReply], now: datetime) -> None:
        async with self.engine.begin() as conn:
            await write_replies(conn, items, now)

    # claiming ----------------------------------------------------------------------------------
    async def _serialise(self, conn: AsyncConnection) -> None:
        if self._pg:
            await conn.execute(text("SELECT pg_advisory_xact_lock(7312001)"))

    def _held_elsewhere(self, now: datetime, worker_id: str):
        other = outbox.alias("held")
        return exists().where(other.c.channel == outbox.c.channel,
                              other.c.address == outbox.c.address,
                              other.c.status == CLAIMED, other.c.claimed_until >= now,
                              other.c.claimed_by != worker_id)

    async def claim_address(self, channel: str, address: str, worker_id: str, now: datetime,
                            lease_seconds: float) -> list[OutRow]:
        """Every ready row of one address (after a turn), unless another worker holds it."""
        now = as_utc(now)
        t = outbox
        ready = and_(t.c.channel == channel, t.c.address == address,
                     or_(and_(t.c.status == PENDING,
                              or_(t.c.not_before.is_(None), t.c.not_before <= now)),
                         and_(t.c.status == CLAIMED, t.c.claimed_until < now)))
        return await self._claim(ready, worker_id, now, lease_seconds, limit=200)

    async def claim_ready(self, channels: Iterable[str], worker_id: str, now: datetime,
                          lease_seconds: float, older_than: timedelta,
                          limit: int = 200) -> list[OutRow]:
        """The sweep: rows nobody is delivering (left by a dead process, due for a retry, or
        enqueued by a process without the channel), lane by lane."""
        now = as_utc(now)
        t = outbox
        ready = and_(t.c.channel.in_(list(channels)),
                     or_(and_(t.c.status == PENDING, t.c.created_at <= now - older_than,
                              or_(t.c.not_before.is_(None), t.c.not_before <= now)),
                         and_(t.c.status == CLAIMED, t.c.claimed_until < now)))
        return await self._claim(ready, worker_id, now, lease_seconds, limit=limit)

    async def _claim(self, ready, worker_id: str, now: datetime, lease_seconds: float,
                     limit: int) -> list[OutRow]:
        t = outbox
        pick = (select(t.c.id).where(ready, ~self._held_elsewhere(now, worker_id))
                .order_by(t.c.lane, t.c.id).limit(limit))
        if self._pg:
            pick = pick.with_for_update(skip_locked=True)
        stmt = leased_claim(t, pick, worker_id, now + timedelta(seconds=lease_seconds))
        async with self.engine.begin() as conn:
            await self._serialise(conn)
            rows = (await conn.execute(stmt)).fetchall()
        out = [OutRow.from_row(r) for r in rows]
        out.sort(key=lambda r: (r.lane, r.id))
        return out

    # the outcome -------------------------------------------------------------------------------
    async def started(self, row: OutRow, worker_id: str, now: datetime,
                      lease_seconds: float) -> bool:
        """Stamp the send and renew the lease on the address's rows this worker holds (a slow,
        rate-limited address must not be taken over while it is being served); False when this
        worker no longer holds the row."""
        t = outbox
        now = as_utc(now)
        async with self.engine.begin() as conn:
            res = await conn.execute(update(t).where(
                t.c.id == row.id, t.c.status == CLAIMED, t.c.claimed_by == worker_id)
                .values(send_started_at=now))
            if res.rowcount != 1:
                return False
            await conn.execute(update(t).where(
                t.c.channel == row.channel, t.c.address == row.address, t.c.status == CLAIMED,
                t.c.claimed_by == worker_id)
                .values(claimed_until=now + timedelta(seconds=lease_seconds)))
            return True

    async def finish(self, row: OutRow, worker_id: str, now: datetime, status: str = SENT,
                     error: str | None = None) -> bool:
        """Record the outcome if this worker still holds the row. A sent reply is deleted (the
        transcript keeps the conversation; an erased jeune's last answer leaves no address
        behind); a keyed one (a reminder handed over) stays, `sent`, so a second hand-over of
        the same key adds nothing."""
        t = outbox
        row_id = row.id
        async with self.engine.begin() as conn:
            if status == SENT and row.key is None:
                res = await conn.execute(delete(t).where(
                    t.c.id == row_id, t.c.status == CLAIMED, t.c.claimed_by == worker_id))
                return res.rowcount == 1
            res = await conn.execute(update(t).where(
                t.c.id == row_id, t.c.status == CLAIMED, t.c.claimed_by == worker_id)
                .values(status=status, done_at=as_utc(now), claimed_until=None,
                        last_error=(error or "")[:200] or None))
            return res.rowcount == 1

    async def retry(self, row_ids: list[int], worker_id: str, at: datetime, error: str) -> None:
        """A passing failure (the channel is down, rate limited): back to pending until `at`."""
        if not row_ids:
            return
        t = outbox
        async with self.engine.begin() as conn:
            await conn.execute(update(t).where(
                t.c.id.in_(row_ids), t.c.status == CLAIMED, t.c.claimed_by == worker_id)
                .values(status=PENDING, not_before=as_utc(at), claimed_by=None,
                        claimed_until=None, send_started_at=None, last_error=error[:200]))

    async def renew(self, worker_id: str, now: datetime, lease_seconds: float) -> int:
        """The holder is alive: its claims last `lease_seconds` more (one statement for all)."""
        t = outbox
        async with self.engine.begin() as conn:
            res = await conn.execute(update(t).where(t.c.status == CLAIMED, t.c.claimed_by == worker_id)
                                     .values(claimed_until=as_utc(now) + timedelta(seconds=lease_seconds)))
            return res.rowcount

    async def rows(self, status: str | None = None) -> list[dict[str, Any]]:
        q = select(outbox).order_by(outbox.c.id)
        if status is not None:
            q = q.where(outbox.c.status == status)
        async with self.engine.connect() as conn:
            return [dict(r._mapping) for r in await conn.execute(q)]

    async def failed_among(self, ids: list[int]) -> set[int]:
        if not ids:
            return set()
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(outbox.c.id).where(outbox.c.id.in_(ids),
                                                                outbox.c.status == FAILED))
            return {r[0] for r in rows}

    async def has_key_prefix(self, prefix: str) -> bool:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(outbox.c.id).where(
                outbox.c.key.startswith(prefix, autoescape=True)).limit(1))).first() is not None

    async def purge_done(self, before: datetime) -> int:
        """Sent rows are a short-lived trace (the transcript keeps the conversation)."""
        t = outbox
        async with self.engine.begin() as conn:
            return (await conn.execute(delete(t).where(
                t.c.status.in_((SENT, FAILED)), t.c.done_at < as_utc(before)))).rowcount
