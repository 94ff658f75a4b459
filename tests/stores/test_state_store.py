"""One contract for the conversation-state store, run against every backend."""
import asyncio

import pytest

from bot.stores.state import MemoryStateStore, RedisStateStore
from tests.conftest import REDIS_URL


@pytest.fixture(params=["memory", "redis"])
async def store(request, redis_prefix, tmp_path):
    if request.param == "memory":
        s = MemoryStateStore(str(tmp_path / "state.json"))
    else:
        s = RedisStateStore(REDIS_URL, prefix=redis_prefix)
    yield s
    await s.close()


async def test_get_set_delete(store):
    assert await store.get("a") is None
    await store.set("a", {"x": 1, "l": [], "s": "é"})
    assert await store.get("a") == {"x": 1, "l": [], "s": "é"}
    await store.delete("a")
    assert await store.get("a") is None


async def test_ttl_expires(store):
    await store.set("short", {"v": 1}, ttl=1)
    assert await store.get("short") == {"v": 1}
    await asyncio.sleep(1.3)
    assert await store.get("short") is None


async def test_lock_serialises_in_arrival_order(store):
    order = []

    async def worker(i):
        async with store.lock("jeune"):
            order.append(("in", i))
            await asyncio.sleep(0.01)
            order.append(("out", i))

    tasks = []
    for i in range(10):
        tasks.append(asyncio.create_task(worker(i)))
        await asyncio.sleep(0)   # arrival order 0..9
    await asyncio.gather(*tasks)
    assert order == [x for i in range(10) for x in (("in", i), ("out", i))]


async def test_locks_of_different_keys_do_not_block(store):
    async with store.lock("a"):
        await asyncio.wait_for(_take(store, "b"), timeout=2)


async def _take(store, key):
    async with store.lock(key):
        return True


async def test_mailbox_sequence_and_after(store):
    seqs = [await store.mailbox_push("box", {"text": f"m{i}", "buttons": []}) for i in range(5)]
    assert seqs == [1, 2, 3, 4, 5]
    got = await store.mailbox_read("box", after=3)
    assert got == [(4, {"text": "m3", "buttons": []}), (5, {"text": "m4", "buttons": []})]
    for i in range(5, 8):
        await store.mailbox_push("box", {"text": f"m{i}"}, keep=4)
    assert [s for s, _ in await store.mailbox_read("box")] == [5, 6, 7, 8]


async def test_memory_store_survives_a_restart(tmp_path):
    path = str(tmp_path / "s.json")
    a = MemoryStateStore(path)
    await a.set("k", {"step": 3})
    await a.close()
    b = MemoryStateStore(path)
    assert await b.get("k") == {"step": 3}


async def test_redis_down_raises_store_unavailable():
    from bot.stores import StoreUnavailable
    s = RedisStateStore("redis://127.0.0.1:1/0")
    with pytest.raises(StoreUnavailable):
        await s.get("x")
    await s.close()


async def test_locked_reads_and_saves_under_the_lock(store):
    await store.set("st", {"n": 0})
    order = []

    async def bump(i):
        async with store.locked("jeune", "st") as held:
            order.append(i)
            value = held.value
            await asyncio.sleep(0.005)
            await held.save({"n": value["n"] + 1}, ttl=60)

    tasks = []
    for i in range(8):
        tasks.append(asyncio.create_task(bump(i)))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert order == list(range(8))
    assert await store.get("st") == {"n": 8}      # no lost update: each read saw the last save


async def test_locked_without_save_releases_and_keeps_the_state(store):
    await store.set("st2", {"v": 1})
    async with store.locked("j2", "st2") as held:
        assert held.value == {"v": 1}
    async with store.locked("j2", "st2") as held:   # not stuck: the lock was released
        assert held.value == {"v": 1}
    async with store.locked("j3", "absent") as held:
        assert held.value is None


async def test_redis_lease_expires_when_its_holder_dies(redis_prefix):
    """A process that dies holding the lock must not block the jeune for ever."""
    from tests.conftest import REDIS_URL
    dead = RedisStateStore(REDIS_URL, prefix=redis_prefix)
    cm = dead.locked("jeune", "st", timeout=1.0)
    await cm.__aenter__()          # taken and never released: the holder "dies"
    alive = RedisStateStore(REDIS_URL, prefix=redis_prefix)
    async with alive.locked("jeune", "st", timeout=5.0) as held:
        assert held.value is None
    await alive.close()
    await dead.close()


async def test_many_jeunes_at_once_each_read_and_save_their_own_state(store):
    """The hot path under load: 50 jeunes' turns at once (on Redis their scripts share pipelines),
    each reads its own state and saves its own, twice over."""
    async def turn(n: int) -> None:
        async with store.locked(f"j{n}", f"conv:j{n}") as held:
            value = held.value or {"n": n, "turns": 0}
            assert value["n"] == n
            value["turns"] += 1
            await held.save(value, ttl=60)

    for _ in range(2):
        await asyncio.gather(*(turn(n) for n in range(50)))
    for n in range(50):
        assert await store.get(f"conv:j{n}") == {"n": n, "turns": 2}


async def test_redis_that_lost_its_scripts_is_given_them_again(redis_prefix):
    """A Redis restart forgets loaded scripts (NOSCRIPT): a pipeline of turns reloads them."""
    import redis.asyncio as aioredis
    store = RedisStateStore(REDIS_URL, prefix=redis_prefix)
    admin = aioredis.from_url(REDIS_URL)
    try:
        async def turn(n: int) -> None:
            async with store.locked(f"j{n}", f"conv:j{n}") as held:
                await held.save({"n": n, "seen": (held.value or {}).get("seen", 0) + 1}, ttl=60)

        await asyncio.gather(*(turn(n) for n in range(10)))
        await admin.script_flush()
        await asyncio.gather(*(turn(n) for n in range(10)))
        assert [(await store.get(f"conv:j{n}"))["seen"] for n in range(10)] == [2] * 10
    finally:
        await admin.aclose()
        await store.close()
