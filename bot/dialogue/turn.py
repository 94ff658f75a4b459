"""One message's turn: what it produces (Turn), the state it reads and writes, and the helpers
every stage shares (the action context, slots and facts, the Mission Locale, text filling)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.contract import ActionContext
from bot.dialogue.flows import Flow
from bot.messages import Incoming, Reply
from bot.reperage import event_log

SEEN_KEEP = 50          # message ids remembered per jeune for exactly-once
MAX_STEPS = 60          # steps run for one message before we suspect a loop in a flow
GLOBAL_PREFIXES = ("intent:", "faq:", "flow:")
LONG_STORY = 300        # characters: past this, a message's questions are matched first
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
    soft_crisis: Any = None   # a soft find held back while the waiting question is tried first
    scanned: str | None = None  # the text already read for a crisis this turn (read once)


def new_state() -> dict:
    return {"stack": [], "slots": {}, "seen": [], "mode": "bot", "session": None,
            "flood": [], "profile": None}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


class TurnTools:
    """What every stage of the turn uses; `self.s` is the Services, `self.settings` its settings."""

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
                if internal["inbox_status"] == "waiting":   # a person is expected: a real pause
                    t.state["waiting_human"] = t.at.isoformat()
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

    def _action_for_code(self, code: str):
        actions = self.s.config.actions
        return actions.action_for_code(code) if actions is not None else None

    def _match(self, text: str):
        """The FAQ topic of a message; in a long story, its questions are read first."""
        faq = self.s.faq
        if faq is None:
            return None
        if len(text) > LONG_STORY:
            sentences = [x.strip() for x in re.split(r"(?<=[.!?\n])\s+", text) if x.strip()]
            asked = [x for x in sentences if "?" in x] or sentences[-2:]
            for sentence in reversed(asked):
                match = faq.match(sentence)
                if match.topic is not None and not match.ambiguous:
                    return match
        return faq.match(text)

    def _flow(self, name: str) -> Flow:
        return self.s.config.flows[name]
