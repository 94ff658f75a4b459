"""Appointment slots: generated from config/rdv.yml, filtered by what a jeune writes ("jeudi aprem").

Slots are not stored: they are computed from each Mission Locale's weekly availability, minus public
holidays and closures, in Paris wall-clock time (a 10:00 slot stays at 10:00 across a daylight-saving
change; its UTC instant moves). Only taken places are stored (bot/rdv/store.py), keyed by the
slot's `key`, which is also what button values and events carry: it names a time, never a person.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Callable, Container, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.clock import PARIS, as_utc, to_paris
from bot.territoire.missions_locales import DAY_NAMES, DAYS
from bot.clock import QuietHours, parse_clock as _clock, parse_range  # noqa: F401  (QuietHours: config of rdv.yml)
from bot.yamlconf import ConfigError, LineDict, load_yaml, validate_file

MAX_BUTTON_VALUE = 64          # Telegram's callback_data limit, in bytes
SLOT_PREFIX = "slot:"
_RESOURCE = r"^[a-z0-9][a-z0-9-]{0,15}$"

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")
SHORT_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                "nov.", "déc.")


# --- configuration ----------------------------------------------------------------------------
class Availability(BaseModel):
    """A weekly block when someone receives jeunes: `accueil` or a named conseiller."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    days: list[str] = Field(min_length=1)
    hours: list[str] = Field(min_length=1)           # ["09:30-12:00", "14:00-17:00"]
    who: str = Field(default="accueil", alias="with")  # shown to the jeune: "l'accueil", "Sophie"
    resource: str = Field(default="accueil", pattern=_RESOURCE)  # short id in slot keys
    capacity: int | None = Field(default=None, ge=1, le=50)
    duration_minutes: int | None = Field(default=None, ge=10, le=240)

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        for day in value:
            if day not in DAYS:
                raise ValueError(f"unknown day {day!r}; use one of {', '.join(DAYS)}")
        return value

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> Any:
        items = [value] if isinstance(value, str) else value
        for item in items or []:
            parse_range(str(item))
        return items


class MlRdv(BaseModel):
    """How one Mission Locale books appointments from the chat."""
    model_config = ConfigDict(extra="forbid")
    duration_minutes: int | None = Field(default=None, ge=10, le=240)
    capacity: int | None = Field(default=None, ge=1, le=50)
    address: str | None = None          # where the appointment is, when not the ML's own address
    bring: list[str] | None = None      # what to bring; the defaults otherwise
    closures: list[date] = Field(default_factory=list)
    availability: list[Availability] = Field(min_length=1)


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duration_minutes: int = Field(default=30, ge=10, le=240)
    capacity: int = Field(default=1, ge=1, le=50)
    bring: list[str] = Field(default_factory=lambda: [
        "une pièce d'identité (carte d'identité, passeport ou titre de séjour)",
        "ta carte Vitale ou ton numéro de sécurité sociale si tu l'as",
        "un CV si tu en as un (ce n'est pas obligatoire)",
    ])


class Reminders(BaseModel):
    """When one-off messages go out. Times are Paris time."""
    model_config = ConfigDict(extra="forbid")
    day_before: time | None = time(18, 0)     # J-1 at this time; null: none
    hours_before: float | None = Field(default=2, gt=0, le=12)   # H-2; null: none
    min_notice_minutes: int = Field(default=15, ge=0)  # a reminder closer than this to the start is dropped
    session_day_before: time | None = time(18, 0)
    missed_nudge_days: int | None = Field(default=2, ge=1, le=30)
    reactivation_weeks: int | None = Field(default=8, ge=1, le=104)

    @field_validator("day_before", "session_day_before", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        return None if value is None else _clock(value)


class RdvConfig(BaseModel):
    """config/rdv.yml."""
    model_config = ConfigDict(extra="forbid")
    quiet_hours: str = "21:00-09:00"
    horizon_days: int = Field(default=28, ge=1, le=120)
    min_notice_minutes: int = Field(default=120, ge=0)   # no slot offered sooner than this
    offer_count: int = Field(default=3, ge=1, le=8)
    reminders: Reminders = Field(default_factory=Reminders)
    defaults: Defaults = Field(default_factory=Defaults)
    missions_locales: dict[str, MlRdv] = Field(default_factory=dict)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        QuietHours(value)
        return value

    @model_validator(mode="after")
    def _values_fit(self) -> "RdvConfig":
        for ml_id, ml in self.missions_locales.items():
            for a in ml.availability:
                value = f"{SLOT_PREFIX}{ml_id}:202601011200:{a.resource}"
                if len(value.encode()) > MAX_BUTTON_VALUE:
                    raise ValueError(f"{ml_id}: id too long for a button value ({value!r})")
        return self

    @property
    def quiet(self) -> QuietHours:
        return QuietHours(self.quiet_hours)

    def for_ml(self, ml_id: str | None) -> MlRdv | None:
        return self.missions_locales.get(ml_id) if ml_id else None

    def bring(self, ml_id: str) -> list[str]:
        ml = self.for_ml(ml_id)
        return ml.bring if ml and ml.bring is not None else self.defaults.bring


def load_rdv(path: Path | str, ml_ids: Iterable[str]) -> RdvConfig:
    """Validate config/rdv.yml; unknown Mission Locale ids are problems too (`file:line: message`)."""
    data = load_yaml(path)
    cfg = validate_file(RdvConfig, path, data)
    known = set(ml_ids)
    raw = data.get("missions_locales") if isinstance(data, dict) else None
    problems = []
    for ml_id in cfg.missions_locales:
        if ml_id not in known:
            line = raw.line_of(ml_id) if isinstance(raw, LineDict) else 1
            problems.append(f"{path}:{line}: missions_locales.{ml_id}: unknown Mission Locale "
                            f"{ml_id!r} (not in config/missions_locales.yml)")
    if problems:
        raise ConfigError(problems)
    return cfg


# --- slots ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    ml_id: str
    start: datetime      # aware, UTC
    end: datetime
    resource: str        # "accueil", "sophie": who receives, as an id
    who: str             # as shown to the jeune
    capacity: int

    @property
    def local_start(self) -> datetime:
        return to_paris(self.start)

    @property
    def key(self) -> str:
        """`ml-bordeaux:202612031400:accueil`, Paris time: unique (no office hours in the
        ambiguous hour of the autumn change), readable in events, no personal data."""
        return f"{self.ml_id}:{self.local_start:%Y%m%d%H%M}:{self.resource}"

    @property
    def value(self) -> str:
        return SLOT_PREFIX + self.key

    def label(self) -> str:
        """"mar. 3 déc. à 14h00" — short enough for a button."""
        local = self.local_start
        return f"{DAY_NAMES[local.weekday()][:3]}. {local.day} {SHORT_MONTHS[local.month - 1]} à {local:%Hh%M}"

    def long_label(self) -> str:
        return french_datetime(self.start)


def french_date(at: datetime | date) -> str:
    """"mardi 3 décembre" (Paris date)."""
    d = to_paris(at).date() if isinstance(at, datetime) else at
    day = "1er" if d.day == 1 else str(d.day)
    return f"{DAY_NAMES[d.weekday()]} {day} {MONTHS[d.month - 1]}"


def french_datetime(at: datetime) -> str:
    """"mardi 3 décembre à 14h00" (Paris time)."""
    return f"{french_date(at)} à {to_paris(at):%Hh%M}"


def parse_slot_value(value: str | None) -> tuple[str, datetime, str] | None:
    """`slot:ml-bordeaux:202612031400:accueil` → (ml id, aware Paris datetime, resource)."""
    if not value or not value.startswith(SLOT_PREFIX):
        return None
    parts = value[len(SLOT_PREFIX):].split(":")
    if len(parts) != 3:
        return None
    ml_id, stamp, resource = parts
    try:
        local = datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=PARIS)
    except ValueError:
        return None
    return ml_id, local, resource


def slots_between(cfg: RdvConfig, ml_id: str, start: datetime, end: datetime, holidays: Container,
                  closures: Iterable[date] = ()) -> list[Slot]:
    """Every configured slot of a Mission Locale starting in [start, end), in time order.

    Public holidays, the Mission Locale's closures (from missions_locales.yml, passed in) and the
    closures of rdv.yml are skipped. Times are built in Paris wall-clock time, then made UTC.
    """
    ml = cfg.for_ml(ml_id)
    if ml is None:
        return []
    start, end = as_utc(start), as_utc(end)
    closed = set(closures) | set(ml.closures)
    out: list[Slot] = []
    d = to_paris(start).date()
    last = to_paris(end).date()
    while d <= last:
        if d not in holidays and d not in closed:
            for a in ml.availability:
                if DAYS[d.weekday()] not in a.days:
                    continue
                minutes = a.duration_minutes or ml.duration_minutes or cfg.defaults.duration_minutes
                capacity = a.capacity or ml.capacity or cfg.defaults.capacity
                for text in a.hours:
                    lo, hi = parse_range(text)
                    t = datetime.combine(d, lo, tzinfo=PARIS)
                    stop = datetime.combine(d, hi, tzinfo=PARIS)
                    step = timedelta(minutes=minutes)
                    while t + step <= stop:
                        s = as_utc(t)
                        if start <= s < end:
                            out.append(Slot(ml_id, s, s + step, a.resource, a.who, capacity))
                        t += step
        d += timedelta(days=1)
    out.sort(key=lambda s: (s.start, s.resource))
    return out


def find_slot(cfg: RdvConfig, key_or_value: str, holidays: Container,
              closures: Iterable[date] = ()) -> Slot | None:
    """The slot a button names, if the config really offers it (a forged value books nothing)."""
    value = key_or_value if key_or_value.startswith(SLOT_PREFIX) else SLOT_PREFIX + key_or_value
    parsed = parse_slot_value(value)
    if parsed is None:
        return None
    ml_id, local, resource = parsed
    day = datetime.combine(local.date(), time(0), tzinfo=PARIS)
    for slot in slots_between(cfg, ml_id, day, day + timedelta(days=1), holidays, closures):
        if slot.local_start == local and slot.resource == resource:
            return slot
    return None


def next_free_slots(cfg: RdvConfig, ml_id: str, now: datetime, holidays: Container,
                    taken: Mapping[str, int] | Callable[[list[str]], Mapping[str, int]],
                    wish: "Wish | None" = None, limit: int | None = None,
                    closures: Iterable[date] = (), exclude: Iterable[str] = ()) -> list[Slot]:
    """The next slots with a free place, matching `wish` when given, soonest (or closest) first.

    `taken` maps slot keys to places already taken (BookingStore.taken gives it); a callable is
    called with the candidate keys. At least `min_notice_minutes` from now; within the horizon.
    """
    limit = limit or cfg.offer_count
    now = as_utc(now)
    first = now + timedelta(minutes=cfg.min_notice_minutes)
    candidates = slots_between(cfg, ml_id, first, now + timedelta(days=cfg.horizon_days),
                               holidays, closures)
    skip = set(exclude)
    candidates = [s for s in candidates if s.key not in skip]
    if wish is not None:
        candidates = [s for s in candidates if wish.matches(s)]
        candidates.sort(key=wish.rank)
    if callable(taken):
        taken = taken([s.key for s in candidates])
    free = [s for s in candidates if taken.get(s.key, 0) < s.capacity]
    return free[:limit]


def reminder_plan(cfg: RdvConfig, start: datetime, now: datetime,
                  day_before: time | None = None, hours_before: float | None = None
                  ) -> list[tuple[str, datetime]]:
    """(suffix, due UTC) of the reminders of an appointment at `start`: J-1 at 18:00 and H-2.

    J-1 is built on the Paris calendar (the day before, 18:00 local: DST-correct). A reminder that
    quiet hours push to less than `min_notice_minutes` before the start is dropped, as is one
    already past.
    """
    r = cfg.reminders
    quiet = cfg.quiet
    start = as_utc(start)
    day_before = r.day_before if day_before is None else day_before
    hours_before = r.hours_before if hours_before is None else hours_before
    plan = []
    if day_before is not None:
        d = to_paris(start).date() - timedelta(days=1)
        plan.append(("j-1", as_utc(datetime.combine(d, day_before, tzinfo=PARIS))))
    if hours_before:
        plan.append(("h-2", start - timedelta(hours=hours_before)))
    out = []
    latest = start - timedelta(minutes=r.min_notice_minutes)
    for suffix, due in plan:
        due = quiet.postpone(due)
        if as_utc(now) <= due <= latest:
            out.append((suffix, due))
    return out


# --- what the jeune wishes: "jeudi aprem", "demain matin", "le 3 décembre" -------------------------
def fold(text: str) -> str:
    """Lower case, no accents, apostrophes and dashes as spaces: "Après-midi" → "apres midi"."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[’'`\-_,;!?.()]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


_WEEKDAYS = {
    "lundi": 0, "lun": 0, "mardi": 1, "mercredi": 2, "mercr": 2, "merc": 2, "jeudi": 3,
    "vendredi": 4, "vendr": 4, "vend": 4, "samedi": 5, "sam": 5, "dimanche": 6, "dim": 6,
}
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9,
    "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}
_PARTS = [  # (pattern, (from, to), French after a day, French alone)
    (r"\b(?:debut d apres midi|debut d aprem)\b", (time(12), time(15)),
     "en début d'après-midi", "en début d'après-midi"),
    (r"\b(?:fin d apres midi|fin d aprem|fin de journee|fin de la journee|soir|soiree)\b",
     (time(16, 30), time(23, 59)), "en fin de journée", "en fin de journée"),
    (r"\b(?:apres midi|apresmidi|aprem|aprm|aprme|apres midii|ap midi|apm|aprs midi)\b",
     (time(12), time(18)), "après-midi", "l'après-midi"),
    (r"\b(?:matin|matine|matinee|mat|mtn)\b", (time(0), time(12)), "matin", "le matin"),
]
_HOUR = re.compile(r"\b(avant|apres|a partir de|des|vers|a|pour)?\s*(\d{1,2})\s*(?:h|heures?|:)\s*(\d{2})?(?!\d)")
_DAY_MONTH = re.compile(r"\b(\d{1,2})\s*(?:er)?\s+(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b")
_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b")
_LE_DAY = re.compile(r"\b(?:le|du)\s+(\d{1,2})(?:er)?\b(?!\s*(?:h|heures?|:|/))")
_WEEKDAY = re.compile(r"\b(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b(\s+(?:prochain|pro|proch|qui vient|d apres))?")


@dataclass(frozen=True)
class Wish:
    """A filter over slots, from a jeune's words. Paris dates and wall-clock times."""
    first_day: date | None = None
    last_day: date | None = None
    weekday: int | None = None
    after: time | None = None       # slot starts at or after
    before: time | None = None      # slot starts before
    around: time | None = None      # "14h": within an hour, closest first
    label: str = ""

    def matches(self, slot: Slot) -> bool:
        local = slot.local_start
        d, t = local.date(), local.time()
        if self.first_day and d < self.first_day or self.last_day and d > self.last_day:
            return False
        if self.weekday is not None and d.weekday() != self.weekday:
            return False
        if self.after and t < self.after or self.before and t >= self.before:
            return False
        if self.around is not None:
            delta = abs(_minutes(t) - _minutes(self.around))
            if delta > 60:
                return False
        return True

    def rank(self, slot: Slot) -> tuple:
        if self.around is None:
            return (slot.start,)
        local = slot.local_start
        return (local.date(), abs(_minutes(local.time()) - _minutes(self.around)), slot.start)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _resolve_day_month(day: int, month: int, year: int | None, today: date) -> date | None:
    try:
        if year is not None:
            return date(year if year > 100 else 2000 + year, month, day)
        d = date(today.year, month, day)
        return d if d >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def parse_wish(text: str, now: datetime) -> Wish | None:
    """What a jeune means by "mardi aprem", "demain matin", "jeudi 14h", "lundi prochain",
    "le 3 décembre", "la semaine pro", "après 15h", "le plus tôt"; None when there is no time in it.

    Dates are read on the Paris calendar of `now`. A bare weekday means the next one, today
    included ("mardi" on a Tuesday: today's remaining slots, then next Tuesday's); "prochain"
    excludes today.
    """
    s = " " + fold(text) + " "
    today = to_paris(now).date()
    first = last = None
    weekday = None
    after = before = around = None
    words: list[str] = []

    m_date = _DAY_MONTH.search(s)
    m_num = _NUMERIC.search(s)
    if m_date:
        d = _resolve_day_month(int(m_date.group(1)), _MONTHS[m_date.group(2)], None, today)
        if d:
            first = last = d
        s = s.replace(m_date.group(0), " ")
    elif m_num:
        year = int(m_num.group(3)) if m_num.group(3) else None
        d = _resolve_day_month(int(m_num.group(1)), int(m_num.group(2)), year, today)
        if d:
            first = last = d
        s = s.replace(m_num.group(0), " ")

    if first is None:
        if re.search(r"\b(?:apres demain|apres dmain|apres 2main)\b", s):
            first = last = today + timedelta(days=2)
            words.append("après-demain")
            s = re.sub(r"\bapres (?:demain|dmain|2main)\b", " ", s)
        elif re.search(r"\b(?:demain|dmain|2main|dem1|demin)\b", s):
            first = last = today + timedelta(days=1)
            words.append("demain")
        elif re.search(r"\b(?:aujourd hui|aujourdhui|auj|ajd|aujd|today|ce soir|cet aprem|ce matin|tout a l heure)\b", s):
            first = last = today
            words.append("aujourd'hui")
        elif re.search(r"\b(?:semaine|sem|smn|semaine)\s+(?:pro|prochaine|proch|d apres|prochain)\b", s):
            monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
            first, last = monday, monday + timedelta(days=6)
            words.append("la semaine prochaine")
        elif re.search(r"\bcette semaine\b", s):
            first, last = today, today + timedelta(days=6 - today.weekday())
            words.append("cette semaine")
        elif (m := _WEEKDAY.search(s)):
            weekday = _WEEKDAYS[m.group(1)]
            nxt = bool(m.group(2))
            first = today + timedelta(days=1) if nxt else today
            last = today + timedelta(days=7)
            words.append(DAY_NAMES[weekday] + (" prochain" if nxt else ""))
        elif (m := _LE_DAY.search(s)):
            day = int(m.group(1))
            for months_ahead in (0, 1, 2):
                y, mo = today.year, today.month + months_ahead
                y, mo = y + (mo - 1) // 12, (mo - 1) % 12 + 1
                try:
                    d = date(y, mo, day)
                except ValueError:
                    continue
                if d >= today:
                    first = last = d
                    break
    if first is not None and first == last and not words:
        words.append("le " + french_date(first))

    for pattern, (lo, hi), after_day, alone in _PARTS:
        if re.search(pattern, s):
            after, before = (lo if lo != time(0) else None), hi
            words.append(after_day if words else alone)
            s = re.sub(pattern, " ", s)
            break
    if re.search(r"\bmidi\b", s) and around is None and after is None:
        around = time(12)
        words.append("vers midi")
    for m in _HOUR.finditer(s):
        h, mi = int(m.group(2)), int(m.group(3) or 0)
        if not (0 <= h <= 23 and mi < 60):
            continue
        at = time(h, mi)
        how = m.group(1)
        if how == "avant":
            before = at
            words.append(f"avant {h}h{mi:02d}")
        elif how in ("apres", "a partir de", "des"):
            after = at
            words.append(f"après {h}h{mi:02d}")
        else:
            around = at
            words.append(f"vers {h}h{mi:02d}")
        break

    anything = re.search(r"\b(?:le plus tot|au plus tot|des que possible|asap|vite|peu importe|"
                         r"n importe|nimporte|quand tu veux|quand vous voulez|pas de preference|"
                         r"tout de suite)\b", s)
    if first is None and weekday is None and after is None and before is None and around is None:
        if anything:
            return Wish(label="le plus tôt possible")
        return None
    return Wish(first_day=first, last_day=last, weekday=weekday, after=after, before=before,
                around=around, label=" ".join(words))


# --- what the jeune wants to do with an appointment -----------------------------------------------
def rdv_intent(text: str) -> str | None:
    """"cancel", "move", "show" or "book" from "je dois annuler mon rdv", "je peux changer l'heure ?"."""
    s = " " + fold(text) + " "
    if re.search(r"\b(?:annul\w*|anul\w*|desist\w*|pourrai pas venir|pourrais pas venir|peux pas venir|"
                 r"pe pa venir|peu pas venir|pourrai pa venir|viendrai pas|vais pas venir|"
                 r"pas pouvoir venir|supprim\w*)\b", s):
        return "cancel"
    if re.search(r"\b(?:chang\w*|decal\w*|deplac\w*|report\w*|modifi\w*|autre heure|autre jour|"
                 r"autre date|autre creneau|plus tard|plus tot|avancer)\b", s):
        return "move"
    if re.search(r"\b(?:c quand|c est quand|cest quand|quand est|rappel\w* moi|mon rdv|mon rendez vous)\b", s) \
            and not re.search(r"\b(?:prendre|veux|voudrai\w*|besoin)\b", s):
        return "show"
    if re.search(r"\b(?:rdv|rendez vous|rendezvous|rdz|rencontrer|voir (?:un|une) conseill\w*)\b", s):
        return "book"
    return None
