"""Group commit: the turns being saved at the same moment share one transaction.

Under load dozens of turns finish within the same few milliseconds. Each used to open its own
transaction: a pool checkout, BEGIN, one statement per table, COMMIT (and a WAL flush), a third
of the web process's CPU at saturation (docs/performance.md). Here a turn hands its writes to
the writer and waits; the writer takes every turn queued while the previous transaction ran and
writes them together: one BEGIN, one multi-row statement per table, one COMMIT. Nobody waits on a
timer: an idle writer starts at once with a batch of one.

A turn's reply still waits for its own durable write. When a batch fails for a reason that is not
the database being down (one turn's data, a bug in a callback), each turn is written again alone,
so one bad turn does not fail the others.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Callable

log = logging.getLogger(__name__)


@dataclass
class TurnWrite:
    """What one turn writes (see RecordStore.save_turn)."""
    jeune_id: str
    events: list[dict[str, Any]]
    profile_updates: dict[str, Any]
    transcript: list[dict[str, Any]]
    fix: Callable[[list[int]], tuple[int, dict[str, Any]] | None] | None = None
    message_id: str | None = None
    at: datetime | None = None
    link: tuple[str, str] | None = None
    batched: tuple[Callable[[Any, list[Any]], Awaitable[None]], Any] | None = None
    replies: list[Any] = field(default_factory=list)      # bot.stores.outbox.NewReply
    future: asyncio.Future = field(default=None)  # type: ignore[assignment]


# writes a batch in one transaction; returns, per turn, its event ids or None (already handled)
WriteBatch = Callable[[list[TurnWrite]], Awaitable[list[list[int] | None]]]


class GroupCommit:
    def __init__(self, write_batch: WriteBatch, is_down: Callable[[BaseException], bool],
                 max_batch: int = 256):
        self._write_batch = write_batch
        self._is_down = is_down
        self.max_batch = max_batch
        self._queue: list[TurnWrite] = []
        self._writer: asyncio.Task | None = None
        self.batches = 0           # how many transactions, how many turns (tests read them)
        self.turns = 0

    async def submit(self, write: TurnWrite) -> list[int] | None:
        write.future = asyncio.get_running_loop().create_future()
        write.future.add_done_callback(_retrieved)
        self._queue.append(write)
        if (self._writer is None or self._writer.done()
                or self._writer.get_loop() is not write.future.get_loop()):
            # (a writer of another event loop, gone with it, left its queue: that queue is dead)
            self._queue = [w for w in self._queue if w.future.get_loop() is write.future.get_loop()]
            self._writer = asyncio.create_task(self._run())
        # shielded: a turn cancelled while waiting must not cancel the shared write under it
        return await asyncio.shield(write.future)

    async def _run(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            try:
                results = await self._write_batch(batch)
            except Exception as exc:
                if len(batch) == 1 or self._is_down(exc):
                    for write in batch:
                        _fail(write, exc)
                    continue
                log.warning("a batch of %d turns failed (%r); writing each alone", len(batch), exc)
                for write in batch:
                    try:
                        (result,) = await self._write_batch([write])
                    except Exception as alone:
                        _fail(write, alone)
                    else:
                        _done(write, result)
                continue
            except BaseException as exc:        # cancelled (shutdown): nobody must wait forever
                for write in batch + self._queue:
                    _fail(write, exc)
                self._queue = []
                raise
            self.batches += 1
            self.turns += len(batch)
            for write, result in zip(batch, results):
                _done(write, result)


def _done(write: TurnWrite, result: list[int] | None) -> None:
    if not write.future.done():
        write.future.set_result(result)


def _fail(write: TurnWrite, exc: BaseException) -> None:
    if write.future.done():
        return
    if isinstance(exc, asyncio.CancelledError):
        write.future.cancel()
    else:
        write.future.set_exception(exc)


def _retrieved(future: asyncio.Future) -> None:
    # a turn cancelled while waiting no longer reads its future: no "never retrieved" warning
    if not future.cancelled():
        future.exception()
