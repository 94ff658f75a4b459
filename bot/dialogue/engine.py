"""The dialogue engine: one message in → replies out, whatever the channel.

For each message, under the jeune's lock (so two messages of one jeune are handled in order, never
interleaved): load the state → global interruptions first (crisis, STOP, erasure, "un conseiller",
a person on the conversation) → the waiting question's validator → a question (FAQ) in the middle of
a flow, after which the flow resumes → flow steps until the next question → save records, then the
state. The message id is remembered in the state, so a duplicate delivery produces nothing.

Each stage lives in its own module: turn.py (what a turn carries, shared helpers),
interruptions.py, waiting.py (the waiting question), questions.py (FAQ in the middle),
steps.py (flow steps), saving.py (session, flood, save).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime

from bot.clock import as_utc
from bot.dialogue import textes
from bot.dialogue.interruptions import Interruptions
from bot.dialogue.questions import Questions
from bot.dialogue.saving import Saving
from bot.dialogue.steps import FlowSteps
from bot.dialogue.turn import Turn, TurnTools, clean_text, new_state
from bot.dialogue.waiting import WaitingQuestion
from bot.messages import Incoming, Reply
from bot.stores import StoreUnavailable
from bot.stores.records import store_not_ready
from bot.understanding.crisis import crisis_answer

log = logging.getLogger(__name__)


class Engine(Interruptions, WaitingQuestion, Questions, FlowSteps, Saving, TurnTools):
    def __init__(self, services):
        self.s = services
        self.settings = services.config.settings

    def jeune_id(self, channel: str, address: str) -> str:
        digest = hmac.new(self.s.key, f"{channel}:{address}".encode(), hashlib.sha256).hexdigest()
        return "j_" + digest[:24]

    @staticmethod
    def state_key(jeune_id: str) -> str:
        return f"conv:{jeune_id}"

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Raises StoreUnavailable when Redis or the database is unreachable: nothing of the message
        was kept as handled, so the caller has it delivered again (webhook 503, polling offset)."""
        try:
            return await self._handle(incoming)
        except StoreUnavailable as err:
            self._crisis_while_down(incoming, err)
            raise
        except Exception as exc:
            if store_not_ready(exc):
                err = StoreUnavailable(f"store not ready: {exc!r}")
                self._crisis_while_down(incoming, err)
                raise err from exc
            raise

    def _crisis_while_down(self, incoming: Incoming, err: StoreUnavailable) -> None:
        replies = self.answer_without_stores(incoming)
        if replies:
            err.replies = replies

    def answer_without_stores(self, incoming: Incoming) -> list[Reply] | None:
        """A crisis answer never waits for Redis or the database: computed from the text, the
        config and the clock, and carried by the error (`err.replies`) for the channel to send now.
        Once per message in this process (a redelivery while the stores are still down would
        repeat it); the message itself is handled, recorded and alerted on when it comes again."""
        text, _ = clean_text(incoming.text, len(incoming.text or "") + 1)
        if not text or incoming.kind == "button":
            return None
        crisis = self._crisis(text)
        if crisis is None:
            return None
        key = incoming.message_id or f"{incoming.channel}:{incoming.address}:{text[:80]}"
        answered = self.__dict__.setdefault("_answered_down", {})
        if key in answered:
            return None
        if len(answered) > 5000:
            answered.clear()
        answered[key] = True
        at = as_utc(incoming.at) if incoming.at else self.s.clock.now()
        cfg = self.s.config.crisis
        log.error("stores down: crisis (%s) answered without them for %s:%s",
                  crisis.category, incoming.channel, incoming.message_id)
        return [Reply(crisis_answer(cfg, crisis, at=at), priority="crisis"),
                Reply(textes.CRISIS_DOWN, priority="crisis")]

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

    async def _process(self, t: Turn) -> None:
        """The turn as a pipeline of named stages; each says when the message is dealt with."""
        inc = t.incoming
        self._session(t)                                          # saving: one contact a session
        # the whole message, never cut, is read for a crisis before flood control and any cut
        whole, _ = clean_text(inc.text, len(inc.text or "") + 1)
        t.transcript_in = whole if inc.kind in ("text", "start", "edited") else (
            inc.button_value and f"[bouton] {inc.button_value}"
            or (f"[{inc.kind}] {whole}" if whole else f"[{inc.kind}]"))
        crisis = self._crisis(whole) if whole and inc.kind != "button" else None
        t.scanned = whole if inc.kind != "button" else None
        if crisis and crisis.soft and not t.state.get("crisis") and t.state.get("mode") != "human" \
                and self._waiting_step(t) is not None:
            # only the learned second opinion: the waiting question's answer comes first
            # ("jfai rien" to "tu fais quoi ?"); asked gently only if it is no answer
            t.soft_crisis = crisis
            crisis = None
        if crisis:
            self._flooding(t)                                     # counted, never silenced
            await self._on_crisis(t, crisis, whole)
            return
        if self._flooding(t):                                     # saving: flood control
            return
        text, cut = clean_text(inc.text, self.settings.max_message_chars)
        if await self._interrupt(t, text):                        # interruptions
            return
        await self._reply_to(t, text, cut)                        # waiting question, FAQ, flow steps

    async def take_over(self, jeune_id: str, referent: str) -> None:
        async with self.s.state.lock(jeune_id):
            key = self.state_key(jeune_id)
            state = await self.s.state.get(key) or new_state()
            state["mode"] = "human"
            state["crisis"] = None      # a person is with the jeune now: the crisis mode ends
            state["waiting_human"] = None
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
            state["waiting_human"] = None
            state["waiting_acks"] = 0
            await self.s.state.set(key, state, ttl=self.settings.state_ttl_days * 86400)
        now = self.s.clock.now()
        if self.s.conversations is not None:
            await self.s.conversations.set_status(
                jeune_id, "closed" if close_outcome else "bot", now, outcome=close_outcome)
        if close_outcome:
            await self.s.events_for(jeune_id, "outcome", now, {"outcome": close_outcome})
        await self.s.records.append_transcript(jeune_id, now, "out", "bot", "console", textes.HANDED_BACK)
        await self.s.outbox.deliver(jeune_id, [Reply(textes.HANDED_BACK)], force=True)

    async def mark_reachable(self, channel: str, address: str) -> None:
        """The channel said the jeune unblocked the bot: reachable again, under the lock."""
        await self._set_reachability(channel, address, unreachable=False)

    async def mark_unreachable(self, channel: str, address: str) -> None:
        """The channel said the jeune cannot be reached (blocked the bot). Under the jeune's lock,
        as a turn: a message of the jeune being handled at the same moment (they unblocked and
        wrote) is not overwritten. The jeune writing again makes them reachable (saving.py)."""
        await self._set_reachability(channel, address, unreachable=True)

    async def _set_reachability(self, channel: str, address: str, unreachable: bool) -> None:
        jeune_id = self.jeune_id(channel, address)
        key = self.state_key(jeune_id)
        async with self.s.state.locked(jeune_id, key) as held:
            if unreachable or await self.s.records.get_profile(jeune_id) is not None:
                await self.s.records.update_profile(jeune_id, unreachable=unreachable)
            state = held.value
            if state and state.get("profile") is not None:
                state["profile"]["unreachable"] = unreachable
                await held.save(state, ttl=self.settings.state_ttl_days * 86400)

    def redis_keys(self, jeune_id: str, addresses: list[tuple[str, str]]) -> list[str]:
        """Every key the service keeps about one jeune: the state, its lock, each mailbox and its
        sequence counter."""
        keys = [self.state_key(jeune_id), "lock:" + jeune_id]
        for ch, addr in addresses:
            keys += [f"mbox:{ch}:{addr}", f"mbox:{ch}:{addr}:seq"]
        return keys

    async def forget(self, jeune_id: str, locked: bool = False,
                     addresses: list[tuple[str, str]] | None = None) -> str:
        """Erase the jeune's personal data from every store; events (and the console's audit
        entries) stay, re-keyed to a random id. The same path for every door: the chat, `insysteme
        forget`, the console, the retention purge."""
        if addresses is None:
            addresses = await self.s.records.addresses(jeune_id)
        keys = [k for k in self.redis_keys(jeune_id, addresses)
                if not (locked and k.startswith("lock:"))]   # a held lease is released by its holder
        await self.s.state.delete(*keys)
        if self.s.conversations is not None:
            await self.s.conversations.delete(jeune_id)
        for hook in self.s.forget_hooks:
            await hook(jeune_id)
        return await self.s.records.forget(jeune_id)
