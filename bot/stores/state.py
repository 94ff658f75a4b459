"""Conversation state: small JSON documents with a TTL, a per-key lock, and mailboxes.

Two backends behind one interface, as aiogram's FSM storages: in-process (the embedded default, one
process only) and Redis (several workers). The lock serialises one jeune's messages: in-process it is
a FIFO asyncio lock, so messages are handled in arrival order; with Redis a lease (SET NX PX, released
with a compare-and-delete script) is taken on top, so two workers never interleave one jeune.

`locked(lock_key, key)` is the hot path of a message: the lease and the state in one round trip,
then the new state and the release in one (Lua scripts), where `lock` + `get` + `set` took four.
"""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import OrderedDict
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Protocol

from bot.stores import StoreUnavailable


class StateStore(Protocol):
    async def get(self, key: str) -> dict | None: ...
    async def set(self, key: str, value: dict, ttl: int | None = None) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    def lock(self, key: str, timeout: float = 30.0) -> Any: ...
    def locked(self, lock_key: str, key: str, timeout: float = 30.0) -> Any: ...
    async def mailbox_push(self, key: str, item: dict, keep: int = 200, ttl: int | None = None) -> int: ...
    async def mailbox_read(self, key: str, after: int = 0) -> list[tuple[int, dict]]: ...
    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class _FifoLocks:
    """One asyncio.Lock per key (asyncio locks wake waiters in FIFO order), dropped when idle."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class Held:
    """The state read under a lock (`value`, None when absent); `save` writes the new state and,
    with Redis, releases the lease in the same round trip."""

    def __init__(self, value: dict | None, save) -> None:
        self.value = value
        self._save = save
        self.saved = False

    async def save(self, value: dict, ttl: int | None = None) -> None:
        await self._save(value, ttl)
        self.saved = True


class MemoryStateStore:
    """In-process state for the embedded default. Lost on restart unless `path` is given, in
    which case it is snapshotted to a JSON file after each write (enough for `insysteme chat`)."""

    def __init__(self, path: str | None = None, max_keys: int = 200_000):
        self._data: OrderedDict[str, tuple[float | None, Any]] = OrderedDict()
        self._locks = _FifoLocks()
        self._path = path
        self._max_keys = max_keys
        if path:
            self._load()

    def _load(self) -> None:
        try:
            with open(self._path, encoding="utf-8") as fh:
                raw = json.load(fh)
        except (FileNotFoundError, json.JSONDecodeError):
            return
        now = time.time()
        for key, (expires, value) in raw.items():
            if expires is None or expires > now:
                self._data[key] = (expires, value)

    def _save(self) -> None:
        if not self._path:
            return
        import os
        tmp = f"{self._path}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self._data, fh)
        os.replace(tmp, self._path)

    def _alive(self, key: str) -> Any:
        item = self._data.get(key)
        if item is None:
            return None
        expires, value = item
        if expires is not None and expires <= time.time():
            del self._data[key]
            return None
        return value

    async def get(self, key: str) -> dict | None:
        value = self._alive(key)
        return json.loads(value) if value is not None else None

    async def set(self, key: str, value: dict, ttl: int | None = None) -> None:
        self._data[key] = (time.time() + ttl if ttl else None, json.dumps(value))
        self._data.move_to_end(key)
        while len(self._data) > self._max_keys:
            self._data.popitem(last=False)
        self._save()

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._data.pop(key, None)
        self._save()

    def lock(self, key: str, timeout: float = 30.0):
        return self._locks.hold(key)

    @asynccontextmanager
    async def locked(self, lock_key: str, key: str, timeout: float = 30.0) -> AsyncIterator[Held]:
        async with self._locks.hold(lock_key):
            yield Held(await self.get(key), lambda value, ttl: self.set(key, value, ttl))

    async def mailbox_push(self, key: str, item: dict, keep: int = 200, ttl: int | None = None) -> int:
        box = self._alive(key) or {"seq": 0, "items": []}
        box["seq"] += 1
        box["items"] = (box["items"] + [[box["seq"], item]])[-keep:]
        self._data[key] = (time.time() + ttl if ttl else None, box)
        self._save()
        return box["seq"]

    async def mailbox_read(self, key: str, after: int = 0) -> list[tuple[int, dict]]:
        box = self._alive(key)
        if not box:
            return []
        return [(seq, item) for seq, item in box["items"] if seq > after]

    async def keys(self, prefix: str) -> list[str]:
        return [k for k in list(self._data) if k.startswith(prefix) and self._alive(k) is not None]

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._save()


_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""

# KEYS: lease, state; ARGV: token, lease ms → {1, state or nil} when taken, {0} when held by another.
_ACQUIRE_GET = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('get', KEYS[2])}
end
return {0}
"""

# KEYS: state, lease; ARGV: state json, ttl s (0: none), token. The state is written whatever
# happened to the lease (as `set` then the release script did), the lease deleted if still ours.
_SET_RELEASE = """
if tonumber(ARGV[2]) > 0 then
  redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('set', KEYS[1], ARGV[1])
end
if redis.call('get', KEYS[2]) == ARGV[3] then redis.call('del', KEYS[2]) end
return 1
"""

_PUSH = """
local seq = redis.call('incr', KEYS[1])
redis.call('rpush', KEYS[2], seq .. ' ' .. ARGV[1])
redis.call('ltrim', KEYS[2], -tonumber(ARGV[2]), -1)
if tonumber(ARGV[3]) > 0 then
  redis.call('expire', KEYS[1], ARGV[3]); redis.call('expire', KEYS[2], ARGV[3])
end
return seq
"""


class _Pipelined:
    """Script calls made during one pass of the event loop go to Redis as one pipeline: one write
    and one read for all of them instead of a round trip each. Under load dozens of turns take
    their lease or save their state in the same pass; each round trip was a send and a receive
    system call and a trip through redis-py's connection pool (docs/performance.md). Nobody waits
    for a timer: the pipeline leaves at the next pass of the loop."""

    def __init__(self, redis) -> None:
        self.redis = redis
        self._queue: list[tuple[Any, list, list, asyncio.Future]] = []
        self._tasks: set[asyncio.Task] = set()

    def __call__(self, script, keys: list, args: list) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if self._queue and self._queue[0][3].get_loop() is not loop:
            self._queue = []       # left by an event loop that closed before its flush: dead
        if not self._queue:
            loop.call_soon(self._flush)
        self._queue.append((script, keys, args, future))
        return future

    def _flush(self) -> None:
        batch, self._queue = self._queue, []
        task = asyncio.ensure_future(self._send(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: list[tuple[Any, list, list, asyncio.Future]]) -> None:
        try:
            results = await self._execute(batch)
        except BaseException as exc:
            for *_, future in batch:
                if future.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (*_, future), result in zip(batch, results):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _execute(self, batch) -> list:
        from redis.exceptions import NoScriptError, ResponseError
        if len(batch) == 1:        # alone: the script object itself (it reloads after NOSCRIPT)
            script, keys, args, _ = batch[0]
            try:
                return [await script(keys=keys, args=args)]
            except ResponseError as exc:
                return [exc]
        results = await self._pipeline(batch)
        missing = [i for i, result in enumerate(results) if isinstance(result, NoScriptError)]
        if missing:                # Redis restarted and lost its scripts: load them, run those again
            for script in {id(batch[i][0]): batch[i][0] for i in missing}.values():
                await self.redis.script_load(script.script)
            for i, result in zip(missing, await self._pipeline([batch[i] for i in missing])):
                results[i] = result
        return results

    async def _pipeline(self, batch) -> list:
        pipe = self.redis.pipeline(transaction=False)
        for script, keys, args, _ in batch:
            pipe.evalsha(script.sha, len(keys), *keys, *args)
        return await pipe.execute(raise_on_error=False)


def redis_not_ready(exc: BaseException) -> bool:
    """Redis answered, but cannot take the command now: a replica (READONLY), a failed
    background save with stop-writes-on-bgsave-error (MISCONF), loading its data (LOADING),
    a cluster resharding (TRYAGAIN, CLUSTERDOWN), scripts busy (BUSY), out of memory (OOM)."""
    text = str(exc).lstrip("-").upper()
    return text.startswith(("READONLY", "MISCONF", "LOADING", "TRYAGAIN", "CLUSTERDOWN", "BUSY ",
                            "MASTERDOWN", "OOM"))


class RedisStateStore:
    """State in Redis, shared by every worker. Keys live under `prefix`."""

    def __init__(self, url: str, prefix: str = "insysteme:", client=None,
                 max_connections: int = 200, pool_timeout: float = 10.0):
        import redis.asyncio as aioredis
        self.prefix = prefix
        # A blocking pool: under a burst (300 web chats starting at once, 2,000 long polls) a
        # request waits for a free connection instead of failing at once ("Too many
        # connections", redis-py's default cap of 100), which the web chat showed as 503.
        self.redis = client or aioredis.Redis(connection_pool=aioredis.BlockingConnectionPool.from_url(
            url, decode_responses=True, socket_timeout=5, socket_connect_timeout=3,
            max_connections=max_connections, timeout=pool_timeout))
        self._locks = _FifoLocks()
        self._release = self.redis.register_script(_RELEASE)
        self._acquire_get = self.redis.register_script(_ACQUIRE_GET)
        self._set_release = self.redis.register_script(_SET_RELEASE)
        self._push = self.redis.register_script(_PUSH)
        self._pipelined = _Pipelined(self.redis)

    def _k(self, key: str) -> str:
        return self.prefix + key

    async def _call(self, coro):
        import redis.exceptions as rexc
        try:
            return await coro
        except (rexc.ConnectionError, rexc.TimeoutError, OSError) as exc:
            # ConnectionError covers BusyLoadingError (LOADING: restarted, reading its AOF)
            raise StoreUnavailable(f"redis: {exc}") from exc
        except rexc.ResponseError as exc:
            if redis_not_ready(exc):
                raise StoreUnavailable(f"redis: {exc}") from exc
            raise

    async def get(self, key: str) -> dict | None:
        raw = await self._call(self.redis.get(self._k(key)))
        return json.loads(raw) if raw is not None else None

    async def set(self, key: str, value: dict, ttl: int | None = None) -> None:
        await self._call(self.redis.set(self._k(key), json.dumps(value), ex=ttl))

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._call(self.redis.delete(*(self._k(k) for k in keys)))

    @asynccontextmanager
    async def lock(self, key: str, timeout: float = 30.0) -> AsyncIterator[None]:
        async with self._locks.hold(key):
            name, token = self._k("lock:" + key), uuid.uuid4().hex
            deadline = time.monotonic() + timeout
            delay = 0.002
            while not await self._call(self.redis.set(name, token, nx=True, px=int(timeout * 1000))):
                if time.monotonic() > deadline:
                    raise StoreUnavailable(f"lock {key} still held after {timeout}s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
            try:
                yield
            finally:
                try:
                    await self._release(keys=[name], args=[token])
                except Exception:
                    pass  # the lease expires by itself

    @asynccontextmanager
    async def locked(self, lock_key: str, key: str, timeout: float = 30.0) -> AsyncIterator[Held]:
        """`lock(lock_key)` + `get(key)` in one round trip; `Held.save` = `set` + release in one.
        The lease still expires by itself (PX) if this process dies while holding it."""
        async with self._locks.hold(lock_key):
            name, token = self._k("lock:" + lock_key), uuid.uuid4().hex
            state_key = self._k(key)
            deadline = time.monotonic() + timeout
            delay = 0.002
            while True:
                got = await self._call(self._pipelined(
                    self._acquire_get, [name, state_key], [token, int(timeout * 1000)]))
                if got[0]:
                    break
                if time.monotonic() > deadline:
                    raise StoreUnavailable(f"lock {lock_key} still held after {timeout}s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)

            async def save(value: dict, ttl: int | None) -> None:
                await self._call(self._pipelined(
                    self._set_release, [state_key, name], [json.dumps(value), ttl or 0, token]))

            held = Held(json.loads(got[1]) if len(got) > 1 and got[1] is not None else None, save)
            try:
                yield held
            finally:
                if not held.saved:
                    try:
                        await self._release(keys=[name], args=[token])
                    except Exception:
                        pass  # the lease expires by itself

    async def mailbox_push(self, key: str, item: dict, keep: int = 200, ttl: int | None = None) -> int:
        return int(await self._call(self._push(
            keys=[self._k(key + ":seq"), self._k(key)], args=[json.dumps(item), keep, ttl or 0])))

    async def mailbox_read(self, key: str, after: int = 0) -> list[tuple[int, dict]]:
        raw = await self._call(self.redis.lrange(self._k(key), 0, -1))
        out = []
        for entry in raw:
            seq_text, _, body = entry.partition(" ")
            if int(seq_text) > after:
                out.append((int(seq_text), json.loads(body)))
        return out

    async def keys(self, prefix: str) -> list[str]:
        n = len(self.prefix)
        return [k[n:] async for k in self.redis.scan_iter(match=self._k(prefix) + "*", count=500)]

    async def ping(self) -> bool:
        return bool(await self._call(self.redis.ping()))

    async def close(self) -> None:
        await self.redis.aclose()


def make_state_store(redis_url: str | None, snapshot_path: str | None = None,
                     prefix: str = "insysteme:") -> StateStore:
    if redis_url:
        return RedisStateStore(redis_url, prefix=prefix)
    return MemoryStateStore(snapshot_path)
