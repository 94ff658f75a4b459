"""What a référent sees about a jeune next to the transcript: the repérage profile (cohort, an age
band rather than the exact age, commune, Mission Locale, source action), appointments, events.

Only what helps to answer: no channel address (a phone number, a Telegram id) is ever shown.
"""
from __future__ import annotations

from typing import Any

from bot.clock import to_paris
from bot.rdv.store import BookingStore

COHORT_LABELS = {
    "repere": "Repéré·e : inconnu·e des Missions Locales",
    "reactive": "Réactivé·e : sans contact depuis 6 mois ou plus",
    "suivi": "Suivi·e : contact dans les 6 derniers mois",
    "inconnu": "Pas encore dit",
}
CHANNEL_LABELS = {"web": "chat du site", "telegram": "Telegram", "console": "console",
                  "terminal": "terminal"}
EVENTS_SHOWN = 60


def age_band(age: Any) -> str:
    """A band, not the age: enough to know the rules that apply (minor, 26+ with a disability)."""
    if not isinstance(age, int):
        return "Pas encore dit"
    if age < 16:
        return "Moins de 16 ans"
    if age < 18:
        return "16–17 ans (mineur·e)"
    if age < 22:
        return "18–21 ans"
    if age < 26:
        return "22–25 ans"
    if age < 30:
        return "26–29 ans"
    return "30 ans ou plus"


def author_label(author: str) -> tuple[str, str]:
    """(kind, label) of a transcript author: jeune, bot or a référent by first name."""
    if author == "jeune":
        return "jeune", "Jeune"
    if author.startswith("referent:"):
        return "referent", author.split(":", 1)[1] or "Référent·e"
    return "bot", "Bot"


GLOBAL_BUTTONS = {"intent:conseiller": "Parler à un conseiller", "conseiller": "Parler à un conseiller",
                  "intent:rdv": "Prendre rendez-vous", "intent:question": "Poser une question"}
_BUTTON = "[bouton] "


def button_labels(config: Any) -> dict[str, str]:
    """button value → the label the jeune saw (every flow's buttons, and the global ones)."""
    labels = dict(GLOBAL_BUTTONS)
    for flow in (getattr(config, "flows", None) or {}).values():
        for step in getattr(flow, "steps", []):
            for button in getattr(step, "buttons", None) or []:
                labels.setdefault(button.value, button.label)
    return labels


def readable_text(text: str, labels: dict[str, str] | None = None) -> str:
    """What the jeune pressed, as they read it: « Je cherche un emploi », not sans_activite."""
    if text.startswith(_BUTTON):
        value = text[len(_BUTTON):].strip()
        label = (labels or {}).get(value) or value.replace("intent:", "").replace("_", " ")
        return f"« {label} » (bouton)"
    return text


def transcript_line(line: dict, labels: dict[str, str] | None = None) -> dict:
    kind, label = author_label(line["author"])
    return {"id": line["id"], "at": to_paris(line["at"]).strftime("%d/%m %H:%M"),
            "direction": line["direction"], "who": kind, "author": label,
            "channel": CHANNEL_LABELS.get(line["channel"], line["channel"]),
            "text": readable_text(line["text"] or "", labels)}


def readable(lines: list[dict], labels: dict[str, str] | None = None) -> list[dict]:
    """Transcript lines as a person reads them: no empty bubble, and a bot line that only
    introduces the next one ("On reprend :") joined to it."""
    out: list[dict] = []
    pending: dict | None = None
    for raw in lines:
        line = transcript_line(raw, labels)
        text = line["text"].strip()
        if not text:
            continue
        if pending is not None:
            if line["who"] == pending["who"] == "bot":
                line = {**line, "text": pending["text"] + " " + line["text"]}
            else:
                out.append(pending)
            pending = None
        if line["who"] == "bot" and text.endswith(":") and len(text) <= 40:
            pending = line
            continue
        out.append(line)
    if pending is not None:
        out.append(pending)
    return out


def _event_detail(data: dict) -> str:
    keep = {k: v for k, v in (data or {}).items()
            if k in ("category", "reason", "outcome", "source", "topic", "taken_by", "slot",
                     "action_id", "resource", "session")}
    return ", ".join(f"{k} : {v}" for k, v in keep.items())


async def conversation_facts(services: Any, jeune_id: str, conv: dict) -> dict:
    profile = await services.records.get_profile(jeune_id) or {}
    config = services.config
    ml_id = conv.get("mission_locale") or profile.get("mission_locale")
    ml = config.ml_by_id.get(ml_id or "")
    source = profile.get("source_action")
    action = config.actions.by_id.get(source) if (source and config.actions) else None
    channels = sorted({CHANNEL_LABELS.get(ch, ch) for ch, _addr in
                       await services.records.addresses(jeune_id)})
    events = await services.records.list_events(jeune_id=jeune_id)
    shown_events = [{"at": e.at, "kind": e.kind, "channel": CHANNEL_LABELS.get(e.channel, e.channel),
                     "action_id": e.action_id, "out_of_hours": e.out_of_hours,
                     "detail": _event_detail(e.data)} for e in events[-EVENTS_SHOWN:]][::-1]
    return {
        "first_name": profile.get("first_name") or conv.get("first_name"),
        "cohort": COHORT_LABELS.get(profile.get("cohort") or "inconnu", profile.get("cohort")),
        "age_band": age_band(profile.get("age")),
        "disability": profile.get("disability"),
        "commune": profile.get("commune_nom"),
        "mission_locale": ml.name if ml else (ml_id or "Pas encore connue"),
        "source_action": (action.title if action and getattr(action, "title", None) else source),
        "consent": profile.get("consent"),
        "stopped": profile.get("stopped"),
        "unreachable": profile.get("unreachable"),
        "first_seen_at": profile.get("first_seen_at"),
        "last_seen_at": profile.get("last_seen_at"),
        "channels": channels,
        "events": shown_events,
        "events_total": len(events),
        "appointments": await _appointments(services, jeune_id),
    }


async def _appointments(services: Any, jeune_id: str) -> dict:
    """The next appointment and the raccrochage registrations (bot/rdv/store.py)."""
    store = getattr(services, "bookings", None) or services.extra.get("bookings") or \
        BookingStore(services.records.engine)
    now = services.clock.now()
    booking = await store.active_booking(jeune_id, now)
    registrations = await store.registrations_of(jeune_id)
    actions = services.config.actions
    return {
        "next": {"start": booking.start, "end": booking.end, "resource": booking.resource,
                 "mission_locale": booking.ml_id} if booking else None,
        "registrations": [{
            "start": r.start, "status": "inscrit·e" if r.status == "registered" else "en liste d'attente",
            "action": (actions.by_id[r.action_id].title
                       if actions and r.action_id in actions.by_id else r.action_id),
        } for r in registrations],
    }
