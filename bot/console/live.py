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
from typing import Any

from bot.console.accounts import Account
from bot.console.escalation import Notifier, alert_text
from bot.console.oncall import OnCall
from bot.console.teams import team_of

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
    return alert_text(alert.get("kind") or "", alert.get("first_name"), ml_name,
                      f"{public_url or ''}/console/c/{alert.get('jeune_id')}")


class LiveHub:
    def __init__(self, services: Any, notifier: Any = None):
        self.services = services
        if notifier is None:
            notifier = Notifier(services, OnCall())
        self.notifier = notifier
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
        """An open console page (in this worker) of a référent of `ml_id` (admins do not count)."""
        return ml_id is not None and any(
            l.account.role == "referent" and l.account.mission_locale == ml_id for l in self.listeners)

    async def on_alert(self, alert: dict[str, Any]) -> None:
        kind = alert.get("kind")
        if kind == "console":
            # a notice for one account (its conversation was taken, given to it…)
            for listener in list(self.listeners):
                if listener.account.id == alert.get("to_account"):
                    self._put(listener, "notice", {k: alert.get(k) for k in (
                        "jeune_id", "text", "status", "assigned_to", "url")})
            return
        if kind not in ("crisis", "handoff"):
            return
        if not alert.get("mission_locale") and alert.get("jeune_id"):
            # no commune yet: the team of the action they came through (a QR code)
            alert = {**alert, "mission_locale": await self.team_of(alert["jeune_id"])}
        shown = alert_for_page(alert)
        for listener in list(self.listeners):
            if listener.account.can_see_ml(alert.get("mission_locale")):
                self._put(listener, "alert", shown)
        task = asyncio.create_task(self._relay(alert))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _put(self, listener: Listener, kind: str, data: dict) -> None:
        try:
            listener.queue.put_nowait((kind, data))
        except asyncio.QueueFull:   # a page that stopped reading; it reloads its inbox anyway
            log.warning("console page too slow; %s dropped for it", kind)

    async def team_of(self, jeune_id: str) -> str | None:
        profile = await self.services.records.get_profile(jeune_id) or {}
        return team_of(self.services.config, None, profile)

    async def escalated(self, conv: dict, step: int, target) -> None:
        """A step of the escalation: the pages of that team ring again."""
        shown = alert_for_page({"kind": "crisis" if conv["status"] == "crisis" else "handoff",
                                "jeune_id": conv["jeune_id"], "mission_locale": conv["team"],
                                "first_name": conv["first_name"], "at": None})
        shown["step"] = step
        for listener in list(self.listeners):
            if listener.account.can_see_ml(conv["team"]):
                self._put(listener, "alert", shown)

    async def _relay(self, alert: dict[str, Any]) -> None:
        """Step 0 of the on-call chain: the team's Telegram group and addresses, and the person
        on duty (bot/console/oncall.py); the global group of settings.yml when the team has none."""
        notifier = self.notifier
        if notifier is None:
            return
        key = f"{alert.get('kind')}:{alert.get('jeune_id')}:{alert.get('at')}"[:200]
        fallback = self.services.config.settings.referent_alert_chat_id
        on_call = notifier.on_call
        at = self.services.clock.now()
        target = on_call.chain(alert.get("mission_locale"), at)[0]
        if target.chat_id is None and fallback is None and not (target.emails and notifier.mailer):
            return
        if not await notifier.claim(key):
            return   # another worker posts this one
        ml = self.services.config.ml_by_id.get(alert.get("mission_locale") or "")
        text = telegram_text(alert, ml.name if ml else None, self.services.env.public_url)
        if target.person:
            text = text.replace("\nOuvrir", f"\nD'astreinte : {target.person}.\nOuvrir", 1)
        what = "Détresse" if alert.get("kind") == "crisis" else "Demande de conseiller"
        await notifier.send(target, text, f"[IN Système] {what}", fallback_chat_id=fallback)
