"""A post's text per network, from its template and the action, with its deep links."""
from __future__ import annotations

import logging
import string
from dataclasses import dataclass
from datetime import datetime, time

from bot.clock import as_utc, to_paris
from bot.posts.calendar import window_ahead
from bot.rdv.slots import french_date, french_datetime
from bot.reperage.actions_config import Action, Window
from bot.territoire.missions_locales import DAY_NAMES, DAYS

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Links:
    telegram_bot_username: str | None
    public_url: str | None

    def telegram(self, code: str | None) -> str:
        if not self.telegram_bot_username:
            return ""
        base = f"https://t.me/{self.telegram_bot_username}"
        return f"{base}?start={code}" if code else base

    def web(self, code: str | None) -> str:
        if not self.public_url:
            return ""
        base = f"{self.public_url.rstrip('/')}/chat"
        return f"{base}?source={code}" if code else base


def _hm(t: time) -> str:
    return "minuit" if t >= time(23, 59) else f"{t:%Hh%M}"


def _days_text(days: list[str]) -> str:
    names = [DAY_NAMES[DAYS.index(d)] for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]


def _window_text(w: Window) -> str:
    hours = f"de {_hm(w.start)} à {_hm(w.end)}"
    days = f"chaque {_days_text(w.days)}, " if w.days else ""
    if w.date is not None:
        return f"{french_date(w.date)} {w.date.year}, {hours}"
    if w.from_date is not None:
        return f"du {french_date(w.from_date)} au {french_date(w.to_date)} {w.to_date.year}, {days}{hours}"
    return f"{days}{hours}"


def when_text(action: Action, at: datetime) -> str:
    day = to_paris(at).date()
    if action.type == "extra-muros":
        return f"{french_date(action.date)} {action.date.year}" if action.date else ""
    if action.type == "raccrochage":
        upcoming = [s for s in action.sessions if as_utc(s.start) >= as_utc(at)][:3]
        return " ; ".join(french_datetime(as_utc(s.start)) for s in upcoming)
    return " ; ".join(_window_text(w) for w in action.windows if window_ahead(w, day))


def place_text(action: Action, at: datetime) -> str:
    if action.place:
        return action.place
    upcoming = [s for s in action.sessions if as_utc(s.start) >= as_utc(at)]
    return upcoming[0].place if upcoming else ""


def fill_template(template: str, values: dict[str, str]) -> str:
    """Each line with its placeholders; a line whose placeholder is empty is dropped (no web
    link without PUBLIC_URL, no "Où :" for a live); never more than one blank line in a row."""
    out: list[str] = []
    for line in template.strip().splitlines():
        names = [f for _, f, _, _ in string.Formatter().parse(line) if f]
        if any(not values.get(n) for n in names):
            continue
        text = line.format_map(values).rstrip()
        if not text and (not out or not out[-1]):
            continue
        out.append(text)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _cut(text: str, limit: int) -> str:
    if limit <= 1:
        return "…"
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


def render(action: Action, ml_name: str, at: datetime, template: str, max_chars: int,
           links: Links) -> tuple[str, str | None]:
    """(text, problem or None). Over the limit, the description is shortened first."""
    values = {
        "titre": action.title, "mission_locale": ml_name, "description": action.description.strip(),
        "quand": when_text(action, at), "lieu": place_text(action, at),
        "lien_telegram": links.telegram(action.code), "lien_web": links.web(action.code),
        "code": action.code or "",
    }
    text = fill_template(template, values)
    if len(text) > max_chars:
        room = len(values["description"]) - (len(text) - max_chars)
        values["description"] = _cut(values["description"], max(room, 1))
        text = fill_template(template, values)
    if len(text) > max_chars:
        return text, f"{len(text)} caractères, la limite est {max_chars} : raccourcir le modèle"
    if not text.strip():
        return text, "le texte est vide"
    return text, None


# --- the service ----------------------------------------------------------------------------------
