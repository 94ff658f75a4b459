"""Questions in the middle of a flow (FAQ), not-understood messages, global buttons."""
from __future__ import annotations

import logging
import re

from bot.dialogue import textes
from bot.dialogue.flows import Step
from bot.dialogue.turn import (
    Turn,
)
from bot.messages import Button, Reply

log = logging.getLogger(__name__)


class Questions:
    """A question is answered, then the flow it interrupted resumes."""

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
            if t.state.get("greeted"):
                t.replies.append(Reply(textes.SMALL_TALK["hello"]))
            else:
                await self._start_flow(t, "welcome")
        elif topic == "merci":
            t.replies.append(Reply(textes.SMALL_TALK["thanks"]))
        else:
            self._faq_answer(t, topic, menu=step is not None and self._is_menu(t, step))
            others = self._other_topics(text, topic)
            if others:     # several questions: the main one answered, the others offered
                t.replies.append(Reply(textes.ALSO_ASKED, buttons=[
                    Button(self.s.faq.label(o), f"faq:{o}") for o in others]))
            if topic == "horaires" and self._ml(t) is None:
                t.state["asked_commune"] = "horaires"
            if step is not None:
                self._reask(t)
        return True

    def _other_topics(self, text: str, main: str) -> list[str]:
        """The other FAQ topics of a message with several questions ("c koi le cej ? et le permis ?")."""
        if text.count("?") < 2 and not re.search(r"\b(et|aussi)\b", text):
            return []
        parts = [p.strip() for p in re.split(r"\?|\bet\b|\baussi\b|\.|;", text) if len(p.strip()) > 3]
        if len(parts) < 2 or self.s.faq is None:
            return []
        found: list[str] = []
        for part in parts:
            m = self.s.faq.match(part)
            if (m.topic and not m.ambiguous and m.topic not in (main, *found)
                    and self.s.faq.answer(m.topic) is not None):
                found.append(m.topic)
        return found[:2]

    def _faq_answer(self, t: Turn, topic: str, menu: bool = False) -> None:
        faq = self.s.faq
        if faq is None:
            return
        answer = faq.answer(topic, self._ml(t))
        if answer is None:
            return
        buttons = [] if t.state["stack"] and not menu else faq.follow_up(topic)
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
