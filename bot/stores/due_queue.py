"""The due queue: one-off messages (reminders, nudges) stored in SQL and sent once, at their time.

Life of a message: `pending` → `claimed` (by one worker, with a lease) → `sent` | `cancelled` |
`failed`. Why it is exactly once:

* Enqueue is idempotent: `key` is UNIQUE (`rdv:<booking>:j-1`), a second enqueue does nothing.
* Claim is one atomic statement. PostgreSQL: `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
  LOCKED) RETURNING …`, so concurrent workers take disjoint rows without waiting on each other.
  SQLite: the same UPDATE without the locking clause; SQLite runs one writer at a time, so the
  sub-select and the update see the same rows and two workers cannot claim one message.
* The lease (`claimed_until`) lets another worker re-claim what a dead worker held.
* Before sending, the worker stamps `send_started_at` (conditional on still holding the claim,
  which also drops messages cancelled meanwhile); after, it marks `sent` (conditional too, so a
  worker that lost its lease cannot overwrite the new holder's outcome).
* A re-claimed message with `send_started_at` set is the ambiguous case: the previous worker died
  between starting the send and marking it sent. The deliverer is asked `was_delivered(msg)`, by
  the message's key: True → marked sent, not resent; False → sent; None (the channel cannot
  tell) → not resent, marked `failed` with the reason. So the queue never sends twice.

The residual window, honestly: a crash after the channel accepted a message but before anything
recorded it. With a deliverer that journals by key in the same database as the message (as the
tests' does) nothing is lost or doubled. With Telegram, whose API has no idempotency key, such a
message is at most once: it may have been lost, and is then visible as `failed` ("interrupted
while sending"). The window is one HTTP round trip per message, only on a crash. A worker that is
alive but slower than its lease is the other risk: deliveries are bounded by a timeout well under
the lease, so the lease only expires on a stuck or dead process.

Quiet hours are applied when a message is enqueued (postponed to the end of the window) and again
when the queue is swept (nothing is claimed during them: late messages wait for the morning).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Literal, Protocol

from sqlalchemy import (
    JSON, Column, DateTime, Index, Integer, String, Table, and_, delete, func, or_, select, update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import QuietHours, as_utc
from bot.stores.db import leased_claim, metadata, stored_utc

log = logging.getLogger(__name__)

PENDING, CLAIMED, SENT, CANCELLED, FAILED = "pending", "claimed", "sent", "cancelled", "failed"

due_messages = Table(
    "due_messages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("jeune_id", String(64), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(10), nullable=False),
    Column("claimed_by", String(80)),
    Column("claimed_until", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("send_started_at", DateTime(timezone=True)),
    Column("ref", String(80)),            # what it is about (a booking id): cancelled with it
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True)),
    Column("last_error", String(200)),
    Index("ix_due_status_due", "status", "due_at"),
    Index("ix_due_ref", "ref"),
    Index("ix_due_jeune", "jeune_id"),
)


_utc = stored_utc


@dataclass
class DueMessage:
    id: int
    key: str
    jeune_id: str
    kind: str
    due_at: datetime
    payload: dict[str, Any]
    status: str
    attempts: int = 0
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    send_started_at: datetime | None = None
    ref: str | None = None
    last_error: str | None = None
    done_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> "DueMessage":
        m = row._mapping
        return cls(id=m["id"], key=m["key"], jeune_id=m["jeune_id"], kind=m["kind"],
                   due_at=_utc(m["due_at"]), payload=m["payload"] or {}, status=m["status"],
                   attempts=m["attempts"], claimed_by=m["claimed_by"],
                   claimed_until=_utc(m["claimed_until"]),
                   send_started_at=_utc(m["send_started_at"]), ref=m["ref"],
                   last_error=m["last_error"], done_at=_utc(m["done_at"]))


@dataclass
class NewMessage:
    key: str
    jeune_id: str
    kind: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    ref: str | None = None


class DueQueue:
    """The table and its atomic steps. Times are UTC; `quiet` postpones what is enqueued."""

    def __init__(self, engine: AsyncEngine, quiet: QuietHours | None = None):
        self.engine = engine
        self.quiet = quiet or QuietHours()

    @property
    def _pg(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    # enqueue / cancel --------------------------------------------------------------------------
    async def enqueue(self, jeune_id: str, kind: str, due_at: datetime, key: str, *,
                      now: datetime, payload: dict[str, Any] | None = None,
                      ref: str | None = None) -> bool:
        """True when added; False when a message with this key exists already (idempotent)."""
        return await self.enqueue_many(
            [NewMessage(key, jeune_id, kind, due_at, payload or {}, ref)], now=now) == 1

    async def enqueue_many(self, items: Iterable[NewMessage], *, now: datetime) -> int:
        now = as_utc(now)
        rows = [dict(key=m.key, jeune_id=m.jeune_id, kind=m.kind,
                     due_at=self.quiet.postpone(m.due_at), payload=m.payload, status=PENDING,
                     attempts=0, ref=m.ref, created_at=now) for m in items]
        if not rows:
            return 0
        dialect = postgresql if self._pg else sqlite
        added = 0
        async with self.engine.begin() as conn:
            for i in range(0, len(rows), 1000):
                chunk = rows[i:i + 1000]
                res = await conn.execute(
                    dialect.insert(due_messages).values(chunk).on_conflict_do_nothing(
                        index_elements=["key"]).returning(due_messages.c.id))
                added += len(res.fetchall())
        return added

    async def cancel(self, *, now: datetime, ref: str | None = None, key: str | None = None,
                     jeune_id: str | None = None, kinds: Iterable[str] | None = None,
                     reason: str = "cancelled") -> int:
        """Cancel what has not been sent yet (pending, or claimed but not started)."""
        conds = [or_(due_messages.c.status == PENDING,
                     and_(due_messages.c.status == CLAIMED,
                          due_messages.c.send_started_at.is_(None)))]
        if ref is not None:
            conds.append(due_messages.c.ref == ref)
        if key is not None:
            conds.append(due_messages.c.key == key)
        if jeune_id is not None:
            conds.append(due_messages.c.jeune_id == jeune_id)
        if kinds is not None:
            conds.append(due_messages.c.kind.in_(list(kinds)))
        if len(conds) == 1:
            raise ValueError("say what to cancel: ref, key or jeune_id")
        async with self.engine.begin() as conn:
            done = await conn.execute(update(due_messages).where(*conds).values(
                status=CANCELLED, last_error=reason[:200], done_at=as_utc(now)))
        return done.rowcount

    # the worker's steps ------------------------------------------------------------------------
    async def claim(self, worker_id: str, now: datetime, limit: int = 500,
                    lease_seconds: float = 60.0) -> list[DueMessage]:
        """Atomically take up to `limit` due messages (and expired claims) for `lease_seconds`."""
        now = as_utc(now)
        t = due_messages
        due = or_(and_(t.c.status == PENDING, t.c.due_at <= now),
                  and_(t.c.status == CLAIMED, t.c.claimed_until < now))
        pick = select(t.c.id).where(due).order_by(t.c.due_at).limit(limit)
        if self._pg:
            pick = pick.with_for_update(skip_locked=True)
        stmt = leased_claim(t, pick, worker_id, now + timedelta(seconds=lease_seconds))
        async with self.engine.begin() as conn:
            rows = (await conn.execute(stmt)).fetchall()
        out = [DueMessage.from_row(r) for r in rows]
        out.sort(key=lambda m: m.due_at)
        return out

    async def start_sending(self, ids: list[int], worker_id: str, now: datetime) -> set[int]:
        """Stamp the send; returns the ids still held by this worker (not cancelled meanwhile)."""
        if not ids:
            return set()
        t = due_messages
        async with self.engine.begin() as conn:
            rows = await conn.execute(
                update(t).where(t.c.id.in_(ids), t.c.status == CLAIMED, t.c.claimed_by == worker_id)
                .values(send_started_at=as_utc(now)).returning(t.c.id))
            return {r[0] for r in rows}

    async def finish(self, worker_id: str, now: datetime, *, sent: Iterable[int] = (),
                     cancelled: Iterable[tuple[int, str]] = (),
                     failed: Iterable[tuple[int, str]] = (),
                     retry: Iterable[tuple[int, datetime, str]] = ()) -> int:
        """Record outcomes, only for messages this worker still holds; returns rows updated."""
        now = as_utc(now)
        t = due_messages
        mine = [t.c.status == CLAIMED, t.c.claimed_by == worker_id]
        n = 0
        async with self.engine.begin() as conn:
            sent = list(sent)
            if sent:
                n += (await conn.execute(update(t).where(t.c.id.in_(sent), *mine).values(
                    status=SENT, done_at=now, claimed_until=None))).rowcount
            for status, items in ((CANCELLED, cancelled), (FAILED, failed)):
                for msg_id, reason in items:
                    n += (await conn.execute(update(t).where(t.c.id == msg_id, *mine).values(
                        status=status, done_at=now, claimed_until=None,
                        last_error=reason[:200]))).rowcount
            for msg_id, at, reason in retry:
                n += (await conn.execute(update(t).where(t.c.id == msg_id, *mine).values(
                    status=PENDING, due_at=as_utc(at), claimed_by=None, claimed_until=None,
                    send_started_at=None, last_error=reason[:200]))).rowcount
        return n

    # reading / housekeeping ----------------------------------------------------------------------
    async def next_due(self) -> datetime | None:
        """When the soonest pending message is due (for the sweep to sleep until then)."""
        t = due_messages
        async with self.engine.connect() as conn:
            value = (await conn.execute(
                select(func.min(t.c.due_at)).where(t.c.status == PENDING))).scalar()
        return _utc(value)

    async def get(self, key: str) -> DueMessage | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(due_messages).where(due_messages.c.key == key))).first()
        return DueMessage.from_row(row) if row else None

    async def list(self, jeune_id: str | None = None, status: str | None = None,
                   ref: str | None = None) -> list[DueMessage]:
        q = select(due_messages).order_by(due_messages.c.due_at, due_messages.c.id)
        if jeune_id is not None:
            q = q.where(due_messages.c.jeune_id == jeune_id)
        if status is not None:
            q = q.where(due_messages.c.status == status)
        if ref is not None:
            q = q.where(due_messages.c.ref == ref)
        async with self.engine.connect() as conn:
            return [DueMessage.from_row(r) for r in await conn.execute(q)]

    async def counts(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(due_messages.c.status, func.count())
                                      .group_by(due_messages.c.status))
            return {status: n for status, n in rows}

    async def forget(self, jeune_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(due_messages).where(due_messages.c.jeune_id == jeune_id))

    async def purge_done(self, before: datetime) -> int:
        """Drop finished messages older than `before` (the table is a queue, not an archive)."""
        t = due_messages
        async with self.engine.begin() as conn:
            return (await conn.execute(delete(t).where(
                t.c.status.in_((SENT, CANCELLED, FAILED)), t.c.done_at < as_utc(before)))).rowcount


# --- the worker ---------------------------------------------------------------------------------
Outcome = Literal["sent", "stopped", "obsolete"]


class Deliverer(Protocol):
    async def deliver(self, msg: DueMessage) -> Outcome:
        """"sent"; "stopped" (the jeune said STOP or cannot be reached); "obsolete" (e.g. the
        appointment was cancelled). Raising means a passing failure: retried later."""

    async def was_delivered(self, msg: DueMessage) -> bool | None:
        """After a crash mid-send: did the message with this key go out? None: cannot tell."""


@dataclass
class SweepResult:
    claimed: int = 0
    sent: int = 0
    cancelled: int = 0
    failed: int = 0
    retried: int = 0

    def add(self, other: "SweepResult") -> None:
        for name in ("claimed", "sent", "cancelled", "failed", "retried"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class DueWorker:
    """Claims due messages and hands them to a Deliverer. Several may run, in several processes."""

    def __init__(self, queue: DueQueue, deliverer: Deliverer, clock, worker_id: str, *,
                 batch: int = 500, lease_seconds: float = 60.0, concurrency: int = 50,
                 send_timeout: float = 20.0, max_attempts: int = 5):
        if send_timeout >= lease_seconds:
            raise ValueError("send_timeout must be shorter than the lease")
        self.queue, self.deliverer, self.clock = queue, deliverer, clock
        self.worker_id = worker_id
        self.batch, self.lease, self.send_timeout = batch, lease_seconds, send_timeout
        self.max_attempts = max_attempts
        self._sem = asyncio.Semaphore(concurrency)

    async def sweep(self) -> SweepResult:
        """Send everything due now, batch after batch; nothing during quiet hours."""
        total = SweepResult()
        while True:
            now = self.clock.now()
            if self.queue.quiet.holds(now):
                return total
            batch = await self.queue.claim(self.worker_id, now, self.batch, self.lease)
            if not batch:
                return total
            total.add(await self._process(batch))
            if len(batch) < self.batch:
                return total

    async def run_for(self, seconds: float, poll: float = 0.25) -> SweepResult:
        """Sweep repeatedly for `seconds`, sleeping until the next due message (at most `poll`):
        a recurring job every few seconds still sends within a fraction of a second of due."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        total = SweepResult()
        while True:
            total.add(await self.sweep())
            left = deadline - loop.time()
            if left <= 0:
                return total
            nxt = await self.queue.next_due()
            wait = poll
            if nxt is not None:
                wait = min(poll, max(0.0, (nxt - self.clock.now()).total_seconds()))
            await asyncio.sleep(min(max(wait, 0.01), left))

    async def _process(self, batch: list[DueMessage]) -> SweepResult:
        result = SweepResult(claimed=len(batch))
        sent: list[int] = []
        cancelled: list[tuple[int, str]] = []
        failed: list[tuple[int, str]] = []
        retry: list[tuple[int, datetime, str]] = []
        fresh: list[DueMessage] = []
        for msg in batch:
            if msg.send_started_at is None:
                fresh.append(msg)
                continue
            try:
                known = await self.deliverer.was_delivered(msg)
            except Exception as exc:  # cannot tell: same as None
                log.warning("was_delivered(%s) failed: %s", msg.key, exc)
                known = None
            if known is True:
                sent.append(msg.id)
            elif known is False:
                fresh.append(msg)
            else:
                failed.append((msg.id, "interrupted while sending; not resent to avoid a duplicate"))
        now = self.clock.now()
        held = await self.queue.start_sending([m.id for m in fresh], self.worker_id, now)
        to_send = [m for m in fresh if m.id in held]

        async def one(msg: DueMessage) -> None:
            async with self._sem:
                try:
                    outcome = await asyncio.wait_for(self.deliverer.deliver(msg), self.send_timeout)
                except Exception as exc:
                    reason = f"{type(exc).__name__}: {exc}"
                    log.warning("delivery of %s failed: %s", msg.key, reason)
                    if msg.attempts >= self.max_attempts:
                        failed.append((msg.id, reason))
                    else:
                        backoff = timedelta(seconds=min(3600, 30 * 2 ** (msg.attempts - 1)))
                        retry.append((msg.id, self.clock.now() + backoff, reason))
                    return
                if outcome == "sent":
                    sent.append(msg.id)
                elif outcome == "stopped":
                    cancelled.append((msg.id, "the jeune said STOP or cannot be reached"))
                else:
                    cancelled.append((msg.id, "no longer relevant"))

        await asyncio.gather(*(one(m) for m in to_send))
        await self.queue.finish(self.worker_id, self.clock.now(), sent=sent, cancelled=cancelled,
                                failed=failed, retry=retry)
        result.sent, result.cancelled = len(sent), len(cancelled)
        result.failed, result.retried = len(failed), len(retry)
        return result
