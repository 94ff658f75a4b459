"""Alerts for référents (crisis, request for a human): to whoever listens (console live view,
Telegram référents group). In-process fan-out; with Redis, published on a channel so every web
worker's console sees them."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable

log = logging.getLogger(__name__)
Listener = Callable[[dict[str, Any]], Awaitable[None]]


class Alerts:
    def __init__(self, redis=None, channel: str = "insysteme:alerts"):
        self._listeners: list[Listener] = []
        self._redis = redis
        self._channel = channel
        self._task: asyncio.Task | None = None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def publish(self, alert: dict[str, Any]) -> None:
        if self._redis is not None:
            try:
                await self._redis.publish(self._channel, json.dumps(alert, default=str))
                return
            except Exception:
                log.exception("alert publish to redis failed; delivering locally")
        await self._fan_out(alert)

    async def _fan_out(self, alert: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            try:
                await listener(alert)
            except Exception:
                log.exception("alert listener failed")

    async def start(self) -> None:
        if self._redis is None or self._task:
            return
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self._channel)
        self._task = asyncio.create_task(self._pump(pubsub))

    async def _pump(self, pubsub) -> None:
        """Relay published alerts; when Redis goes away, subscribe again once it is back (an
        alert published meanwhile fell back to local delivery in `publish`)."""
        delay = 0.5
        while True:
            try:
                async for msg in pubsub.listen():
                    delay = 0.5
                    if msg.get("type") == "message":
                        await self._fan_out(json.loads(msg["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:   # noqa: BLE001 — connection lost; keep trying
                log.warning("alerts: Redis subscription lost (%s); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
            try:
                await pubsub.reset()
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(self._channel)
            except Exception:   # noqa: BLE001 — still down; next round
                continue

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            self._task = None
