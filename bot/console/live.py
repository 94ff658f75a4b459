"""Live alerts for référents: crisis and "asked for a human" reach the open console pages (SSE) of
the référents of that Mission Locale and of admins, and the Telegram référents group when one is
configured.

The engine publishes alerts on `services.alerts` inside the jeune's turn (with Redis, through a
channel every web worker listens to): the listener here only queues, and the Telegram message is
sent in a background task, so a slow Telegram never slows a jeune's answer. With several workers,
each one receives every alert; a row in `console_relayed_alerts` (primary key = the alert) lets
exactly one of them post it to the group.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot.console.accounts import Account
from bot.console.tables import relayed_alerts
from bot.messages import Reply

log = logging.getLogger(__name__)

QUEUE_SIZE = 100


@dataclass(eq=False)
class Listener:
    """One open console page (one SSE connection)."""
    account: Account
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))


def alert_for_page(alert: dict[str, Any]) -> dict[str, Any]:
    """What a console page is told: the kind, the first name, the link; nothing else."""
    return {"kind": alert.get("kind"), "jeune_id": alert.get("jeune_id"),
            "mission_locale": alert.get("mission_locale"), "first_name": alert.get("first_name"),
            "at": alert.get("at"), "url": f"/console/c/{alert.get('jeune_id')}"}


def telegram_text(alert: dict[str, Any], ml_name: str | None, public_url: str | None) -> str:
    """For the référents' Telegram group: a first name at most, and the link to the console."""
    what = "Détresse signalée" if alert.get("kind") == "crisis" else "Demande à parler à un conseiller"
    who = alert.get("first_name") or "un·e jeune"
    where = f" ({ml_name})" if ml_name else " (Mission Locale pas encore connue)"
    link = f"{public_url or ''}/console/c/{alert.get('jeune_id')}"
    mark = "🚨 " if alert.get("kind") == "crisis" else ""
    return f"{mark}{what} : {who}{where}.\nOuvrir la conversation : {link}"


class LiveHub:
    def __init__(self, services: Any):
        self.services = services
        self.listeners: set[Listener] = set()
        self._tasks: set[asyncio.Task] = set()
        self._unsubscribe = None

    def start(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self.services.alerts.subscribe(self.on_alert)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def listen(self, account: Account) -> Listener:
        listener = Listener(account)
        self.listeners.add(listener)
        return listener

    def leave(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    def connected(self, ml_id: str | None) -> bool:
        """An open console page (in this worker) of someone who may answer a jeune of `ml_id`."""
        return any(l.account.role == "admin" or (
            l.account.role == "referent" and ml_id is not None and l.account.mission_locale == ml_id)
            for l in self.listeners)

    async def on_alert(self, alert: dict[str, Any]) -> None:
        if alert.get("kind") not in ("crisis", "handoff"):
            return
        shown = alert_for_page(alert)
        for listener in list(self.listeners):
            if listener.account.can_see_ml(alert.get("mission_locale")):
                try:
                    listener.queue.put_nowait(("alert", shown))
                except asyncio.QueueFull:   # a page that stopped reading; it reloads its inbox anyway
                    log.warning("console page too slow; alert dropped for it")
        chat_id = self.services.config.settings.referent_alert_chat_id
        if chat_id is not None:
            task = asyncio.create_task(self._relay(alert, chat_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _relay(self, alert: dict[str, Any], chat_id: int) -> None:
        channel = self.services.outbox.channels.get("telegram")
        if channel is None:
            log.warning("referent_alert_chat_id is set but the Telegram channel is not running")
            return
        now = self.services.clock.now()
        key = f"{alert.get('kind')}:{alert.get('jeune_id')}:{alert.get('at')}"[:200]
        engine = self.services.records.engine
        try:
            async with engine.begin() as conn:
                await conn.execute(relayed_alerts.insert().values(key=key, at=now))
                await conn.execute(delete(relayed_alerts).where(
                    relayed_alerts.c.at < now - timedelta(days=2)))
        except IntegrityError:
            return   # another worker posts this one
        ml = self.services.config.ml_by_id.get(alert.get("mission_locale") or "")
        text = telegram_text(alert, ml.name if ml else None, self.services.env.public_url)
        try:
            bot = getattr(channel, "bot", None)
            if bot is not None:
                # the channel's bot directly: `send` is for jeunes (a group that refuses the
                # message must not be marked as an unreachable jeune)
                await bot.send_message(chat_id, text)
            else:
                await channel.send(str(chat_id), [Reply(text)])
        except Exception:
            log.exception("could not post the alert to the référents' Telegram group %s", chat_id)
