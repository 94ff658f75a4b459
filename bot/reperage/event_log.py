"""What one turn of a conversation leaves in the records, whoever ran the dialogue.

The built-in engine and the Rasa action server both run the same domain actions; the events those
actions emit must come out identical (same Mission Locale, cohort, minor flag, out-of-hours,
action) so `insysteme report` counts a jeune the same way whatever the front end. The rules live
here once: which facts are known, which profile fields may be kept, how an event row is filled.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from bot.reperage.attribution import Attribution, attribute
from bot.stores.records import Event

# Profile fields that are personal: kept only once the jeune has consented.
PERSONAL_FIELDS = ("first_name", "age", "birth_year", "disability", "commune_insee", "commune_nom",
                   "situation", "known_ml", "last_contact")


def turn_facts(profile: dict[str, Any], updates: dict[str, Any], slots: dict[str, Any]) -> dict[str, Any]:
    """What is known about the jeune now: saved profile, then this turn's updates, then slots."""
    facts = {k: v for k, v in profile.items() if k != "stopped"}
    facts.update(updates)
    facts.update({k: v for k, v in slots.items() if v is not None})
    return facts


def consented(profile: dict[str, Any], updates: dict[str, Any]) -> bool:
    return bool(updates.get("consent", profile.get("consent")))


def kept_updates(profile: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """The profile updates that may be saved: personal fields only with consent."""
    kept = dict(updates)
    if not consented(profile, updates):
        for key in PERSONAL_FIELDS:
            kept.pop(key, None)
    return kept


def db_values(updates: dict[str, Any]) -> dict[str, Any]:
    """Profile values as the records store takes them (`*_at` fields as datetimes)."""
    return {k: (datetime.fromisoformat(v) if k.endswith("_at") and isinstance(v, str) else v)
            for k, v in updates.items()}


def minor_of(age: Any) -> bool | None:
    return (age < 18) if isinstance(age, int) and not isinstance(age, bool) else None


def attribution_for(config, holidays, started: datetime, ml_id: str | None,
                    source: str | None) -> Attribution | None:
    """The action and out-of-hours flag of a session that started at `started`."""
    if config.actions is None:
        return None
    ml = config.ml_by_id.get(ml_id) if ml_id else None
    return attribute(started, ml, source, config.actions, holidays, config.settings.network_hours)


def build_events(raw: Iterable[dict[str, Any]], *, at: datetime, channel: str, jeune_id: str,
                 facts: dict[str, Any], attribution: Attribution | None) -> list[Event]:
    """Event rows from what actions emitted (`{"kind", "action_id"?, "data"?}`).

    Mission Locale, cohort and minor come from the facts known at the end of the turn; the
    action emitting the event may name its action (a raccrochage session), else the session's.
    Each event carries its action's type and Mission Locale as they are now; while the jeune has
    not given a commune, the event's Mission Locale is its action's (a QR code at a maraude).
    """
    cohort = facts.get("cohort") or "inconnu"
    minor = minor_of(facts.get("age"))
    out = []
    for e in raw:
        action_id = e.get("action_id") or (attribution.action_id if attribution else None)
        action_type, action_ml = attribution.describe(action_id) if attribution else (None, None)
        out.append(Event(
            at=at, channel=channel, jeune_id=jeune_id, kind=e["kind"],
            mission_locale=facts.get("mission_locale") or action_ml, cohort=cohort, minor=minor,
            out_of_hours=attribution.out_of_hours if attribution else False,
            action_id=action_id, action_type=action_type, action_ml=action_ml,
            data=e.get("data") or {}))
    return out


def needs_contact_fix(session: dict[str, Any], facts: dict[str, Any]) -> bool:
    """The session's `contact` event is rewritten when its Mission Locale or the jeune's age
    becomes known (a 16-year-old who stops after the age question still counts as a minor)."""
    ml_new = bool(facts.get("mission_locale")) and not session.get("contact_ml")
    minor = minor_of(facts.get("age"))
    return ml_new or (minor is not None and session.get("contact_minor") is None)


def mark_contact_fixed(session: dict[str, Any], facts: dict[str, Any]) -> None:
    if facts.get("mission_locale"):
        session["contact_ml"] = facts["mission_locale"]
    minor = minor_of(facts.get("age"))
    if minor is not None:
        session["contact_minor"] = minor


def contact_fix(facts: dict[str, Any], attribution: Attribution | None) -> dict[str, Any]:
    """Fields to rewrite on a session's `contact` event once its Mission Locale (or the jeune's
    age) becomes known."""
    return {"mission_locale": facts.get("mission_locale") or (
                attribution.action_ml if attribution else None),
            "cohort": facts.get("cohort") or "inconnu",
            "minor": minor_of(facts.get("age")),
            "out_of_hours": attribution.out_of_hours if attribution else False,
            "action_id": attribution.action_id if attribution else None,
            "action_type": attribution.action_type if attribution else None,
            "action_ml": attribution.action_ml if attribution else None}
