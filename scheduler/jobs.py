"""What the scheduler does besides the reminders (bot/rdv/reminders.py): deliver due messages
through the Outbox, purge what the retention period no longer allows."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.clock import as_utc
from bot.dialogue.engine import Engine
from bot.rdv.reminders import bookings_of, due_queue_of, render
from bot.stores.due_queue import DueMessage, Outcome

log = logging.getLogger(__name__)

HANDLED_KEEP_DAYS = 7      # Telegram stops redelivering an update after about a day


async def purge_retention(services: Any, now: datetime) -> int:
    """Erase jeunes last seen before the retention period: transcripts, profile, addresses,
    bookings, queued messages, notes, the inbox row, Redis keys. Events and audit entries stay,
    re-keyed to a random id (Engine.forget → RecordStore.forget)."""
    days = services.settings.retention_days if getattr(services, "settings", None) else \
        services.config.settings.retention_days
    cutoff = as_utc(now) - timedelta(days=days)
    queue, bookings = due_queue_of(services), bookings_of(services)
    engine = Engine(services)
    forgotten = 0
    for jeune_id in await services.records.jeunes_last_seen_before(cutoff):
        # the same erasure as the chat's and `insysteme forget`: every table (notes, inbox row
        # with the Telegram first name…), every Redis key, audit entries re-keyed
        await bookings.forget(jeune_id)
        await queue.forget(jeune_id)
        await engine.forget(jeune_id)
        forgotten += 1
    await queue.purge_done(as_utc(now) - timedelta(days=30))
    outbox_store = getattr(getattr(services, "outbox", None), "store", None)
    if outbox_store is not None:
        await outbox_store.purge_done(as_utc(now) - timedelta(days=30))
    await services.records.purge_handled(as_utc(now) - timedelta(days=HANDLED_KEEP_DAYS))
    return forgotten


# --- delivery -------------------------------------------------------------------------------------
class OutboxDeliverer:
    """Renders a due message and sends it with the Outbox (which refuses after STOP)."""

    def __init__(self, services: Any):
        self.services = services
        self.bookings = bookings_of(services)

    async def deliver(self, msg: DueMessage) -> Outcome:
        """Handed over to the durable outbox in the background lane, keyed by the message: from
        there it is sent (after a last STOP check), retried, and never written twice."""
        replies = await render(msg, self.services, self.bookings)
        if replies is None:
            return "obsolete"
        ok = await self.services.outbox.deliver(msg.jeune_id, replies, key=msg.key)
        return "sent" if ok else "stopped"

    async def was_delivered(self, msg: DueMessage) -> bool | None:
        """After a crash mid-hand-over: the outbox knows the key. Without a durable outbox
        (a channel that cannot wait) we cannot tell, so the message is not resent."""
        outbox = self.services.outbox
        if getattr(outbox, "store", None) is None:
            return None
        return await outbox.was_handed_over(msg.key)


