"""The scheduler: leader lease, APScheduler jobs, and real processes killed with SIGKILL.

The subprocess tests run the real `Scheduler` in separate Python processes against the test's
database, with a deliverer that records every delivery into a `deliveries` table (no unique key:
a duplicate would show as two rows), and that journals by key for `was_delivered`.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time as systime
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from bot.clock import PARIS, SystemClock, as_utc, to_paris
from bot.rdv.slots import QuietHours, RdvConfig
from bot.settings import Settings
from bot.rdv.store import BookingStore
from bot.stores.records import RecordStore
from bot.stores.due_queue import SENT, DueQueue, NewMessage
from bot.rdv.reminders import REACTIVATION, RDV_MISSED, enqueue_nudges
from scheduler.jobs import purge_retention
from scheduler.runner import LeaderLease, Scheduler

ROOT = Path(__file__).resolve().parents[2]
DAY = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)

CHILD = r'''
import asyncio, sys, random
from datetime import datetime, timedelta
from types import SimpleNamespace
from sqlalchemy import text
from bot.clock import SystemClock, to_paris
from bot.rdv.slots import QuietHours
from bot.settings import Settings
from bot.stores.db import make_engine
from bot.stores.records import RecordStore
from bot.stores.due_queue import DueQueue
from scheduler.runner import Scheduler

url, worker_id = sys.argv[1], sys.argv[2]

class DbDeliverer:
    def __init__(self, engine):
        self.engine = engine
    async def deliver(self, msg):
        await asyncio.sleep(random.uniform(0.001, 0.01))   # a channel takes time
        async with self.engine.begin() as conn:
            await conn.execute(text("INSERT INTO deliveries (key, worker) VALUES (:k, :w)"),
                               {"k": msg.key, "w": worker_id})
        return "sent"
    async def was_delivered(self, msg):
        async with self.engine.connect() as conn:
            n = (await conn.execute(text("SELECT count(*) FROM deliveries WHERE key = :k"),
                                    {"k": msg.key})).scalar()
        return n > 0

async def main():
    engine = make_engine(url)
    clock = SystemClock()
    # quiet hours far from now, whatever time the tests run
    start = to_paris(clock.now()) + timedelta(hours=12)
    q, q_end = f"{start:%H:%M}", f"{start + timedelta(minutes=1):%H:%M}"
    services = SimpleNamespace(records=RecordStore(engine), settings=Settings(),
                               due_queue=DueQueue(engine, QuietHours(f"{q}-{q_end}")),
                               config=SimpleNamespace(rdv=None, settings=Settings()))
    s = Scheduler(services, clock, worker_id, deliverer=DbDeliverer(engine), sweep_seconds=1.0,
                  poll_seconds=0.1, lease_seconds=1.5, claim_lease_seconds=3.0, batch=10,
                  recurring=False)
    print("started", flush=True)
    await s.run_until_stopped()
    await engine.dispose()

asyncio.run(main())
'''


def far_quiet(now: datetime) -> str:
    """Quiet hours twelve hours away from now: these tests run in real time, day or night."""
    start = to_paris(now) + timedelta(hours=12)
    return f"{start:%H:%M}-{start + timedelta(minutes=1):%H:%M}"


# --- in-process ----------------------------------------------------------------------------------
async def test_leader_lease_is_exclusive_and_expires(records):
    a = LeaderLease(records.engine, "scheduler", "a", 10)
    b = LeaderLease(records.engine, "scheduler", "b", 10)
    t0 = as_utc(DAY)
    assert await a.acquire(t0)
    assert not await b.acquire(t0 + timedelta(seconds=1))
    assert await a.acquire(t0 + timedelta(seconds=5))            # renewal
    assert not await b.acquire(t0 + timedelta(seconds=14))       # renewed until t0+15
    assert await b.acquire(t0 + timedelta(seconds=16))           # a stopped renewing
    assert not await a.acquire(t0 + timedelta(seconds=17))
    await b.release(t0 + timedelta(seconds=18))
    assert await a.acquire(t0 + timedelta(seconds=18))


def services_for(records, clock_rdv: RdvConfig | None = None, retention_days: int = 365):
    cfg = clock_rdv or RdvConfig()
    settings = Settings(retention_days=retention_days)
    return SimpleNamespace(records=records, settings=settings,
                           config=SimpleNamespace(rdv=cfg, settings=settings, ml_by_id={},
                                                  actions=None))


class Journal:
    def __init__(self):
        self.keys: list[str] = []

    async def deliver(self, msg):
        self.keys.append(msg.key)
        return "sent"

    async def was_delivered(self, msg):
        return msg.key in self.keys


async def test_two_schedulers_in_process_one_leader_then_handover(records):
    clock = SystemClock()
    quiet_free = RdvConfig(quiet_hours=far_quiet(clock.now()))
    services = services_for(records, quiet_free)
    journal = Journal()
    kw = dict(deliverer=journal, sweep_seconds=0.5, poll_seconds=0.05, lease_seconds=0.6,
              recurring=False)
    s1 = Scheduler(services, clock, "s1", **kw)
    s2 = Scheduler(services, clock, "s2", **kw)
    await s1.start()
    await s2.start()
    try:
        assert (s1.is_leader, s2.is_leader) == (True, False)
        queue = DueQueue(records.engine, quiet_free.quiet)
        await queue.enqueue_many([NewMessage(f"k{i}", "j", "x", clock.now()) for i in range(20)],
                                 now=clock.now())
        await s1.shutdown()                 # releases the lease: s2 takes over
        for _ in range(100):
            if s2.is_leader and (await queue.counts()).get(SENT, 0) == 20:
                break
            await asyncio.sleep(0.05)
        assert s2.is_leader
        assert sorted(journal.keys) == sorted(f"k{i}" for i in range(20))
    finally:
        await s1.shutdown()
        await s2.shutdown()


async def test_nudges_missed_appointment_and_reactivation(records):
    from bot.rdv.slots import slots_between
    from bot.territoire.jours_feries import JoursFeries
    cfg = RdvConfig.model_validate({"missions_locales": {"ml-bordeaux": {"availability": [
        {"days": ["lun"], "hours": ["10:00-12:00"], "resource": "accueil"}]}}})
    services = services_for(records, cfg)
    store = BookingStore(records.engine)
    slot = slots_between(cfg, "ml-bordeaux", DAY, DAY + timedelta(days=7), JoursFeries())[0]
    b = await store.book("j-missed", slot, DAY)
    await store.mark_attendance(b.id, False, slot.end)
    now = slot.end + timedelta(hours=1)
    weeks = cfg.reminders.reactivation_weeks
    await records.update_profile("j-silent", last_seen_at=as_utc(now) - timedelta(weeks=weeks, days=1))
    await records.update_profile("j-stopped", stopped=True,
                                 last_seen_at=as_utc(now) - timedelta(weeks=weeks, days=1))
    await records.update_profile("j-recent", last_seen_at=as_utc(now) - timedelta(days=3))
    assert await enqueue_nudges(services, now) == 2
    assert await enqueue_nudges(services, now) == 0              # idempotent
    queue = DueQueue(records.engine, cfg.quiet)
    missed = await queue.get(f"rdv:{b.id}:missed")
    assert missed.kind == RDV_MISSED
    assert missed.due_at == cfg.quiet.postpone(slot.start + timedelta(days=2))
    assert [m.jeune_id for m in await queue.list() if m.kind == REACTIVATION] == ["j-silent"]


async def test_retention_purge_forgets_old_jeunes_everywhere(records):
    services = services_for(records, retention_days=30)
    now = as_utc(DAY)
    await records.update_profile("old", last_seen_at=now - timedelta(days=31), first_name="Léa")
    await records.update_profile("young", last_seen_at=now - timedelta(days=2))
    queue = DueQueue(records.engine)
    await queue.enqueue("old", "x", now + timedelta(days=1), "k-old", now=now)
    await queue.enqueue("young", "x", now + timedelta(days=1), "k-young", now=now)
    assert await purge_retention(services, now) == 1
    assert await records.get_profile("old") is None
    assert await records.get_profile("young") is not None
    assert await queue.get("k-old") is None and await queue.get("k-young") is not None


# --- real processes --------------------------------------------------------------------------------
async def prepare(records: RecordStore, n: int) -> None:
    async with records.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE deliveries (key VARCHAR(200) NOT NULL, worker VARCHAR(80))"))
    now = SystemClock().now()
    queue = DueQueue(records.engine, QuietHours(far_quiet(now)))
    await queue.enqueue_many([NewMessage(f"m{i:04d}", f"j{i % 13}", "x", now - timedelta(seconds=1))
                              for i in range(n)], now=now)


def spawn(url: str, worker_id: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", CHILD, url, worker_id], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


async def deliveries(records: RecordStore) -> list[tuple[str, str]]:
    async with records.engine.connect() as conn:
        return [(r[0], r[1]) for r in await conn.execute(text("SELECT key, worker FROM deliveries"))]


async def wait_for(predicate, timeout: float = 90.0) -> None:
    deadline = systime.monotonic() + timeout
    while systime.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def all_sent(records: RecordStore, n: int) -> bool:
    counts = await DueQueue(records.engine).counts()
    return counts.get(SENT, 0) == n


@pytest.mark.slow
async def test_kill_9_then_restart_sends_each_reminder_once(records, database_url):
    n = 300
    await prepare(records, n)
    first = spawn(database_url, "first")
    try:
        await wait_for(lambda: _at_least(records, 40))
        first.send_signal(signal.SIGKILL)           # in the middle of the work
        first.wait()
        done_before = len(await deliveries(records))
        assert done_before < n
        second = spawn(database_url, "second")
        try:
            await wait_for(lambda: all_sent(records, n))
        finally:
            stop(second)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    rows = await deliveries(records)
    keys = [k for k, _ in rows]
    assert len(keys) == n and len(set(keys)) == n, "a reminder was lost or sent twice"
    assert {w for _, w in rows} == {"first", "second"}
    assert second.returncode == 0, second.stderr.read().decode()[-2000:]


@pytest.mark.slow
async def test_two_scheduler_processes_send_each_reminder_once(records, database_url):
    n = 300
    await prepare(records, n)
    procs = [spawn(database_url, "alpha"), spawn(database_url, "beta")]
    try:
        await wait_for(lambda: _at_least(records, 60))
        rows = await deliveries(records)
        leader = rows[0][1]
        assert {w for _, w in rows} == {leader}       # one active scheduler
        victim = procs[0] if leader == "alpha" else procs[1]
        victim.send_signal(signal.SIGKILL)            # the other one takes over
        victim.wait()
        await wait_for(lambda: all_sent(records, n))
    finally:
        for p in procs:
            stop(p)
    rows = await deliveries(records)
    keys = [k for k, _ in rows]
    assert len(keys) == n and len(set(keys)) == n, "a reminder was lost or sent twice"
    assert {w for _, w in rows} == {"alpha", "beta"}


async def _at_least(records: RecordStore, k: int) -> bool:
    return len(await deliveries(records)) >= k
