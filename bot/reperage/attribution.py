"""Which action a contact belongs to, and whether it came out of the Mission Locale's hours.

The spec's rule: a deep-link / QR code names its action (an extra-muros poster, or any coded
action); else the temps-additionnel action whose window holds the contact; else none.
Before the jeune has named their commune the Mission Locale is unknown: the network's usual
schedule decides out-of-hours, and only network-wide (ARML) temps-additionnel actions can match.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Container, Mapping, Sequence

from bot.reperage.actions_config import Action, ActionsConfig
from bot.clock import to_paris
from bot.territoire.missions_locales import DAYS, MissionLocale
from bot.clock import parse_range

# The opening hours most Missions Locales of the region keep; used while the ML is unknown.
DEFAULT_NETWORK_HOURS: Mapping[str, Sequence[str]] = {
    day: ("09:00-12:30", "13:30-17:30") for day in ("lun", "mar", "mer", "jeu", "ven")
}


@dataclass(frozen=True)
class Attribution:
    action_id: str | None
    out_of_hours: bool
    # what the action is now, written on the events: a later change of config/actions.yml
    # never changes past figures
    action_type: str | None = field(default=None, compare=False)
    action_ml: str | None = field(default=None, compare=False)
    # the actions it was decided from: an event naming another action (a raccrochage
    # registration) is described from the same config
    actions: ActionsConfig | None = field(default=None, compare=False, repr=False)

    def describe(self, action_id: str | None) -> tuple[str | None, str | None]:
        """(type, Mission Locale) of an action, as configured now."""
        if action_id is None:
            return None, None
        if action_id == self.action_id and self.action_type is not None:
            return self.action_type, self.action_ml
        action = self.actions.by_id.get(action_id) if self.actions is not None else None
        return (action.type, action.mission_locale) if action is not None else (None, None)


def _of(action: Action | None, out_of_hours: bool, actions: ActionsConfig) -> Attribution:
    if action is None:
        return Attribution(None, out_of_hours, actions=actions)
    return Attribution(action.id, out_of_hours, action.type, action.mission_locale, actions)


def network_is_open(
    at: datetime, holidays: Container, hours: Mapping[str, Sequence[str]] = DEFAULT_NETWORK_HOURS,
) -> bool:
    local = to_paris(at)
    if local.date() in holidays:
        return False
    t = local.time()
    return any(start <= t < end
               for start, end in map(parse_range, hours.get(DAYS[local.weekday()], ())))


def temps_additionnel_at(at: datetime, ml_id: str | None, actions: ActionsConfig) -> Action | None:
    """The temps-additionnel action running at `at` for that ML (None: network-wide only).

    The ML's own action beats a network-wide one; a dated window beats a weekly one; then the
    order of the file.
    """
    best: tuple[tuple[int, int], Action] | None = None
    for action in actions.of_type("temps-additionnel"):
        if action.mission_locale is not None and action.mission_locale != ml_id:
            continue
        window = action.window_holding(at)
        if window is None:
            continue
        rank = (int(action.mission_locale is not None), window.specificity)
        if best is None or rank > best[0]:
            best = (rank, action)
    return best[1] if best else None


def attribute(
    at: datetime,
    ml: MissionLocale | None,
    source_code: str | None,
    actions: ActionsConfig,
    holidays: Container,
    network_hours: Mapping[str, Sequence[str]] = DEFAULT_NETWORK_HOURS,
) -> Attribution:
    """`at` aware (or naive = Paris time); `holidays` supports `date in holidays`."""
    if ml is not None:
        out_of_hours = not ml.is_open(at, holidays)
    else:
        out_of_hours = not network_is_open(at, holidays, network_hours)
    coded = actions.action_for_code(source_code)
    if coded is not None:
        return _of(coded, out_of_hours, actions)
    return _of(temps_additionnel_at(at, ml.id if ml is not None else None, actions), out_of_hours,
               actions)
