"""The weekly "1 action 1 Mission Locale" posts: calendar, fair rotation, texts, workflow, publishing.

- Calendar: one post per ISO week, published on the configured weekday and time (Paris, so DST is
  zoneinfo's business). Weeks ahead are filled by a rotation: the Mission Locale whose last post is
  the oldest goes next (never posted = oldest, ties in config order), among those with a
  publishable action that week; so no Mission Locale comes twice before every one with a
  publishable action had its turn. A week set by hand (`set_week`) is kept as is.
- Text: a template per network (config/posts.yml) filled from the action (config/actions.yml), with a
  deep link carrying the action's code (`https://t.me/<bot>?start=CODE`, `PUBLIC_URL/chat?source=CODE`)
  so that contacts coming from the post are keyed to the action. Too long: the description is cut.
- Workflow: draft → approved (a `communication` or `admin` account) → scheduled (texts frozen, one
  publication per network with its idempotency key) → published, or failed with its error. Only an
  approved week is ever scheduled; a draft still waiting two days before gets a reminder (a
  `reminder` entry in the posts log, which the console shows, and `notify` if one is given).
- Exactly once per week and network: see `Posts.publish_due` and bot/stores/posts.py.
  The residual window: Telegram has no idempotency and a bot cannot read its channel, so a crash
  between Telegram's acceptance and our record leaves the publication `uncertain`; it is never
  resent on its own (a person checks the channel, then `insysteme posts retry`). Mastodon's keys
  last one hour: a crash reconciled later than that becomes `uncertain` too. Facebook is looked up
  in the page feed before any resend.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.actions_config import Action, ActionsConfig, Window, parse_clock
from bot.clock import PARIS, as_utc, to_paris
from bot.mission_locale import DAY_NAMES, DAYS
from bot.publishers import Published, Publisher, PublishError
from bot.rdv import french_date, french_datetime
from bot.stores.posts import (APPROVED, DRAFT, FAILED, PENDING, PUBLISHED, PUBLISHING, SCHEDULED,
                              UNCERTAIN, PostStore, Publication, Week)
from bot.stores.records import Event
from bot.yamlconf import validate_file

log = logging.getLogger(__name__)

APPROVER_ROLES = ("communication", "admin")
NETWORKS = ("telegram", "mastodon", "facebook")
PLACEHOLDERS = {
    "titre": "the action's title",
    "mission_locale": "the Mission Locale's name",
    "description": "what jeunes get (cut to fit the network's limit)",
    "quand": "date(s) or hours of the action",
    "lieu": "where",
    "lien_telegram": "deep link to the bot on Telegram, with the action's code",
    "lien_web": "link to the web chat, with the action's code (needs PUBLIC_URL)",
    "code": "the action's code",
}
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class PostError(ValueError):
    """A request the posts workflow refuses (message in French, for the person who asked)."""


# --- configuration --------------------------------------------------------------------------------
DEFAULT_TEMPLATE = (
    "{mission_locale} : {titre}\n\n{description}\n\nQuand : {quand}\nOù : {lieu}\n\n"
    "Écris-nous sur Telegram : {lien_telegram}\nOu sur le chat : {lien_web}")


class _Network(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    max_chars: int = Field(ge=100)
    template: str = DEFAULT_TEMPLATE

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
        except ValueError as exc:
            raise ValueError(f"template: {exc} (write {{{{ and }}}} for a literal brace)")
        for name in fields:
            if name not in PLACEHOLDERS:
                raise ValueError(f"unknown placeholder {{{name}}}; use one of "
                                 + ", ".join("{" + p + "}" for p in PLACEHOLDERS))
        return value


class TelegramNetwork(_Network):
    chat_id: int | str            # "@channel_name" or the channel's numeric id (-100…)
    max_chars: int = Field(default=4096, ge=100, le=4096)


class MastodonNetwork(_Network):
    base_url: str = Field(pattern=r"^https?://")
    token_file: str
    visibility: str = Field(default="public", pattern=r"^(public|unlisted|private)$")
    max_chars: int = Field(default=500, ge=100)


class FacebookNetwork(_Network):
    page_id: str = Field(pattern=r"^[0-9]{3,32}$")
    graph_url: str = Field(default="https://graph.facebook.com/v21.0", pattern=r"^https?://")
    token_file: str
    max_chars: int = Field(default=63206, ge=100)


class Networks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    telegram: TelegramNetwork | None = None
    mastodon: MastodonNetwork | None = None
    facebook: FacebookNetwork | None = None

    def enabled(self) -> dict[str, _Network]:
        return {n: cfg for n in NETWORKS if (cfg := getattr(self, n)) is not None and cfg.enabled}


class Retries(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_attempts: int = Field(default=6, ge=1, le=50)
    first_delay_seconds: float = Field(default=60, ge=0)
    max_delay_seconds: float = Field(default=3600, ge=0)

    def delay(self, attempts: int, asked: float | None = None) -> timedelta:
        seconds = min(self.max_delay_seconds, self.first_delay_seconds * 2 ** max(0, attempts - 1))
        return timedelta(seconds=max(seconds, asked or 0))


class PostsConfig(BaseModel):
    """config/posts.yml."""
    model_config = ConfigDict(extra="forbid")
    day: str = "mar"
    time: dt.time = Field(default=dt.time(10, 0))
    weeks_ahead: int = Field(default=8, ge=1, le=52)
    reminder_days_before: float = Field(default=2, ge=0)
    lock_hours_before: float = Field(default=24, ge=0)
    late_grace_hours: float = Field(default=48, ge=0)
    claim_timeout_seconds: float = Field(default=300, ge=30)
    telegram_bot_username: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{5,32}$")
    # Telegram chat that also gets the approval reminder (the communication team's group); optional.
    reminder_chat_id: int | str | None = None
    retries: Retries = Field(default_factory=Retries)
    networks: Networks = Field(default_factory=Networks)

    @field_validator("day")
    @classmethod
    def _day(cls, value: str) -> str:
        if value not in DAYS:
            raise ValueError(f"unknown day {value!r}; use one of {', '.join(DAYS)}")
        return value

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> dt.time:
        return parse_clock(value)


def load_posts_config(path: Path | str) -> PostsConfig:
    """Validate config/posts.yml; problems as `file:line: message` (ConfigError)."""
    return validate_file(PostsConfig, path)


# --- weeks ----------------------------------------------------------------------------------------
def parse_week(text: str) -> tuple[int, int]:
    m = _WEEK.match((text or "").strip())
    if not m:
        raise PostError(f"semaine {text!r} : écrire l'année puis le numéro, comme 2026-W49")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise PostError(f"semaine {text!r} : l'année {year} n'a pas de semaine {week}") from None
    return year, week


def week_of(at: datetime) -> str:
    year, week, _ = to_paris(at).isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    year, number = parse_week(week)
    return date.fromisocalendar(year, number, 1)


def add_weeks(week: str, n: int) -> str:
    return week_of(datetime.combine(week_monday(week) + timedelta(weeks=n), time(12), tzinfo=PARIS))


def publish_at(week: str, cfg: PostsConfig) -> datetime:
    """The week's publication instant in UTC: weekday and time are Paris wall-clock time."""
    d = week_monday(week) + timedelta(days=DAYS.index(cfg.day))
    return as_utc(datetime.combine(d, cfg.time, tzinfo=PARIS))


# --- what can be posted ---------------------------------------------------------------------------
def _window_ahead(window: Window, day: date) -> bool:
    if window.date is not None:
        return window.date >= day
    if window.to_date is not None:
        return window.to_date >= day
    return True


def publishable(action: Action, at: datetime) -> bool:
    """Worth a post at `at`: a Mission Locale's own action that has not happened yet (a dated
    outing not past, a session still to come, hours still running). Network-wide actions are not
    "1 Mission Locale"."""
    if action.mission_locale is None:
        return False
    day = to_paris(at).date()
    if action.type == "extra-muros":
        return action.date is None or action.date >= day
    if action.type == "raccrochage":
        return any(as_utc(s.start) >= as_utc(at) for s in action.sessions)
    return any(_window_ahead(w, day) for w in action.windows)


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


# --- texts ----------------------------------------------------------------------------------------
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
    return " ; ".join(_window_text(w) for w in action.windows if _window_ahead(w, day))


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
Notify = Callable[[str], Awaitable[Any]]


class Posts:
    """The posts workflow; `from_services(services, publishers)` in the app and the scheduler."""

    def __init__(self, cfg: PostsConfig, actions: ActionsConfig, members: list[Member],
                 store: PostStore, records: Any, clock: Any, links: Links,
                 publishers: dict[str, Publisher] | None = None, worker_id: str | None = None,
                 notify: Notify | None = None):
        self.cfg, self.actions, self.members = cfg, actions, members
        self.names = {m.id: m.name for m in members}
        self.store, self.records, self.clock, self.links = store, records, clock, links
        self.publishers = dict(publishers or {})
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.notify = notify

    @classmethod
    def from_services(cls, services: Any, publishers: dict[str, Publisher] | None = None,
                      cfg: PostsConfig | None = None, notify: Notify | None = None) -> "Posts":
        config = services.config
        cfg = cfg or config.extra.get("posts") or load_posts_config(Path(config.dir) / "posts.yml")
        links = Links(cfg.telegram_bot_username, services.env.public_url)
        if publishers is None:
            publishers = build_publishers(cfg, services.env)
        return cls(cfg, config.actions, members_of(config), PostStore(services.records.engine),
                   services.records, services.clock, links, publishers, notify=notify)

    async def close(self) -> None:
        for publisher in self.publishers.values():
            await publisher.close()

    # calendar ----------------------------------------------------------------------------------
    def _publish_at(self, week: str) -> datetime:
        return publish_at(week, self.cfg)

    async def fill_calendar(self, weeks: int | None = None) -> list[Week]:
        """(Re)assign the coming weeks: rows set by hand or past draft stay; the rotation sees
        every earlier week, in order. Returns the coming weeks."""
        now = self.clock.now()
        weeks = weeks or self.cfg.weeks_ahead
        first = week_of(now)
        coming = [w for w in (add_weeks(first, i) for i in range(weeks + 1))
                  if self._publish_at(w) > now][:weeks]
        if not coming:
            return []
        rows = {w.week: w for w in await self.store.weeks()}
        rotation = Rotation(self.members, self.actions)
        for week in sorted(rows):
            missed = rows[week].status == DRAFT and rows[week].publish_at <= now
            if week < coming[0] and not missed:   # a week that never went out was no turn
                rotation.record(rows[week].mission_locale, rows[week].action_id)
        for week in coming:
            row, at = rows.get(week), self._publish_at(week)
            if row is not None and (row.manual or row.status != DRAFT):
                rotation.record(row.mission_locale, row.action_id)
                continue
            pick = rotation.pick(at)
            if pick is None:
                continue
            ml, action_id = pick
            if row is None or (row.mission_locale, row.action_id) != pick:
                await self.store.put_draft(week, ml, action_id, at, now, manual=False, rotation=True)
            rotation.record(ml, action_id)
        return await self.store.weeks(coming[0], coming[-1])

    def _action(self, action_id: str) -> Action:
        action = self.actions.by_id.get(action_id) if self.actions else None
        if action is None:
            raise PostError(f"action {action_id!r} inconnue (config/actions.yml)")
        return action

    async def _week(self, week: str) -> Week:
        parse_week(week)
        row = await self.store.get(week)
        if row is None:
            raise PostError(f"semaine {week} : pas encore au calendrier "
                            f"(le calendrier couvre {self.cfg.weeks_ahead} semaines)")
        return row

    async def set_week(self, week: str, ml: str, action_id: str, by: str) -> Week:
        """A person's choice for one week (console, CLI): it wins over the rotation."""
        parse_week(week)
        if ml not in self.names:
            raise PostError(f"Mission Locale {ml!r} inconnue")
        action = self._action(action_id)
        if action.mission_locale != ml:
            raise PostError(f"l'action {action_id!r} n'est pas une action de {self.names[ml]}")
        at = self._publish_at(week)
        now = self.clock.now()
        if at <= now:
            raise PostError(f"semaine {week} : la date de publication est passée")
        if not publishable(action, at):
            raise PostError(f"l'action {action_id!r} sera passée le {french_date(at)} : rien à annoncer")
        if not await self.store.put_draft(week, ml, action_id, at, now, manual=True, by=by):
            row = await self.store.get(week)
            raise PostError(f"semaine {week} : déjà {row.status if row else '?'}, on ne peut plus la changer")
        await self.store.log(week, "set", f"{self.names[ml]} : {action.title}", now, by)
        await self.fill_calendar()
        return await self.store.get(week)

    async def clear_override(self, week: str, by: str) -> Week | None:
        """Give a hand-set week back to the rotation."""
        row = await self._week(week)
        if row.status not in (DRAFT, APPROVED):
            raise PostError(f"semaine {week} : déjà {row.status}, on ne peut plus la changer")
        now = self.clock.now()
        await self.store.put_draft(week, row.mission_locale, row.action_id, row.publish_at, now,
                                   manual=False, by=by)
        await self.store.log(week, "set", "rendue à la rotation", now, by)
        await self.fill_calendar()
        return await self.store.get(week)

    # texts -------------------------------------------------------------------------------------
    def texts_for(self, row: Week) -> dict[str, dict[str, Any]]:
        action = self._action(row.action_id)
        ml_name = self.names.get(row.mission_locale, row.mission_locale)
        out = {}
        for network, ncfg in self.cfg.networks.enabled().items():
            text, problem = render(action, ml_name, row.publish_at, ncfg.template, ncfg.max_chars,
                                   self.links)
            out[network] = {"text": text, "length": len(text), "limit": ncfg.max_chars,
                            "ok": problem is None, "problem": problem}
        return out

    async def preview(self, week: str) -> dict[str, Any]:
        """What would go out, per network: the frozen texts once approved, else fresh ones."""
        row = await self._week(week)
        if row.texts:
            nets = {n: {"text": t, "length": len(t), "limit": self._limit(n), "ok": True,
                        "problem": None} for n, t in row.texts.items()}
        else:
            nets = self.texts_for(row)
        return {**self._describe(row), "networks": nets, "links": self.links_for(row.action_id)}

    def links_for(self, action_id: str) -> dict[str, str]:
        """The deep links into the bot with the action's code (what its QR code carries): the
        Telegram one first; a link left out when its bot name / PUBLIC_URL is not configured."""
        action = self.actions.by_id.get(action_id) if self.actions else None
        code = action.code if action else None
        found = {"telegram": self.links.telegram(code), "web": self.links.web(code)}
        return {k: v for k, v in found.items() if v}

    def _limit(self, network: str) -> int | None:
        ncfg = getattr(self.cfg.networks, network, None)
        return ncfg.max_chars if ncfg else None

    # approval ----------------------------------------------------------------------------------
    async def approve(self, week: str, by: str, role: str) -> Week:
        """Only a communication or admin account approves; the texts are frozen as previewed."""
        if role not in APPROVER_ROLES:
            raise PostError(f"{by} ne peut pas approuver : il faut un compte communication ou admin")
        row = await self._week(week)
        if row.status != DRAFT:
            raise PostError(f"semaine {week} : déjà {row.status}")
        now = self.clock.now()
        if now > row.publish_at + timedelta(hours=self.cfg.late_grace_hours):
            raise PostError(f"semaine {week} : trop tard, la date de publication est passée")
        if not publishable(self._action(row.action_id), row.publish_at):
            raise PostError(f"semaine {week} : l'action sera passée, choisir une autre action")
        texts = self.texts_for(row)
        bad = [f"{n} : {t['problem']}" for n, t in texts.items() if not t["ok"]]
        if bad:
            raise PostError(f"semaine {week} : " + " ; ".join(bad))
        if not texts:
            raise PostError("aucun réseau n'est activé dans config/posts.yml")
        frozen = {n: t["text"] for n, t in texts.items()}
        if not await self.store.set_status(week, APPROVED, now, expect=(DRAFT,), texts=frozen,
                                           approved_by=by, approved_at=now, error=None):
            raise PostError(f"semaine {week} : elle vient de changer, recommencer")
        await self.store.log(week, "approved", f"approuvé ({', '.join(frozen)})", now, by)
        return await self.store.get(week)

    async def retry(self, week: str, by: str, network: str | None = None) -> int:
        """Send again what failed or is uncertain (after a person checked the network)."""
        row = await self._week(week)
        now = self.clock.now()
        count = 0
        for pub in await self.store.publications(week):
            if pub.status in (FAILED, UNCERTAIN) and network in (None, pub.network):
                if await self.store.finish(pub.id, PENDING, expect=(FAILED, UNCERTAIN), attempts=0,
                                           next_attempt_at=now, error=None):
                    count += 1
        if count:
            await self.store.set_status(week, SCHEDULED, now, expect=(FAILED, SCHEDULED), error=None)
            await self.store.log(week, "retry", f"{count} publication(s) relancée(s)", now, by)
        elif row.status not in (SCHEDULED, FAILED):
            raise PostError(f"semaine {week} : rien à relancer ({row.status})")
        return count

    # publishing --------------------------------------------------------------------------------
    async def publish_due(self) -> dict[str, int]:
        """One tick of the job: calendar, reminders, scheduling, reconciliation after a crash,
        sending what is due, then each week's status. Safe to run often and on two machines."""
        now = self.clock.now()
        summary = {"reminders": 0, "scheduled": 0, "published": 0, "retries": 0, "failed": 0,
                   "uncertain": 0, "reconciled": 0}
        await self.fill_calendar()
        rows = await self.store.weeks(add_weeks(week_of(now), -2))
        for row in rows:
            if row.status == DRAFT:
                summary["reminders"] += await self._remind(row, now)
                await self._missed(row, now)
            elif row.status == APPROVED:
                summary["scheduled"] += await self._schedule(row, now)
        for pub in await self.store.stale_claims(now - timedelta(seconds=self.cfg.claim_timeout_seconds)):
            summary["reconciled"] += 1
            outcome = await self._doubt(pub, now, "interrompu pendant l'envoi (processus arrêté)",
                                        reconciling=True)
            summary[outcome] = summary.get(outcome, 0) + 1
        weeks = {r.week: r for r in await self.store.weeks(add_weeks(week_of(now), -2))}
        for pub in await self.store.due_publications(now):
            row = weeks.get(pub.week) or await self.store.get(pub.week)
            outcome = await self._send(pub, row, now)
            summary[outcome] = summary.get(outcome, 0) + 1
        for week, row in weeks.items():
            if row.status == SCHEDULED:
                await self._settle(week, now)
        return summary

    async def _remind(self, row: Week, now: datetime) -> int:
        if not (row.publish_at - timedelta(days=self.cfg.reminder_days_before) <= now < row.publish_at):
            return 0
        if not await self.store.mark_reminded(row.week, now):
            return 0
        action = self.actions.by_id.get(row.action_id)
        message = (f"Post de la semaine {row.week} ({self.names.get(row.mission_locale, row.mission_locale)}"
                   f" : {action.title if action else row.action_id}) pas encore approuvé ; publication "
                   f"prévue {french_datetime(row.publish_at)}. À approuver dans la console ou avec "
                   f"`insysteme posts approve --week {row.week} --by EMAIL`.")
        await self.store.log(row.week, "reminder", message, now)
        log.info("posts: %s", message)
        if self.notify is not None:
            try:
                await self.notify(message)
            except Exception:
                log.exception("posts: the approval reminder could not be sent")
        return 1

    async def _missed(self, row: Week, now: datetime) -> None:
        """A draft past its time: nothing goes out; said once in the log and on the week."""
        if now >= row.publish_at and not row.error:
            message = "pas approuvé à temps : rien n'a été publié"
            await self.store.set_status(row.week, DRAFT, now, expect=(DRAFT,), error=message)
            await self.store.log(row.week, "missed", message, now)

    async def _schedule(self, row: Week, now: datetime) -> int:
        if now < row.publish_at - timedelta(hours=self.cfg.lock_hours_before):
            return 0
        if now > row.publish_at + timedelta(hours=self.cfg.late_grace_hours):
            if await self.store.set_status(row.week, FAILED, now, expect=(APPROVED,),
                                           error="approuvé trop tard : date de publication passée"):
                await self.store.log(row.week, "failed", "approuvé trop tard", now)
            return 0
        texts = {n: t for n, t in row.texts.items() if n in self.cfg.networks.enabled()}
        keys = {n: f"insysteme-post-{row.week}-{n}" for n in texts}
        if not await self.store.schedule(row.week, texts, keys, now, row.publish_at):
            return 0
        await self.store.log(row.week, "scheduled",
                             f"programmé {french_datetime(row.publish_at)} : {', '.join(texts)}", now)
        return 1

    async def _send(self, pub: Publication, row: Week | None, now: datetime) -> str:
        if row is None or row.status != SCHEDULED or not row.approved_by:
            return "skipped"     # never: only an approved week gets publications
        publisher = self.publishers.get(pub.network)
        if publisher is None:
            return "skipped"
        if now > row.publish_at + timedelta(hours=self.cfg.late_grace_hours):
            await self.store.finish(pub.id, FAILED, expect=(PENDING,), error="trop tard pour publier")
            return "failed"
        if not await self.store.claim(pub.id, self.worker_id, now):
            return "skipped"     # another scheduler has it
        attempts = pub.attempts + 1
        try:
            published = await publisher.publish(pub.text, pub.key)
        except PublishError as exc:
            if exc.maybe_sent:
                return await self._doubt(pub, now, str(exc), attempts=attempts)
            return await self._failed(pub, now, str(exc), exc.retryable, attempts, exc.retry_after)
        except Exception as exc:  # a bug or an unexpected answer: we cannot tell if it went out
            log.exception("posts: %s publisher failed", pub.network)
            return await self._doubt(pub, now, f"{type(exc).__name__}: {exc}", attempts=attempts)
        return await self._published(pub, row, published, self.clock.now())

    async def _published(self, pub: Publication, row: Week | None, published: Published,
                         now: datetime) -> str:
        if not await self.store.finish(pub.id, PUBLISHED, expect=(PUBLISHING,),
                                       remote_id=published.remote_id, url=published.url,
                                       published_at=now, error=None):
            return "skipped"
        row = row or await self.store.get(pub.week)
        await self.records.add_events([Event(
            at=now, channel=pub.network[:20], jeune_id="system", kind="post_published",
            mission_locale=row.mission_locale if row else None, action_id=row.action_id if row else None,
            data={"week": pub.week, "network": pub.network, "url": published.url})])
        await self.store.log(pub.week, "published", f"{pub.network} : {published.url or published.remote_id}", now)
        return "published"

    async def _failed(self, pub: Publication, now: datetime, error: str, retryable: bool,
                      attempts: int, retry_after: float | None = None, at_once: bool = False) -> str:
        if retryable and attempts < self.cfg.retries.max_attempts:
            delay = timedelta(0) if at_once else self.cfg.retries.delay(attempts, retry_after)
            await self.store.finish(pub.id, PENDING, error=error, next_attempt_at=now + delay)
            return "retries"
        await self.store.finish(pub.id, FAILED, error=error)
        await self.store.log(pub.week, "failed", f"{pub.network} : {error}", now)
        return "failed"

    async def _doubt(self, pub: Publication, now: datetime, error: str, attempts: int | None = None,
                     reconciling: bool = False) -> str:
        """The network may have taken the post. Resend only where that cannot make a second one:
        at once after a crash (time has passed), with the usual backoff after an error answer."""
        publisher = self.publishers.get(pub.network)
        attempts = attempts if attempts is not None else pub.attempts
        if publisher is None:
            return "skipped"
        claimed = pub.claimed_at or now
        window = getattr(publisher, "idempotency_seconds", 3600)
        if publisher.idempotent and now - claimed < timedelta(seconds=window):
            # resending with the same key returns the post if it was made: at once
            return await self._failed(pub, now, error, True, attempts, at_once=reconciling)
        if publisher.can_find:
            try:
                found = await publisher.find(pub.text, pub.key, claimed)
            except PublishError as exc:
                await self.store.finish(pub.id, PUBLISHING, error=f"{error} ; vérification impossible : {exc}")
                return "retries"      # stays claimed: looked at again after the claim timeout
            if found is not None:
                return await self._published(pub, None, found, now)
            return await self._failed(pub, now, error, True, attempts, at_once=reconciling)
        message = (f"{error} ; on ne sait pas si {pub.network} l'a publié : vérifier la chaîne, "
                   f"puis `insysteme posts retry --week {pub.week} --network {pub.network}` s'il manque")
        await self.store.finish(pub.id, UNCERTAIN, error=message)
        await self.store.log(pub.week, "uncertain", message, now)
        return "uncertain"

    async def _settle(self, week: str, now: datetime) -> None:
        pubs = await self.store.publications(week)
        statuses = {p.status for p in pubs}
        if not pubs or statuses & {PENDING, PUBLISHING}:
            return
        if statuses == {PUBLISHED}:
            await self.store.set_status(week, PUBLISHED, now, expect=(SCHEDULED, FAILED), error=None)
            return
        errors = "; ".join(f"{p.network} : {p.error}" for p in pubs if p.status != PUBLISHED)
        if await self.store.set_status(week, FAILED, now, expect=(SCHEDULED,), error=errors):
            await self.store.log(week, "failed", errors, now)

    # for the console ---------------------------------------------------------------------------
    def _describe(self, row: Week) -> dict[str, Any]:
        action = self.actions.by_id.get(row.action_id) if self.actions else None
        return {
            "week": row.week, "publish_at": to_paris(row.publish_at).isoformat(),
            "mission_locale": row.mission_locale,
            "mission_locale_name": self.names.get(row.mission_locale, row.mission_locale),
            "action_id": row.action_id, "action_title": action.title if action else None,
            "action_type": action.type if action else None, "manual": row.manual,
            "status": row.status, "approved_by": row.approved_by,
            "approved_at": to_paris(row.approved_at).isoformat() if row.approved_at else None,
            "error": row.error,
        }

    async def calendar_view(self, weeks: int | None = None) -> dict[str, Any]:
        """The console's calendar page: coming weeks, their publications, what can be chosen."""
        coming = await self.fill_calendar(weeks)
        now = self.clock.now()
        upcoming = {r.week for r in coming}
        past = [r for r in await self.store.weeks(add_weeks(week_of(now), -8), week_of(now))
                if r.week not in upcoming]
        pubs: dict[str, list[dict]] = {}
        for p in await self.store.publications():
            pubs.setdefault(p.week, []).append(_pub_dict(p))
        rows = [{**self._describe(r), "publications": pubs.get(r.week, [])} for r in [*past, *coming]]
        choices = [{"id": m.id, "name": m.name, "actions": [
            {"id": a.id, "title": a.title, "type": a.type} for a in self.actions.for_ml(m.id)]}
            for m in self.members]
        reminders = await self.store.log_entries(kind="reminder", limit=20)
        return {"weeks": rows, "missions_locales": choices, "reminders": reminders,
                "publish": {"day": self.cfg.day, "time": self.cfg.time.strftime("%H:%M"),
                            "networks": list(self.cfg.networks.enabled())}}

    async def week_view(self, week: str) -> dict[str, Any]:
        """The console's page for one week: preview per network, publications, history."""
        preview = await self.preview(week)
        return {**preview, "publications": [_pub_dict(p) for p in await self.store.publications(week)],
                "log": await self.store.log_entries(week=week)}


def _pub_dict(p: Publication) -> dict[str, Any]:
    return {"network": p.network, "status": p.status, "attempts": p.attempts, "url": p.url,
            "error": p.error, "key": p.key,
            "published_at": to_paris(p.published_at).isoformat() if p.published_at else None,
            "next_attempt_at": to_paris(p.next_attempt_at).isoformat() if p.status == PENDING else None}


def build_publishers(cfg: PostsConfig, env: Any) -> dict[str, Publisher]:
    """The enabled networks' publishers. A token file that cannot be read is not fatal here: that
    network's publications fail with the reason, visible in the console."""
    from bot.publishers import read_token
    from bot.publishers.facebook import FacebookPagePublisher
    from bot.publishers.mastodon import MastodonPublisher
    from bot.publishers.telegram import TelegramChannelPublisher

    out: dict[str, Publisher] = {}
    nets = cfg.networks.enabled()
    if "telegram" in nets:
        out["telegram"] = TelegramChannelPublisher(env.telegram_api_url, env.telegram_bot_token,
                                                   nets["telegram"].chat_id)
    for name, make in (("mastodon", lambda n, t: MastodonPublisher(n.base_url, t, n.visibility)),
                       ("facebook", lambda n, t: FacebookPagePublisher(n.graph_url, n.page_id, t))):
        if name in nets:
            try:
                out[name] = make(nets[name], read_token(nets[name].token_file, name))
            except PublishError as exc:
                out[name] = _Broken(name, str(exc))
    return out


class _Broken:
    """A network that cannot work (no token): every publication fails with the reason."""
    idempotent, can_find = False, False

    def __init__(self, network: str, reason: str):
        self.network, self.reason = network, reason

    async def publish(self, text: str, key: str) -> Published:
        raise PublishError(self.reason, retryable=False)

    async def find(self, text: str, key: str, since: datetime) -> Published | None:
        raise PublishError(self.reason, retryable=False)

    async def close(self) -> None:
        pass
