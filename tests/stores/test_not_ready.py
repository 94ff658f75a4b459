"""Every "store not ready" state answered as "try again", never as a drop (issue 18).

A private PostgreSQL cluster of the test (initdb + pg_ctl, run as the `postgres` user), put through
the states a deployment sees: stopped (connection refused), a standby with hot_standby off
(SQLSTATE 57P03, as "the database system is starting up"), a standby with hot_standby on (writes
refused with 25006, read-only), then a primary again: the same RecordStore works again, without a
restart. Redis: a private redis-server answering LOADING / READONLY / MISCONF-like errors is not
needed for the classification, which is checked on the real exception classes.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import redis.exceptions as rexc

from bot.stores import StoreUnavailable
from bot.stores.db import make_engine, migrate
from bot.stores.records import Event, RecordStore, database_down, store_not_ready
from bot.stores.state import redis_not_ready

pytestmark = pytest.mark.slow

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*args: str) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + list(args), capture_output=True, text=True, timeout=60)


class PrivatePostgres:
    """A cluster of the test's own, started and stopped with pg_ctl."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="insysteme-pg-"))
        os.chmod(self.root, 0o777)
        self.data = self.root / "data"
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def initdb(self) -> None:
        done = _as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust",
                            "-U", "postgres")
        assert done.returncode == 0, done.stderr
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.root}'\nfsync = off\n")

    def ctl(self, *args: str) -> None:
        done = _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l",
                            str(self.root / "log"), *args)
        assert done.returncode == 0, done.stdout + done.stderr

    def start(self) -> None:
        self.ctl("-w", "-t", "30", "start")

    def stop(self) -> None:
        self.ctl("-w", "-m", "fast", "stop")

    def as_standby(self, hot: bool) -> None:
        """Recovery mode: hot_standby off refuses every connection with 57P03 (the state of a
        server starting up), hot_standby on serves reads and refuses writes (25006)."""
        (self.data / "standby.signal").touch()
        shutil.chown(self.data / "standby.signal", "postgres") if os.geteuid() == 0 else None
        with open(self.data / "postgresql.auto.conf", "w") as conf:
            conf.write(f"hot_standby = {'on' if hot else 'off'}\n")

    def as_primary(self) -> None:
        (self.data / "standby.signal").unlink(missing_ok=True)
        with open(self.data / "postgresql.auto.conf", "w") as conf:
            conf.write("")

    def destroy(self) -> None:
        try:
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_pg():
    assert PG_BIN is not None, "PostgreSQL server binaries (initdb, pg_ctl) are needed"
    pg = PrivatePostgres()
    pg.initdb()
    pg.start()
    yield pg
    pg.destroy()


async def _turn(records: RecordStore, n: int):
    at = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    return await records.save_turn(
        [Event(at=at, channel="web", jeune_id="j_x", kind="contact")], jeune_id="j_x",
        profile_updates={"last_seen_at": at}, message_id=f"web:{n}", at=at)


async def _failure(coro) -> BaseException:
    try:
        await coro
    except BaseException as exc:        # noqa: BLE001 - the point is to look at it
        return exc
    raise AssertionError("the write succeeded on a store that is not ready")


async def test_postgresql_stopped_starting_up_read_only_all_say_try_again(private_pg):
    engine = make_engine(private_pg.url)
    await migrate(engine)
    records = RecordStore(engine)
    try:
        assert await _turn(records, 1)

        private_pg.stop()                                          # refused
        exc = await _failure(_turn(records, 2))
        assert store_not_ready(exc), repr(exc)

        private_pg.as_standby(hot=False)                           # 57P03
        private_pg.ctl("start")                   # no -w: it never becomes "ready" for pg_ctl
        await asyncio.sleep(1.5)
        exc = await _failure(_turn(records, 3))
        assert "57P03" in repr(exc) or getattr(exc.__cause__, "sqlstate", None) == "57P03" \
            or "not accepting connections" in str(exc) or "starting up" in str(exc), repr(exc)
        assert database_down(exc) and store_not_ready(exc), repr(exc)
        private_pg.stop()

        private_pg.as_standby(hot=True)                            # 25006 on writes
        private_pg.start()
        exc = await _failure(_turn(records, 4))
        assert "read-only" in str(exc) or "25006" in repr(exc), repr(exc)
        assert database_down(exc) and store_not_ready(exc), repr(exc)
        private_pg.stop()

        private_pg.as_primary()                                    # back: the same store works
        private_pg.start()
        for attempt in range(20):
            try:
                assert await _turn(records, 5)
                break
            except Exception as exc:               # the pool's stale connections go first
                assert store_not_ready(exc), repr(exc)
                await asyncio.sleep(0.2)
        else:
            raise AssertionError("the store did not recover")
        assert await _turn(records, 1) is None, "message 1 was recorded once, before the faults"
    finally:
        await engine.dispose()


async def test_pool_exhausted_waits_then_says_try_again(pg_url):
    """Pool timeout (every connection taken): a TimeoutError, read as "try again"."""
    from sqlalchemy.ext.asyncio import create_async_engine
    from bot.stores.db import normalise_url
    engine = create_async_engine(normalise_url(pg_url), pool_size=1, max_overflow=0, pool_timeout=0.3)
    try:
        async with engine.connect():
            exc = await _failure(engine.connect().__aenter__())
        assert database_down(exc) and store_not_ready(exc), repr(exc)
    finally:
        await engine.dispose()


def test_a_bug_is_not_a_store_down():
    assert not store_not_ready(ValueError("bad data"))
    assert not store_not_ready(KeyError("x"))
    assert not store_not_ready(rexc.ResponseError("WRONGTYPE Operation against a key"))


@pytest.mark.parametrize("message", [
    "LOADING Redis is loading the dataset in memory",
    "READONLY You can't write against a read only replica.",
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist",
    "OOM command not allowed when used memory > 'maxmemory'.",
])
def test_redis_not_ready_answers_are_try_again(message):
    exc = rexc.ResponseError(message)
    assert redis_not_ready(exc) and store_not_ready(exc)


async def test_redis_pool_waits_instead_of_failing(redis_client):
    """300 commands at once on a pool of 20 connections: all answered (they wait for a free
    connection), where the default pool failed at once with "Too many connections"."""
    import uuid
    from bot.stores.state import RedisStateStore
    from tests.conftest import REDIS_URL
    store = RedisStateStore(REDIS_URL, prefix=f"t{uuid.uuid4().hex[:10]}:", max_connections=20)
    try:
        await asyncio.gather(*(store.set(f"k{i}", {"i": i}, ttl=60) for i in range(300)))
        got = await asyncio.gather(*(store.get(f"k{i}") for i in range(300)))
        assert [g["i"] for g in got] == list(range(300))
        await store.delete(*(f"k{i}" for i in range(300)))
    finally:
        await store.close()
    with pytest.raises(StoreUnavailable):      # a Redis that is not there: still "try again"
        gone = RedisStateStore("redis://127.0.0.1:1/0", prefix="tgone:")
        try:
            await gone.get("x")
        finally:
            await gone.close()
