"""The SQL database behind durable records (SQLite file by default, PostgreSQL in deployment).

Every module that owns tables declares them on `metadata`; `migrate()` creates what is declared,
and bot/app/schema.py imports every such module first, so the service migrates the whole schema
(a store knows nothing of the capabilities above it). Migrations are numbered steps run once each, recorded in
`schema_version`; a step may create missing tables or alter existing ones.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import Column, Integer, MetaData, Select, String, Table, event, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
)


def _create_missing(conn: Connection) -> None:
    metadata.create_all(conn, checkfirst=True)


def _event_action_columns(conn: Connection) -> None:
    """Events keep their action's type and Mission Locale; the actions history table; the index
    of the events of rare kinds the report reads one by one (issue 20)."""
    from sqlalchemy import inspect
    have = {c["name"] for c in inspect(conn).get_columns("events")}
    for name, sql_type in (("action_type", "VARCHAR(24)"), ("action_ml", "VARCHAR(64)")):
        if name not in have:
            conn.exec_driver_sql(f"ALTER TABLE events ADD COLUMN {name} {sql_type}")
    metadata.create_all(conn, checkfirst=True)
    if conn.dialect.name == "postgresql":
        kinds = ", ".join(f"'{k}'" for k in (   # records.RARE_KINDS
            "reperage", "rdv_booked", "rdv_cancelled", "rdv_moved", "outcome", "handoff", "crisis",
            "raccrochage_registered", "raccrochage_avis"))
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS ix_events_rare_kinds ON events "
                             f"(kind, at) WHERE kind IN ({kinds})")


# (version, name, step). Append only; never edit a step that has shipped.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema: events, profiles, contacts, transcripts", _create_missing),
    (2, "handled_messages: a turn's writes once, even when it runs again", _create_missing),
    (3, "console: second factor (TOTP), assignments, who is viewing", _create_missing),
    (4, "events.action_type, events.action_ml, actions_history (issue 20)", _event_action_columns),
    (5, "outbox: replies kept until their channel took them (issue 18)", _create_missing),
]


def stored_utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def leased_claim(table: Table, pick: Select, worker_id: str, until: datetime):
    """The claim of a leased queue (due messages, the outbox): the rows `pick` selects become
    this worker's until `until`, in one atomic UPDATE … RETURNING."""
    return (update(table).where(table.c.id.in_(pick.scalar_subquery()))
            .values(status="claimed", claimed_by=worker_id, claimed_until=until,
                    attempts=table.c.attempts + 1)
            .returning(*table.c))


async def insert_ids(conn, table: Table, rows: list[dict]) -> list[int]:
    """Insert `rows`; their new `id`s, in the rows' order, from one statement on either backend.

    Why not `returning(..., sort_by_parameter_order=True)` on SQLite: SQLAlchemy (2.1) finds no
    sentinel there and runs the INSERT once per row, each a round trip to aiosqlite's thread (at
    saturation a web process ran 4,056 outbox INSERTs for 753 commits). One INSERT … VALUES …
    RETURNING instead, its ids sorted: SQLite gives the rows of one statement increasing rowids
    in the order they are inserted, and nobody else inserts while this transaction holds the
    write lock. PostgreSQL keeps SQLAlchemy's own ordered form, already one statement."""
    if not rows:
        return []
    if conn.dialect.name == "sqlite":
        res = await conn.execute(table.insert().returning(table.c.id), rows)
        ids = sorted(r[0] for r in res)
    else:
        res = await conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                 rows)
        ids = [r[0] for r in res]
    if len(ids) != len(rows):
        raise RuntimeError(f"{table.name}: {len(rows)} rows inserted, {len(ids)} ids returned")
    return ids


def default_database_url(base: Path | str = ".") -> str:
    return f"sqlite+aiosqlite:///{Path(base) / 'var' / 'insysteme.db'}"


def normalise_url(url: str) -> str:
    """Accept the URLs people write (postgres://, postgresql://, sqlite:///) and pick async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://"):]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://"):]
    return url


def make_engine(url: str) -> AsyncEngine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):
            # No journal_mode here: switching to WAL needs an exclusive lock and SQLite answers
            # "database is locked" at once, without waiting, when another worker is migrating.
            # WAL is a property of the file: migrate() sets it once.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # No pre-ping: it cost a round trip per transaction. A connection gone stale (PostgreSQL
    # restarted) fails its first statement instead; SQLAlchemy then invalidates the pool, the
    # engine raises StoreUnavailable, the webhook answers 503 and Telegram delivers again
    # (tests/app/test_faults.py). At most 40 connections: the webhook takes up to 40 updates at
    # once. 35 of them are kept open between bursts: with 20 kept (+ 20 opened and closed as
    # needed), a saturation run of benchmarks/webhook_load.py opened 188 connections, each a
    # PostgreSQL process forked (its CPU competes with ours); with 35 kept, 38.
    return create_async_engine(url, pool_size=35, max_overflow=5, pool_pre_ping=False)


async def migrate(engine: AsyncEngine) -> list[int]:
    """Run pending migration steps; returns the versions applied.

    Several workers may start at once on a fresh database: on PostgreSQL they queue on an advisory
    lock, so one migrates and the others find the work done; on SQLite each waits for the write
    lock it takes first."""
    if engine.dialect.name == "sqlite":
        await _use_wal(engine)
    return await _migrate_once(engine)


async def _use_wal(engine: AsyncEngine, patience: float = 30.0) -> None:
    """Put the SQLite file in WAL mode (readers never block the writer), once per file.

    The switch bypasses busy_timeout, so a worker that meets another one's lock retries here."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while True:
        try:
            async with engine.connect() as conn:
                mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
                if str(mode).lower() not in ("wal", "memory"):
                    mode = (await conn.exec_driver_sql("PRAGMA journal_mode=WAL")).scalar()
                if str(mode).lower() in ("wal", "memory"):
                    return
                problem: Exception = RuntimeError(f"SQLite stays in journal mode {mode!r}")
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            problem = exc
        if loop.time() > deadline:
            raise RuntimeError("could not put the SQLite database in WAL mode") from problem
        await asyncio.sleep(0.05)


MIGRATION_LOCK = 0x1A5157E5   # arbitrary, constant: "insysteme migrations"


async def _migrate_once(engine: AsyncEngine) -> list[int]:
    applied: list[int] = []
    async with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # the write lock first (waits on busy_timeout): the pysqlite driver would not take it
            # before the DDL, and two workers could both find a table missing
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            await conn.run_sync(lambda c: schema_version.create(c, checkfirst=True))
            done = set((await conn.execute(select(schema_version.c.version))).scalars())
            for version, name, step in MIGRATIONS:
                if version in done:
                    continue
                await conn.run_sync(step)
                await conn.execute(schema_version.insert().values(version=version, name=name))
                applied.append(version)
        except BaseException:
            await conn.rollback()
            raise
        await conn.commit()
    return applied
