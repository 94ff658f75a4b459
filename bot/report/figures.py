"""The programme's figures (issues 4, 9 and 20), from the events table alone, counted in SQL.

Nothing here reads profiles: after a jeune is erased their events are re-keyed to a random id and
every figure stays the same. Days are Paris local days, `end` included. A jeune's "latest" event is
the one written last (highest id: events of a jeune are written in the order they happen).

Every figure has a home (issue 20). Each jeune of the period belongs to one row: the Mission Locale
of their latest event that names one (events carry the jeune's Mission Locale once the commune is
given, else their action's: a QR code at a maraude), else the one of the action of their latest
event whose action has a Mission Locale (old rows: from the actions history), else the row
`non-attribue`. All of a jeune's events of the period count in that row, so the rows add up to the
region for every count (a distinct count of actions does not: an ARML action touches several rows).

How each figure is counted, per row (the region is the sum of its rows):
- `jeunes`: distinct jeune ids with any event in the period (`post_published` is not a jeune's).
- cohort: that of the jeune's latest event carrying a known one (repere, reactive, suivi);
  `repere`/`reactive`/`suivi` count them, `remobilised` = repérés + réactivés.
- minor: the flag of the jeune's latest event carrying one (an age was given: a 16-year-old who
  stops after the age question counts); `minors` counts minors among all the jeunes,
  `remobilised_minors`, `repere_minors`, `reactive_minors` among those cohorts; `minors_share` is
  `remobilised_minors / remobilised` (0.0 when none), `*_share` likewise, rounded to 3 decimals.
- `raccrochage_registered`: registration events; `remobilised_on_raccrochage`: remobilised jeunes
  registered on a raccrochage action in the period; `raccrochage_rate` their share.
- `actions_by_type`: the jeunes' events keyed to an action of that type — the type the event
  carries (as it was when it happened), else the actions history's, else "inconnu": `actions` the
  distinct actions, `jeunes` their distinct jeunes, `contacts` the events of kind `contact` or
  `raccrochage_registered` (a conversation session or a registration).
- `outcomes`: `outcome` events by data.outcome; "after raccrochage" when the jeune registered on
  a raccrochage action (in the period) before that outcome.
- `paths`: distinct jeunes who reached each step (rdv: an rdv booked or an outcome rdv_pris; CEJ,
  PACEA, emploi, formation, service civique: that outcome), after a raccrochage registration
  (the step came after their first one) or without; `jeunes` the registered / not registered.
- `satisfaction`: the answers to the question after a raccrochage session (`raccrochage_avis`
  events): `answers`, and how many said yes to each question.
- `targets`: progress against the targets of config/report.yml for the year of the period's end.
- `previous`: the same figures for the period of the same length just before.
"""
from __future__ import annotations

import asyncio
import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping

from sqlalchemy import DateTime, bindparam, text

from bot.clock import PARIS
from bot.reperage.actions_config import ACTION_TYPES, ActionsConfig
from bot.report.html import render_html
from bot.stores.records import RARE_KINDS, RecordStore

UTC = timezone.utc
KNOWN_COHORTS = ("repere", "reactive", "suivi")
REMOBILISED = ("repere", "reactive")
OUTCOMES = ("rdv_pris", "oriente", "entree_cej", "entree_pacea", "emploi", "formation",
            "service_civique", "sans_suite")
PATH_STEPS = ("rdv", "entree_cej", "entree_pacea", "emploi", "formation", "service_civique")
SATISFACTION_KIND = "raccrochage_avis"
SATISFACTION_QUESTIONS = ("aide_connue", "envie_continuer", "recontact")
NOT_A_JEUNE = "post_published"
NON_ATTRIBUE = "non-attribue"
NON_ATTRIBUE_NAME = "Non attribué"
UNKNOWN_TYPE = "inconnu"
FUNNEL = (("contact", "contact"), ("reperage", "repérage"), ("rdv_booked", "rendez-vous"),
          ("raccrochage_registered", "raccrochage"), ("outcome", "sortie"))
WEEKDAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 Paris, the day after end 00:00 Paris) in UTC."""
    if end < start:
        raise ValueError(f"the end date {end.isoformat()} is before the start date {start.isoformat()}")
    lo = datetime.combine(start, time(0), tzinfo=PARIS).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)
    return lo, hi


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period just before: as many whole months when the period is whole months (a year, a
    quarter, a month), else as many days."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = start.year * 12 + start.month - 1 - months
        return date(index // 12, index % 12 + 1, 1), start - timedelta(days=1)
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


# SQL ---------------------------------------------------------------------------------------------

def _json_field(dialect: str, key: str) -> str:
    if dialect == "postgresql":
        return f"(e.data ->> '{key}')"
    return f"json_extract(e.data, '$.{key}')"


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


_COUNTED = (  # counted per jeune over all their events (column, condition on the event e)
    ("n_contact", "e.kind = 'contact'"),
    ("n_ooh", "e.kind = 'contact' AND e.out_of_hours"),
)
# the kinds whose events are counted per jeune in the same pass, k0, k1...: each row's events of
# that kind and its jeunes who had one (the satisfaction answers are read one by one instead)
_KINDS = tuple(k for k in RARE_KINDS if k != SATISFACTION_KIND)
_PERIOD = "e.at >= :lo AND e.at < :hi"
# A jeune's latest value of a column, without reading each jeune's events again: the smallest
# and largest value, and the id of the latest event carrying one; only for a jeune whose values
# differ (who moved, whose cohort was corrected, who turned 18) is that event read back.
_COHORT_CODE = ("CASE e.cohort " + " ".join(f"WHEN '{c}' THEN {i}"
                                            for i, c in enumerate(KNOWN_COHORTS, 1)) + " END")
_LATEST = (  # (name, SQL value on the event e, e carries one); numbers are the cheapest to
    # compare: the cohort by its place in KNOWN_COHORTS (1, 2, 3), the minor flag as 0 or 1
    ("ml", "e.mission_locale", "e.mission_locale IS NOT NULL"),
    ("co", _COHORT_CODE, "e.cohort IN (" + ", ".join(f"'{c}'" for c in KNOWN_COHORTS) + ")"),
    ("mi", "CAST(e.minor AS INTEGER)", "e.minor IS NOT NULL"),
)
# an event's action's Mission Locale: the one it carries, else (an event written before events
# carried their action's) its action's in the history h; a jeune none of whose events names a
# Mission Locale (a QR code, no commune given) belongs to that of their latest event that has one
_ACTION_ML = "COALESCE(e.action_ml, h.mission_locale)"


def _stmt(sql: str, **types):
    binds = [bindparam("lo", type_=DateTime(timezone=True)),
             bindparam("hi", type_=DateTime(timezone=True))]
    binds += [bindparam(name, type_=t) for name, t in types.items()]
    return text(sql).bindparams(*binds)


@dataclass
class _Row:
    """One row's figures (a Mission Locale, `non-attribue`, or the region as their sum)."""
    jeunes: int = 0
    cohorts: Counter = field(default_factory=Counter)
    cohort_minors: Counter = field(default_factory=Counter)
    minors: int = 0
    ages_known: int = 0
    registered_jeunes: int = 0
    remobilised_on_raccrochage: int = 0
    kinds: Counter = field(default_factory=Counter)
    funnel: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    outcomes_after: Counter = field(default_factory=Counter)
    paths_after: Counter = field(default_factory=Counter)
    paths_without: Counter = field(default_factory=Counter)
    satisfaction: Counter = field(default_factory=Counter)
    by_type: dict = field(default_factory=dict)   # type -> {"actions", "contacts", "jeunes"}

    def absorb(self, other: "_Row") -> None:
        """Add another row's additive figures (not `by_type`: distinct actions do not add)."""
        self.jeunes += other.jeunes
        self.minors += other.minors
        self.ages_known += other.ages_known
        self.registered_jeunes += other.registered_jeunes
        self.remobilised_on_raccrochage += other.remobilised_on_raccrochage
        for name in ("cohorts", "cohort_minors", "kinds", "funnel", "outcomes", "outcomes_after",
                     "paths_after", "paths_without", "satisfaction"):
            getattr(self, name).update(getattr(other, name))

    def figures(self) -> dict[str, Any]:
        c, cm = self.cohorts, self.cohort_minors
        remob = c["repere"] + c["reactive"]
        remob_minors = cm["repere"] + cm["reactive"]
        without = self.outcomes - self.outcomes_after
        by_type = {t: dict(self.by_type.get(t, {"actions": 0, "contacts": 0, "jeunes": 0}))
                   for t in ACTION_TYPES}
        for t, v in sorted(self.by_type.items()):  # a type the list does not know stays visible
            if t not in by_type:
                by_type[t] = dict(v)
        k = self.kinds
        return {
            "jeunes": self.jeunes,
            "repere": c["repere"],
            "reactive": c["reactive"],
            "suivi": c["suivi"],
            "minors_share": _share(remob_minors, remob),
            "contacts": k["contact"],
            "contacts_out_of_hours": k["ooh"],
            "actions_by_type": by_type,
            "raccrochage_rate": _share(self.remobilised_on_raccrochage, remob),
            "raccrochage_registered": k["raccrochage_registered"],
            "rdv_booked": k["rdv_booked"],
            "rdv_cancelled": k["rdv_cancelled"],
            "rdv_moved": k["rdv_moved"],
            "handoffs": k["handoff"],
            "crises": k["crisis"],
            "outcomes": {
                "total": _outcome_counts(self.outcomes),
                "after_raccrochage": _outcome_counts(self.outcomes_after),
                "without_raccrochage": _outcome_counts(without),
            },
            # issue 20
            "remobilised": remob,
            "minors": self.minors,
            "ages_known": self.ages_known,
            "remobilised_minors": remob_minors,
            "repere_minors": cm["repere"],
            "reactive_minors": cm["reactive"],
            "repere_minors_share": _share(cm["repere"], c["repere"]),
            "reactive_minors_share": _share(cm["reactive"], c["reactive"]),
            "remobilised_on_raccrochage": self.remobilised_on_raccrochage,
            "paths": {
                "after_raccrochage": {"jeunes": self.registered_jeunes,
                                      **{s: self.paths_after[s] for s in PATH_STEPS}},
                "without_raccrochage": {"jeunes": self.jeunes - self.registered_jeunes,
                                        **{s: self.paths_without[s] for s in PATH_STEPS}},
            },
            "satisfaction": {"answers": self.satisfaction["answers"],
                             **{q: self.satisfaction[q] for q in SATISFACTION_QUESTIONS}},
        }


def _outcome_counts(counter: Counter) -> dict[str, int]:
    out = {name: counter.get(name, 0) for name in OUTCOMES}
    for name, n in sorted(counter.items()):  # an outcome the list does not know yet stays visible
        if name not in out and n > 0:
            out[name] = n
    return out


@dataclass
class _Scan:
    region: _Row
    rows: dict[str, _Row]                       # home (ML id or NON_ATTRIBUE) -> row
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    months: dict[str, dict[str, int]] = field(default_factory=dict)  # "YYYY-MM" -> home -> jeunes
    heatmap: list[list[int]] = field(default_factory=list)
    crisis_categories: Counter = field(default_factory=Counter)


def _home(value: str | None) -> str:
    return value or NON_ATTRIBUE


async def _fetch(conn, sql: str, params: dict[str, Any]) -> list[tuple]:
    """Rows of one aggregate query. On PostgreSQL straight on the asyncpg connection: through
    SQLAlchemy's result rows the 100,000 rows of a year cost several times more."""
    if conn.dialect.name == "postgresql":
        names = [n for n in ("lo", "hi", "ml") if f":{n}" in sql]
        for i, n in enumerate(names, 1):
            sql = sql.replace(f":{n}", f"${i}")   # the same name may come back: the same $i
        raw = await conn.get_raw_connection()
        return [tuple(r) for r in await raw.driver_connection.fetch(sql, *(params[n] for n in names))]
    return [tuple(r) for r in await conn.execute(_stmt(sql), params)]


_N = 6 + 2 * len(_KINDS)   # number columns of the one result set
_S = 4           # text columns


def _branch(sec: str, home: str | None, texts: list[str], nums: list[str], tail: str) -> str:
    """One part of the UNION ALL: (section, home, _S texts, _N numbers) whatever it counts."""
    texts = texts + ["NULL"] * (_S - len(texts))
    nums = nums + ["NULL"] * (_N - len(nums))
    cols = [f"'{sec}'", f"CAST({home or 'NULL'} AS VARCHAR(64))"]
    cols += [f"CAST({t} AS VARCHAR(200))" for t in texts]
    cols += [f"CAST({n} AS BIGINT)" for n in nums]
    return f"SELECT {', '.join(cols)} {tail}"


def _sql(dialect: str, ml: str | None, details: bool, charts: bool) -> str:
    """The whole report in one statement: per jeune (g), per (jeune, action, type) (ja) and the
    events of rare kinds (rare) are each read once; every figure is an aggregate over them.
    `details`: the table of the actions; `charts`: the heatmap, the months, the crises."""
    pg = dialect == "postgresql"
    outcome = _json_field(dialect, "outcome")
    period = f"{_PERIOD} AND e.kind <> '{NOT_A_JEUNE}'"
    history = "LEFT JOIN actions_history h ON h.id = e.action_id"
    # byte order, not the locale's: min and max only tell whether a jeune's values differ
    c = ' COLLATE "C"' if pg else ""
    latest = ", ".join(f"MIN({v}{c if n == 'ml' else ''}) AS {n}_min, "
                       f"MAX({v}{c if n == 'ml' else ''}) AS {n}_max, "
                       f"MAX(e.id) FILTER (WHERE {has}) AS {n}_eid"
                       for n, v, has in _LATEST)
    sums = ", ".join(f"COUNT(*) FILTER (WHERE {cond}) AS {name}" for name, cond in _COUNTED)

    def resolved(n: str, v: str) -> str:
        return (f"CASE WHEN g0.{n}_eid IS NULL THEN NULL WHEN g0.{n}_min = g0.{n}_max THEN "
                f"g0.{n}_min ELSE (SELECT {v} FROM events e WHERE e.id = g0.{n}_eid) END")

    values = {n: resolved(n, v) for n, v, _has in _LATEST}
    cohort = ("CASE " + values["co"] + " " + " ".join(
        f"WHEN {i} THEN '{c}'" for i, c in enumerate(KNOWN_COHORTS, 1)) + " END")
    # an event whose action has a Mission Locale: it carries it, or, written before events
    # carried their action, its action's in the history has one (the history's Mission Locales
    # read once: not a join of every event)
    has_action_ml = ("e.action_ml IS NOT NULL OR (e.action_type IS NULL AND e.action_id IN "
                     "(SELECT h.id FROM actions_history h WHERE h.mission_locale IS NOT NULL))")
    # (no join inside: the history's row is its own subquery, one index lookup)
    by_action = (f"CASE WHEN g0.ml_eid IS NULL AND g0.aml_eid IS NOT NULL THEN (SELECT "
                 f"COALESCE(e.action_ml, (SELECT h.mission_locale FROM actions_history h "
                 f"WHERE h.id = e.action_id)) FROM events e WHERE e.id = g0.aml_eid) END")
    scope = ""
    if ml == NON_ATTRIBUE:
        scope = "WHERE home IS NULL"
    elif ml is not None:
        scope = "WHERE home = :ml"
    a_type = f"COALESCE(e.action_type, h.type, '{UNKNOWN_TYPE}')"
    kinds = ", ".join(f"COUNT(*) FILTER (WHERE e.kind = '{k}') AS k{i}"
                      for i, k in enumerate(_KINDS))
    rdv = _KINDS.index("rdv_booked")
    remob = "e.kind = 'reperage' AND e.cohort IN ('repere', 'reactive')"
    # the events read one by one (a few percent of all: on PostgreSQL through the partial index
    # of RARE_KINDS), with their jeune's row: outcomes, paths, satisfaction answers; and for the
    # charts crises and the months of repérages
    one_by_one = ["outcome", "rdv_booked", SATISFACTION_KIND] + (
        ["crisis", "reperage"] if charts else [])
    rare_kinds = "e.kind IN (" + ", ".join(f"'{k}'" for k in one_by_one) + ")"
    if charts:
        rare_kinds += " AND (e.kind <> 'reperage' OR e.cohort IN ('repere', 'reactive'))"
    answers = [_json_field(dialect, q) for q in SATISFACTION_QUESTIONS]
    mat = "MATERIALIZED "
    ctes = (
        f"WITH g0 AS (SELECT e.jeune_id, {latest}, MAX(e.id) FILTER (WHERE {has_action_ml}) "
        f"AS aml_eid, {sums}, MIN(e.id) FILTER (WHERE e.kind = 'raccrochage_registered') AS "
        f"reg_eid, {kinds} FROM events e WHERE {period} GROUP BY e.jeune_id), "
        f"rare AS {mat}(SELECT e.jeune_id, e.id, e.kind, e.cohort, e.at, CASE WHEN e.kind = "
        f"'outcome' THEN {outcome} END AS outcome, CASE WHEN e.kind = 'crisis' THEN "
        f"{_json_field(dialect, 'category')} END AS category, "
        + ", ".join(f"CASE WHEN e.kind = '{SATISFACTION_KIND}' THEN {a} END AS q{i}"
                    for i, a in enumerate(answers)) +
        f" FROM events e WHERE {_PERIOD} AND {rare_kinds}), "
        f"g1 AS (SELECT g0.jeune_id, COALESCE({values['ml']}, {by_action}) AS home, "
        f"{cohort} AS cohort, {values['mi']} AS minor, g0.reg_eid, "
        f"CASE WHEN g0.k{rdv} > 0 THEN 1 ELSE 0 END AS has_rdv, "
        + ", ".join([f"g0.{name}" for name, _c in _COUNTED]
                    + [f"g0.k{i}" for i in range(len(_KINDS))]) +
        " FROM g0), "
        # materialized first, then filtered: the scope's filter is not pushed into the
        # per-jeune aggregate (it made PostgreSQL pick nested loops)
        + (f"gall AS {mat}(SELECT * FROM g1), g AS {mat}(SELECT * FROM gall {scope}), "
           if scope else f"g AS {mat}(SELECT * FROM g1), ") +
        f"ja AS {mat}(SELECT e.jeune_id, e.action_id, {a_type} AS a_type, "
        f"MAX({_ACTION_ML}) AS a_ml, COUNT(*) FILTER (WHERE e.kind "
        f"IN ('contact', 'raccrochage_registered')) AS n, MAX(h.title) AS title "
        f"FROM events e {history} WHERE {period} AND e.action_id IS NOT NULL "
        f"GROUP BY e.jeune_id, e.action_id, {a_type}), "
        # each of the period's events of rare kinds and (jeune, action) rows with its jeune's
        # row, joined once
        f"rg AS {mat}(SELECT e.*, r.home, r.reg_eid FROM rare e JOIN g r "
        f"ON r.jeune_id = e.jeune_id), "
        f"jag AS {mat}(SELECT t.*, r.home, r.cohort, r.has_rdv, r.reg_eid FROM ja t JOIN g r "
        f"ON r.jeune_id = t.jeune_id) ")
    reg = "CASE WHEN reg_eid IS NULL THEN 0 ELSE 1 END"
    # the jeunes by row, cohort, minor and registration, with their events of each rare kind
    # (how many, and how many jeunes had one)
    parts = [_branch("j", "home", ["cohort"],
                     ["minor", reg, "COUNT(*)", "SUM(n_contact)", "SUM(n_ooh)",
                      "COUNT(*) FILTER (WHERE n_contact > 0)"]
                     + [x for i in range(len(_KINDS))
                        for x in (f"SUM(k{i})", f"COUNT(*) FILTER (WHERE k{i} > 0)")],
                     f"FROM g GROUP BY home, cohort, minor, {reg}")]
    after = "CASE WHEN e.reg_eid IS NOT NULL AND e.id > e.reg_eid THEN 1 ELSE 0 END"
    parts.append(_branch("o", "e.home", ["COALESCE(e.outcome, 'inconnu')"], [after, "COUNT(*)"],
                         f"FROM rg e WHERE e.kind = 'outcome' "
                         f"GROUP BY e.home, COALESCE(e.outcome, 'inconnu'), {after}"))
    steps = ", ".join(f"'{s_}'" for s_ in PATH_STEPS)
    after_s = "CASE WHEN s.reg_eid IS NOT NULL AND s.last_id > s.reg_eid THEN 1 ELSE 0 END"
    parts.append(_branch(
        "p", "s.home", ["s.step"], [after_s, "COUNT(*)"],
        f"FROM (SELECT t.jeune_id, t.home, t.reg_eid, t.step, MAX(t.id) AS last_id FROM (SELECT "
        f"e.jeune_id, e.home, e.reg_eid, e.id, CASE WHEN e.kind = 'rdv_booked' OR e.outcome = "
        f"'rdv_pris' THEN 'rdv' ELSE e.outcome END AS step FROM rg e WHERE e.kind IN "
        f"('rdv_booked', 'outcome')) t WHERE t.step IN ({steps}) "
        f"GROUP BY t.jeune_id, t.home, t.reg_eid, t.step) s GROUP BY s.home, s.step, {after_s}"))
    qs = [f"e.q{i}" for i in range(len(answers))]
    parts.append(_branch("s", "e.home", qs, ["COUNT(*)"],
                         f"FROM rg e WHERE e.kind = '{SATISFACTION_KIND}' "
                         f"GROUP BY e.home, {', '.join(qs)}"))
    # actions by type: (row, type, action) → actions and contacts; (row, type) → jeunes. A jeune
    # has one row: the region's jeunes of a type are the sum of the rows'
    parts.append(_branch("t", "t.home", ["t.a_type", "t.action_id"], ["SUM(t.n)"],
                         "FROM jag t GROUP BY t.home, t.a_type, t.action_id"))
    parts.append(_branch("u", "x.home", ["x.a_type"], ["COUNT(*)"],
                         "FROM (SELECT jeune_id, home, a_type FROM jag "
                         "GROUP BY jeune_id, home, a_type) x GROUP BY x.home, x.a_type"))
    if details:
        parts.append(_branch(
            "a", None, ["t.action_id", "MAX(t.a_type)", "MAX(t.a_ml)", "MAX(t.title)"],
            ["SUM(t.n)", "COUNT(*)",
             "COUNT(*) FILTER (WHERE t.cohort IN ('repere', 'reactive'))",
             "COUNT(*) FILTER (WHERE t.has_rdv = 1)",
             "COUNT(*) FILTER (WHERE t.reg_eid IS NOT NULL)"],
            "FROM (SELECT jeune_id, action_id, MAX(a_type) AS a_type, MAX(a_ml) AS a_ml, "
            "MAX(title) AS title, SUM(n) AS n, MAX(cohort) AS cohort, MAX(has_rdv) AS has_rdv, "
            "MAX(reg_eid) AS reg_eid FROM jag GROUP BY jeune_id, action_id) t "
            "GROUP BY t.action_id"))
    if charts:   # what only the HTML report draws
        mine = "" if ml is None else " AND e.jeune_id IN (SELECT jeune_id FROM g)"
        contacts = f"FROM events e WHERE {_PERIOD} AND e.kind = 'contact'{mine}"
        if pg:
            month = "date_trunc('month', e.at AT TIME ZONE 'Europe/Paris')"
            parts.append(_branch("m", "x.home", ["to_char(x.m, 'YYYY-MM')"], ["COUNT(*)"],
                                 f"FROM (SELECT e.jeune_id, e.home, {month} AS m FROM rg e WHERE "
                                 f"{remob} GROUP BY e.jeune_id, e.home, {month}) x "
                                 f"GROUP BY x.home, x.m"))
            # the contacts by UTC hour, then each hour's Paris weekday and hour (1 = Monday)
            hour = "date_trunc('hour', e.at AT TIME ZONE 'UTC')"
            paris = "((x.b AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Paris')"
            dow, hod = f"EXTRACT(ISODOW FROM {paris})", f"EXTRACT(HOUR FROM {paris})"
            parts.append(_branch("H", None, [], [dow, hod, "SUM(x.n)"],
                                 f"FROM (SELECT {hour} AS b, COUNT(*) AS n {contacts} "
                                 f"GROUP BY {hour}) x GROUP BY {dow}, {hod}"))
        else:   # SQLite knows no time zones: Paris months and hours in Python
            parts.append(_branch("M", "e.home", ["e.jeune_id", "e.at"], [],
                                 f"FROM rg e WHERE {remob}"))
            hour = "strftime('%Y-%m-%d %H', e.at)"
            parts.append(_branch("h", None, ["x.b"], ["x.n"],
                                 f"FROM (SELECT {hour} AS b, COUNT(*) AS n {contacts} "
                                 f"GROUP BY {hour}) x"))
        parts.append(_branch("c", None, ["COALESCE(e.category, 'autre')"], ["COUNT(*)"],
                             "FROM rg e WHERE e.kind = 'crisis' "
                             "GROUP BY COALESCE(e.category, 'autre')"))
    return ctes + " UNION ALL ".join(parts)


async def _scan(records: RecordStore, start: date, end: date, ml: str | None,
                details: bool = True, charts: bool = True) -> _Scan:
    """All the figures of the period, from one statement (`_sql`)."""
    lo, hi = period_bounds(start, end)
    rows: dict[str, _Row] = {}
    scan = _Scan(region=_Row(), rows=rows)
    params: dict[str, Any] = {"lo": lo, "hi": hi}
    if ml is not None and ml != NON_ATTRIBUE:
        params["ml"] = ml

    def row(home: str | None) -> _Row:
        key = _home(home)
        if key not in rows:
            rows[key] = _Row()
        return rows[key]

    months: dict[str, dict[str, set]] = {}
    grid = [[0] * 24 for _ in range(7)]
    async with records.engine.connect() as conn:
        dialect = conn.dialect.name
        if dialect == "postgresql":
            # The statement is hash aggregates and hash joins over materialized CTEs, whatever
            # the estimates say (they are far off either way: the events table may have no
            # statistics yet, a fresh database that autovacuum has not visited, and a CTE has
            # none): the year's aggregates in memory, not spilled to disk; no JIT (compiling
            # this statement cost more than running it); hash joins, not sorts of text keys,
            # and not nested loops (without statistics PostgreSQL took one Mission Locale's
            # jeunes for one row and read the whole period's index once per jeune for the
            # heatmap's contacts: 150 s for a year); hash aggregates, not sorts (with
            # statistics it sorted CTE rows it expected by the million); no parallel workers
            # (each would see nearly every jeune: the partial aggregates by jeune cost more to
            # finish than they save)
            for setting in ("work_mem = '128MB'", "jit = off", "enable_mergejoin = off",
                            "enable_nestloop = off", "enable_sort = off",
                            "max_parallel_workers_per_gather = 0"):
                await conn.execute(text(f"SET LOCAL {setting}"))
        result = await _fetch(conn, _sql(dialect, ml, details, charts), params)
        await conn.rollback()
    for sec, home, a, b, c, d, *n in result:
        if sec == "j":
            r = row(home)
            minor, reg, count = _bool(n[0]), n[1], n[2]
            r.jeunes += count
            if a in KNOWN_COHORTS:
                r.cohorts[a] += count
                if minor:
                    r.cohort_minors[a] += count
            if minor is not None:
                r.ages_known += count
                r.minors += count if minor else 0
            if reg:
                r.registered_jeunes += count
                if a in REMOBILISED:
                    r.remobilised_on_raccrochage += count
            r.kinds["contact"] += int(n[3] or 0)
            r.kinds["ooh"] += int(n[4] or 0)
            r.funnel["contact"] += int(n[5] or 0)
            for i, kind in enumerate(_KINDS):
                r.kinds[kind] += int(n[6 + 2 * i] or 0)
                r.funnel[kind] += int(n[7 + 2 * i] or 0)
        elif sec == "o":
            r = row(home)
            r.outcomes[a] += n[1]
            if n[0]:
                r.outcomes_after[a] += n[1]
        elif sec == "p":
            (row(home).paths_after if n[0] else row(home).paths_without)[a] += n[1]
        elif sec == "s":
            r = row(home)
            r.satisfaction["answers"] += n[0]
            for q, v in zip(SATISFACTION_QUESTIONS, (a, b, c)):
                if v == "oui":
                    r.satisfaction[q] += n[0]
        elif sec == "t":
            for by_type in (row(home).by_type, scan.region.by_type):
                t = by_type.setdefault(a, {"actions": set(), "contacts": 0, "jeunes": 0})
                t["actions"].add(b)
                t["contacts"] += int(n[0] or 0)
        elif sec == "u":
            for by_type in (row(home).by_type, scan.region.by_type):
                by_type.setdefault(a, {"actions": set(), "contacts": 0, "jeunes": 0})["jeunes"] += n[0]
        elif sec == "a":
            scan.actions[a] = {
                "type": None if b == UNKNOWN_TYPE else b, "title": d or a, "mission_locale": c,
                "contacts": int(n[0] or 0), "jeunes": n[1], "remobilised": n[2],
                "rdv_booked": n[3], "raccrochage_registered": n[4]}
        elif sec == "m":
            scan.months.setdefault(a, {})[_home(home)] = n[0]
        elif sec == "M":
            at = datetime.fromisoformat(b) if isinstance(b, str) else b
            month = at.replace(tzinfo=UTC).astimezone(PARIS).strftime("%Y-%m")
            months.setdefault(month, {}).setdefault(_home(home), set()).add(a)
        elif sec == "H":
            grid[int(n[0]) - 1][int(n[1])] += int(n[2])
        elif sec == "h":
            hour = datetime.strptime(a, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(PARIS)
            grid[hour.weekday()][hour.hour] += n[0]
        elif sec == "c":
            scan.crisis_categories[a] += n[0]
    for by_type in [r.by_type for r in rows.values()] + [scan.region.by_type]:
        for t in by_type.values():
            t["actions"] = len(t["actions"])
    for month, by_home in months.items():
        scan.months[month] = {h: len(js) for h, js in by_home.items()}
    scan.heatmap = grid
    if ml is not None and ml not in rows:
        rows[ml] = _Row()
    region_types = scan.region.by_type
    for r in rows.values():
        scan.region.absorb(r)
    scan.region.by_type = region_types
    return scan


# targets -----------------------------------------------------------------------------------------

def _progress(figures: dict[str, Any], targets: Mapping[str, int] | None,
              year: int) -> dict[str, Any]:
    if not targets:
        return {}
    return {name: {"target": t, "value": figures[name], "share": _share(figures[name], t),
                   "year": year} for name, t in targets.items()}


# assembling --------------------------------------------------------------------------------------

def _ml_names(missions_locales: Any) -> dict[str, str]:
    if not missions_locales:
        return {}
    if isinstance(missions_locales, Mapping):
        return {k: (v if isinstance(v, str) else getattr(v, "name", k))
                for k, v in missions_locales.items()}
    return {m.id: m.name for m in missions_locales}


def _assemble(scan: _Scan, start: date, end: date, ml: str | None, actions: ActionsConfig,
              names: dict[str, str], targets: Any = None) -> dict[str, Any]:
    year = end.year
    report: dict[str, Any] = {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "scope": ml or "region",
        "name": (names.get(ml, NON_ATTRIBUE_NAME if ml == NON_ATTRIBUE else ml) if ml
                 else "Toutes les Missions Locales"),
    }
    report.update(scan.region.figures())
    scope_targets = targets.for_scope(ml or "region", year) if targets is not None else None
    report["targets"] = _progress(report, scope_targets, year)
    table = {}
    for action_id in sorted(scan.actions):
        a = dict(scan.actions[action_id])
        configured = actions.by_id.get(action_id)
        if configured is not None:
            a["title"] = configured.title
        table[action_id] = a
    report["actions"] = table
    homes = set(scan.rows)
    if ml is None:   # every Mission Locale named, and the row of what none can claim
        homes |= set(names) | ({NON_ATTRIBUE} if names else set())
    rows = {}
    for home in sorted(homes, key=lambda h: (h == NON_ATTRIBUE, h)):
        figures = (scan.rows.get(home) or _Row()).figures()
        row_targets = targets.for_scope(home, year) if targets is not None else None
        rows[home] = {"name": names.get(home, NON_ATTRIBUE_NAME if home == NON_ATTRIBUE else home),
                      **figures, "targets": _progress(figures, row_targets, year)}
    report["mission_locale"] = rows
    return report


async def build_report(records: RecordStore, start: date, end: date, ml: str | None,
                       actions: ActionsConfig, missions_locales: Any = None, targets: Any = None,
                       previous: bool = True) -> dict[str, Any]:
    """The figures of the period for the region (ml None), one Mission Locale or `non-attribue`."""
    report, _extra = await build_report_and_charts(records, start, end, ml, actions,
                                                   missions_locales, targets, previous,
                                                   charts=False)
    return report


async def build_report_and_charts(records: RecordStore, start: date, end: date, ml: str | None,
                                  actions: ActionsConfig, missions_locales: Any = None,
                                  targets: Any = None, previous: bool = True,
                                  charts: bool = True,
                                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report, and what `render_html(report, extra)` draws besides (with charts False: the
    heatmap, the months and the crises' categories are not counted: zeros and empty)."""
    period_bounds(start, end)
    await records.remember_actions(actions.actions, datetime.now(UTC))
    names = _ml_names(missions_locales)
    p_start, p_end = previous_period(start, end)
    # the two periods counted at the same time, each on its own connection (two statements
    # that share nothing: with two cores, the previous period costs no longer)
    scan, before = await asyncio.gather(
        _scan(records, start, end, ml, charts=charts),
        _scan(records, p_start, p_end, ml, details=False, charts=False) if previous
        else _nothing())
    report = _assemble(scan, start, end, ml, actions, names, targets)
    if before is not None:
        figures = before.region.figures()
        report["previous"] = {"period": {"from": p_start.isoformat(), "to": p_end.isoformat()},
                              **figures}
    return report, _charts(scan, report, names)


async def _nothing() -> None:
    return None


def _charts(scan: _Scan, report: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    months = sorted(scan.months)
    return {
        "months": months,
        "remobilised_by_month": {m: dict(sorted(scan.months[m].items())) for m in months},
        "heatmap": scan.heatmap,
        "funnel": [{"step": kind, "label": label, "jeunes": scan.region.funnel[kind]}
                   for kind, label in FUNNEL],
        "crisis_categories": dict(scan.crisis_categories.most_common()),
        "actions": report["actions"],
        "names": {**names, NON_ATTRIBUE: NON_ATTRIBUE_NAME},
    }


async def build_html_report(records: RecordStore, start: date, end: date, ml: str | None,
                            actions: ActionsConfig, title: str | None = None,
                            missions_locales: Any = None, targets: Any = None) -> str:
    report, extra = await build_report_and_charts(records, start, end, ml, actions,
                                                  missions_locales, targets)
    if title:
        extra["title"] = title
    return render_html(report, extra)


# json / csv / xlsx ------------------------------------------------------------------------------

def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


FIGURE_COLUMNS = [
    "jeunes", "repere", "reactive", "suivi", "minors_share", "contacts", "contacts_out_of_hours",
    "rdv_booked", "rdv_cancelled", "rdv_moved", "handoffs", "crises", "raccrochage_registered",
    "raccrochage_rate", "remobilised", "minors", "remobilised_minors", "repere_minors",
    "reactive_minors", "remobilised_on_raccrochage"]
CSV_COLUMNS = (
    ["scope", "name", "from", "to"] + FIGURE_COLUMNS
    + [f"{t.replace('-', '_')}_{k}" for t in ACTION_TYPES for k in ("actions", "contacts", "jeunes")]
    + [f"outcome_{o}" for o in OUTCOMES]
    + ["outcomes_after_raccrochage", "outcomes_without_raccrochage"]
    + [f"path_{w}_{s}" for w in ("after", "without") for s in PATH_STEPS]
    + ["satisfaction_answers"] + [f"satisfaction_{q}" for q in SATISFACTION_QUESTIONS]
)
# French column titles for the spreadsheet (csv and xlsx): who opens it reads French
COLUMN_TITLES = {
    "scope": "Identifiant", "name": "Mission Locale", "from": "Du", "to": "Au",
    "jeunes": "Jeunes", "repere": "Repérés", "reactive": "Réactivés", "suivi": "Suivis",
    "minors_share": "Part de mineurs (repérés ou réactivés)", "contacts": "Contacts",
    "contacts_out_of_hours": "Contacts hors horaires", "rdv_booked": "Rendez-vous pris",
    "rdv_cancelled": "Rendez-vous annulés", "rdv_moved": "Rendez-vous déplacés",
    "handoffs": "Passages à un conseiller", "crises": "Détresses",
    "raccrochage_registered": "Inscriptions en raccrochage",
    "raccrochage_rate": "Taux de raccrochage", "remobilised": "Repérés ou réactivés",
    "minors": "Mineurs (tous)", "remobilised_minors": "Mineurs repérés ou réactivés",
    "repere_minors": "Mineurs repérés", "reactive_minors": "Mineurs réactivés",
    "remobilised_on_raccrochage": "Repérés ou réactivés inscrits en raccrochage",
}
SHARE_COLUMNS = frozenset({"minors_share", "raccrochage_rate"})


def _csv_row(scope: str, period: dict[str, str], figures: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"scope": scope, "name": figures.get("name", scope),
                           "from": period["from"], "to": period["to"]}
    for key in FIGURE_COLUMNS:
        row[key] = figures[key]
    for t in ACTION_TYPES:
        for k in ("actions", "contacts", "jeunes"):
            row[f"{t.replace('-', '_')}_{k}"] = figures["actions_by_type"][t][k]
    for o in OUTCOMES:
        row[f"outcome_{o}"] = figures["outcomes"]["total"][o]
    row["outcomes_after_raccrochage"] = sum(figures["outcomes"]["after_raccrochage"].values())
    row["outcomes_without_raccrochage"] = sum(figures["outcomes"]["without_raccrochage"].values())
    for w in ("after", "without"):
        for s in PATH_STEPS:
            row[f"path_{w}_{s}"] = figures["paths"][f"{w}_raccrochage"][s]
    row["satisfaction_answers"] = figures["satisfaction"]["answers"]
    for q in SATISFACTION_QUESTIONS:
        row[f"satisfaction_{q}"] = figures["satisfaction"][q]
    return row


def report_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per Mission Locale (and `non-attribue`), then the region's (or only the one asked)."""
    period = report["period"]
    scope = report.get("scope", "region")
    out = [_csv_row(ml_id, period, figures) for ml_id, figures in report["mission_locale"].items()
           if scope in ("region", ml_id)]
    if scope == "region":
        out.append(_csv_row("region", period, {**report, "name": "Région"}))
    return out


def _french(value: Any) -> Any:
    """Decimal comma, as French Excel reads numbers."""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".").replace(".", ",") if value else "0"
    return value


def render_csv(report: dict[str, Any]) -> str:
    """For French Excel as it is: UTF-8 with BOM, `;` between fields, decimal comma; the first
    line holds the stable column ids (CSV_COLUMNS), the second their French titles."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report_rows(report):
        writer.writerow([_french(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def render_xlsx(report: dict[str, Any]) -> bytes:
    """The same rows as a spreadsheet (openpyxl): "Chiffres" (one row per Mission Locale and the
    region, shares as percentages) and "Actions" (what each action brought)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    wb = Workbook()
    ws = wb.active
    ws.title = "Chiffres"
    ws.append([COLUMN_TITLES.get(c, c) for c in CSV_COLUMNS])
    ws.append(list(CSV_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in report_rows(report):
        ws.append([row[c] for c in CSV_COLUMNS])
        for c, cell in zip(CSV_COLUMNS, ws[ws.max_row]):
            if c in SHARE_COLUMNS:
                cell.number_format = "0.0%"
    ws.freeze_panes = "C3"
    wa = wb.create_sheet("Actions")
    wa.append(["Action", "Identifiant", "Type", "Mission Locale", "Contacts", "Jeunes",
               "dont repérés ou réactivés", "avec rendez-vous", "inscrits en raccrochage"])
    for cell in wa[1]:
        cell.font = Font(bold=True)
    names = {k: v.get("name", k) for k, v in report["mission_locale"].items()}
    for action_id, a in report.get("actions", {}).items():
        wa.append([a["title"], action_id, a["type"] or UNKNOWN_TYPE,
                   names.get(a["mission_locale"], a["mission_locale"]) if a["mission_locale"]
                   else "réseau", a["contacts"], a["jeunes"], a["remobilised"], a["rdv_booked"],
                   a["raccrochage_registered"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# pseudonymous export --------------------------------------------------------------------------

EXPORT_COLUMNS = ("id", "at_utc", "at_paris", "channel", "jeune_id", "mission_locale", "kind",
                  "cohort", "minor", "out_of_hours", "action_id", "action_type", "action_ml")
# Only these data fields leave the service: none of them says who the jeune is.
EXPORT_DATA_KEYS = ("source", "situation", "topic", "category", "outcome") + SATISFACTION_QUESTIONS


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return value


async def export_events_csv(records: RecordStore, start: date, end: date,
                            ml: str | None = None) -> str:
    """The events of the period for analysis elsewhere: pseudonymous ids, whitelisted data."""
    lo, hi = period_bounds(start, end)
    items = await records.list_events(start=lo, end=hi, mission_locale=ml)
    return _events_csv(items)


def _events_csv(items: Iterable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(EXPORT_COLUMNS) + list(EXPORT_DATA_KEYS))
    for e in items:
        at = e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)
        data = e.data or {}
        writer.writerow(
            [e.id, at.astimezone(UTC).isoformat(), at.astimezone(PARIS).isoformat(), e.channel,
             e.jeune_id, _cell(e.mission_locale), e.kind, _cell(e.cohort), _cell(e.minor),
             _cell(e.out_of_hours), _cell(e.action_id), _cell(e.action_type), _cell(e.action_ml)]
            + [_cell(data.get(k)) if not isinstance(data.get(k), (dict, list)) else ""
               for k in EXPORT_DATA_KEYS])
    return out.getvalue()
