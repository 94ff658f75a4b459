"""Sessions, flood control, and saving the turn (records in one transaction, then the state)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.dialogue import textes
from bot.dialogue.turn import (
    SEEN_KEEP,
    Turn,
)
from bot.messages import Reply
from bot.reperage import event_log

log = logging.getLogger(__name__)


class Saving:
    """The end of the turn: what it produced is written, exactly once per message id."""

    def _session(self, t: Turn) -> None:
        """A `contact` event for the first message and after a silence (one per session)."""
        state = t.state
        session = state.get("session")
        gap = timedelta(minutes=self.settings.contact_session_minutes)
        last = datetime.fromisoformat(session["last_at"]) if session else None
        # A contact counts when a person writes: the web page's own "start" (sent by every load
        # or reload, by a bot opening sessions) opens the session without counting it; the first
        # message or button press of the session does. (Telegram's /start is a person's tap.)
        by_page = t.incoming.kind == "start" and t.incoming.channel == "web"
        if session is None or last is None or t.at - last >= gap or t.at < last - gap:
            state["session"] = {"started_at": t.at.isoformat(), "last_at": t.at.isoformat(),
                                "source": t.incoming.source, "contact_event": None}
            if by_page:
                state["session"]["uncounted"] = True
            else:
                self._contact(t, t.incoming.source)
            t.profile_updates["last_seen_at"] = t.at.isoformat()
            if not t.profile.get("first_seen_at"):
                t.profile_updates["first_seen_at"] = t.at.isoformat()
            if t.incoming.source:
                action = self._action_for_code(t.incoming.source)
                if action:
                    t.profile_updates["source_action"] = action.id
        else:
            session["last_at"] = t.at.isoformat()
            if session.get("uncounted") and not by_page:
                session.pop("uncounted")
                self._contact(t, session.get("source"))

    def _contact(self, t: Turn, source: str | None) -> None:
        data = {"source": source} if source else {}
        data["kind_in"] = t.incoming.kind
        t.events.append({"kind": "contact", "data": data, "_session_start": True})

    def _flooding(self, t: Turn) -> bool:
        """A jeune sending many messages in a few seconds is slowed down, not served each one."""
        window = self.settings.flood_seconds
        recent = [x for x in t.state.get("flood", []) if t.at.timestamp() - x < window]
        recent.append(t.at.timestamp())
        t.state["flood"] = recent[-(self.settings.flood_messages + 5):]
        count = len(recent)
        if count == self.settings.flood_messages + 1:
            t.replies.append(Reply(textes.SLOW_DOWN))
            return True
        return count > self.settings.flood_messages + 1

    async def _save(self, t: Turn, first_time: bool, held) -> None:
        state = t.state
        profile = t.profile
        consent = event_log.consented(profile, t.profile_updates)
        updates = event_log.kept_updates(profile, t.profile_updates)
        if profile.get("unreachable") and "unreachable" not in updates:
            updates["unreachable"] = False      # they wrote: reachable again (blocked → unblocked)
        if t.incoming.first_name and consent and not profile.get("first_name"):
            updates["first_name"] = t.incoming.first_name[:80]
        profile.update(updates)
        facts = self._facts(t)
        ml_id = facts.get("mission_locale")
        session = state["session"]
        attribution = event_log.attribution_for(
            self.s.config, self.s.holidays, datetime.fromisoformat(session["started_at"]), ml_id,
            session.get("source"))
        events = event_log.build_events(t.events, at=t.at, channel=t.incoming.channel,
                                        jeune_id=t.jeune_id, facts=facts, attribution=attribution)
        records = self.s.records

        # the Mission Locale became known during this session: its contact belongs to it.
        # Decided once: a group commit may call contact_fix again (its batch failed, the turn is
        # written alone) and must get the same answer, with the new ids.
        # (or the jeune's age: a 16-year-old who stops after the age question is a minor)
        fix_ml = event_log.needs_contact_fix(session, facts)

        def contact_fix(ids: list[int]):
            for e, event_id in zip(t.events, ids or []):
                if e.get("_session_start"):
                    session["contact_event"] = event_id
            if fix_ml and session.get("contact_event"):
                event_log.mark_contact_fixed(session, facts)
                return session["contact_event"], event_log.contact_fix(facts, attribution)
            return None

        transcript = []
        if consent or state["mode"] == "human" or t.inbox_status in ("crisis", "waiting"):
            channel = t.incoming.channel
            if t.transcript_in is not None:
                transcript.append((t.at, "in", "jeune", channel, t.transcript_in))
            transcript += [(t.at, "out", reply.author, channel, reply.text) for reply in t.replies]
        conversations = self.s.conversations
        touch = None
        if conversations is not None and (
                t.inbox_status or state["mode"] == "human" or any(e.get("_session_start") for e in t.events)):
            touch = dict(status=t.inbox_status, mission_locale=ml_id,
                         unread=1 if (state["mode"] == "human" or t.inbox_status) else 0,
                         first_name=profile.get("first_name") if consent else None)
        # the inbox row goes in the turn's transaction when both stores share the database
        together = touch is not None and conversations.engine is records.engine
        inbox = (conversations.touch_many_in, dict(
            jeune_id=t.jeune_id, channel=t.incoming.channel, at=t.at, **touch)) if together else None

        # the replies too, when the channel's go through the durable outbox: a reply is never
        # lost once the turn is committed (an erasure's last answer belongs to nobody)
        outbox = self.s.outbox
        durable = outbox is not None and outbox.durable(t.incoming.channel)
        out_rows = outbox.rows_for(None if state.get("forget") else t.jeune_id, t.incoming.channel,
                                   t.incoming.address, t.replies, at=t.at) if durable else []

        # one transaction for the turn's events, profile, transcript (and inbox row)
        saved = await records.save_turn(
            events, jeune_id=t.jeune_id, fix=contact_fix, profile_updates=event_log.db_values(updates),
            transcript=transcript, batched=inbox, replies=out_rows,
            message_id=t.incoming.message_id, at=t.at,
            link=(t.incoming.channel, t.incoming.address) if first_time else None)
        if saved is None:
            # this message's turn was committed before, then its state write failed or the
            # process died: the redelivery saves the state and answers, and counts nothing twice
            # (the alert goes out again: a second alert is better than none)
            log.info("message %s of %s already recorded; state saved again, nothing counted twice",
                     t.incoming.message_id, t.jeune_id)
        if durable:
            # written now (or by the first run of this message, still to deliver): the channel
            # flushes the address instead of sending these itself
            for reply, row in zip(t.replies, out_rows):
                reply.queued = row if saved is not None else True
        if touch is not None and not together:
            await conversations.touch(t.jeune_id, t.incoming.channel, t.at, **touch)
        if t.alert:
            await self.s.alerts.publish({**t.alert, "jeune_id": t.jeune_id, "mission_locale": ml_id,
                                         "at": t.at.isoformat(),
                                         "first_name": profile.get("first_name") if consent else None})
        if state.pop("forget", False):
            await self.forget(t.jeune_id, locked=True)
            return
        if t.incoming.message_id:
            state["seen"] = (state["seen"] + [t.incoming.message_id])[-SEEN_KEEP:]
        if not consent:
            for key in event_log.PERSONAL_FIELDS:
                state["slots"].pop(key, None)
        await held.save(state, ttl=self.settings.state_ttl_days * 86400)
