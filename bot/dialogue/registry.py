"""Which modules register flow actions and validators: importing this module registers them all.

The capabilities declare their actions with `@action`/`@validator` from `bot.contract`; the dialogue
knows which capabilities take part in a conversation, never the other way round.
"""
from __future__ import annotations

import bot.dialogue.actions  # noqa: F401  (free text, choices, consent, handoff, erasure)
import bot.rdv.actions  # noqa: F401  (booking, raccrochage sessions)
import bot.reperage.actions  # noqa: F401  (age, commune, situation, cohort)
from bot.contract import ACTIONS, VALIDATORS

__all__ = ["ACTIONS", "VALIDATORS", "load_registry"]


def load_registry() -> None:
    """Kept for callers that want to say it: the imports above already registered everything."""
