"""The contract between flows and domain code.

A flow step `action: book_slot` calls the function registered under that name with an ActionContext;
an `ask` step with `validator: age` calls the validator registered as "age". Domain code reads and
writes the conversation's slots, says things, emits events and stages profile fields — it never
knows which channel the jeune is on. The Rasa action server (bot/rasa/) builds the same
context from a Rasa tracker, so there is one implementation of each action.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Callable

from rapidfuzz import fuzz, process

from bot.messages import Attachment, Button, Reply

ActionFn = Callable[["ActionContext"], Awaitable[None]]
ValidatorFn = Callable[["ActionContext", str], Awaitable["Validation"]]

ACTIONS: dict[str, ActionFn] = {}
VALIDATORS: dict[str, ValidatorFn] = {}

def action(name: str) -> Callable[[ActionFn], ActionFn]:
    def register(fn: ActionFn) -> ActionFn:
        if name in ACTIONS and ACTIONS[name] is not fn:
            raise ValueError(f"action {name!r} registered twice")
        ACTIONS[name] = fn
        return fn
    return register


def validator(name: str) -> Callable[[ValidatorFn], ValidatorFn]:
    def register(fn: ValidatorFn) -> ValidatorFn:
        if name in VALIDATORS and VALIDATORS[name] is not fn:
            raise ValueError(f"validator {name!r} registered twice")
        VALIDATORS[name] = fn
        return fn
    return register


@dataclass
class Validation:
    """What a validator makes of an answer.

    ok → `value` goes into the ask's slot and `slots` are set too. Not ok → `message` (or the ask's
    reprompt) is said, with `buttons` if the answer was ambiguous (e.g. several communes), and the
    same question waits for another answer; `skip` lets the jeune pass ("je sais pas", "passer").
    """
    ok: bool
    value: Any = None
    message: str | None = None
    buttons: list[Button] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass
class ActionContext:
    jeune_id: str
    channel: str
    now: datetime                      # aware, UTC: the contact's time (the injected clock or --at)
    text: str                          # the jeune's latest message
    slots: dict[str, Any]              # the conversation's slots, read and written in place
    profile: dict[str, Any]            # durable profile as loaded (read only: use remember())
    services: Any                      # bot.services.Services: config, records, clock, stores…
    params: dict[str, Any] = field(default_factory=dict)   # the flow step's `with:` arguments
    replies: list[Reply] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    profile_updates: dict[str, Any] = field(default_factory=dict)

    def say(self, text: str, buttons: list[Button] | tuple = (), attachment: Attachment | None = None,
            priority: str = "normal") -> None:
        self.replies.append(Reply(text=text, buttons=list(buttons), attachment=attachment,
                                  priority=priority))

    def emit(self, kind: str, action_id: str | None = None, **data: Any) -> None:
        """An event; the engine fills when, channel, jeune, Mission Locale, cohort, minor, hours."""
        self.events.append({"kind": kind, "action_id": action_id, "data": data})

    def remember(self, **fields: Any) -> None:
        """Profile fields to save; personal ones are only kept once the jeune has consented."""
        self.profile_updates.update(fields)

    def get(self, key: str, default: Any = None) -> Any:
        """A fact about the jeune: this conversation's slots first, then the saved profile."""
        if key in self.slots and self.slots[key] is not None:
            return self.slots[key]
        if key in self.profile_updates:
            return self.profile_updates[key]
        value = self.profile.get(key)
        return default if value is None else value

    @property
    def mission_locale(self):
        """The jeune's Mission Locale (a MissionLocale) once known, else None."""
        ml_id = self.get("mission_locale")
        return self.services.config.ml_by_id.get(ml_id) if ml_id else None


# what every validator may use to read an answer ---------------------------------------------
SKIP = re.compile(r"^\s*(passer|passe|skip|je sais pas|jsp|j'?sais pas|chais pas|aucune id[ée]e|"
                  r"je pr[ée]f[eè]re pas|pas envie|je veux pas (le )?dire)\s*[.!]*\s*$", re.I)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9' ]+", " ", text).strip()


def choose(text: str, buttons: list[Button]) -> Button | None:
    """A button from its value, its number ("2"), its label, or something close to its label."""
    raw = text.strip()
    for b in buttons:
        if raw == b.value:
            return b
    if raw.isdigit() and 1 <= int(raw) <= len(buttons):
        return buttons[int(raw) - 1]
    folded = fold(raw)
    if not folded:
        return None
    labels = {i: fold(b.label) for i, b in enumerate(buttons)}
    for i, label in labels.items():
        if folded in (label, fold(buttons[i].value)):
            return buttons[i]
    best = process.extractOne(folded, labels, scorer=fuzz.WRatio, score_cutoff=86)
    if best:
        return buttons[best[2]]
    return None
