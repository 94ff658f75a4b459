"""The programme's figures (issue 4 and 9), from the events table alone.

Nothing here reads profiles: after a jeune is erased their events are re-keyed to a random id and
every figure stays the same. Days are Paris local days, `end` included.

How each figure is counted (per scope: the region, or one Mission Locale's events):
- `jeunes`: distinct jeune ids with any event in the period (`post_published` is not a jeune's).
- a jeune's cohort is the cohort of their latest event carrying a known one (repere, reactive,
  suivi), in the period; their minor flag is that same event's. `repere`/`reactive` count them.
- jeunes "remobilisés" = repérés + réactivés; `minors_share` and `raccrochage_rate` are shares of
  them (0.0 when none), rounded to 3 decimals.
- `actions_by_type`: the jeunes' events keyed to an action of that type: `actions` the number of
  distinct actions among them, `jeunes` their distinct jeunes, `contacts` those of kind `contact`
  or `raccrochage_registered` (a conversation session or a registration).
- `outcomes`: `outcome` events by data.outcome; "after raccrochage" when the jeune registered on a
  raccrochage action (in the period) before that outcome.
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy import case, func, select

from bot.reperage.actions_config import ACTION_TYPES, ActionsConfig
from bot.clock import PARIS
from bot.report.html import render_html  # noqa: F401  (bot.report.figures.render_html for callers)
from bot.stores.records import RecordStore, events

UTC = timezone.utc
KNOWN_COHORTS = ("repere", "reactive", "suivi")
REMOBILISED = ("repere", "reactive")
OUTCOMES = ("rdv_pris", "oriente", "entree_cej", "entree_pacea", "emploi", "formation",
            "service_civique", "sans_suite")
NOT_A_JEUNE = frozenset({"post_published"})
ACTION_CONTACT_KINDS = frozenset({"contact", "raccrochage_registered"})
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


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


@dataclass
class _Tally:
    """Running figures of one scope, fed events in (at, id) order."""
    jeunes: set = field(default_factory=set)
    latest: dict = field(default_factory=dict)          # jeune -> (cohort, minor)
    contacts_ooh: int = 0
    kinds: Counter = field(default_factory=Counter)
    by_kind_jeunes: dict = field(default_factory=dict)  # kind -> set of jeunes
    action_contacts: Counter = field(default_factory=Counter)
    action_jeunes: dict = field(default_factory=dict)   # action_id -> set of jeunes
    outcomes: Counter = field(default_factory=Counter)
    outcomes_after: Counter = field(default_factory=Counter)
    crisis_categories: Counter = field(default_factory=Counter)

    def add(self, kind: str, jeune: str, cohort: str | None, minor: bool | None, ooh: bool,
            action_id: str | None, detail: str | None) -> None:
        self.kinds[kind] += 1
        if kind in NOT_A_JEUNE:
            return
        self.jeunes.add(jeune)
        self.by_kind_jeunes.setdefault(kind, set()).add(jeune)
        if cohort in KNOWN_COHORTS:
            self.latest[jeune] = (cohort, bool(minor))
        if kind == "contact" and ooh:
            self.contacts_ooh += 1
        if action_id:
            self.action_jeunes.setdefault(action_id, set()).add(jeune)
            if kind in ACTION_CONTACT_KINDS:
                self.action_contacts[action_id] += 1
        if kind == "outcome":
            outcome = detail or "inconnu"
            self.outcomes[outcome] += 1
            if jeune in self.by_kind_jeunes.get("raccrochage_registered", ()):
                self.outcomes_after[outcome] += 1
        elif kind == "crisis":
            self.crisis_categories[detail or "autre"] += 1

    def remobilised(self) -> set:
        return {j for j, (cohort, _m) in self.latest.items() if cohort in REMOBILISED}

    def figures(self, actions: ActionsConfig) -> dict[str, Any]:
        cohorts = Counter(cohort for cohort, _m in self.latest.values())
        remob = self.remobilised()
        minors = sum(1 for j in remob if self.latest[j][1])
        registered = self.by_kind_jeunes.get("raccrochage_registered", set())
        by_type: dict[str, dict[str, Any]] = {}
        for action_type in ACTION_TYPES:
            ids = [a for a in self.action_jeunes if actions.type_of(a) == action_type]
            jeunes: set = set().union(*(self.action_jeunes[a] for a in ids)) if ids else set()
            by_type[action_type] = {
                "actions": len(ids),
                "contacts": sum(self.action_contacts[a] for a in ids),
                "jeunes": len(jeunes),
            }
        without = self.outcomes - self.outcomes_after
        return {
            "jeunes": len(self.jeunes),
            "repere": cohorts["repere"],
            "reactive": cohorts["reactive"],
            "suivi": cohorts["suivi"],
            "minors_share": _share(minors, len(remob)),
            "contacts": self.kinds["contact"],
            "contacts_out_of_hours": self.contacts_ooh,
            "actions_by_type": by_type,
            "raccrochage_rate": _share(len(remob & registered), len(remob)),
            "raccrochage_registered": self.kinds["raccrochage_registered"],
            "rdv_booked": self.kinds["rdv_booked"],
            "rdv_cancelled": self.kinds["rdv_cancelled"],
            "rdv_moved": self.kinds["rdv_moved"],
            "handoffs": self.kinds["handoff"],
            "crises": self.kinds["crisis"],
            "outcomes": {
                "total": _outcome_counts(self.outcomes),
                "after_raccrochage": _outcome_counts(self.outcomes_after),
                "without_raccrochage": _outcome_counts(without),
            },
        }

    def action_table(self, actions: ActionsConfig) -> dict[str, dict[str, Any]]:
        """What each action brought: its jeunes, and how far they went."""
        remob = self.remobilised()
        rdv = self.by_kind_jeunes.get("rdv_booked", set())
        registered = self.by_kind_jeunes.get("raccrochage_registered", set())
        out: dict[str, dict[str, Any]] = {}
        for action_id in sorted(self.action_jeunes):
            jeunes = self.action_jeunes[action_id]
            action = actions.by_id.get(action_id)
            out[action_id] = {
                "type": action.type if action else None,
                "title": action.title if action else action_id,
                "mission_locale": action.mission_locale if action else None,
                "contacts": self.action_contacts[action_id],
                "jeunes": len(jeunes),
                "remobilised": len(jeunes & remob),
                "rdv_booked": len(jeunes & rdv),
                "raccrochage_registered": len(jeunes & registered),
            }
        return out

    def funnel(self) -> list[dict[str, Any]]:
        return [{"step": kind, "label": label, "jeunes": len(self.by_kind_jeunes.get(kind, ()))}
                for kind, label in FUNNEL]


def _outcome_counts(counter: Counter) -> dict[str, int]:
    out = {name: counter.get(name, 0) for name in OUTCOMES}
    for name, n in sorted(counter.items()):  # an outcome the list does not know yet stays visible
        if name not in out and n > 0:
            out[name] = n
    return out


@dataclass
class _Scan:
    region: _Tally
    by_ml: dict[str, _Tally]
    months: dict[str, dict[str, set]]   # "YYYY-MM" -> ml (or "") -> jeunes remobilisés that month


async def _scan(records: RecordStore, start: date, end: date, ml: str | None) -> _Scan:
    lo, hi = period_bounds(start, end)
    detail = case(
        (events.c.kind == "outcome", events.c.data["outcome"].as_string()),
        (events.c.kind == "crisis", events.c.data["category"].as_string()),
        else_=None,
    )
    q = (select(events.c.at, events.c.kind, events.c.jeune_id, events.c.mission_locale,
                events.c.cohort, events.c.minor, events.c.out_of_hours, events.c.action_id, detail)
         .where(events.c.at >= lo, events.c.at < hi)
         .order_by(events.c.at, events.c.id))
    if ml is not None:
        q = q.where(events.c.mission_locale == ml)
    region, by_ml = _Tally(), {}
    months: dict[str, dict[str, set]] = {}
    async with records.engine.connect() as conn:
        result = await conn.stream(q.execution_options(yield_per=5000))
        async for part in result.partitions():
            for at, kind, jeune, ml_id, cohort, minor, ooh, action_id, det in part:
                region.add(kind, jeune, cohort, minor, ooh, action_id, det)
                if ml_id is not None:
                    tally = by_ml.get(ml_id)
                    if tally is None:
                        tally = by_ml[ml_id] = _Tally()
                    tally.add(kind, jeune, cohort, minor, ooh, action_id, det)
                if kind == "reperage" and cohort in REMOBILISED:
                    if at.tzinfo is None:
                        at = at.replace(tzinfo=UTC)
                    month = at.astimezone(PARIS).strftime("%Y-%m")
                    months.setdefault(month, {}).setdefault(ml_id or "", set()).add(jeune)
    return _Scan(region, by_ml, months)


def _assemble(scan: _Scan, start: date, end: date, ml: str | None,
              actions: ActionsConfig) -> dict[str, Any]:
    report: dict[str, Any] = {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "scope": ml or "region",
    }
    if ml is not None and ml not in scan.by_ml:  # asked for, nothing happened: zeros, not absent
        scan.by_ml[ml] = _Tally()
    report.update(scan.region.figures(actions))
    report["actions"] = scan.region.action_table(actions)
    report["mission_locale"] = {
        ml_id: scan.by_ml[ml_id].figures(actions) for ml_id in sorted(scan.by_ml)}
    return report


async def build_report(records: RecordStore, start: date, end: date, ml: str | None,
                       actions: ActionsConfig) -> dict[str, Any]:
    """The figures of the period for the region (ml None) or one Mission Locale."""
    return _assemble(await _scan(records, start, end, ml), start, end, ml, actions)


async def _contacts_heatmap(records: RecordStore, start: date, end: date,
                            ml: str | None) -> list[list[int]]:
    """`contact` events by Paris weekday × hour: counted per UTC hour in SQL, then placed.

    Paris is a whole number of hours from UTC, so each UTC hour is exactly one Paris hour:
    the DST shift is applied per bucket, in Python, and the database does the counting.
    """
    lo, hi = period_bounds(start, end)
    if records.engine.dialect.name == "postgresql":
        bucket = func.to_char(func.timezone("UTC", events.c.at), "YYYY-MM-DD HH24")
    else:
        bucket = func.strftime("%Y-%m-%d %H", events.c.at)
    q = (select(bucket.label("bucket"), func.count().label("n"))
         .where(events.c.kind == "contact", events.c.at >= lo, events.c.at < hi)
         .group_by(bucket))
    if ml is not None:
        q = q.where(events.c.mission_locale == ml)
    grid = [[0] * 24 for _ in range(7)]
    async with records.engine.connect() as conn:
        for b, n in await conn.execute(q):
            local = datetime.strptime(b, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(PARIS)
            grid[local.weekday()][local.hour] += n
    return grid


def _charts(scan: _Scan, report: dict[str, Any], heatmap: list[list[int]]) -> dict[str, Any]:
    months = sorted(scan.months)
    return {
        "months": months,
        "remobilised_by_month": {
            m: {ml_id or "(commune non dite)": len(j) for ml_id, j in sorted(scan.months[m].items())}
            for m in months},
        "heatmap": heatmap,
        "funnel": scan.region.funnel(),
        "crisis_categories": dict(scan.region.crisis_categories.most_common()),
        "actions": report["actions"],
    }


async def build_report_and_charts(records: RecordStore, start: date, end: date, ml: str | None,
                                  actions: ActionsConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """One pass over the events for both: what `render_html(report, extra)` takes."""
    scan = await _scan(records, start, end, ml)
    report = _assemble(scan, start, end, ml, actions)
    heatmap = await _contacts_heatmap(records, start, end, ml)
    return report, _charts(scan, report, heatmap)


async def build_html_report(records: RecordStore, start: date, end: date, ml: str | None,
                            actions: ActionsConfig, title: str | None = None) -> str:
    report, extra = await build_report_and_charts(records, start, end, ml, actions)
    if title:
        extra["title"] = title
    return render_html(report, extra)




# json / csv ---------------------------------------------------------------------------------

def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


FIGURE_COLUMNS = [
    "jeunes", "repere", "reactive", "suivi", "minors_share", "contacts", "contacts_out_of_hours",
    "rdv_booked", "rdv_cancelled", "rdv_moved", "handoffs", "crises", "raccrochage_registered",
    "raccrochage_rate"]
CSV_COLUMNS = (
    ["scope", "from", "to"] + FIGURE_COLUMNS
    + [f"{t.replace('-', '_')}_{k}" for t in ACTION_TYPES for k in ("actions", "contacts", "jeunes")]
    + [f"outcome_{o}" for o in OUTCOMES]
    + ["outcomes_after_raccrochage", "outcomes_without_raccrochage"]
)


def _csv_row(scope: str, period: dict[str, str], figures: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"scope": scope, "from": period["from"], "to": period["to"]}
    for key in FIGURE_COLUMNS:
        row[key] = figures[key]
    for t in ACTION_TYPES:
        for k in ("actions", "contacts", "jeunes"):
            row[f"{t.replace('-', '_')}_{k}"] = figures["actions_by_type"][t][k]
    for o in OUTCOMES:
        row[f"outcome_{o}"] = figures["outcomes"]["total"][o]
    row["outcomes_after_raccrochage"] = sum(figures["outcomes"]["after_raccrochage"].values())
    row["outcomes_without_raccrochage"] = sum(figures["outcomes"]["without_raccrochage"].values())
    return row


def render_csv(report: dict[str, Any]) -> str:
    """One row per Mission Locale, then the region's (or only the one asked for)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    period = report["period"]
    for ml_id, figures in report["mission_locale"].items():
        if report.get("scope", "region") in ("region", ml_id):
            writer.writerow(_csv_row(ml_id, period, figures))
    if report.get("scope", "region") == "region":
        writer.writerow(_csv_row("region", period, report))
    return out.getvalue()


# pseudonymous export --------------------------------------------------------------------------

EXPORT_COLUMNS = ("id", "at_utc", "at_paris", "channel", "jeune_id", "mission_locale", "kind",
                  "cohort", "minor", "out_of_hours", "action_id")
# Only these data fields leave the service: none of them says who the jeune is.
EXPORT_DATA_KEYS = ("source", "situation", "topic", "category", "outcome")


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
             _cell(e.out_of_hours), _cell(e.action_id)]
            + [_cell(data.get(k)) if not isinstance(data.get(k), (dict, list)) else ""
               for k in EXPORT_DATA_KEYS])
    return out.getvalue()
