"""Durable records: events (the programme's figures), jeunes' profiles, channel addresses, transcripts.

Events are kept pseudonymous from the start (a keyed hash of the channel address, never the address),
so erasing a jeune removes the profile, addresses and transcript, and re-keys their events to a
random id: the figures still count them, nothing links back to the person.
"""
from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Iterable

from sqlalchemy import (
    JSON, Boolean, Column, DateTime, Index, Integer, String, Table, Text, delete, func, select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.stores import StoreUnavailable
from bot.stores.db import insert_ids, metadata, stored_utc
from bot.stores.group_commit import GroupCommit, TurnWrite
from bot.stores.outbox import NewReply, write_replies
from bot.stores.state import redis_not_ready

# The report reads the events of these kinds alone (a few percent of all events): on PostgreSQL
# a partial index (bot/stores/db.py, migration 3) finds them without reading the others.
RARE_KINDS = ("reperage", "rdv_booked", "rdv_cancelled", "rdv_moved", "outcome", "handoff",
              "crisis", "raccrochage_registered", "raccrochage_avis")

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("jeune_id", String(64), nullable=False),
    Column("mission_locale", String(64)),
    Column("kind", String(40), nullable=False),
    Column("cohort", String(16)),
    Column("minor", Boolean),
    Column("out_of_hours", Boolean, nullable=False, default=False),
    Column("action_id", String(64)),
    # what the action was when the event happened (config/actions.yml may change later)
    Column("action_type", String(24)),
    Column("action_ml", String(64)),
    Column("data", JSON, nullable=False, default=dict),
    Index("ix_events_at", "at"),
    Index("ix_events_jeune", "jeune_id"),
    Index("ix_events_ml_at", "mission_locale", "at"),
    info={"forget": "rekey"},       # the figures keep counting an erased jeune, pseudonymously
)

# Every action config/actions.yml ever had: its type, Mission Locale and title when last seen, so a
# report still names an action renamed or removed since (and types the events written before
# events carried their action's type).
actions_history = Table(
    "actions_history", metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(24), nullable=False),
    Column("mission_locale", String(64)),
    Column("title", String(200), nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
)

# Fields of a profile. Personal ones are erased by `forget`; `jeune_id` is pseudonymous.
PROFILE_FIELDS = (
    "consent", "consent_at", "first_name", "age", "birth_year", "disability", "commune_insee",
    "commune_nom", "mission_locale", "situation", "known_ml", "last_contact", "cohort",
    "source_action", "stopped", "unreachable", "first_seen_at", "last_seen_at",
)

profiles = Table(
    "profiles", metadata,
    Column("jeune_id", String(64), primary_key=True),
    Column("consent", Boolean),
    Column("consent_at", DateTime(timezone=True)),
    Column("first_name", String(80)),
    Column("age", Integer),
    Column("birth_year", Integer),
    Column("disability", Boolean),
    Column("commune_insee", String(5)),
    Column("commune_nom", String(120)),
    Column("mission_locale", String(64)),
    Column("situation", String(40)),
    Column("known_ml", Boolean),
    Column("last_contact", String(40)),
    Column("cohort", String(16)),
    Column("source_action", String(64)),
    Column("stopped", Boolean, nullable=False, default=False),
    Column("unreachable", Boolean, nullable=False, default=False),
    Column("first_seen_at", DateTime(timezone=True)),
    Column("last_seen_at", DateTime(timezone=True)),
    Index("ix_profiles_last_seen", "last_seen_at"),
)

contacts = Table(
    "contacts", metadata,
    Column("channel", String(20), primary_key=True),
    Column("address", String(128), primary_key=True),
    Column("jeune_id", String(64), nullable=False, index=True),
)

transcripts = Table(
    "transcripts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("jeune_id", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("direction", String(3), nullable=False),  # "in" from the jeune, "out" to the jeune
    Column("author", String(80), nullable=False),     # "jeune", "bot", "referent:Prénom"
    Column("channel", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_transcripts_jeune", "jeune_id", "id"),
)

# Messages whose turn is committed. The conversation state (Redis) also lists the last ones seen,
# but it is written after the turn's transaction: if the process dies or Redis fails in between,
# the channel delivers the message again and the turn runs again. This row, written in the turn's
# transaction, makes that second run write nothing. Kept a few days (redeliveries stop long before).
handled_messages = Table(
    "handled_messages", metadata,
    Column("jeune_id", String(64), primary_key=True),
    Column("message_id", String(128), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_handled_messages_at", "at"),
)


@dataclass
class Event:
    at: datetime
    channel: str
    jeune_id: str
    kind: str
    mission_locale: str | None = None
    cohort: str | None = None
    minor: bool | None = None
    out_of_hours: bool = False
    action_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    action_type: str | None = None
    action_ml: str | None = None

    def row(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(timezone.utc), "channel": self.channel, "jeune_id": self.jeune_id, "kind": self.kind,
            "mission_locale": self.mission_locale, "cohort": self.cohort, "minor": self.minor,
            "out_of_hours": self.out_of_hours, "action_id": self.action_id, "data": self.data,
            "action_type": self.action_type, "action_ml": self.action_ml,
        }


_utc = stored_utc


def event_from_row(row: Any) -> Event:
    m = row._mapping
    return Event(
        id=m["id"], at=_utc(m["at"]), channel=m["channel"], jeune_id=m["jeune_id"], kind=m["kind"],
        mission_locale=m["mission_locale"], cohort=m["cohort"], minor=m["minor"],
        out_of_hours=bool(m["out_of_hours"]), action_id=m["action_id"], data=m["data"] or {},
        action_type=m["action_type"], action_ml=m["action_ml"],
    )


_INSERT_EVENT = events.insert().returning(events.c.id)


async def _insert_events(conn, rows: list[dict[str, Any]]) -> list[int]:
    if len(rows) == 1:   # one prebuilt statement: building `.values(**row)` cost more than the insert
        res = await conn.execute(_INSERT_EVENT, rows[0])
        return [res.scalar_one()]
    return await insert_ids(conn, events, rows)


def _dialect_insert_for(dialect: str, table: Table):
    """INSERT with ON CONFLICT clauses (PostgreSQL and SQLite both have them)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return None
    return insert(table)


# Statements of the engine's hot path, built once per dialect (and set of columns): building
# them per turn cost more CPU than running them (docs/performance.md).
@functools.lru_cache(maxsize=None)
def _upsert_statement(dialect: str, columns: frozenset[str]):
    """INSERT … ON CONFLICT (jeune_id) DO UPDATE SET the given columns from the row proposed."""
    insert = _dialect_insert_for(dialect, profiles)
    if insert is None:
        return None
    return insert.on_conflict_do_update(
        index_elements=[profiles.c.jeune_id],
        set_={name: insert.excluded[name] for name in sorted(columns)})


@functools.lru_cache(maxsize=None)
def _mark_handled_statement(dialect: str):
    insert = _dialect_insert_for(dialect, handled_messages)
    if insert is None:
        raise RuntimeError(f"no INSERT … ON CONFLICT on {dialect}")
    return insert.on_conflict_do_nothing().returning(handled_messages.c.jeune_id,
                                                     handled_messages.c.message_id)


@functools.lru_cache(maxsize=None)
def _link_statement(dialect: str):
    insert = _dialect_insert_for(dialect, contacts)
    return insert.on_conflict_do_nothing() if insert is not None else None


async def _upsert_profile(conn, jeune_id: str, fields: dict[str, Any]) -> None:
    stmt = _upsert_statement(conn.dialect.name, frozenset(fields)) if fields else None
    if stmt is not None:                  # one statement instead of UPDATE then INSERT
        await conn.execute(stmt, {"jeune_id": jeune_id, **fields})
        return
    done = await conn.execute(update(profiles).where(profiles.c.jeune_id == jeune_id).values(**fields))
    if done.rowcount == 0:
        await conn.execute(profiles.insert().values(jeune_id=jeune_id, **fields))


async def _link(conn, jeune_id: str, channel: str, address: str) -> None:
    found = (await conn.execute(
        select(contacts.c.jeune_id).where(contacts.c.channel == channel, contacts.c.address == address)
    )).first()
    if found is None:
        await conn.execute(contacts.insert().values(channel=channel, address=address, jeune_id=jeune_id))


async def _profile(conn, jeune_id: str) -> dict[str, Any] | None:
    row = (await conn.execute(select(profiles).where(profiles.c.jeune_id == jeune_id))).first()
    if row is None:
        return None
    out = dict(row._mapping)
    for key in ("consent_at", "first_seen_at", "last_seen_at"):
        out[key] = _utc(out[key])
    return out


_PROFILE_SQL = ("SELECT " + ", ".join(f'"{c.name}"' for c in profiles.columns)
                + ' FROM profiles WHERE "jeune_id" = $1')


# SQLSTATEs of a database that is there but not ready, or a passing conflict: "try again",
# never "drop". 08: connection exceptions; 53: insufficient resources (too many connections,
# disk full); 57P01-57P05: shut down, crashed, starting up (57P03), database dropped, idle
# timeout; 57014: statement timeout / cancelled; 25006: read-only (a standby, or a primary
# being demoted / promoted); 40001, 40P01: serialization failure, deadlock.
_NOT_READY_CLASSES = ("08", "53")
_NOT_READY_STATES = {"57P01", "57P02", "57P03", "57P04", "57P05", "57014", "25006", "40001",
                     "40P01", "55P03"}


def _sqlstate(exc: BaseException | None) -> str | None:
    seen = 0
    while exc is not None and seen < 5:
        state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if isinstance(state, str) and state:
            return state
        exc = getattr(exc, "orig", None) or exc.__cause__
        seen += 1
    return None


def _not_ready_state(exc: BaseException) -> bool:
    state = _sqlstate(exc)
    return state is not None and (state in _NOT_READY_STATES or state[:2] in _NOT_READY_CLASSES)


def _asyncpg_down(exc: BaseException) -> bool:
    import asyncpg.exceptions as pg
    return isinstance(exc, (OSError, TimeoutError, pg.PostgresConnectionError, pg.InterfaceError,
                            pg.OperatorInterventionError)) or _not_ready_state(exc)


def database_down(exc: BaseException) -> bool:
    """The database could not be reached or is not ready (refused, dropped, timed out, starting up
    57P03, read-only 25006, pool exhausted, too many connections), as opposed to a bug or bad
    data: the message must be retried, not dropped."""
    from sqlalchemy import exc as sa_exc
    if isinstance(exc, (OSError, TimeoutError, sa_exc.TimeoutError)):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, (sa_exc.OperationalError,
                                                          sa_exc.InterfaceError)):
            return True
    if _not_ready_state(exc):
        return True
    orig = getattr(exc, "orig", None)
    if orig is not None and orig is not exc:
        try:
            import asyncpg.exceptions as pg
        except ImportError:            # pragma: no cover - asyncpg is a dependency
            return False
        inner = getattr(orig, "__cause__", None) or orig
        return isinstance(inner, (pg.PostgresConnectionError, pg.OperatorInterventionError))
    return False


def store_not_ready(exc: BaseException) -> bool:
    """Either store is down or not ready: the message must come again (503), never be dropped."""
    if isinstance(exc, StoreUnavailable) or database_down(exc):
        return True
    try:
        import redis.exceptions as rexc
    except ImportError:                # pragma: no cover - redis is a dependency
        return False
    if isinstance(exc, (rexc.ConnectionError, rexc.TimeoutError)):
        return True
    return isinstance(exc, rexc.ResponseError) and redis_not_ready(exc)


class RecordStore:
    """The durable store. One implementation: SQLAlchemy makes SQLite and PostgreSQL alike."""

    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        self._group = GroupCommit(self._write_batch, database_down)
        # single statements that need no transaction: no BEGIN/COMMIT round trips
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(select(1))
        return True

    # events -----------------------------------------------------------------------------------
    async def add_events(self, items: Iterable[Event]) -> list[int]:
        """Insert in one transaction; returns the new ids in order."""
        rows = [e.row() for e in items]
        if not rows:
            return []
        async with self.engine.begin() as conn:
            return await _insert_events(conn, rows)

    async def update_event(self, event_id: int, **fields: Any) -> None:
        """Complete an event once a fact is known (the contact's Mission Locale, found mid-session)."""
        async with self.engine.begin() as conn:
            await conn.execute(update(events).where(events.c.id == event_id).values(**fields))

    async def list_events(
        self, start: datetime | None = None, end: datetime | None = None,
        mission_locale: str | None = None, jeune_id: str | None = None, kind: str | None = None,
    ) -> list[Event]:
        q = select(events).order_by(events.c.at, events.c.id)
        if start is not None:
            q = q.where(events.c.at >= start)
        if end is not None:
            q = q.where(events.c.at < end)
        if mission_locale is not None:
            q = q.where(events.c.mission_locale == mission_locale)
        if jeune_id is not None:
            q = q.where(events.c.jeune_id == jeune_id)
        if kind is not None:
            q = q.where(events.c.kind == kind)
        async with self.engine.connect() as conn:
            return [event_from_row(r) for r in await conn.execute(q)]

    # actions history ----------------------------------------------------------------------------
    async def remember_actions(self, actions: Iterable[Any], now: datetime) -> None:
        """Record the configured actions (id, type, Mission Locale, title) in the history."""
        rows = [{"id": a.id, "type": a.type, "mission_locale": a.mission_locale,
                 "title": a.title[:200], "first_seen_at": now, "last_seen_at": now} for a in actions]
        if not rows:
            return
        async with self.engine.begin() as conn:
            known = {r.id: r for r in await conn.execute(select(actions_history))}
            new = [r for r in rows if r["id"] not in known]
            if new:
                # two workers starting together on a fresh database both find the action new:
                # the second insert adds nothing instead of failing its worker's start-up
                insert = _dialect_insert_for(conn.dialect.name, actions_history)
                await conn.execute(insert.on_conflict_do_nothing(index_elements=["id"])
                                   if insert is not None else actions_history.insert(), new)
            for r in rows:
                old = known.get(r["id"])
                if old is not None and (old.type, old.mission_locale, old.title) != (
                        r["type"], r["mission_locale"], r["title"]):
                    await conn.execute(
                        update(actions_history).where(actions_history.c.id == r["id"]).values(
                            type=r["type"], mission_locale=r["mission_locale"], title=r["title"],
                            last_seen_at=now))

    async def known_actions(self) -> dict[str, dict[str, Any]]:
        """The actions history: id -> {type, mission_locale, title, first_seen_at, last_seen_at}."""
        async with self.engine.connect() as conn:
            return {r.id: dict(r._mapping) for r in await conn.execute(select(actions_history))}

    # profiles ---------------------------------------------------------------------------------
    async def get_profile(self, jeune_id: str) -> dict[str, Any] | None:
        """One statement, no transaction (no BEGIN/ROLLBACK round trips: a first message reads it)."""
        if self.engine.dialect.name == "postgresql":
            return await self._profile_asyncpg(jeune_id)
        async with self._autocommit.connect() as conn:
            return await _profile(conn, jeune_id)

    async def _profile_asyncpg(self, jeune_id: str) -> dict[str, Any] | None:
        """The same read straight on the pool's asyncpg connection: through SQLAlchemy it cost
        twice the CPU (650 µs against 330 here), and every new jeune's first message pays it."""
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            try:
                row = await raw.driver_connection.fetchrow(_PROFILE_SQL, jeune_id)
            except Exception as exc:
                await conn.invalidate()      # SQLAlchemy did not see the failure: not back to the pool
                if _asyncpg_down(exc):
                    raise StoreUnavailable(f"database: {exc!r}") from exc
                raise
        return dict(row.items()) if row is not None else None

    async def save_turn(self, items: Iterable[Event], *, jeune_id: str,
                        profile_updates: dict[str, Any] | None = None,
                        transcript: Iterable[tuple[datetime, str, str, str, str]] = (),
                        fix: Callable[[list[int]], tuple[int, dict[str, Any]] | None] | None = None,
                        message_id: str | None = None, at: datetime | None = None,
                        link: tuple[str, str] | None = None,
                        batched: tuple[Callable[[Any, list[Any]], Awaitable[None]], Any] | None = None,
                        replies: list[NewReply] | None = None,
                        ) -> list[int] | None:
        """What one message changes, in one transaction: its events (ids returned in order), then
        `fix(ids)` → (event id, fields) to complete an event, the profile's updates, the transcript
        lines (at, direction, author, channel, text), the `link` (channel, address) of a new
        jeune, then `batched` = (write_many, item): another store's write of the same turn, on the
        same engine, done once for the turns of a group commit that share `write_many`:
        `await write_many(conn, [item, …])` (the inbox rows), and the turn's `replies` (rows of
        the durable outbox, bot/stores/outbox.py: they get their ids).

        With `message_id`, the transaction first marks the message handled; when it already was
        (a turn run again after a failure that followed its commit), nothing is written and None
        is returned.

        Turns saved at the same moment share their transaction (bot/stores/group_commit.py):
        returns once this turn is committed."""
        unknown = set(profile_updates or {}) - set(PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"unknown profile fields: {sorted(unknown)}")
        rows = [e.row() for e in items]
        lines = [dict(jeune_id=jeune_id, at=at, direction=direction, author=author, channel=channel,
                      text=text) for at, direction, author, channel, text in transcript]
        if not rows:                          # a button press often writes nothing at all
            fixing = fix([]) if fix is not None else None
            if not (fixing or profile_updates or lines or link or batched or replies):
                return []
            fix = (lambda _ids, fixing=fixing: fixing) if fixing else None
        return await self._group.submit(TurnWrite(
            jeune_id=jeune_id, events=rows, profile_updates=dict(profile_updates or {}),
            transcript=lines, fix=fix, message_id=message_id, at=at, link=link, batched=batched,
            replies=list(replies or [])))

    async def _write_batch(self, batch: list[TurnWrite]) -> list[list[int] | None]:
        """The turns of a batch in one transaction, one statement per table where it can."""
        async with self.engine.begin() as conn:
            dialect = conn.dialect.name
            marks = [w for w in batch if w.message_id is not None]
            already: set[tuple[str, str]] = set()
            if marks:
                params = [{"jeune_id": w.jeune_id, "message_id": w.message_id[:128],
                           "at": w.at or datetime.now(timezone.utc)} for w in marks]
                fresh = {(r[0], r[1]) for r in
                         await conn.execute(_mark_handled_statement(dialect), params)}
                already = {(p["jeune_id"], p["message_id"]) for p in params} - fresh
            todo = [w for w in batch
                    if w.message_id is None or (w.jeune_id, w.message_id[:128]) not in already]
            rows = [row for w in todo for row in w.events]
            ids = await _insert_events(conn, rows) if rows else []
            results: dict[int, list[int]] = {}
            links, lines, upserts = [], [], {}
            start = 0
            for w in todo:
                mine = ids[start:start + len(w.events)]
                start += len(w.events)
                results[id(w)] = mine
                fixing = w.fix(mine) if w.fix is not None else None
                if fixing is not None:
                    event_id, fields = fixing
                    await conn.execute(update(events).where(events.c.id == event_id).values(**fields))
                if w.profile_updates:
                    upserts.setdefault(frozenset(w.profile_updates), []).append(
                        {"jeune_id": w.jeune_id, **w.profile_updates})
                if w.link is not None:
                    links.append({"channel": w.link[0], "address": w.link[1], "jeune_id": w.jeune_id})
                lines += w.transcript
            for columns, params in upserts.items():
                stmt = _upsert_statement(dialect, columns)
                if stmt is not None:
                    await conn.execute(stmt, params)
                else:
                    for p in params:
                        await _upsert_profile(conn, p.pop("jeune_id"), p)
            if links:
                stmt = _link_statement(dialect)
                if stmt is not None:
                    await conn.execute(stmt, links)
                else:
                    for p in links:
                        await _link(conn, p["jeune_id"], p["channel"], p["address"])
            if lines:
                await conn.execute(transcripts.insert(), lines)
            many: dict[Any, list[Any]] = {}
            for w in todo:
                if w.batched is not None:
                    many.setdefault(w.batched[0], []).append(w.batched[1])
            for write_many, items in many.items():
                await write_many(conn, items)
            out = [r for w in todo for r in w.replies]
            if out:
                await write_replies(conn, out, datetime.now(timezone.utc))
        return [results.get(id(w)) for w in batch]

    async def update_profile(self, jeune_id: str, **fields: Any) -> None:
        unknown = set(fields) - set(PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"unknown profile fields: {sorted(unknown)}")
        async with self.engine.begin() as conn:
            await _upsert_profile(conn, jeune_id, fields)

    # addresses --------------------------------------------------------------------------------
    async def link_address(self, jeune_id: str, channel: str, address: str) -> None:
        async with self.engine.begin() as conn:
            await _link(conn, jeune_id, channel, address)

    async def addresses(self, jeune_id: str) -> list[tuple[str, str]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(contacts.c.channel, contacts.c.address).where(contacts.c.jeune_id == jeune_id))
            return [(r.channel, r.address) for r in rows]

    async def jeune_for_address(self, channel: str, address: str) -> str | None:
        async with self.engine.connect() as conn:
            return (await conn.execute(
                select(contacts.c.jeune_id).where(
                    contacts.c.channel == channel, contacts.c.address == address)
            )).scalar()

    # transcripts ------------------------------------------------------------------------------
    async def append_transcript(
        self, jeune_id: str, at: datetime, direction: str, author: str, channel: str, text: str,
    ) -> int:
        async with self.engine.begin() as conn:
            res = await conn.execute(transcripts.insert().values(
                jeune_id=jeune_id, at=at, direction=direction, author=author, channel=channel,
                text=text))
            return res.inserted_primary_key[0]

    async def transcript(self, jeune_id: str, after_id: int = 0, limit: int = 500) -> list[dict]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(transcripts).where(
                    transcripts.c.jeune_id == jeune_id, transcripts.c.id > after_id)
                .order_by(transcripts.c.id).limit(limit))
            return [{**dict(r._mapping), "at": _utc(r.at)} for r in rows]

    # erasure ----------------------------------------------------------------------------------
    async def forget(self, jeune_id: str) -> str:
        """Erase what is personal; events stay, re-keyed to a random id. Returns that id.

        Every table of the schema that has a `jeune_id` column is covered, whichever module
        declared it (bookings, queued messages, the inbox row, the référents' notes…): its rows
        are deleted, unless the table says `info={"forget": "rekey"}` (events, the console's audit
        log): those rows stay, under the same random id, so nothing links a returning jeune (same
        deterministic id) to the erased history. A table whose key embeds the id says
        `info={"forget_like": "<column>"}`. Tables that depend on others go first. (The whole
        schema is on `metadata` once bot/app/schema.py is imported, as every process does.)"""
        anon = "anon_" + secrets.token_hex(10)
        async with self.engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                policy = table.info.get("forget")
                if "jeune_id" in table.c:
                    where = table.c.jeune_id == jeune_id
                    if policy == "rekey":
                        await conn.execute(update(table).where(where).values(jeune_id=anon))
                    elif policy != "keep":
                        await conn.execute(delete(table).where(where))
                like = table.info.get("forget_like")
                if like:
                    await conn.execute(delete(table).where(
                        table.c[like].contains(jeune_id, autoescape=True)))
        return anon

    async def purge_handled(self, before: datetime) -> int:
        """Forget which messages were handled before `before` (redeliveries stop within a day)."""
        async with self.engine.begin() as conn:
            done = await conn.execute(delete(handled_messages).where(handled_messages.c.at < before))
            return done.rowcount or 0

    async def jeunes_last_seen_before(self, cutoff: datetime) -> list[str]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(profiles.c.jeune_id).where(profiles.c.last_seen_at < cutoff))
            return [r.jeune_id for r in rows]

    async def count(self, table: Table) -> int:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(table))).scalar_one()
