"""Appointments and raccrochage registrations: who holds which place, never more than there are.

Why places are rows: a slot of capacity N has N possible `slot_places` rows, (slot, place_no) being
the primary key. Booking is `INSERT … ON CONFLICT DO NOTHING` of place 0, then 1, … up to N-1, in the
booking's transaction: the database's unique index decides, on SQLite and PostgreSQL alike, with
no isolation-level subtleties (a count-then-insert under READ COMMITTED lets two transactions both
see "N-1 taken" and both insert; the unique index cannot be fooled). When 50 jeunes race for the
last place, 49 inserts find the key taken and get nothing: they are offered other slots. On
PostgreSQL the losers wait on the winner's uncommitted index entry, then see the conflict; on
SQLite writers are serialised (WAL, busy_timeout) and each transaction's first statement is the
write, so no read snapshot can go stale before it.

Raccrochage sessions use the same scheme (`session_places`); a registration that finds no place
stays `waiting`, and cancelling a registered place hands it, in the same transaction, to the oldest
waiting one, so the place never shows free to a newcomer while someone waits.
Rows keep only the pseudonymous jeune id; `forget` removes them.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import as_utc, to_paris
from bot.stores.db import metadata

BOOKED, CANCELLED, MOVED, HONOURED, MISSED = "booked", "cancelled", "moved", "honoured", "missed"
REGISTERED, WAITING = "registered", "waiting"

bookings = Table(
    "bookings", metadata,
    Column("id", String(32), primary_key=True),
    Column("jeune_id", String(64), nullable=False),
    Column("ml_id", String(64), nullable=False),
    Column("slot", String(120), nullable=False),        # Slot.key: ml:YYYYmmddHHMM:resource
    Column("start", DateTime(timezone=True), nullable=False),
    Column("end", DateTime(timezone=True), nullable=False),
    Column("resource", String(40), nullable=False),
    Column("status", String(12), nullable=False),       # booked, cancelled, moved, honoured, missed
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("moved_to", String(32)),
    # the first booking of a chain of moves, and how many moves: the .ics UID and SEQUENCE
    Column("origin", String(32), nullable=False),
    Column("sequence", Integer, nullable=False, default=0),
    Index("ix_bookings_jeune", "jeune_id", "status"),
    Index("ix_bookings_ml_start", "ml_id", "start"),
)

slot_places = Table(
    "slot_places", metadata,
    Column("slot", String(120), primary_key=True),
    Column("place_no", Integer, primary_key=True, autoincrement=False),
    Column("booking_id", String(32), nullable=False, unique=True),
)

registrations = Table(
    "raccrochage_registrations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),   # also the waiting-list order
    Column("jeune_id", String(64), nullable=False),
    Column("action_id", String(64), nullable=False),
    Column("session", String(120), nullable=False),     # action_id:YYYYmmddHHMM (Paris)
    Column("start", DateTime(timezone=True), nullable=False),
    Column("status", String(12), nullable=False),       # registered, waiting, cancelled
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_registrations_session", "session", "status", "id"),
    Index("ix_registrations_jeune", "jeune_id", "status"),
)

session_places = Table(
    "session_places", metadata,
    Column("session", String(120), primary_key=True),
    Column("place_no", Integer, primary_key=True, autoincrement=False),
    Column("registration_id", Integer, nullable=False, unique=True),
)


class _NotBooked(Exception):
    pass


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


@dataclass
class Booking:
    id: str
    jeune_id: str
    ml_id: str
    slot: str
    start: datetime
    end: datetime
    resource: str
    status: str
    moved_to: str | None = None
    origin: str = ""
    sequence: int = 0

    @classmethod
    def from_row(cls, row: Any) -> "Booking":
        m = row._mapping
        return cls(id=m["id"], jeune_id=m["jeune_id"], ml_id=m["ml_id"], slot=m["slot"],
                   start=_utc(m["start"]), end=_utc(m["end"]), resource=m["resource"],
                   status=m["status"], moved_to=m["moved_to"], origin=m["origin"],
                   sequence=m["sequence"])

    @property
    def uid(self) -> str:
        """Stable across moves: the calendar updates the same event."""
        return f"rdv-{self.origin or self.id}@insysteme"


def _booking(row: dict) -> Booking:
    return Booking(**{k: row[k] for k in ("id", "jeune_id", "ml_id", "slot", "start", "end",
                                          "resource", "status", "origin", "sequence")})


@dataclass
class Registration:
    id: int
    jeune_id: str
    action_id: str
    session: str
    start: datetime
    status: str

    @classmethod
    def from_row(cls, row: Any) -> "Registration":
        m = row._mapping
        return cls(id=m["id"], jeune_id=m["jeune_id"], action_id=m["action_id"],
                   session=m["session"], start=_utc(m["start"]), status=m["status"])


def session_key(action_id: str, start: datetime) -> str:
    """`atelier-je-reprends:202612081400`: a session named by its action and Paris start time."""
    return f"{action_id}:{to_paris(start):%Y%m%d%H%M}"


class BookingStore:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    def _insert_ignore(self, table: Table, **values: Any):
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table).values(**values).on_conflict_do_nothing()

    async def _take_place(self, conn: AsyncConnection, table: Table, key_col: str, key: str,
                          owner_col: str, owner: Any, capacity: int) -> int | None:
        """The first free place number, taken atomically, or None when all are taken."""
        for place_no in range(capacity):
            stmt = self._insert_ignore(table, **{key_col: key, "place_no": place_no,
                                                 owner_col: owner})
            got = (await conn.execute(stmt.returning(table.c.place_no))).first()
            if got is not None:
                return place_no
        return None

    # appointments ------------------------------------------------------------------------------
    async def book(self, jeune_id: str, slot, now: datetime) -> Booking | None:
        """A place on `slot` (a bot.rdv.Slot) for the jeune, or None when it is full."""
        booking_id = uuid.uuid4().hex
        now = as_utc(now)
        async with self.engine.begin() as conn:
            if await self._take_place(conn, slot_places, "slot", slot.key, "booking_id",
                                      booking_id, slot.capacity) is None:
                return None
            row = dict(id=booking_id, jeune_id=jeune_id, ml_id=slot.ml_id, slot=slot.key,
                       start=slot.start, end=slot.end, resource=slot.resource, status=BOOKED,
                       created_at=now, updated_at=now, origin=booking_id, sequence=0)
            await conn.execute(bookings.insert().values(**row))
        return _booking(row)

    async def move(self, booking_id: str, slot, now: datetime) -> Booking | None:
        """Take a place on the new slot and give back the old one, in one transaction: the jeune
        never ends with two appointments, nor with none if the new slot is full (None)."""
        new_id = uuid.uuid4().hex
        now = as_utc(now)
        try:
            async with self.engine.begin() as conn:
                if await self._take_place(conn, slot_places, "slot", slot.key, "booking_id",
                                          new_id, slot.capacity) is None:
                    return None
                old = (await conn.execute(
                    update(bookings).where(bookings.c.id == booking_id,
                                           bookings.c.status == BOOKED)
                    .values(status=MOVED, moved_to=new_id, updated_at=now)
                    .returning(bookings.c.jeune_id, bookings.c.origin, bookings.c.sequence))
                ).first()
                if old is None:
                    raise _NotBooked   # rolls the new place back
                await conn.execute(delete(slot_places).where(slot_places.c.booking_id == booking_id))
                row = dict(id=new_id, jeune_id=old.jeune_id, ml_id=slot.ml_id, slot=slot.key,
                           start=slot.start, end=slot.end, resource=slot.resource, status=BOOKED,
                           created_at=now, updated_at=now, origin=old.origin,
                           sequence=old.sequence + 1)
                await conn.execute(bookings.insert().values(**row))
        except _NotBooked:
            return None
        return _booking(row)

    async def cancel(self, booking_id: str, now: datetime) -> Booking | None:
        """Cancel a booked appointment and free its place; None if it was not booked."""
        async with self.engine.begin() as conn:
            row = (await conn.execute(
                update(bookings).where(bookings.c.id == booking_id, bookings.c.status == BOOKED)
                .values(status=CANCELLED, updated_at=as_utc(now)).returning(*bookings.c))).first()
            if row is None:
                return None
            await conn.execute(delete(slot_places).where(slot_places.c.booking_id == booking_id))
        return Booking.from_row(row)

    async def mark_attendance(self, booking_id: str, present: bool, now: datetime) -> bool:
        """The référent says whether the jeune came (a `missed` one gets a nudge later)."""
        async with self.engine.begin() as conn:
            done = await conn.execute(
                update(bookings).where(bookings.c.id == booking_id,
                                       bookings.c.status.in_((BOOKED, HONOURED, MISSED)))
                .values(status=HONOURED if present else MISSED, updated_at=as_utc(now)))
        return done.rowcount == 1

    async def get(self, booking_id: str) -> Booking | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(bookings).where(bookings.c.id == booking_id))).first()
        return Booking.from_row(row) if row else None

    async def active_booking(self, jeune_id: str, now: datetime) -> Booking | None:
        """The jeune's next booked appointment not yet over."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                select(bookings).where(bookings.c.jeune_id == jeune_id,
                                       bookings.c.status == BOOKED,
                                       bookings.c.end > as_utc(now))
                .order_by(bookings.c.start).limit(1))).first()
        return Booking.from_row(row) if row else None

    async def missed_since(self, since: datetime) -> list[Booking]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(bookings).where(bookings.c.status == MISSED,
                                       bookings.c.start >= as_utc(since)))
            return [Booking.from_row(r) for r in rows]

    async def taken(self, slot_keys: Iterable[str]) -> dict[str, int]:
        """Places taken per slot key (only slots with at least one)."""
        keys = list(dict.fromkeys(slot_keys))
        out: dict[str, int] = {}
        async with self.engine.connect() as conn:
            for i in range(0, len(keys), 500):
                rows = await conn.execute(
                    select(slot_places.c.slot, func.count()).where(
                        slot_places.c.slot.in_(keys[i:i + 500])).group_by(slot_places.c.slot))
                out.update({r[0]: r[1] for r in rows})
        return out

    async def bookings_for_slot(self, slot_key: str) -> list[Booking]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(bookings).where(
                bookings.c.slot == slot_key, bookings.c.status == BOOKED))
            return [Booking.from_row(r) for r in rows]

    # raccrochage sessions ----------------------------------------------------------------------
    async def register(self, jeune_id: str, action_id: str, start: datetime, capacity: int,
                       now: datetime) -> Registration:
        """A place at the session, or a place on its waiting list (status `waiting`). Registering
        twice for the same session returns the existing registration."""
        key = session_key(action_id, start)
        now = as_utc(now)
        existing = await self.registration(jeune_id, key)
        if existing is not None:
            return existing
        async with self.engine.begin() as conn:
            reg_id = (await conn.execute(registrations.insert().values(
                jeune_id=jeune_id, action_id=action_id, session=key, start=as_utc(start),
                status=WAITING, created_at=now, updated_at=now).returning(registrations.c.id))
            ).scalar_one()
            status = WAITING
            if await self._take_place(conn, session_places, "session", key, "registration_id",
                                      reg_id, capacity) is not None:
                status = REGISTERED
                await conn.execute(update(registrations).where(registrations.c.id == reg_id)
                                   .values(status=REGISTERED))
        return Registration(reg_id, jeune_id, action_id, key, as_utc(start), status)

    async def cancel_registration(self, registration_id: int, now: datetime
                                  ) -> tuple[Registration | None, Registration | None]:
        """(the cancelled registration, the waiting one that got its place, if any)."""
        now = as_utc(now)
        async with self.engine.begin() as conn:
            freed = (await conn.execute(
                delete(session_places).where(session_places.c.registration_id == registration_id)
                .returning(session_places.c.session, session_places.c.place_no))).first()
            row = (await conn.execute(
                update(registrations).where(registrations.c.id == registration_id,
                                            registrations.c.status != CANCELLED)
                .values(status=CANCELLED, updated_at=now).returning(*registrations.c))).first()
            if row is None:
                return None, None
            promoted = None
            if freed is not None:
                promoted = await self._promote(conn, freed.session, freed.place_no, now)
        return Registration.from_row(row), promoted

    async def _promote(self, conn: AsyncConnection, session: str, place_no: int,
                       now: datetime) -> Registration | None:
        """Give the freed place to the oldest waiting registration. SKIP LOCKED (PostgreSQL) lets
        two simultaneous cancellations promote two different people; the conditional update makes
        a lost race harmless on both backends."""
        while True:
            candidate = (await conn.execute(
                select(registrations.c.id).where(registrations.c.session == session,
                                                 registrations.c.status == WAITING)
                .order_by(registrations.c.id).limit(1).with_for_update(skip_locked=True))).first()
            if candidate is None:
                return None
            row = (await conn.execute(
                update(registrations).where(registrations.c.id == candidate.id,
                                            registrations.c.status == WAITING)
                .values(status=REGISTERED, updated_at=now).returning(*registrations.c))).first()
            if row is None:
                continue
            await conn.execute(session_places.insert().values(
                session=session, place_no=place_no, registration_id=row.id))
            return Registration.from_row(row)

    async def get_registration(self, registration_id: int) -> Registration | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(registrations).where(
                registrations.c.id == registration_id))).first()
        return Registration.from_row(row) if row else None

    async def registration(self, jeune_id: str, session: str) -> Registration | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(registrations).where(
                registrations.c.jeune_id == jeune_id, registrations.c.session == session,
                registrations.c.status != CANCELLED))).first()
        return Registration.from_row(row) if row else None

    async def registrations_of(self, jeune_id: str, after: datetime | None = None
                               ) -> list[Registration]:
        q = select(registrations).where(registrations.c.jeune_id == jeune_id,
                                        registrations.c.status != CANCELLED)
        if after is not None:
            q = q.where(registrations.c.start > as_utc(after))
        async with self.engine.connect() as conn:
            return [Registration.from_row(r) for r in await conn.execute(q.order_by(
                registrations.c.start))]

    async def session_counts(self, sessions: Iterable[str]) -> dict[str, tuple[int, int]]:
        """(registered, waiting) per session key."""
        keys = list(dict.fromkeys(sessions))
        out = {k: (0, 0) for k in keys}
        if not keys:
            return out
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(registrations.c.session, registrations.c.status, func.count())
                .where(registrations.c.session.in_(keys), registrations.c.status != CANCELLED)
                .group_by(registrations.c.session, registrations.c.status))
            for session, status, n in rows:
                reg, wait = out[session]
                out[session] = (n, wait) if status == REGISTERED else (reg, n)
        return out

    async def waiting_position(self, registration: Registration) -> int:
        """1 for the first in line."""
        async with self.engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(registrations).where(
                registrations.c.session == registration.session,
                registrations.c.status == WAITING,
                registrations.c.id <= registration.id))).scalar_one()

    # erasure -----------------------------------------------------------------------------------
    async def forget(self, jeune_id: str) -> None:
        """Remove the jeune's bookings and registrations; their places become free again."""
        async with self.engine.begin() as conn:
            ids = select(bookings.c.id).where(bookings.c.jeune_id == jeune_id)
            await conn.execute(delete(slot_places).where(slot_places.c.booking_id.in_(ids)))
            await conn.execute(delete(bookings).where(bookings.c.jeune_id == jeune_id))
            regs = select(registrations.c.id).where(registrations.c.jeune_id == jeune_id)
            await conn.execute(delete(session_places).where(
                session_places.c.registration_id.in_(regs)))
            await conn.execute(delete(registrations).where(registrations.c.jeune_id == jeune_id))
