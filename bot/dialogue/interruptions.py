"""Interruptions: what is handled before the waiting question, whatever the flow."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.dialogue import textes
from bot.dialogue.turn import (
    GLOBAL_PREFIXES,
    _FORGET,
    _STOP,
    Turn,
)
from bot.messages import Button, Reply
from bot.understanding.crisis import Crisis, crisis_answer, detect_crisis, urgent_line

log = logging.getLogger(__name__)
WAIT_DAYS = 3   # a person expected longer than this: the bot answers again


class Interruptions:
    """Non-text messages, edited messages, crisis, STOP, erasure, a person on the line, /start."""

    def _crisis(self, text: str):
        return detect_crisis(text)

    def _crisis_config(self):
        return self.s.config.crisis

    def _age(self, t: Turn) -> int | None:
        age = self._facts(t).get("age")
        try:
            return int(age) if age is not None else None
        except (TypeError, ValueError):
            return None

    def _who_reads(self, t: Turn) -> str:
        """Who was alerted and when someone will read, from the Mission Locale's real hours."""
        cfg = self._crisis_config()
        ml = self._ml(t)
        if ml is None:
            when = ("Une personne lira ton message dès l'ouverture "
                    "(les Missions Locales sont ouvertes en semaine, en journée).")
            name = "la Mission Locale"
        else:
            name = ml.name
            if ml.is_open(t.at, self.s.holidays):
                when = "C'est ouvert en ce moment : une personne lira ton message aujourd'hui."
            else:
                nxt = ml.next_opening(t.at, self.s.holidays)
                when = (f"C'est fermé maintenant : une personne lira ton message {textes.when(nxt)}."
                        if nxt else "Une personne lira ton message dès l'ouverture.")
        return cfg.follow_up.alerted.format(ml_name=name, when=when).strip()

    async def _on_crisis(self, t: Turn, crisis, text: str) -> None:
        """The answer for the situation (computed from the text, the config and the clock only),
        an alert, and the crisis mode: the bot stays with the jeune."""
        if crisis.soft and t.state.get("mode") == "human":
            # only the learned model's guess, and a référent is in the conversation, reading it:
            # flagged and alerted for them, no check-in from the bot over their words (a crisis
            # the rules name is still answered at once, whoever holds the conversation)
            t.events.append({"kind": "crisis", "data": {"category": crisis.category, "soft": True}})
            t.inbox_status = "crisis"
            t.alert = {"kind": "crisis", "category": crisis.category, "soft": True}
            return
        cfg = self._crisis_config()
        previous = t.state.get("crisis") or {}
        if crisis.soft and previous and not previous.get("soft"):
            await self._in_crisis(t, text)          # already with the jeune: stay
            return
        if crisis.soft and not previous:
            match = self._match(text)
            if match is not None and match.topic and not match.ambiguous and self.s.faq is not None \
                    and self.s.faq.answer(match.topic, self._ml(t)):
                # a question that sounds low: answered, and a door left open
                self._faq_answer(t, match.topic)
                t.replies.append(Reply(textes.SOFT_DOOR))
                t.events.append({"kind": "crisis", "data": {"category": "inquietude", "soft": True}})
                return
        same = previous.get("category") == crisis.category and not crisis.soft
        if same:
            # said already: the urgent step again when the danger is now, and stay
            urgent = urgent_line(cfg, crisis) or ""
            t.replies.append(Reply("\n".join(x for x in (urgent, cfg.follow_up.stay) if x),
                                   priority="crisis"))
        else:
            t.replies.append(Reply(crisis_answer(cfg, crisis, age=self._age(t), at=t.at),
                                   priority="crisis"))
            t.replies.append(Reply(self._who_reads(t) + "\n" + cfg.follow_up.ask_safe,
                                   priority="crisis", buttons=[
                                       Button(textes.BTN_SAFE, "crisis:safe"),
                                       Button(textes.BTN_UNSAFE, "crisis:unsafe")]))
        t.events.append({"kind": "crisis", "data": {"category": crisis.category}})
        t.inbox_status = "crisis"
        if not same or crisis.danger_now:
            t.alert = {"kind": "crisis", "category": crisis.category}
        if not crisis.soft or previous:
            t.state["crisis"] = {
                "category": crisis.category if not (crisis.soft and previous) else previous["category"],
                "danger_now": bool(crisis.danger_now or previous.get("danger_now")),
                "since": previous.get("since") or t.at.isoformat(), "turns": 0}
        else:
            t.state["crisis"] = {"category": crisis.category, "danger_now": False,
                                 "since": t.at.isoformat(), "turns": 0, "soft": True}

    async def _in_crisis(self, t: Turn, text: str) -> bool:
        """Crisis mode: no menu, no FAQ, no questionnaire. Ends when the jeune says it is better
        (then a gentle way back) or when a référent takes over (take_over clears it)."""
        mode = t.state.get("crisis")
        if not mode:
            return False
        cfg = self._crisis_config()
        inc = t.incoming
        value = inc.button_value or "" if inc.kind == "button" else ""
        t.inbox_status = "crisis"   # kept for the référent: unread in the inbox
        if value == "crisis:safe" or (text and inc.kind != "button" and textes.BETTER.search(text)):
            t.state["crisis"] = None
            t.replies.append(Reply(cfg.follow_up.better + "\n" + cfg.follow_up.way_back))
            t.events.append({"kind": "crisis_end", "data": {"category": mode.get("category")}})
            return True
        if mode.get("soft") and not (text and textes.NOT_OK.search(text)) and value != "crisis:unsafe":
            t.state["crisis"] = None   # a gentle check-in only: the conversation goes on
            return False
        mode["turns"] = mode.get("turns", 0) + 1
        found = Crisis(mode.get("category") or "inquietude", "", danger_now=bool(mode.get("danger_now")))
        urgent = urgent_line(cfg, found) if (mode.get("danger_now") or value == "crisis:unsafe") else None
        if value == "crisis:unsafe" and not urgent:
            urgent = cfg.generic.now
        parts = [urgent] if urgent else []
        parts.append(cfg.follow_up.stay)
        if mode["turns"] % 2 == 1 and value != "crisis:unsafe":
            parts.append(cfg.follow_up.ask_safe)
        t.replies.append(Reply("\n".join(p for p in parts if p), priority="crisis",
                               buttons=[Button(textes.BTN_SAFE, "crisis:safe"),
                                        Button(textes.BTN_UNSAFE, "crisis:unsafe")]))
        return True

    async def _on_start(self, t: Turn, source: str | None) -> None:
        known = bool(t.state["stack"])
        if source and source != (t.state["session"] or {}).get("source"):
            t.state["session"]["source"] = source
            action = self._action_for_code(source)
            if action:
                t.profile_updates.setdefault("source_action", action.id)
            t.events.append({"kind": "contact", "data": {"source": source, "restart": True}})
        if known:
            # a QR link opened again: no menu again, a short word (the question once if short)
            t.replies.append(Reply(textes.STILL_HERE))
            step = self._waiting_step(t)
            if step is not None and not self._is_menu(t, step):
                self._ask(t, step)
            return
        await self._start_flow(t, "welcome")

    async def _while_waiting(self, t: Turn, text: str) -> bool:
        """A person is expected: the message is kept for them (inbox, transcript) and acknowledged
        briefly; no flow restarts, no FAQ. A button the bot offered (a rendez-vous) goes on."""
        inc = t.incoming
        since = datetime.fromisoformat(t.state["waiting_human"])
        if t.at - since > timedelta(days=WAIT_DAYS) or (
                inc.kind == "button" and (inc.button_value or "").startswith(GLOBAL_PREFIXES)):
            t.state["waiting_human"] = None
            return False
        t.inbox_status = "waiting"
        acks = t.state.get("waiting_acks", 0)
        t.state["waiting_acks"] = acks + 1
        t.replies.append(Reply(textes.WAITING_FIRST if acks == 0 else textes.WAITING_AGAIN))
        return True

    async def _interrupt(self, t: Turn, text: str) -> bool:
        """What comes before the waiting question: a crisis (always first, on the whole text, the
        caption of a photo or an edited message included: during a flow, a booking, a référent's
        takeover — the engine checked it before flood control), STOP, the crisis mode, what is not
        text, an edited message, erasure, a person on the conversation, a /start.
        True when the message is dealt with."""
        inc = t.incoming
        state = t.state
        # a button press carries our own label, not the jeune's words: nothing to look for
        # (read already when the text is the whole message the engine scanned)
        crisis = (self._crisis(text) if text and inc.kind != "button" and t.soft_crisis is None
                  and text != t.scanned else None)
        if crisis:
            await self._on_crisis(t, crisis, text)
            return True
        if text and inc.kind in ("text", "edited") and _STOP.match(text):
            state["crisis"] = None
            t.profile_updates["stopped"] = True
            t.events.append({"kind": "stop"})
            t.replies.append(Reply(textes.STOPPED))
            return True
        if state["mode"] != "human" and await self._in_crisis(t, text):
            return True
        if inc.kind in textes.KIND_NAMES:
            t.replies.append(Reply(textes.NOT_TEXT_SHORT.get(inc.kind)
                                   or textes.NOT_TEXT.format(what=textes.KIND_NAMES[inc.kind])))
            return True
        if inc.kind == "edited":
            t.replies.append(Reply(textes.EDITED))
            return True
        if t.profile.get("stopped"):
            t.profile_updates["stopped"] = False
        if text and _FORGET.search(text) and state["mode"] != "human":
            await self._start_flow(t, "donnees", keep=True)
            return True
        if state["mode"] == "human":
            t.inbox_status = "taken"
            return True   # a person answers; the message is in the transcript and the inbox
        if state.get("waiting_human") and await self._while_waiting(t, text):
            return True
        if inc.kind == "start":
            await self._on_start(t, inc.source)
            return True
        return False
