"""Which team answers a jeune: the Mission Locale of their commune once known; before that, the
Mission Locale of the action they came through (a maraude's QR code, a stand's poster). Only a
jeune with neither is the regional team's (ARML admins) alone.

The inbox row keeps the Mission Locale the engine knew (`conversations.mission_locale`); the
console reads the team through `team_column()`, a SQL expression over that row and the profile,
so the list, the search, the counts and the escalation agree with the page of one conversation.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, literal

from bot.stores.conversations import conversations
from bot.stores.records import profiles


def action_teams(config: Any) -> dict[str, str]:
    """action id → its Mission Locale (network-wide actions have none)."""
    actions = getattr(config, "actions", None)
    if not actions:
        return {}
    return {a.id: a.mission_locale for a in actions.actions if a.mission_locale}


def team_of(config: Any, conv_ml: str | None, profile: dict | None) -> str | None:
    profile = profile or {}
    return (conv_ml or profile.get("mission_locale")
            or action_teams(config).get(profile.get("source_action") or ""))


def team_column(config: Any):
    """COALESCE(inbox row's ML, profile's ML, the ML of the profile's source action)."""
    by_action = action_teams(config)
    from_action = (case(*[(profiles.c.source_action == action_id, literal(ml))
                          for action_id, ml in sorted(by_action.items())], else_=None)
                   if by_action else literal(None))
    return func.coalesce(conversations.c.mission_locale, profiles.c.mission_locale, from_action)


def with_profile(select_from=None):
    """conversations LEFT JOIN profiles (a jeune may have no profile row yet)."""
    return conversations.outerjoin(profiles, profiles.c.jeune_id == conversations.c.jeune_id)
