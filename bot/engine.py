"""The dialogue engine: one message in → replies out, whatever the channel.

For each message, under the jeune's lock (so two messages of one jeune are handled in order, never
interleaved): load the state → global interruptions first (crisis, STOP, erasure, "un conseiller",
a person on the conversation) → the waiting question's validator → a question (FAQ) in the middle of
a flow, after which the flow resumes → flow steps until the next question → save records, then the
state. The message id is remembered in the state, so a duplicate delivery produces nothing.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot import event_log, textes
from bot.actions.base import ACTIONS, VALIDATORS, ActionContext, Validation
from bot.clock import as_utc
from bot.flows import Flow, Step, condition_holds
from bot.messages import Button, Incoming, Reply
from bot.stores import StoreUnavailable
from bot.stores.records import database_down

log = logging.getLogger(__name__)

SEEN_KEEP = 50          # message ids remembered per jeune for exactly-once
MAX_STEPS = 60          # steps run for one message before we suspect a loop in a flow
GLOBAL_PREFIXES = ("intent:", "faq:", "flow:")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_STOP = re.compile(
    r"^\s*(stop+|arr[eê]te+|arr[eê]tez|stop+ ?(svp|stp|merci|please)|"
    r"(je veux plus|j'?veux plus|jveux plus) (de )?(messages?|recevoir)|d[ée]sabonn?e(r|ment)?|unsubscribe)"
    r"[\s!.]*$", re.IGNORECASE)
_FORGET = re.compile(
    r"(supprim|efface|effacer|oublie|delete).{0,20}(mes|mon|toutes? mes|tout ce).{0,20}"
    r"(donn[ée]e?s?|infos?|informations?|profil|compte|messages?|historique)", re.IGNORECASE)


def clean_text(text: str, limit: int) -> tuple[str, bool]:
    """Control characters out, NFC, whitespace squeezed; cut at `limit` (True when cut)."""
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text or ""))
    text = re.sub(r"[ \t]+", " ", text).strip()
    if len(text) > limit:
        return text[:limit], True
    return text, False


def has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


@dataclass
class Turn:
    """What one message produces, saved at the end of its handling."""
    incoming: Incoming
    jeune_id: str
    at: datetime
    state: dict
    profile: dict
    replies: list[Reply] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    profile_updates: dict = field(default_factory=dict)
    inbox_status: str | None = None
    alert: dict | None = None
    transcript_in: str | None = None


def new_state() -> dict:
    return {"stack": [], "slots": {}, "seen": [], "mode": "bot", "session": None,
            "flood": [], "profile": None}


class Engine:
    def __init__(self, services):
        self.s = services
        self.settings = services.config.settings

    # identities --------------------------------------------------------------------------------
    def jeune_id(self, channel: str, address: str) -> str:
        digest = hmac.new(self.s.key, f"{channel}:{address}".encode(), hashlib.sha256).hexdigest()
        return "j_" + digest[:24]

    @staticmethod
    def state_key(jeune_id: str) -> str:
        return f"conv:{jeune_id}"

    # entry point -------------------------------------------------------------------------------
    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Raises StoreUnavailable when Redis or the database is unreachable: nothing of the message
        was kept as handled, so the caller has it delivered again (webhook 503, polling offset)."""
        try:
            return await self._handle(incoming)
        except StoreUnavailable:
            raise
        except Exception as exc:
            if database_down(exc):
                raise StoreUnavailable(f"database: {exc}") from exc
            raise

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        jeune_id = self.jeune_id(incoming.channel, incoming.address)
        # the lock and the state in one round trip; the new state and the release in one
        async with self.s.state.locked(jeune_id, self.state_key(jeune_id)) as held:
            state = held.value or new_state()
            if incoming.message_id and incoming.message_id in state["seen"]:
                return []
            first_time = state["profile"] is None
            if first_time:
                state["profile"] = await self._load_profile(jeune_id)
            at = as_utc(incoming.at) if incoming.at else self.s.clock.now()
            turn = Turn(incoming, jeune_id, at, state, state["profile"])
            await self._process(turn)
            await self._save(turn, first_time, held)
            return turn.replies

    async def _load_profile(self, jeune_id: str) -> dict:
        profile = await self.s.records.get_profile(jeune_id)
        if profile is None:
            return {}
        return {k: (v.isoformat() if isinstance(v, datetime) else v)
                for k, v in profile.items() if v is not None and k != "jeune_id"}

    # the decision ------------------------------------------------------------------------------
    async def _process(self, t: Turn) -> None:
        inc = t.incoming
        state = t.state
        self._session(t)
        if self._flooding(t):
            return
        text, cut = clean_text(inc.text, self.settings.max_message_chars)
        t.transcript_in = text if inc.kind in ("text", "start", "edited") else (
            inc.button_value and f"[bouton] {inc.button_value}" or f"[{inc.kind}]")

        if inc.kind in textes.KIND_NAMES:
            t.replies.append(Reply(textes.NOT_TEXT.format(what=textes.KIND_NAMES[inc.kind])))
            self._reask(t)
            return
        if inc.kind == "edited":
            crisis = self._crisis(text)
            if crisis:
                await self._on_crisis(t, crisis, text)
            else:
                t.replies.append(Reply(textes.EDITED))
            return

        # crisis first, always: during a flow, a booking, a référent's takeover (a button press
        # carries our own label, not the jeune's words: nothing to look for)
        crisis = self._crisis(text) if text and inc.kind != "button" else None
        if crisis:
            await self._on_crisis(t, crisis, text)
            return
        if text and _STOP.match(text):
            t.profile_updates["stopped"] = True
            t.events.append({"kind": "stop"})
            t.replies.append(Reply(textes.STOPPED))
            return
        if t.profile.get("stopped"):
            t.profile_updates["stopped"] = False
        if text and _FORGET.search(text) and state["mode"] != "human":
            await self._start_flow(t, "donnees", keep=True)
            return
        if state["mode"] == "human":
            t.inbox_status = "taken"
            return   # a person answers; the message is in the transcript and the inbox
        if inc.kind == "start":
            await self._on_start(t, inc.source)
            return
        if cut:
            t.replies.append(Reply(textes.TOO_LONG))
        if inc.kind == "button":
            await self._on_button(t, inc.button_value or "")
            return
        if not text:
            t.replies.append(Reply(textes.EMPTY))
            self._reask(t)
            return
        if not has_words(text):
            t.replies.append(Reply(textes.NO_WORDS))
            self._reask(t)
            return
        await self._on_text(t, text)

    def _crisis(self, text: str):
        from bot.understanding.crisis import detect_crisis
        return detect_crisis(text)

    async def _on_crisis(self, t: Turn, crisis, text: str) -> None:
        from bot.understanding.crisis import crisis_answer
        t.replies.append(Reply(crisis_answer(self.s.config.crisis, crisis) + "\n" + textes.CRISIS_ALERTED,
                               priority="crisis",
                               buttons=[Button(textes.BTN_CONSEILLER, "intent:conseiller")]))
        t.events.append({"kind": "crisis", "data": {"category": crisis.category}})
        t.inbox_status = "crisis"
        t.alert = {"kind": "crisis", "category": crisis.category}

    async def _on_start(self, t: Turn, source: str | None) -> None:
        known = bool(t.state["stack"])
        if source and source != (t.state["session"] or {}).get("source"):
            t.state["session"]["source"] = source
            action = self._action_for_code(source)
            if action:
                t.profile_updates.setdefault("source_action", action.id)
            t.events.append({"kind": "contact", "data": {"source": source, "restart": True}})
        if known:
            t.replies.append(Reply(textes.RESUME))
            self._reask(t, prefix=False)
            return
        await self._start_flow(t, "welcome")

    def _action_for_code(self, code: str):
        actions = self.s.config.actions
        return actions.action_for_code(code) if actions is not None else None

    async def _on_button(self, t: Turn, value: str) -> None:
        step = self._waiting_step(t)
        if step is not None and any(b.value == value for b in step.buttons):
            await self._answer(t, step, value, from_button=True)
            return
        options = t.state.get("options") or []
        if value in options:           # buttons an action offered (slots, communes…)
            if step is not None:
                await self._answer(t, step, value, from_button=True)
                return
        if value.startswith(GLOBAL_PREFIXES):
            await self._global(t, value)
            return
        t.replies.append(Reply(textes.EXPIRED))
        if not self._reask(t, prefix=False):
            await self._start_flow(t, "welcome")

    async def _global(self, t: Turn, value: str) -> None:
        kind, _, arg = value.partition(":")
        if kind == "faq":
            self._faq_answer(t, arg)
            self._reask(t)
        elif kind == "flow" and arg in self.s.config.flows:
            await self._start_flow(t, arg, keep=True)
        elif arg == "conseiller":
            await self._start_flow(t, "conseiller", keep=True)
        elif arg == "rdv" and "rdv" in self.s.config.flows:
            await self._start_flow(t, "rdv", keep=True)
        elif arg == "question":
            t.replies.append(Reply("Vas-y, écris ta question comme tu veux."))
        elif arg == "menu":
            await self._start_flow(t, "welcome")
        else:
            t.replies.append(Reply(textes.EXPIRED))
            self._reask(t, prefix=False)

    async def _on_text(self, t: Turn, text: str) -> None:
        step = self._waiting_step(t)
        if step is not None:
            validation = await self._validate(t, step, text)
            if validation.ok:
                await self._apply(t, step, validation)
                await self._run(t)
                return
            if await self._interruption(t, text, step):
                return
            await self._retry(t, step, validation)
            return
        if await self._interruption(t, text, None):
            return
        if not t.state["stack"] and not t.state.get("greeted"):
            await self._start_flow(t, "welcome")
            return
        match = self._match(text)
        self._not_understood(t, match)

    def _match(self, text: str):
        faq = self.s.faq
        return faq.match(text) if faq is not None else None

    async def _interruption(self, t: Turn, text: str, step: Step | None) -> bool:
        """A question or a request in the middle of a flow: answer it, then the flow resumes."""
        match = self._match(text)
        if match is None or match.topic is None:
            return False
        if match.ambiguous and step is None:
            self._not_understood(t, match, which=True)
            return True
        if match.ambiguous:
            return False
        topic = match.topic
        if topic == "conseiller":
            await self._start_flow(t, "conseiller", keep=True)
        elif topic == "rdv":
            if t.state["stack"] and t.state["stack"][-1]["flow"] == "rdv":
                return False
            await self._start_flow(t, "rdv" if "rdv" in self.s.config.flows else "conseiller", keep=True)
        elif topic in ("salutation",):
            if step is not None:
                return False
            await self._start_flow(t, "welcome")
        elif topic == "merci":
            if step is not None:
                return False
            t.replies.append(Reply("Avec plaisir ! " + textes.ANYTHING_ELSE))
        else:
            self._faq_answer(t, topic)
            if step is not None:
                self._reask(t)
        return True

    def _faq_answer(self, t: Turn, topic: str) -> None:
        faq = self.s.faq
        if faq is None:
            return
        answer = faq.answer(topic, self._ml(t))
        if answer is None:
            return
        buttons = [] if t.state["stack"] else faq.follow_up(topic)
        t.replies.append(Reply(answer, buttons=buttons))
        t.events.append({"kind": "faq", "data": {"topic": topic}})

    def _not_understood(self, t: Turn, match, which: bool = False) -> None:
        buttons = []
        if match is not None and self.s.faq is not None:
            for topic, _score in match.candidates[:3]:
                if topic not in ("salutation", "merci", "rdv", "conseiller"):
                    buttons.append(Button(self.s.faq.label(topic), f"faq:{topic}"))
        text = (textes.WHICH_ONE if which else textes.NOT_UNDERSTOOD if buttons
                else textes.NOT_UNDERSTOOD_NO_TOPIC)
        buttons.append(Button(textes.BTN_CONSEILLER, "intent:conseiller"))
        t.replies.append(Reply(text, buttons=buttons))
        t.events.append({"kind": "faq", "data": {"topic": None}})

    # flows -------------------------------------------------------------------------------------
    def _flow(self, name: str) -> Flow:
        return self.s.config.flows[name]

    def _waiting_step(self, t: Turn) -> Step | None:
        stack = t.state["stack"]
        if not stack or not stack[-1].get("waiting"):
            return None
        frame = stack[-1]
        flow = self.s.config.flows.get(frame["flow"])
        if flow is None or frame["pc"] >= len(flow.steps):
            stack.clear()
            return None
        step = flow.steps[frame["pc"]]
        return step if step.kind == "ask" else None

    async def _start_flow(self, t: Turn, name: str, keep: bool = False) -> None:
        if name not in self.s.config.flows:
            name = "welcome"
        stack = t.state["stack"]
        if not keep:
            stack.clear()
        elif stack and stack[-1]["flow"] == name:
            stack.pop()   # asking again for the flow we are in: start it over
        if name == "welcome":
            t.state["greeted"] = True
        stack.append({"flow": name, "pc": 0, "waiting": False, "tries": 0})
        await self._run(t)

    async def _run(self, t: Turn) -> None:
        """Run steps until a question waits for an answer or every flow has ended."""
        stack = t.state["stack"]
        for _ in range(MAX_STEPS):
            if not stack:
                return
            frame = stack[-1]
            flow = self.s.config.flows.get(frame["flow"])
            if flow is None or frame["pc"] >= len(flow.steps):
                stack.pop()
                if stack and stack[-1].get("waiting"):
                    # an interruption ended: the question it interrupted is asked again
                    stack[-1]["waiting"] = False
                    t.replies.append(Reply(textes.RESUME))
                continue
            if frame.get("waiting"):
                return
            step = flow.steps[frame["pc"]]
            await self._step(t, flow, frame, step)
        log.error("flow loop: more than %d steps for one message in %s", MAX_STEPS,
                  [f["flow"] for f in stack])
        stack.clear()

    async def _step(self, t: Turn, flow: Flow, frame: dict, step: Step) -> None:
        kind = step.kind
        if kind == "say":
            t.replies.append(Reply(self._fill(t, step.text), buttons=list(step.buttons)))
            frame["pc"] += 1
        elif kind == "ask":
            self._ask(t, step)
            frame["waiting"] = True
            frame["tries"] = 0
        elif kind == "set":
            t.state["slots"].update(step.values)
            frame["pc"] += 1
        elif kind == "branch":
            frame["pc"] += 1
            for cond, verb, target in step.cases:
                if condition_holds(cond, self._facts(t)):
                    self._jump(t, flow, frame, verb, target)
                    break
        elif kind in ("goto", "call"):
            frame["pc"] += 1
            self._jump(t, flow, frame, kind, step.target)
        elif kind == "action":
            frame["pc"] += 1
            await self._call_action(t, step.name, step.params)
        elif kind == "handoff":
            frame["pc"] += 1
            if step.text:
                t.replies.append(Reply(self._fill(t, step.text)))
            await self._call_action(t, "request_human", {})
        elif kind == "end":
            if step.text:
                t.replies.append(Reply(self._fill(t, step.text)))
            frame["pc"] = len(flow.steps)

    def _jump(self, t: Turn, flow: Flow, frame: dict, verb: str, target: str) -> None:
        stack = t.state["stack"]
        if verb == "call":
            stack.append({"flow": target.removeprefix("flow:"), "pc": 0, "waiting": False, "tries": 0})
        elif target.startswith("flow:"):
            stack[-1] = {"flow": target.removeprefix("flow:"), "pc": 0, "waiting": False, "tries": 0}
        else:
            frame["pc"] = flow.index_of(target) or 0

    def _ask(self, t: Turn, step: Step, text: str | None = None) -> None:
        buttons = list(step.buttons)
        options = t.state.get("options") or []
        if not buttons and options:
            buttons = [Button(o["label"], o["value"]) for o in t.state.get("option_buttons", [])]
        t.replies.append(Reply(self._fill(t, text or step.text), buttons=buttons))

    def _reask(self, t: Turn, prefix: bool = True) -> bool:
        step = self._waiting_step(t)
        if step is None:
            return False
        if prefix:
            t.replies.append(Reply(textes.RESUME))
        self._ask(t, step)
        return True

    async def _validate(self, t: Turn, step: Step, text: str) -> Validation:
        fn = VALIDATORS[step.validator]
        offered = list(step.buttons) + [Button(o["label"], o["value"])
                                        for o in t.state.get("option_buttons", [])]
        ctx = self._context(t, text, {"buttons": offered})
        result = await fn(ctx, text)
        self._absorb(t, ctx)
        return result

    async def _answer(self, t: Turn, step: Step, value: str, from_button: bool) -> None:
        validation = await self._validate(t, step, value)
        if not validation.ok and from_button:
            validation = Validation(ok=True, value=value)
        if validation.ok:
            await self._apply(t, step, validation)
            await self._run(t)
        else:
            await self._retry(t, step, validation)

    async def _apply(self, t: Turn, step: Step, v: Validation) -> None:
        slots = t.state["slots"]
        slots[step.slot] = v.value
        slots.update(v.slots)
        t.state.pop("options", None)
        t.state.pop("option_buttons", None)
        frame = t.state["stack"][-1]
        frame["waiting"] = False
        frame["tries"] = 0
        frame["pc"] += 1

    async def _retry(self, t: Turn, step: Step, v: Validation) -> None:
        frame = t.state["stack"][-1]
        frame["tries"] = frame.get("tries", 0) + 1
        if v.buttons:   # ambiguous answer: choose among these
            t.state["options"] = [b.value for b in v.buttons]
            t.state["option_buttons"] = [{"label": b.label, "value": b.value} for b in v.buttons]
            t.replies.append(Reply(v.message or step.reprompt or step.text, buttons=v.buttons))
            return
        if frame["tries"] > step.retries:
            frame["waiting"] = False
            frame["tries"] = 0
            t.state["slots"][step.slot] = None
            if v.message:
                t.replies.append(Reply(self._fill(t, v.message)))
            flow = self._flow(frame["flow"])
            if step.on_fail == "skip":
                frame["pc"] += 1
            else:
                self._jump(t, flow, frame, "goto", step.on_fail)
            await self._run(t)
            return
        message = v.message or step.reprompt or step.text
        buttons = list(step.buttons)
        t.replies.append(Reply(self._fill(t, message), buttons=buttons))

    async def _call_action(self, t: Turn, name: str, params: dict) -> None:
        fn = ACTIONS[name]
        ctx = self._context(t, t.incoming.text or "", params)
        await fn(ctx)
        self._absorb(t, ctx)

    def _context(self, t: Turn, text: str, params: dict | None = None) -> ActionContext:
        return ActionContext(
            jeune_id=t.jeune_id, channel=t.incoming.channel, now=t.at, text=text,
            slots=t.state["slots"], profile=t.profile, services=self.s, params=params or {},
        )

    def _absorb(self, t: Turn, ctx: ActionContext) -> None:
        t.replies.extend(ctx.replies)
        t.events.extend(ctx.events)
        t.profile_updates.update(ctx.profile_updates)
        internal = ctx.slots.pop("_engine", None)
        if internal:
            if internal.get("inbox_status"):
                t.inbox_status = internal["inbox_status"]
            if internal.get("alert"):
                t.alert = internal["alert"]
            if internal.get("mode"):
                t.state["mode"] = internal["mode"]
            if internal.get("options"):
                t.state["options"] = [b.value for b in internal["options"]]
                t.state["option_buttons"] = [{"label": b.label, "value": b.value}
                                             for b in internal["options"]]
            if internal.get("forget"):
                t.state["forget"] = True

    def _facts(self, t: Turn) -> dict[str, Any]:
        return event_log.turn_facts(t.profile, t.profile_updates, t.state["slots"])

    def _ml(self, t: Turn):
        ml_id = self._facts(t).get("mission_locale")
        return self.s.config.ml_by_id.get(ml_id) if ml_id else None

    def _fill(self, t: Turn, text: str | None) -> str:
        if not text:
            return ""
        facts = _Blank(self._facts(t))
        ml = self._ml(t)
        settings = self.settings
        facts.update(
            ml_name=ml.name if ml else settings.network_name,
            ml_phone=ml.phone if ml else (settings.network_phone or ""),
            ml_address=ml.address if ml else "",
            ml_hours=ml.hours_text() if ml else "",
        )
        try:
            return text.format_map(facts)
        except (ValueError, IndexError, AttributeError):
            return text

    # sessions, flood, saving -------------------------------------------------------------------
    def _session(self, t: Turn) -> None:
        """A `contact` event for the first message and after a silence (one per session)."""
        state = t.state
        session = state.get("session")
        gap = timedelta(minutes=self.settings.contact_session_minutes)
        last = datetime.fromisoformat(session["last_at"]) if session else None
        if session is None or last is None or t.at - last >= gap or t.at < last - gap:
            state["session"] = {"started_at": t.at.isoformat(), "last_at": t.at.isoformat(),
                                "source": t.incoming.source, "contact_event": None}
            data = {"source": t.incoming.source} if t.incoming.source else {}
            data["kind_in"] = t.incoming.kind
            t.events.append({"kind": "contact", "data": data, "_session_start": True})
            t.profile_updates["last_seen_at"] = t.at.isoformat()
            if not t.profile.get("first_seen_at"):
                t.profile_updates["first_seen_at"] = t.at.isoformat()
            if t.incoming.source:
                action = self._action_for_code(t.incoming.source)
                if action:
                    t.profile_updates["source_action"] = action.id
        else:
            session["last_at"] = t.at.isoformat()

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
        fix_ml = bool(ml_id) and not session.get("contact_ml")

        def contact_fix(ids: list[int]):
            for e, event_id in zip(t.events, ids or []):
                if e.get("_session_start"):
                    session["contact_event"] = event_id
            if fix_ml and session.get("contact_event"):
                session["contact_ml"] = ml_id
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

        # one transaction for the turn's events, profile, transcript (and inbox row)
        saved = await records.save_turn(
            events, jeune_id=t.jeune_id, fix=contact_fix, profile_updates=event_log.db_values(updates),
            transcript=transcript, batched=inbox,
            message_id=t.incoming.message_id, at=t.at,
            link=(t.incoming.channel, t.incoming.address) if first_time else None)
        if saved is None:
            # this message's turn was committed before, then its state write failed or the
            # process died: the redelivery saves the state and answers, and counts nothing twice
            # (the alert goes out again: a second alert is better than none)
            log.info("message %s of %s already recorded; state saved again, nothing counted twice",
                     t.incoming.message_id, t.jeune_id)
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

    # from the console and the scheduler ---------------------------------------------------------
    async def take_over(self, jeune_id: str, referent: str) -> None:
        async with self.s.state.lock(jeune_id):
            key = self.state_key(jeune_id)
            state = await self.s.state.get(key) or new_state()
            state["mode"] = "human"
            await self.s.state.set(key, state, ttl=self.settings.state_ttl_days * 86400)
        now = self.s.clock.now()
        if self.s.conversations is not None:
            await self.s.conversations.set_status(jeune_id, "taken", now, assigned_to=referent)
        await self.s.events_for(jeune_id, "handoff", now, {"taken_by": "referent"})
        await self.say_as_referent(jeune_id, referent, textes.REFERENT_JOINED.format(name=referent))

    async def say_as_referent(self, jeune_id: str, referent: str, text: str) -> bool:
        author = f"referent:{referent}"
        await self.s.records.append_transcript(jeune_id, self.s.clock.now(), "out", author,
                                               "console", text)
        return await self.s.outbox.deliver(jeune_id, [Reply(text)], author=author, force=True)

    async def hand_back(self, jeune_id: str, referent: str, close_outcome: str | None = None) -> None:
        async with self.s.state.lock(jeune_id):
            key = self.state_key(jeune_id)
            state = await self.s.state.get(key) or new_state()
            state["mode"] = "bot"
            await self.s.state.set(key, state, ttl=self.settings.state_ttl_days * 86400)
        now = self.s.clock.now()
        if self.s.conversations is not None:
            await self.s.conversations.set_status(
                jeune_id, "closed" if close_outcome else "bot", now, outcome=close_outcome)
        if close_outcome:
            await self.s.events_for(jeune_id, "outcome", now, {"outcome": close_outcome})
        await self.s.records.append_transcript(jeune_id, now, "out", "bot", "console", textes.HANDED_BACK)
        await self.s.outbox.deliver(jeune_id, [Reply(textes.HANDED_BACK)], force=True)

    async def mark_unreachable(self, channel: str, address: str) -> None:
        jeune_id = self.jeune_id(channel, address)
        await self.s.records.update_profile(jeune_id, unreachable=True)
        key = self.state_key(jeune_id)
        state = await self.s.state.get(key)
        if state and state.get("profile") is not None:
            state["profile"]["unreachable"] = True
            await self.s.state.set(key, state, ttl=self.settings.state_ttl_days * 86400)

    async def forget(self, jeune_id: str, locked: bool = False) -> str:
        """Erase the jeune's personal data from every store; events stay, pseudonymous."""
        addresses = await self.s.records.addresses(jeune_id)
        keys = [self.state_key(jeune_id)] + [f"mbox:{ch}:{addr}" for ch, addr in addresses]
        await self.s.state.delete(*keys)
        if self.s.conversations is not None:
            await self.s.conversations.delete(jeune_id)
        for hook in self.s.forget_hooks:
            await hook(jeune_id)
        return await self.s.records.forget(jeune_id)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


