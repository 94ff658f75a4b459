"""The fair rotation: the Mission Locale whose last post is the oldest goes next."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from bot.posts.calendar import publishable
from bot.reperage.actions_config import Action, ActionsConfig

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Member:
    """A Mission Locale in the rotation."""
    id: str
    name: str


def members_of(config: Any) -> list[Member]:
    """The configured Missions Locales, in config order; else those named by the actions."""
    mls = list(getattr(config, "missions_locales", None) or [])
    if mls:
        return [Member(ml.id, ml.short_name or ml.name) for ml in mls]
    seen: dict[str, Member] = {}
    for action in config.actions.actions if config.actions else []:
        if action.mission_locale and action.mission_locale not in seen:
            seen[action.mission_locale] = Member(action.mission_locale, action.mission_locale)
    return list(seen.values())


class Rotation:
    """Least recently posted first. Feed it the weeks in order (`record`), ask `pick`."""

    def __init__(self, members: Iterable[Member], actions: ActionsConfig):
        self.order = {m.id: i for i, m in enumerate(members)}
        self.actions = actions
        self.last_ml: dict[str, int] = {}
        self.last_action: dict[str, int] = {}
        self.position = 0

    def record(self, ml: str, action_id: str) -> None:
        self.last_ml[ml] = self.position
        self.last_action[action_id] = self.position
        self.position += 1

    def candidates(self, ml: str, at: datetime) -> list[Action]:
        return [a for a in self.actions.for_ml(ml) if publishable(a, at)]

    def eligible(self, at: datetime) -> list[str]:
        return [ml for ml in self.order if self.candidates(ml, at)]

    def pick(self, at: datetime) -> tuple[str, str] | None:
        eligible = self.eligible(at)
        if not eligible:
            return None
        ml = min(eligible, key=lambda m: (self.last_ml.get(m, -1), self.order[m]))
        options = self.candidates(ml, at)
        index = {a.id: i for i, a in enumerate(options)}
        action = min(options, key=lambda a: (self.last_action.get(a.id, -1), index[a.id]))
        return ml, action.id
