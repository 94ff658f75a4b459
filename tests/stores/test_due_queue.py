"""The due queue on SQLite and PostgreSQL: idempotent enqueue, leased claims, quiet hours, STOP,
cancellation with the appointment, crash between send and mark, several workers."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from bot.clock import PARIS, FixedClock, as_utc
from bot.rdv.slots import QuietHours, RdvConfig, slots_between
from bot.territoire.jours_feries import JoursFeries
from bot.rdv.store import BookingStore
from bot.stores.db import make_engine
from bot.stores.due_queue import (
    CANCELLED, CLAIMED, FAILED, PENDING, SENT, DueQueue, DueWorker, NewMessage, due_messages,
)
from bot.rdv.reminders import cancel_booking_messages, plan_booking_reminders

DAY = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)   # a Wednesday morning, outside quiet hours


class Recorder:
    """A deliverer that journals by key: what `was_delivered` needs to be exact."""

    def __init__(self, stopped=(), fail=()):
        self.sent: list[tuple[str, datetime]] = []
        self.stopped, self.fail = set(stopped), dict.fromkeys(fail, 0)
        self.clock = None

    async def deliver(self, msg):
        if msg.jeune_id in self.stopped:
            return "stopped"
        if msg.key in self.fail:
            self.fail[msg.key] += 1
            raise ConnectionError("telegram down")
        self.sent.append((msg.key, self.clock.now() if self.clock else None))
        return "sent"

    async def was_delivered(self, msg):
        return any(k == msg.key for k, _ in self.sent)


@pytest.fixture
async def queue(records):
    return DueQueue(records.engine, QuietHours("21:00-09:00"))


def worker(queue, deliverer, clock, name="w1", **kw):
    deliverer.clock = clock
    return DueWorker(queue, deliverer, clock, name, lease_seconds=kw.pop("lease", 60), **kw)


async def test_enqueue_is_idempotent_by_key(queue):
    assert await queue.enqueue("j1", "rdv_reminder", DAY, "rdv:b1:j-1", now=DAY, ref="b1")
    assert not await queue.enqueue("j1", "rdv_reminder", DAY + timedelta(hours=1), "rdv:b1:j-1", now=DAY)
    assert await queue.enqueue_many([NewMessage(f"k{i}", "j1", "x", DAY) for i in range(3)]
                                    + [NewMessage("rdv:b1:j-1", "j1", "x", DAY)], now=DAY) == 3
    msg = await queue.get("rdv:b1:j-1")
    assert msg.due_at == as_utc(DAY) and msg.status == PENDING and msg.ref == "b1"


async def test_quiet_hours_postpone_at_enqueue_and_block_the_sweep(queue):
    night = datetime(2026, 11, 24, 23, 0, tzinfo=PARIS)
    await queue.enqueue("j1", "nudge", night, "n1", now=night)
    assert (await queue.get("n1")).due_at == as_utc(datetime(2026, 11, 25, 9, 0, tzinfo=PARIS))
    # a message already due (the scheduler was down) waits for the end of quiet hours too
    await queue.enqueue("j1", "nudge", datetime(2026, 11, 24, 20, 0, tzinfo=PARIS), "n2", now=night)
    clock, rec = FixedClock(night), Recorder()
    w = worker(queue, rec, clock)
    assert (await w.sweep()).claimed == 0 and rec.sent == []
    clock.set(datetime(2026, 11, 25, 8, 59, tzinfo=PARIS))
    assert (await w.sweep()).claimed == 0
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=PARIS))
    assert (await w.sweep()).sent == 2
    assert [k for k, _ in rec.sent] == ["n2", "n1"]


async def test_only_due_messages_are_sent_once(queue):
    clock, rec = FixedClock(DAY), Recorder()
    for i in range(5):
        await queue.enqueue("j1", "x", DAY + timedelta(minutes=i), f"k{i}", now=DAY)
    w = worker(queue, rec, clock)
    assert (await w.sweep()).sent == 1
    clock.advance(minutes=3)
    assert (await w.sweep()).sent == 3
    assert (await w.sweep()).sent == 0
    assert [k for k, _ in rec.sent] == ["k0", "k1", "k2", "k3"]
    assert (await queue.counts()) == {SENT: 4, PENDING: 1}


async def test_stop_cancels_and_appointment_cancellation_cancels(queue, records):
    clock, rec = FixedClock(DAY), Recorder(stopped={"j-stop"})
    await queue.enqueue("j-stop", "x", DAY, "a", now=DAY)
    await queue.enqueue("j1", "x", DAY, "b", now=DAY, ref="booking-1")
    await queue.enqueue("j1", "x", DAY + timedelta(days=1), "c", now=DAY, ref="booking-1")
    assert await queue.cancel(ref="booking-1", now=DAY) == 2
    result = await worker(queue, rec, clock).sweep()
    assert result.cancelled == 1 and rec.sent == []
    assert (await queue.get("a")).status == CANCELLED
    assert "STOP" in (await queue.get("a")).last_error
    assert {(await queue.get(k)).status for k in "bc"} == {CANCELLED}
    with pytest.raises(ValueError):
        await queue.cancel(now=DAY)


async def test_passing_failures_are_retried_with_backoff_then_failed(queue):
    clock, rec = FixedClock(DAY), Recorder(fail={"k"})
    await queue.enqueue("j1", "x", DAY, "k", now=DAY)
    w = worker(queue, rec, clock, max_attempts=3)
    assert (await w.sweep()).retried == 1
    msg = await queue.get("k")
    assert msg.status == PENDING and msg.due_at == as_utc(DAY) + timedelta(seconds=30)
    assert (await w.sweep()).claimed == 0
    clock.advance(seconds=30)
    assert (await w.sweep()).retried == 1
    clock.advance(seconds=60)
    assert (await w.sweep()).failed == 1
    msg = await queue.get("k")
    assert msg.status == FAILED and msg.attempts == 3 and "telegram down" in msg.last_error


async def test_crashed_claimer_lease_expires_and_nothing_is_sent_twice(queue):
    clock = FixedClock(DAY)
    for key in ("never-started", "started-and-sent", "started-unknown"):
        await queue.enqueue("j1", "x", DAY, key, now=DAY)
    # worker "dead" claims all three, starts sending two, delivers one, then dies (no finish)
    claimed = await queue.claim("dead", as_utc(DAY), lease_seconds=30)
    assert {m.key for m in claimed} == {"never-started", "started-and-sent", "started-unknown"}
    ids = {m.key: m.id for m in claimed}
    await queue.start_sending([ids["started-and-sent"], ids["started-unknown"]], "dead", as_utc(DAY))
    rec = Recorder()
    rec.sent.append(("started-and-sent", as_utc(DAY)))     # it went out before the crash
    w = worker(queue, rec, clock, name="alive")
    assert (await w.sweep()).claimed == 0                    # the lease still holds
    clock.advance(seconds=31)
    result = await w.sweep()
    assert result.claimed == 3
    assert [k for k, _ in rec.sent] == ["started-and-sent", "never-started", "started-unknown"]
    assert {(await queue.get(k)).status for k in ids} == {SENT}
    # the dead worker comes back: its late outcome is ignored
    assert await queue.finish("dead", clock.now(), sent=list(ids.values())) == 0


async def test_ambiguous_message_is_not_resent_when_the_channel_cannot_tell(queue):
    class Blind(Recorder):
        async def was_delivered(self, msg):
            return None
    clock = FixedClock(DAY)
    await queue.enqueue("j1", "x", DAY, "k", now=DAY)
    [msg] = await queue.claim("dead", as_utc(DAY), lease_seconds=10)
    await queue.start_sending([msg.id], "dead", as_utc(DAY))
    clock.advance(seconds=11)
    rec = Blind()
    result = await worker(queue, rec, clock, name="alive").sweep()
    assert result.failed == 1 and rec.sent == []
    assert "not resent" in (await queue.get("k")).last_error


async def test_cancel_after_claim_before_send_wins(queue):
    await queue.enqueue("j1", "x", DAY, "k", now=DAY, ref="b1")
    [msg] = await queue.claim("w1", as_utc(DAY))
    assert msg.status == CLAIMED
    assert await queue.cancel(ref="b1", now=DAY) == 1
    assert await queue.start_sending([msg.id], "w1", as_utc(DAY)) == set()
    assert (await queue.get("k")).status == CANCELLED


async def test_two_workers_on_their_own_connections_send_each_message_once(records, database_url):
    clock = FixedClock(DAY)
    queue = DueQueue(records.engine)
    await queue.enqueue_many([NewMessage(f"k{i}", f"j{i % 7}", "x", DAY - timedelta(seconds=i))
                              for i in range(2000)], now=DAY)
    engines = [make_engine(database_url) for _ in range(3)]
    shared = Recorder()
    try:
        workers = [worker(DueQueue(e), shared, clock, name=f"w{i}", batch=97)
                   for i, e in enumerate(engines)]
        results = await asyncio.gather(*(w.sweep() for w in workers))
    finally:
        for e in engines:
            await e.dispose()
    keys = [k for k, _ in shared.sent]
    assert len(keys) == 2000 and len(set(keys)) == 2000
    assert sum(r.sent for r in results) == 2000
    assert await queue.counts() == {SENT: 2000}


async def test_reminders_fire_at_paris_times_across_the_dst_change(records):
    """Appointment Mon 2026-10-26 10:00 Paris, booked the Tuesday before: the J-1 reminder goes
    Sun 25 at 18:00 Paris = 17:00 UTC (after the change); the H-2 (08:00) falls in quiet hours and
    goes at their end, 09:00 Paris = 08:00 UTC."""
    cfg = RdvConfig.model_validate({"missions_locales": {"ml-bordeaux": {"availability": [
        {"days": ["lun"], "hours": ["10:00-12:00"], "resource": "accueil"}]}}})
    booked_at = datetime(2026, 10, 20, 15, 0, tzinfo=PARIS)
    slot = slots_between(cfg, "ml-bordeaux", booked_at, booked_at + timedelta(days=7), JoursFeries())[0]
    assert slot.start == datetime(2026, 10, 26, 9, 0, tzinfo=timezone.utc)
    booking = await BookingStore(records.engine).book("j1", slot, booked_at)
    queue = DueQueue(records.engine, cfg.quiet)
    assert await plan_booking_reminders(queue, cfg, booking, booked_at) == 2
    assert await plan_booking_reminders(queue, cfg, booking, booked_at) == 0   # idempotent
    clock, rec = FixedClock(booked_at), Recorder()
    w = worker(queue, rec, clock)
    fired: list[tuple[str, datetime]] = []
    while clock.now() < slot.start:                      # walk the clock 5 minutes at a time
        clock.advance(minutes=5)
        before = len(rec.sent)
        await w.sweep()
        fired += rec.sent[before:]
    assert fired == [
        (f"rdv:{booking.id}:j-1", datetime(2026, 10, 25, 17, 0, tzinfo=timezone.utc)),
        (f"rdv:{booking.id}:h-2", datetime(2026, 10, 26, 8, 0, tzinfo=timezone.utc)),
    ]


async def test_cancelled_appointment_cancels_its_reminders(records):
    cfg = RdvConfig.model_validate({"missions_locales": {"ml-bordeaux": {"availability": [
        {"days": ["lun"], "hours": ["10:00-12:00"], "resource": "accueil"}]}}})
    store = BookingStore(records.engine)
    slot = slots_between(cfg, "ml-bordeaux", DAY, DAY + timedelta(days=7), JoursFeries())[0]
    booking = await store.book("j1", slot, DAY)
    queue = DueQueue(records.engine, cfg.quiet)
    await plan_booking_reminders(queue, cfg, booking, DAY)
    await store.cancel(booking.id, DAY)
    assert await cancel_booking_messages(queue, booking.id, DAY) == 2
    clock, rec = FixedClock(slot.start), Recorder()
    await worker(queue, rec, clock).sweep()
    assert rec.sent == []


async def test_purge_done_keeps_the_queue_small(queue, records):
    clock, rec = FixedClock(DAY), Recorder()
    await queue.enqueue("j1", "x", DAY, "old", now=DAY)
    await queue.enqueue("j1", "x", DAY + timedelta(days=40), "future", now=DAY)
    await worker(queue, rec, clock).sweep()
    assert await queue.purge_done(as_utc(DAY) + timedelta(days=31)) == 1
    assert await records.count(due_messages) == 1
