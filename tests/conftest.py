"""Shared fixtures: real PostgreSQL and Redis (no mocks), a fresh database or key prefix per test.

`./dev test` exports TEST_DATABASE_URL and TEST_REDIS_URL; the defaults are the machine's own
services. A missing service fails the tests loudly: nothing is skipped.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis

from bot.clock import FixedClock, PARIS
from bot.app.schema import migrate
from bot.stores.db import make_engine
from bot.stores.records import RecordStore

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

SQL_BACKENDS = ["sqlite", "postgresql"]
# the processes the tests start (insysteme chat, web, actions) share one stored crisis model: the
# first trains it, the others load it (tests/understanding/test_crisis_model_cache.py checks both)
os.environ.setdefault("INSYSTEME_CACHE", str(ROOT / "var" / "test-cache"))


def _pg_admin_dsn() -> str:
    return PG_SERVER.replace("postgresql+asyncpg://", "postgresql://")


async def create_pg_database() -> str:
    """A new empty PostgreSQL database; returns its URL."""
    name = "insysteme_test_" + uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(_pg_admin_dsn())
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = _pg_admin_dsn().rsplit("/", 1)[0]
    return f"{base}/{name}"


async def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(_pg_admin_dsn())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def pg_url():
    url = await create_pg_database()
    yield url
    await drop_pg_database(url)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'insysteme.db'}"


@pytest.fixture(params=SQL_BACKENDS)
async def database_url(request, tmp_path):
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'insysteme.db'}"
    else:
        url = await create_pg_database()
        yield url
        await drop_pg_database(url)


@pytest.fixture
async def records(database_url):
    engine = make_engine(database_url)
    await migrate(engine)
    yield RecordStore(engine)
    await engine.dispose()


@pytest.fixture
async def redis_client():
    client = aioredis.from_url(REDIS_URL, decode_responses=False)
    await client.ping()
    yield client
    await client.aclose()


@pytest.fixture
async def redis_prefix(redis_client):
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    yield prefix
    keys = [k async for k in redis_client.scan_iter(match=prefix + "*", count=500)]
    if keys:
        await redis_client.delete(*keys)


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 11, 24, 22, 30, tzinfo=PARIS))


@pytest.fixture
def config_dir():
    return ROOT / "config"


@pytest.fixture(scope="session", autouse=True)
def crisis_model():
    """The crisis second opinion made ready once per run and stored under INSYSTEME_CACHE, so that
    each process a test starts loads it at once instead of training it within the test's patience."""
    from bot.understanding.crisis import prepare
    prepare(Path(os.environ["INSYSTEME_CACHE"]))
