"""Bookings and raccrochage registrations on SQLite and PostgreSQL: never more than the places."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.clock import PARIS, as_utc
from bot.territoire.jours_feries import JoursFeries
from bot.rdv.slots import RdvConfig, next_free_slots, slots_between
from bot.rdv.store import (
    BOOKED, CANCELLED, MOVED, REGISTERED, WAITING, BookingStore, bookings, registrations,
    session_key, slot_places,
)
from bot.stores.db import make_engine

NOW = datetime(2026, 11, 24, 22, 30, tzinfo=PARIS)
FERIES = JoursFeries()


def cfg(capacity: int = 1) -> RdvConfig:
    return RdvConfig.model_validate({"missions_locales": {"ml-bordeaux": {"availability": [
        {"days": ["lun", "mar", "mer", "jeu", "ven"], "hours": ["14:00-17:00"], "with": "l'accueil",
         "resource": "accueil", "capacity": capacity}]}}})


def first_slots(config: RdvConfig, n: int = 3):
    return slots_between(config, "ml-bordeaux", NOW, NOW + timedelta(days=7), FERIES)[:n]


@pytest.fixture
async def store(records):
    return BookingStore(records.engine)


async def test_book_cancel_frees_the_place(store):
    slot = first_slots(cfg())[0]
    b = await store.book("j1", slot, NOW)
    assert b is not None and b.status == BOOKED and b.slot == slot.key and b.uid == f"rdv-{b.id}@insysteme"
    assert await store.book("j2", slot, NOW) is None
    assert await store.taken([slot.key]) == {slot.key: 1}
    assert (await store.active_booking("j1", NOW)).id == b.id
    cancelled = await store.cancel(b.id, NOW)
    assert cancelled.status == CANCELLED
    assert await store.cancel(b.id, NOW) is None               # twice: nothing more
    assert await store.taken([slot.key]) == {}
    assert await store.active_booking("j1", NOW) is None
    assert (await store.book("j2", slot, NOW)).jeune_id == "j2"


async def test_move_is_atomic_and_keeps_the_calendar_uid(store):
    config = cfg()
    a, b, c = first_slots(config)
    first = await store.book("j1", a, NOW)
    await store.book("j2", c, NOW)
    assert await store.move(first.id, c, NOW) is None           # full: the old one stays
    assert (await store.get(first.id)).status == BOOKED
    moved = await store.move(first.id, b, NOW)
    assert moved.slot == b.key and moved.uid == first.uid and moved.sequence == 1
    old = await store.get(first.id)
    assert old.status == MOVED and old.moved_to == moved.id
    assert await store.taken([a.key, b.key]) == {b.key: 1}
    assert await store.move(first.id, a, NOW) is None           # a moved booking cannot move again
    assert await store.taken([a.key]) == {}


async def test_fifty_jeunes_race_for_the_last_place(records, database_url):
    """Capacity 2, one place taken: 50 jeunes, each on its own connection, book at once."""
    config = cfg(capacity=2)
    slot = first_slots(config)[0]
    await BookingStore(records.engine).book("early", slot, NOW)
    engines = [make_engine(database_url) for _ in range(50)]
    try:
        for e in engines:                         # open every connection before the start
            async with e.connect():
                pass
        go = asyncio.Event()

        async def attempt(i: int):
            store = BookingStore(engines[i])
            await go.wait()
            got = await store.book(f"j{i}", slot, NOW)
            offer = None if got else next_free_slots(config, "ml-bordeaux", NOW, FERIES,
                                                     taken=await store.taken([s.key for s in first_slots(config, 10)]))
            return got, offer

        tasks = [asyncio.create_task(attempt(i)) for i in range(50)]
        await asyncio.sleep(0.05)
        go.set()
        results = await asyncio.gather(*tasks)
    finally:
        for e in engines:
            await e.dispose()
    winners = [b for b, _ in results if b is not None]
    assert len(winners) == 1
    store = BookingStore(records.engine)
    assert await store.taken([slot.key]) == {slot.key: 2}
    assert await records.count(slot_places) == 2 and await records.count(bookings) == 2
    for got, offer in results:
        if got is None:
            assert offer and slot.key not in [s.key for s in offer]
            assert offer[0].key == first_slots(config)[1].key


async def test_registration_waiting_list_and_promotion(store):
    start = as_utc(datetime(2026, 12, 8, 14, 0, tzinfo=PARIS))
    regs = [await store.register(f"j{i}", "ateliers-je-reprends", start, 2, NOW) for i in range(4)]
    assert [r.status for r in regs] == [REGISTERED, REGISTERED, WAITING, WAITING]
    assert regs[0].session == "ateliers-je-reprends:202612081400" == session_key("ateliers-je-reprends", start)
    assert (await store.register("j0", "ateliers-je-reprends", start, 2, NOW)).id == regs[0].id
    assert [await store.waiting_position(r) for r in regs[2:]] == [1, 2]
    assert await store.session_counts([regs[0].session]) == {regs[0].session: (2, 2)}
    cancelled, promoted = await store.cancel_registration(regs[1].id, NOW)
    assert cancelled.status == CANCELLED and promoted.id == regs[2].id and promoted.status == REGISTERED
    assert await store.waiting_position(regs[3]) == 1
    # a waiting one who cancels frees nothing and promotes nobody
    cancelled, promoted = await store.cancel_registration(regs[3].id, NOW)
    assert cancelled.status == CANCELLED and promoted is None
    assert await store.session_counts([regs[0].session]) == {regs[0].session: (2, 0)}
    assert await store.cancel_registration(regs[3].id, NOW) == (None, None)


async def test_concurrent_registrations_and_cancellations(records, database_url):
    start = as_utc(datetime(2026, 12, 8, 14, 0, tzinfo=PARIS))
    engines = [make_engine(database_url) for _ in range(10)]
    try:
        stores = [BookingStore(e) for e in engines]
        regs = await asyncio.gather(*(
            stores[i % 10].register(f"j{i}", "cej", start, 5, NOW) for i in range(30)))
        assert sum(r.status == REGISTERED for r in regs) == 5
        registered = [r for r in regs if r.status == REGISTERED]
        # the five cancel at once: five different waiting jeunes get the places, oldest first
        outcomes = await asyncio.gather(*(
            stores[i].cancel_registration(r.id, NOW) for i, r in enumerate(registered)))
    finally:
        for e in engines:
            await e.dispose()
    promoted = [p for _, p in outcomes]
    assert all(p is not None for p in promoted)
    assert len({p.id for p in promoted}) == 5
    waiting_ids = sorted(r.id for r in regs if r.status == WAITING)
    assert sorted(p.id for p in promoted) == waiting_ids[:5]
    store = BookingStore(records.engine)
    assert (await store.session_counts([regs[0].session]))[regs[0].session] == (5, 20)


async def test_forget_removes_bookings_and_registrations(store, records):
    slot = first_slots(cfg())[0]
    await store.book("j1", slot, NOW)
    start = as_utc(datetime(2026, 12, 8, 14, 0, tzinfo=PARIS))
    await store.register("j1", "cej", start, 1, NOW)
    await store.forget("j1")
    assert await records.count(bookings) == 0 and await records.count(registrations) == 0
    assert await store.taken([slot.key]) == {}
    assert await store.book("j2", slot, NOW) is not None


async def test_attendance(store):
    slot = first_slots(cfg())[0]
    b = await store.book("j1", slot, NOW)
    assert await store.mark_attendance(b.id, False, NOW)
    assert [m.id for m in await store.missed_since(NOW - timedelta(days=1))] == [b.id]
    assert await store.mark_attendance(b.id, True, NOW)
    assert await store.missed_since(NOW - timedelta(days=1)) == []
    assert not await store.mark_attendance("nope", True, NOW)
