"""The sender of the durable outbox (bot/stores/outbox.py): every reply reaches the jeune's channel.

A turn's replies are rows written with the turn; right after, the channel that received the
message asks `flush(channel, address)`: the rows of that address are claimed and sent in order,
under a per-address lock (two turns of one jeune never interleave their replies). What a flush
could not do — the process died, the channel failed, another process wrote the rows (the
scheduler) — is found by the sweep, which runs in every process that has channels: rows left
`pending` for a few seconds, claims whose lease ran out, retries whose time has come.

Lanes: crisis (0) before conversation (1) before background (2: reminders, broadcasts). The sweep
takes rows lane by lane and gives background addresses only a couple of slots at a time, and
Telegram's limiter serves the lowest lane first (bot/channels/telegram.py), so a burst of
reminders never holds back an answer.

Messages that start on our side (a référent's reply, a reminder) go the same way: `deliver()`
writes them and flushes at once. Nothing goes to a jeune who said STOP or blocked the bot, unless
`force` (a référent answering a jeune who just wrote); the check is made again when a background
row is sent, so a STOP said in between wins.
"""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections import OrderedDict
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from bot.channels.base import Channel
from bot.clock import Clock, SystemClock
from bot.messages import Reply
from bot.stores.outbox import (
    BACKGROUND, CONVERSATION, CRISIS, FAILED, NewReply, OutboxStore, OutRow, finish_sent_in,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12                 # about an hour of retries with the backoff below


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 600))


class Outbox:
    def __init__(self, records, store: OutboxStore | None = None,
                 channels: dict[str, Channel] | None = None, *, clock: Clock | None = None,
                 lease_seconds: float = 10.0, grace: timedelta = timedelta(seconds=0.5),
                 sweep_every: float = 1.0, background_slots: int = 2, address_slots: int = 32):
        self.records = records
        self.store = store
        self.clock = clock or SystemClock()
        self.channels: dict[str, Channel] = {}
        for channel in (channels or {}).values():
            self.register(channel)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease_seconds = lease_seconds
        self.grace = grace
        self.sweep_every = sweep_every
        self.sweep_limit = 100
        self._background = asyncio.Semaphore(background_slots)
        self._addresses = asyncio.Semaphore(address_slots)
        self._locks: OrderedDict[tuple[str, str], list] = OrderedDict()
        self._wake = asyncio.Event()
        self._sweeper: asyncio.Task | None = None
        self._holding = 0             # sends in progress: their claims are renewed while > 0
        self._renewer: asyncio.Task | None = None
        self.sent = 0                 # counters for /metrics and the tests
        self.failed = 0
        self.retried = 0

    # channels ----------------------------------------------------------------------------------
    def register(self, channel: Channel) -> None:
        self.channels[channel.name] = channel
        bind = getattr(channel, "bind_outbox", None)
        if bind is not None:
            bind(self)

    def durable(self, channel_name: str) -> bool:
        """True when this channel's replies go through the durable outbox."""
        channel = self.channels.get(channel_name)
        return self.store is not None and channel is not None and getattr(channel, "durable", False)

    def rows_for(self, jeune_id: str | None, channel: str, address: str, replies: list[Reply],
                 at=None, lane: int | None = None, check_stop: bool = False,
                 key: str | None = None) -> list[NewReply]:
        """The rows of these replies, written claimed by this worker: it sends them right after
        the commit, without a claim of its own (unless the address has rows waiting)."""
        out = []
        until = self.clock.now() + timedelta(seconds=self.lease_seconds)
        for index, reply in enumerate(replies):
            row_lane = CRISIS if reply.priority == "crisis" else (CONVERSATION if lane is None else lane)
            out.append(NewReply(channel=channel, address=address, payload=reply.to_payload(),
                                lane=row_lane, jeune_id=jeune_id, check_stop=check_stop, at=at,
                                key=f"{key}#{index}@{channel}:{address}"[:200] if key else None,
                                claim_by=self.worker_id, claim_until=until))
        return out

    # messages that start on our side ------------------------------------------------------------
    async def deliver(self, jeune_id: str, replies: list[Reply], author: str = "bot",
                      force: bool = False, lane: int | None = None, key: str | None = None) -> bool:
        """True when a channel took the messages or the durable outbox holds them for delivery.
        `key` makes the hand-over idempotent (a reminder handed over twice is written once)."""
        profile = await self.records.get_profile(jeune_id) or {}
        if not force and (profile.get("stopped") or profile.get("unreachable")):
            return False
        for reply in replies:
            reply.author = author
        lane = lane if lane is not None else (CONVERSATION if force else BACKGROUND)
        delivered = False
        durable: list[NewReply] = []
        for channel_name, address in await self.records.addresses(jeune_id):
            channel = self.channels.get(channel_name)
            if channel is None:
                continue
            if self.durable(channel_name):
                durable += self.rows_for(jeune_id, channel_name, address, replies, lane=lane,
                                         check_stop=not force, key=key, at=self.clock.now())
                continue
            try:
                delivered = await channel.send(address, replies) or delivered
            except Exception:  # one broken channel must not stop the others
                log.exception("delivery to %s failed", channel_name)
        if durable:
            await self.store.add(durable, self.clock.now())
            for channel_name, address in dict.fromkeys((r.channel, r.address) for r in durable):
                await self.flush(channel_name, address,
                                 [r for r in durable if (r.channel, r.address) == (channel_name, address)])
            # sent now, or kept for a retry: it will arrive; every row failed (blocked): it will not
            failed = await self.store.failed_among([r.id for r in durable if r.id is not None])
            delivered = delivered or len(failed) < len([r for r in durable if r.id is not None]) \
                or any(r.id is None for r in durable)
        return delivered

    async def was_handed_over(self, key: str) -> bool:
        return self.store is not None and await self.store.has_key_prefix(f"{key}#")

    # sending -----------------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    async def flush(self, channel: str, address: str, written: list[NewReply] | None = None) -> int:
        """Send the ready rows of one address now, in order; returns how many went out. Never
        raises: what is not sent stays in the table for the sweep.

        `written`: the rows a turn just committed. Written claimed by this worker (the address
        had nothing waiting), they are sent as they are: no claim, one statement at the end."""
        if self.store is None or channel not in self.channels:
            return 0
        try:
            with self._holding_claims():
                return await self._flush(channel, address, written)
        except Exception:
            log.exception("outbox: flush of a %s address failed; the sweep will retry", channel)
            self.wake()
            return 0

    async def _flush(self, channel: str, address: str, written: list[NewReply] | None) -> int:
        async with self._address_lock(channel, address):
            own = [r for r in written or () if r.id is not None and r.claim_by == self.worker_id]
            if own and len(own) == len(written):
                ordered = sorted(own, key=lambda r: r.lane)       # crisis first, then in order
                done, _more = await self._send_address(channel, address,
                                                       [r.out_row() for r in ordered])
                return done
            sent = 0
            for _ in range(10):       # rows another process wrote meanwhile, then stop
                rows = await self.store.claim_address(channel, address, self.worker_id,
                                                      self.clock.now(), self.lease_seconds)
                if not rows:
                    break
                done, more = await self._send_address(channel, address, rows)
                sent += done
                if not more:
                    break
            return sent

    async def sweep_once(self) -> int:
        """Claim what nobody is delivering and send it, lane by lane; returns rows sent."""
        if self.store is None:
            return 0
        names = [n for n in self.channels if self.durable(n)]
        if not names:
            return 0
        with self._holding_claims():
            rows = await self.store.claim_ready(names, self.worker_id, self.clock.now(),
                                                self.lease_seconds, self.grace, limit=self.sweep_limit)
            groups: dict[tuple[str, str], list[OutRow]] = {}
            for row in rows:
                groups.setdefault((row.channel, row.address), []).append(row)
            results = await asyncio.gather(*(self._sweep_group(key, group)
                                             for key, group in groups.items()))
        return sum(results)

    async def _sweep_group(self, key: tuple[str, str], rows: list[OutRow]) -> int:
        background = all(r.lane >= BACKGROUND for r in rows)
        slots = self._background if background else self._addresses
        async with slots:
            async with self._address_lock(*key):
                done, _more = await self._send_address(key[0], key[1], rows)
                return done

    async def _send_address(self, channel_name: str, address: str,
                            rows: list[OutRow]) -> tuple[int, bool]:
        """Send claimed rows of one address in order. Returns (sent, whether to go on).

        The lease is short (a dead process's rows are taken over within seconds) and renewed
        while this process holds claims (a 429 pause can be long; rows of a sweep wait for a
        slot), by one statement for all."""
        with self._holding_claims():
            return await self._send_rows(channel_name, address, rows)

    @contextmanager
    def _holding_claims(self):
        self._holding += 1
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.create_task(self._renew_while_holding(), name="outbox-lease")
        try:
            yield
        finally:
            self._holding -= 1

    async def _renew_while_holding(self) -> None:
        while self._holding > 0:
            await asyncio.sleep(self.lease_seconds / 3)
            if self._holding <= 0:
                break
            try:
                await self.store.renew(self.worker_id, self.clock.now(), self.lease_seconds)
            except Exception as err:
                log.warning("outbox: could not renew the lease: %r", err)

    async def _send_rows(self, channel_name: str, address: str,
                         rows: list[OutRow]) -> tuple[int, bool]:
        channel = self.channels[channel_name]
        done: list[OutRow] = []
        try:
            return await self._send_each(channel, channel_name, address, rows, done)
        finally:
            # one statement for the rows that went out (a crash before it: sent again, at least
            # once; the web mailbox recognises its own)
            if done:
                await self._finish_sent(done)

    async def _send_each(self, channel, channel_name: str, address: str, rows: list[OutRow],
                         done: list[OutRow]) -> tuple[int, bool]:
        store, me = self.store, self.worker_id
        sent = 0
        for index, row in enumerate(rows):
            now = self.clock.now()
            if row.check_stop and row.jeune_id and await self._stopped(row.jeune_id):
                await store.finish(row, me, now, FAILED, "stopped: the jeune said STOP or blocked the bot")
                continue
            oid = f"o{row.id}"
            if row.attempts > 1:
                # claimed before (its worker died, or the channel failed): the web mailbox can
                # tell whether it got there; Telegram cannot (sent again: at least once)
                asked = getattr(channel, "was_delivered", None)
                if asked is not None and await asked(address, oid):
                    done.append(row)
                    continue
            reply = Reply.from_payload(row.payload)
            try:
                ok = await channel.send(address, [reply], key=oid, lane=row.lane)
            except Exception as err:
                rest = rows[index:]
                permanent = getattr(channel, "permanent_error", None)
                if permanent is not None and permanent(err):
                    # the channel refuses this message for good (Telegram's 400): it does not
                    # become sendable by waiting; the next ones still go
                    await store.finish(row, me, self.clock.now(), FAILED, f"refused: {err!r}")
                    self.failed += 1
                    log.error("outbox: %s refused a message for good: %r", channel_name, err)
                    continue
                give_up = [r for r in rest if r.attempts >= MAX_ATTEMPTS]
                for r in give_up:
                    await store.finish(r, me, self.clock.now(), FAILED, f"gave up: {err!r}")
                    self.failed += 1
                again = [r.id for r in rest if r.attempts < MAX_ATTEMPTS]
                await store.retry(again, me, self.clock.now() + backoff(row.attempts), repr(err))
                self.retried += len(again)
                log.warning("outbox: %s send failed (%r); %d row(s) retried later",
                            channel_name, err, len(again))
                return sent, False
            if not ok:                    # unreachable (blocked the bot): the rest cannot go
                for r in rows[index:]:
                    await store.finish(r, me, self.clock.now(), FAILED, "unreachable")
                    self.failed += 1
                return sent, False
            done.append(row)
            sent += 1
            self.sent += 1
        return sent, True

    async def _finish_sent(self, rows: list[OutRow]) -> None:
        """Through the records' group commit: under load the sent rows of many flushes share
        the turns' transaction (no batching of our own on top of it)."""
        await self.records.save_turn([], jeune_id="-", batched=(
            finish_sent_in, (rows, self.worker_id, self.clock.now())))

    async def _stopped(self, jeune_id: str) -> bool:
        profile = await self.records.get_profile(jeune_id) or {}
        return bool(profile.get("stopped") or profile.get("unreachable"))

    def _address_lock(self, channel: str, address: str) -> "_Held":
        return _Held(self._locks, (channel, address))

    # the sweep's life --------------------------------------------------------------------------
    async def start(self) -> None:
        if self.store is not None and self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="outbox-sweep")

    async def stop(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
        if self._sweeper is not None:
            self._sweeper.cancel()
            try:
                await self._sweeper
            except asyncio.CancelledError:
                pass
            self._sweeper = None

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception as err:        # the database is down: try again next time
                log.warning("outbox sweep failed: %r", err)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.sweep_every)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()


class _Held:
    """One asyncio.Lock per address (FIFO), dropped when nobody holds or waits for it."""

    def __init__(self, locks: OrderedDict, key: tuple[str, str]):
        self.locks, self.key = locks, key

    async def __aenter__(self) -> None:
        entry = self.locks.get(self.key)
        if entry is None:
            entry = self.locks[self.key] = [asyncio.Lock(), 0]
        entry[1] += 1
        try:
            await entry[0].acquire()
        except BaseException:
            self._unref(entry)
            raise

    async def __aexit__(self, *exc: Any) -> None:
        entry = self.locks[self.key]
        entry[0].release()
        self._unref(entry)

    def _unref(self, entry: list) -> None:
        entry[1] -= 1
        if entry[1] <= 0:
            self.locks.pop(self.key, None)
