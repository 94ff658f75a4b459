"""From a Rasa tracker to an insysteme turn, and back.

Rasa keeps the dialogue (slots, forms, stories); insysteme keeps the domain (communes, repérage,
FAQ, appointments) and the records. One action call is one turn: under the jeune's lock, the
profile is loaded, the session's `contact` event is written when a session starts, the domain
function runs on an ActionContext built from the tracker, then its events, profile fields,
transcript and inbox row are saved with the same rules as the engine (bot/reperage/event_log.py).
"""
from __future__ import annotations

import base64
import json
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, AsyncIterator

from bot.contract import ActionContext, Validation
from bot.dialogue import textes
from bot.dialogue.engine import Engine, new_state
from bot.messages import Button, Reply
from bot.reperage.event_log import (
    attribution_for,
    build_events,
    consented,
    contact_fix,
    db_values,
    kept_updates,
    mark_contact_fixed,
    needs_contact_fix,
    turn_facts,
)
from bot.understanding.crisis import Crisis, crisis_answer, detect_crisis

CHANNEL = "rasa"
MAX_SENDER = 128            # the records' address column
SKIPPED = "inconnu"         # a form slot the jeune chose not to answer ("passer", "jsp")
OUTSIDE = "hors_region"     # a commune outside Nouvelle-Aquitaine
SEEN_KEEP = 50

# Slots of the repérage form: Rasa name → the slot name of flows/reperage.yml (same validator).
FORM_SLOTS = {"age": "age", "commune": "commune_insee", "situation": "situation",
              "known_ml": "known_ml", "last_contact": "last_contact", "disability": "disability"}
DEFAULT_VALIDATORS = {"age": "age", "commune": "commune", "situation": "choice",
                      "known_ml": "yes_no", "last_contact": "last_contact", "disability": "yes_no"}


class BadRequest(ValueError):
    """The action call is not something we can serve; the server answers 400 with this text."""


def jeune_address(tracker) -> str:
    return check_sender(tracker.sender_id)


def check_sender(sender: Any) -> str:
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("tracker.sender_id must be a non-empty text")
    if len(sender) > MAX_SENDER:
        raise BadRequest(f"tracker.sender_id is longer than {MAX_SENDER} characters")
    return sender


def user_text(tracker) -> str:
    """The jeune's latest words; a button payload that names an intent ("/rdv") is not words."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text.strip()


def _to_domain(name: str, value: Any) -> Any:
    if name in FORM_SLOTS and value in (SKIPPED, OUTSIDE):
        return None
    if name == "age" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def button_payload(value: str) -> str:
    """Our buttons' values, as Rasa payloads: `intent:rdv` → `/rdv`, `faq:cej` →
    `/faq{"faq_topic": "cej"}`; anything else (a slot key, a commune) is sent back as text."""
    kind, _, arg = value.partition(":")
    if kind == "intent" and arg:
        return f"/{arg}"
    if kind == "faq" and arg:
        return "/faq" + json.dumps({"faq_topic": arg}, ensure_ascii=False)
    return value


@dataclass
class RasaTurn:
    jeune_id: str
    at: datetime
    text: str
    profile: dict
    state: dict
    slots: dict                         # the domain's view of Rasa's slots (sentinels → None)
    slots_before: dict
    message_id: str | None = None
    replies: list[Reply] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    profile_updates: dict = field(default_factory=dict)
    inbox_status: str | None = None
    alert: dict | None = None
    forget: bool = False
    rasa_slots: dict = field(default_factory=dict)   # set as they are (validated form values)
    options: list[Button] = field(default_factory=list)

    def offered(self) -> list[Button]:
        """The buttons offered by an earlier action of this conversation."""
        return [Button(o["label"], o["value"]) for o in self.state.get("option_buttons") or []]

    def context(self, services, params: dict | None = None, text: str | None = None) -> ActionContext:
        return ActionContext(jeune_id=self.jeune_id, channel=CHANNEL, now=self.at,
                             text=self.text if text is None else text, slots=self.slots,
                             profile=self.profile, services=services, params=params or {})

    def absorb(self, ctx: ActionContext) -> None:
        """What a domain function did, kept for the end of the turn (as Engine._absorb)."""
        self.replies.extend(ctx.replies)
        self.events.extend(ctx.events)
        self.profile_updates.update(ctx.profile_updates)
        internal = ctx.slots.pop("_engine", None) or {}
        if internal.get("inbox_status"):
            self.inbox_status = internal["inbox_status"]
        if internal.get("alert"):
            self.alert = internal["alert"]
        if internal.get("forget"):
            self.forget = True
        if internal.get("options"):
            # buttons an action offered (slots, sessions): said with the question that follows,
            # and kept so the next answer is checked against them
            self.options = list(internal["options"])
            self.state["option_buttons"] = [{"label": b.label, "value": b.value}
                                            for b in self.options]

    def say(self, text: str, buttons: list[Button] | tuple = (), priority: str = "normal") -> None:
        self.replies.append(Reply(text=text, buttons=list(buttons), priority=priority))


class RasaBridge:
    def __init__(self, services, engine: Engine | None = None):
        self.s = services
        self.engine = engine or Engine(services)

    # one turn ----------------------------------------------------------------------------------
    @asynccontextmanager
    async def turn(self, tracker) -> AsyncIterator[RasaTurn]:
        sender = jeune_address(tracker)
        jeune_id = self.engine.jeune_id(CHANNEL, sender)
        latest = tracker.latest_message or {}
        async with self.s.state.lock(jeune_id):
            profile = await self._profile(jeune_id, sender)
            state = await self.s.state.get(Engine.state_key(jeune_id)) or new_state()
            slots = {k: _to_domain(k, v) for k, v in (tracker.slots or {}).items()}
            turn = RasaTurn(jeune_id=jeune_id, at=self.s.clock.now(), text=user_text(tracker),
                            profile=profile, state=state, slots=slots, slots_before=dict(slots),
                            message_id=str(latest["message_id"]) if latest.get("message_id") else None)
            self._session(turn, self._source(tracker))
            yield turn
            await self._save(turn)

    async def _profile(self, jeune_id: str, sender: str) -> dict:
        profile = await self.s.records.get_profile(jeune_id)
        if profile is None:
            await self.s.records.link_address(jeune_id, CHANNEL, sender)
            return {}
        return {k: (v.isoformat() if isinstance(v, datetime) else v)
                for k, v in profile.items() if v is not None and k != "jeune_id"}

    @staticmethod
    def _source(tracker) -> str | None:
        """A deep-link / QR code: the `source` slot, or the message metadata's `source`."""
        source = (tracker.slots or {}).get("source")
        if not source:
            source = ((tracker.latest_message or {}).get("metadata") or {}).get("source")
        return str(source)[:64] if source else None

    def _session(self, t: RasaTurn, source: str | None) -> None:
        """A `contact` event when a session starts (first call, or after a silence), as the engine."""
        session = t.state.get("session")
        gap = timedelta(minutes=self.s.config.settings.contact_session_minutes)
        last = datetime.fromisoformat(session["last_at"]) if session else None
        if session is None or last is None or t.at - last >= gap or t.at < last - gap:
            t.state["session"] = {"started_at": t.at.isoformat(), "last_at": t.at.isoformat(),
                                  "source": source, "contact_event": None}
            data = {"source": source} if source else {}
            data["kind_in"] = "text"
            t.events.append({"kind": "contact", "data": data, "_session_start": True})
            t.profile_updates["last_seen_at"] = t.at.isoformat()
            if not t.profile.get("first_seen_at"):
                t.profile_updates["first_seen_at"] = t.at.isoformat()
            actions = self.s.config.actions
            coded = actions.action_for_code(source) if actions is not None and source else None
            if coded is not None:
                t.profile_updates["source_action"] = coded.id
        else:
            session["last_at"] = t.at.isoformat()
            if source and not session.get("source"):
                session["source"] = source

    async def _save(self, t: RasaTurn) -> None:
        s = self.s
        records = s.records
        consent = consented(t.profile, t.profile_updates)
        updates = kept_updates(t.profile, t.profile_updates)
        t.profile.update(updates)
        facts = turn_facts(t.profile, t.profile_updates, t.slots)
        ml_id = facts.get("mission_locale")
        session = t.state["session"]
        attribution = attribution_for(s.config, s.holidays, datetime.fromisoformat(session["started_at"]),
                                      ml_id, session.get("source"))
        rows = build_events(t.events, at=t.at, channel=CHANNEL, jeune_id=t.jeune_id, facts=facts,
                            attribution=attribution)
        ids = await records.add_events(rows)
        for e, event_id in zip(t.events, ids or []):
            if e.get("_session_start"):
                session["contact_event"] = event_id
        if session.get("contact_event") and needs_contact_fix(session, facts):
            mark_contact_fixed(session, facts)
            await records.update_event(session["contact_event"], **contact_fix(facts, attribution))
        if updates:
            await records.update_profile(t.jeune_id, **db_values(updates))
        if consent or t.inbox_status in ("crisis", "waiting"):
            if t.text and t.message_id not in t.state.get("seen", []):
                await records.append_transcript(t.jeune_id, t.at, "in", "jeune", CHANNEL, t.text)
            for reply in t.replies:
                await records.append_transcript(t.jeune_id, t.at, "out", reply.author, CHANNEL,
                                                reply.text)
        if t.message_id:
            seen = t.state.setdefault("seen", [])
            if t.message_id not in seen:
                t.state["seen"] = (seen + [t.message_id])[-SEEN_KEEP:]
        first_name = t.profile.get("first_name") if consent else None
        if s.conversations is not None and (
                t.inbox_status or any(e.get("_session_start") for e in t.events)):
            await s.conversations.touch(t.jeune_id, CHANNEL, t.at, status=t.inbox_status,
                                        mission_locale=ml_id, unread=1 if t.inbox_status else 0,
                                        first_name=first_name)
        if t.alert:
            await s.alerts.publish({**t.alert, "jeune_id": t.jeune_id, "mission_locale": ml_id,
                                    "at": t.at.isoformat(), "first_name": first_name})
        if t.forget:
            await self.engine.forget(t.jeune_id)
            return
        await s.state.set(Engine.state_key(t.jeune_id), t.state,
                          ttl=s.config.settings.state_ttl_days * 86400)

    # what the domain offers --------------------------------------------------------------------
    async def call(self, t: RasaTurn, fn, params: dict | None = None) -> None:
        ctx = t.context(self.s, params)
        await fn(ctx)
        t.absorb(ctx)

    async def validate(self, t: RasaTurn, fn, text: str, params: dict | None = None) -> Validation:
        ctx = t.context(self.s, params, text=text)
        result = await fn(ctx, text)
        t.absorb(ctx)
        return result

    def crisis(self, t: RasaTurn, text: str | None = None, insist: bool = False):
        """Crisis first, as the engine: the emergency answer, a `crisis` event, the inbox, an alert.

        `insist` (the Rasa assistant itself recognised distress): answered even when our own
        detection finds nothing, with the general answer. Returns the category, or None."""
        words = t.text if text is None else text
        found = detect_crisis(words) if words else None
        if found is None and not insist:
            return None
        found = found or Crisis(category="autre", evidence="")
        t.replies.append(Reply(crisis_answer(self.s.config.crisis, found), priority="crisis",
                               buttons=[Button(textes.BTN_CONSEILLER, "intent:conseiller")]))
        t.events.append({"kind": "crisis", "data": {"category": found.category}})
        t.inbox_status = "crisis"
        t.alert = {"kind": "crisis", "category": found.category}
        t.slots["crisis"] = found.category
        return found.category

    # back to Rasa ------------------------------------------------------------------------------
    def respond(self, t: RasaTurn, dispatcher, domain: dict | None) -> list[dict]:
        """Replies as `utter_message`, changed slots as `slot` events (only the domain's slots)."""
        for reply in sorted(t.replies, key=lambda r: r.priority != "crisis"):
            extra: dict[str, Any] = {}
            if reply.attachment is not None:
                extra["json_message"] = {"attachment": {
                    "filename": reply.attachment.filename, "mime": reply.attachment.mime,
                    "base64": base64.b64encode(reply.attachment.content).decode()}}
            dispatcher.utter_message(
                text=reply.text,
                buttons=[{"title": b.label, "payload": button_payload(b.value)} for b in reply.buttons],
                **extra)
        changed = {k: v for k, v in t.slots.items()
                   if not k.startswith("_") and (k not in t.slots_before or t.slots_before[k] != v)}
        changed.update(t.rasa_slots)
        return [slot_event(k, v) for k, v in changed.items() if declared(domain, k)]


def declared(domain: dict | None, slot: str) -> bool:
    """Rasa warns about (and drops) slots its domain does not declare; we only set declared ones
    when the domain lists its slots."""
    slots = (domain or {}).get("slots")
    return not slots or slot in slots


def slot_event(name: str, value: Any) -> dict:
    return {"event": "slot", "timestamp": None, "name": name, "value": value}
