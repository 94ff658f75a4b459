"""Alerting a human team, and the next person when nobody answers.

`Notifier` sends one step of the on-call chain (oncall.py) on the channels a team watches: its
Telegram group (the Telegram channel's bot, the real client) and e-mail (SMTP with aiosmtplib).
Each send is claimed first in `console_relayed_alerts` (primary key = the step), so with several
web workers exactly one of them sends it.

`Escalator.tick()` looks at the conversations still in crisis or waiting for a person: once a step
delay has passed since the status began without anyone taking it, the next step goes out. It runs
every `check_seconds` in the background and reads the time from the injected clock, so a test
moves the clock and calls `tick()`.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.console.oncall import OnCall, Smtp, Target
from bot.console.tables import relayed_alerts
from bot.console.teams import team_column, with_profile
from bot.messages import Reply
from bot.stores.conversations import conversations
from bot.stores.records import _utc

log = logging.getLogger(__name__)

KIND_LABELS = {"crisis": "Détresse signalée", "handoff": "Demande à parler à un conseiller",
               "waiting": "Demande à parler à un conseiller"}


def alert_text(kind: str, who: str | None, ml_name: str | None, link: str, *, step: int = 0,
               waited_minutes: int | None = None, person: str | None = None) -> str:
    """For a group or a mailbox: a first name at most, where, and the link to the console."""
    what = KIND_LABELS.get(kind, "Alerte")
    who = who or "un·e jeune"
    where = f" ({ml_name})" if ml_name else " (Mission Locale pas encore connue)"
    mark = "🚨 " if kind == "crisis" else ""
    head = f"{mark}{what} : {who}{where}."
    if step:
        head = (f"{mark}Relance {step} — personne n'a pris la conversation depuis "
                f"{waited_minutes} min. {what} : {who}{where}.")
    if person:
        head += f"\nD'astreinte : {person}."
    return f"{head}\nOuvrir la conversation : {link}"


class Mailer:
    """One message per call, over SMTP (aiosmtplib); failures are logged, never raised."""

    def __init__(self, smtp: Smtp):
        self.smtp = smtp
        self.sent = 0

    async def send(self, to: list[str], subject: str, body: str) -> bool:
        message = EmailMessage()
        message["From"] = self.smtp.sender
        message["To"] = ", ".join(to)
        message["Subject"] = subject
        message.set_content(body)
        try:
            await aiosmtplib.send(message, hostname=self.smtp.host, port=self.smtp.port,
                                  start_tls=self.smtp.starttls, timeout=self.smtp.timeout_seconds)
        except Exception:   # noqa: BLE001 — a mail server down must not stop the other channels
            log.exception("could not e-mail the alert to %s", to)
            return False
        self.sent += 1
        return True


class Notifier:
    def __init__(self, services: Any, on_call: OnCall):
        self.services = services
        self.on_call = on_call
        self.mailer = Mailer(on_call.smtp) if on_call.smtp else None

    async def claim(self, key: str) -> bool:
        """True for the one worker that sends this; False when another one did."""
        now = self.services.clock.now()
        engine = self.services.records.engine
        try:
            async with engine.begin() as conn:
                await conn.execute(relayed_alerts.insert().values(key=key[:200], at=now))
                await conn.execute(delete(relayed_alerts).where(
                    relayed_alerts.c.at < now - timedelta(days=2)))
        except IntegrityError:
            return False
        return True

    async def send(self, target: Target, text: str, subject: str,
                   fallback_chat_id: int | None = None) -> None:
        chat_id = target.chat_id if target.chat_id is not None else fallback_chat_id
        jobs = []
        if chat_id is not None:
            jobs.append(self.telegram(chat_id, text))
        if target.emails and self.mailer is not None:
            jobs.append(self.mailer.send(list(target.emails), subject, text))
        if jobs:
            await asyncio.gather(*jobs)

    async def telegram(self, chat_id: int, text: str) -> None:
        channel = self.services.outbox.channels.get("telegram")
        if channel is None:
            log.warning("a référents' Telegram group is set but the Telegram channel is not running")
            return
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


class Escalator:
    """The next person, when a crisis or a request for a person waits too long."""

    def __init__(self, console: Any):
        self.c = console
        self.services = console.services
        self.on_call: OnCall = console.config.on_call
        self.notifier: Notifier = console.notifier
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.on_call.check_seconds)
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:   # noqa: BLE001 — the database may be down a moment; next round
                log.exception("escalation round failed")

    async def pending(self) -> list[dict]:
        """Conversations in crisis or waiting, with their team."""
        team = team_column(self.services.config).label("team")
        q = (select(conversations.c.jeune_id, conversations.c.status, conversations.c.since,
                    conversations.c.first_name, team)
             .select_from(with_profile())
             .where(conversations.c.status.in_(("crisis", "waiting"))))
        async with self.services.records.engine.connect() as conn:
            rows = (await conn.execute(q)).all()
        return [{"jeune_id": r.jeune_id, "status": r.status, "since": _utc(r.since),
                 "first_name": r.first_name, "team": r.team} for r in rows]

    async def tick(self) -> int:
        """Send the steps now due; returns how many went out (from this worker)."""
        now = self.services.clock.now()
        sent = 0
        for conv in await self.pending():
            since: datetime | None = conv["since"]
            if since is None or now - since > timedelta(hours=self.on_call.stop_after_hours):
                continue
            delay = self.on_call.delay(conv["status"])
            chain = self.on_call.chain(conv["team"], since)
            due = min(int((now - since) / delay), len(chain) - 1)
            if due < 1:
                continue
            # only the latest step due: a worker back after a pause does not send a backlog
            key = f"esc:{conv['jeune_id']}:{since.isoformat()}:{due}"
            if not await self.notifier.claim(key):
                continue
            target = chain[due]
            ml = self.services.config.ml_by_id.get(conv["team"] or "")
            kind = "crisis" if conv["status"] == "crisis" else "waiting"
            text = alert_text(kind, conv["first_name"], ml.name if ml else None,
                              self.c.link(conv["jeune_id"]), step=due,
                              waited_minutes=int((now - since).total_seconds() // 60),
                              person=target.person)
            subject = f"[IN Système] Relance {due} : {KIND_LABELS[kind].lower()}"
            await self.notifier.send(target, text, subject)
            await self.c.audit.record("escalation", jeune_id=conv["jeune_id"],
                                      mission_locale=conv["team"], step=due,
                                      to=", ".join(target.emails) or None,
                                      group=target.chat_id)
            await self.c.hub.escalated(conv, due, target)
            sent += 1
        return sent
