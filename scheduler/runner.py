"""The scheduler process: APScheduler 3 recurring jobs, run by one leader among several processes.

`insysteme scheduler` may run twice (or inside each `insysteme run`): every process competes for
a lease row in `scheduler_leases` (an atomic `INSERT … ON CONFLICT DO UPDATE … WHERE the lease
expired or is ours`), renewed every third of its length. Only the holder runs the jobs; if it dies,
another takes over when the lease expires. During a handover two processes may both be sweeping
for a moment: the due queue's claims keep that safe (bot/stores/due_queue.py), and the other jobs
are idempotent (keyed enqueues, erasure of what is already erased).
Lease times come from the injected clock: machines sharing a database need synchronised clocks
(NTP), as for any lease.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable

from sqlalchemy import Column, DateTime, String, Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import PARIS, as_utc
from bot.stores.db import metadata
from bot.rdv import reminders
from scheduler import jobs
from bot.stores.due_queue import DueWorker

log = logging.getLogger(__name__)

scheduler_leases = Table(
    "scheduler_leases", metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", String(80), nullable=False),
    Column("until", DateTime(timezone=True), nullable=False),
)


class LeaderLease:
    def __init__(self, engine: AsyncEngine, name: str, holder: str, seconds: float):
        self.engine, self.name, self.holder, self.seconds = engine, name, holder, seconds

    async def acquire(self, now: datetime) -> bool:
        """Take or renew the lease; True when this holder has it until now + seconds."""
        now = as_utc(now)
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        t = scheduler_leases
        stmt = dialect.insert(t).values(name=self.name, holder=self.holder,
                                        until=now + timedelta(seconds=self.seconds))
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": stmt.excluded.holder, "until": stmt.excluded.until},
            where=(t.c.holder == self.holder) | (t.c.until < now),
        ).returning(t.c.holder)
        async with self.engine.begin() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def release(self, now: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(scheduler_leases).where(
                scheduler_leases.c.name == self.name, scheduler_leases.c.holder == self.holder)
                .values(until=as_utc(now) - timedelta(seconds=1)))


JobFn = Callable[[], Awaitable[Any]]


class Scheduler:
    """`Scheduler(services, clock, worker_id)`; `await start()`, `await shutdown()`.

    Jobs (Europe/Paris, coalesce, misfire grace): `due` — every `sweep_seconds`, makes sure the
    due loop runs (it sends each message within `poll_seconds` of due); `nudges` — daily 10:00;
    `retention` — daily 03:30; plus what `add_job` registers (the weekly posts).
    """

    def __init__(self, services: Any, clock, worker_id: str | None = None, *,
                 deliverer=None, sweep_seconds: float = 5.0, poll_seconds: float = 0.25,
                 lease_seconds: float = 15.0, claim_lease_seconds: float = 60.0,
                 batch: int = 500, recurring: bool = True):
        self.services, self.clock = services, clock
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        engine = services.records.engine
        self.queue = reminders.due_queue_of(services)
        self.worker = DueWorker(
            self.queue, deliverer or jobs.OutboxDeliverer(services), clock, self.worker_id,
            batch=batch, lease_seconds=claim_lease_seconds,
            send_timeout=min(20.0, claim_lease_seconds / 3))
        self.lease = LeaderLease(engine, "scheduler", self.worker_id, lease_seconds)
        self.sweep_seconds, self.poll_seconds = sweep_seconds, poll_seconds
        self.recurring = recurring
        self.is_leader = False
        self._extra: list[tuple[str, JobFn, Any, dict]] = []
        self._aps = None
        self._leader_task: asyncio.Task | None = None
        self._due_task: asyncio.Task | None = None
        self._stopping = asyncio.Event()

    def add_job(self, job_id: str, fn: JobFn, trigger: Any, **kwargs: Any) -> None:
        """A recurring job run by the leader only (e.g. the weekly posts: a CronTrigger)."""
        self._extra.append((job_id, fn, trigger, kwargs))

    async def start(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        await self._campaign()
        self._leader_task = asyncio.create_task(self._leader_loop(), name="scheduler-lease")
        aps = AsyncIOScheduler(timezone=PARIS, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
        aps.add_job(self._led(self.sweep_due), IntervalTrigger(seconds=self.sweep_seconds),
                    id="due", next_run_time=datetime.now(timezone.utc), misfire_grace_time=30)
        if self.recurring:
            aps.add_job(self._led(self.nudges), CronTrigger(hour=10, minute=0), id="nudges")
            aps.add_job(self._led(self.retention), CronTrigger(hour=3, minute=30), id="retention")
        for job_id, fn, trigger, kwargs in self._extra:
            aps.add_job(self._led(fn), trigger, id=job_id, **kwargs)
        aps.start()
        self._aps = aps

    async def shutdown(self) -> None:
        self._stopping.set()
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        if self._due_task is not None:
            try:   # finish the batch in hand: its outcomes get recorded
                await asyncio.wait_for(asyncio.shield(self._due_task), self.worker.send_timeout + 5)
            except Exception:
                self._due_task.cancel()
        if self._leader_task is not None:
            self._leader_task.cancel()
            try:
                await self._leader_task
            except asyncio.CancelledError:
                pass
        if self.is_leader:
            try:
                await self.lease.release(self.clock.now())
            except Exception:
                log.exception("could not release the scheduler lease")
            self.is_leader = False

    async def run_until_stopped(self) -> None:
        """For `insysteme scheduler`: start, then wait for shutdown() (SIGTERM/SIGINT)."""
        import signal
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self._stopping.set)
            except (NotImplementedError, RuntimeError):
                pass
        await self.start()
        await self._stopping.wait()
        await self.shutdown()

    # jobs --------------------------------------------------------------------------------------
    async def sweep_due(self):
        """Keep the due loop running while this process leads. The loop sweeps continuously
        (sleeping until the next due message, at most `poll_seconds`): an interval job alone
        would leave gaps between runs, and a reminder due in a gap would wait for the next one."""
        if self._due_task is None or self._due_task.done():
            if self._due_task is not None and not self._due_task.cancelled() \
                    and self._due_task.exception() is not None:
                log.error("due loop stopped: %r; restarting", self._due_task.exception())
            self._due_task = asyncio.create_task(self._due_loop(), name="due-loop")

    async def _due_loop(self) -> None:
        while self.is_leader and not self._stopping.is_set():
            await self.worker.run_for(1.0, poll=self.poll_seconds)

    async def nudges(self):
        return await reminders.enqueue_nudges(self.services, self.clock.now())

    async def retention(self):
        return await jobs.purge_retention(self.services, self.clock.now())

    def _led(self, fn: JobFn) -> JobFn:
        async def run():
            if not self.is_leader or self._stopping.is_set():
                return None
            try:
                return await fn()
            except Exception:
                log.exception("scheduler job %s failed", getattr(fn, "__name__", fn))
        run.__name__ = getattr(fn, "__name__", "job")
        return run

    async def _campaign(self) -> None:
        try:
            was = self.is_leader
            self.is_leader = await self.lease.acquire(self.clock.now())
            if self.is_leader != was:
                log.info("%s %s the scheduler lease", self.worker_id,
                         "holds" if self.is_leader else "lost")
        except Exception:
            log.exception("scheduler lease: database unreachable")
            self.is_leader = False

    async def _leader_loop(self) -> None:
        while not self._stopping.is_set():
            await asyncio.sleep(self.lease.seconds / 3)
            await self._campaign()
