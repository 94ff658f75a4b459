"""Interruptions: what is handled before the waiting question, whatever the flow."""
from __future__ import annotations

import logging

from bot.dialogue import textes
from bot.dialogue.turn import (
    _FORGET,
    _STOP,
    Turn,
)
from bot.messages import Button, Reply
from bot.understanding.crisis import crisis_answer, detect_crisis

log = logging.getLogger(__name__)


class Interruptions:
    """Non-text messages, edited messages, crisis, STOP, erasure, a person on the line, /start."""

    def _crisis(self, text: str):
        return detect_crisis(text)

    async def _on_crisis(self, t: Turn, crisis, text: str) -> None:
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

    async def _interrupt(self, t: Turn, text: str) -> bool:
        """What comes before the waiting question: what is not text, an edited message, a crisis
        (always first: during a flow, a booking, a référent's takeover), STOP, erasure, a person on
        the conversation, a /start. True when the message is dealt with."""
        inc = t.incoming
        state = t.state
        if inc.kind in textes.KIND_NAMES:
            t.replies.append(Reply(textes.NOT_TEXT.format(what=textes.KIND_NAMES[inc.kind])))
            self._reask(t)
            return True
        if inc.kind == "edited":
            crisis = self._crisis(text)
            if crisis:
                await self._on_crisis(t, crisis, text)
            else:
                t.replies.append(Reply(textes.EDITED))
            return True
        # a button press carries our own label, not the jeune's words: nothing to look for
        crisis = self._crisis(text) if text and inc.kind != "button" else None
        if crisis:
            await self._on_crisis(t, crisis, text)
            return True
        if text and _STOP.match(text):
            t.profile_updates["stopped"] = True
            t.events.append({"kind": "stop"})
            t.replies.append(Reply(textes.STOPPED))
            return True
        if t.profile.get("stopped"):
            t.profile_updates["stopped"] = False
        if text and _FORGET.search(text) and state["mode"] != "human":
            await self._start_flow(t, "donnees", keep=True)
            return True
        if state["mode"] == "human":
            t.inbox_status = "taken"
            return True   # a person answers; the message is in the transcript and the inbox
        if inc.kind == "start":
            await self._on_start(t, inc.source)
            return True
        return False
