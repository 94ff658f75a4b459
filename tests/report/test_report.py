"""The programme's figures, checked against figures recounted here independently from the events,
on SQLite and PostgreSQL: every key of the report, every row; rows add up to the region; renaming
or removing actions from the config changes nothing; erasure changes nothing; Paris days bound
the period."""
from __future__ import annotations

import csv
import io
import json
from collections import defaultdict

from datetime import date, datetime, timezone

import pytest

from benchmarks.dataset import generate
from bot.reperage.actions_config import ActionsConfig, load_actions
from bot.clock import PARIS, as_utc
from bot.report.figures import (
    CSV_COLUMNS, NON_ATTRIBUE, build_report, build_report_and_charts, export_events_csv,
    render_csv, render_json, render_xlsx,
)
from bot.stores.records import Event
from tests.conftest import ROOT
from tests.reperage.test_actions_config import ML_IDS

UTC = timezone.utc
TYPES = ("temps-additionnel", "extra-muros", "raccrochage")
OUTCOMES = ("rdv_pris", "oriente", "entree_cej", "entree_pacea", "emploi", "formation",
            "service_civique", "sans_suite")
STEPS = ("rdv", "entree_cej", "entree_pacea", "emploi", "formation", "service_civique")
QUESTIONS = ("aide_connue", "envie_continuer", "recontact")
META = {"period", "scope", "name", "actions", "mission_locale", "targets", "previous"}


# An independent recount: whole-list comprehensions, per jeune, no running state. -----------------
# Events are in the order they were written (the list order = the id order).

def paris_day(e: Event) -> date:
    return e.at.astimezone(PARIS).date()


def homes(events: list[Event], start: date, end: date, action_ml: dict) -> dict[str, str]:
    """Each jeune's row: the ML of their latest event naming one, else of their latest event's
    action that has one, else non-attribué."""
    per = defaultdict(list)
    for e in events:
        if start <= paris_day(e) <= end and e.kind != "post_published":
            per[e.jeune_id].append(e)
    out = {}
    for j, evs in per.items():
        named = [e.mission_locale for e in evs if e.mission_locale]
        by_action = [e.action_ml or action_ml.get(e.action_id) for e in evs
                     if e.action_ml or action_ml.get(e.action_id)]
        out[j] = named[-1] if named else by_action[-1] if by_action else NON_ATTRIBUE
    return out


def reference(events: list[Event], start: date, end: date, ml: str | None,
              types: dict, action_ml: dict) -> dict:
    home = homes(events, start, end, action_ml)
    theirs = [e for e in events if start <= paris_day(e) <= end and e.kind != "post_published"
              and (ml is None or home[e.jeune_id] == ml)]
    per_jeune: dict[str, list[Event]] = defaultdict(list)
    for e in theirs:
        per_jeune[e.jeune_id].append(e)
    cohort = {j: [e.cohort for e in evs if e.cohort in ("repere", "reactive", "suivi")][-1]
              for j, evs in per_jeune.items()
              if any(e.cohort in ("repere", "reactive", "suivi") for e in evs)}
    minor = {j: [e.minor for e in evs if e.minor is not None][-1]
             for j, evs in per_jeune.items() if any(e.minor is not None for e in evs)}
    remob = [j for j, c in cohort.items() if c in ("repere", "reactive")]
    registered = {e.jeune_id for e in theirs if e.kind == "raccrochage_registered"}

    def share(a, b):
        return round(a / b, 3) if b else 0.0

    def of_kind(kind):
        return [e for e in theirs if e.kind == kind]

    def type_of(e):
        return e.action_type or types.get(e.action_id) or "inconnu"

    by_type = {}
    for t in TYPES:
        keyed = [e for e in theirs if e.action_id and type_of(e) == t]
        by_type[t] = {
            "actions": len({e.action_id for e in keyed}),
            "contacts": len([e for e in keyed if e.kind in ("contact", "raccrochage_registered")]),
            "jeunes": len({e.jeune_id for e in keyed}),
        }

    def registered_before(j, e):
        evs = per_jeune[j]
        regs = [i for i, x in enumerate(evs) if x.kind == "raccrochage_registered"]
        return bool(regs) and regs[0] < evs.index(e)

    def tally(items):
        return {name: len([e for e in items if e.data["outcome"] == name]) for name in OUTCOMES}

    def step_of(e):
        if e.kind == "rdv_booked" or (e.kind == "outcome" and e.data.get("outcome") == "rdv_pris"):
            return "rdv"
        return e.data.get("outcome") if e.kind == "outcome" else None

    paths = {"after": defaultdict(int), "without": defaultdict(int)}
    for j, evs in per_jeune.items():
        for s in STEPS:
            reached = [e for e in evs if step_of(e) == s]
            if reached:
                paths["after" if registered_before(j, reached[-1]) else "without"][s] += 1
    outcomes = of_kind("outcome")
    avis = of_kind("raccrochage_avis")
    minors_of = lambda c: len([j for j, x in cohort.items() if x == c and minor.get(j)])  # noqa: E731
    return {
        "jeunes": len(per_jeune),
        "repere": len([1 for c in cohort.values() if c == "repere"]),
        "reactive": len([1 for c in cohort.values() if c == "reactive"]),
        "suivi": len([1 for c in cohort.values() if c == "suivi"]),
        "minors_share": share(len([j for j in remob if minor.get(j)]), len(remob)),
        "contacts": len(of_kind("contact")),
        "contacts_out_of_hours": len([e for e in of_kind("contact") if e.out_of_hours]),
        "actions_by_type": by_type,
        "raccrochage_rate": share(len([j for j in remob if j in registered]), len(remob)),
        "raccrochage_registered": len(of_kind("raccrochage_registered")),
        "rdv_booked": len(of_kind("rdv_booked")),
        "rdv_cancelled": len(of_kind("rdv_cancelled")),
        "rdv_moved": len(of_kind("rdv_moved")),
        "handoffs": len(of_kind("handoff")),
        "crises": len(of_kind("crisis")),
        "outcomes": {
            "total": tally(outcomes),
            "after_raccrochage": tally([o for o in outcomes if registered_before(o.jeune_id, o)]),
            "without_raccrochage": tally(
                [o for o in outcomes if not registered_before(o.jeune_id, o)]),
        },
        "remobilised": len(remob),
        "minors": len([j for j, m in minor.items() if m]),
        "ages_known": len(minor),
        "remobilised_minors": len([j for j in remob if minor.get(j)]),
        "repere_minors": minors_of("repere"),
        "reactive_minors": minors_of("reactive"),
        "repere_minors_share": share(minors_of("repere"),
                                     len([1 for c in cohort.values() if c == "repere"])),
        "reactive_minors_share": share(minors_of("reactive"),
                                       len([1 for c in cohort.values() if c == "reactive"])),
        "remobilised_on_raccrochage": len([j for j in remob if j in registered]),
        "paths": {
            "after_raccrochage": {"jeunes": len(registered), **{s: paths["after"][s] for s in STEPS}},
            "without_raccrochage": {"jeunes": len(per_jeune) - len(registered),
                                    **{s: paths["without"][s] for s in STEPS}},
        },
        "satisfaction": {"answers": len(avis),
                         **{q: len([e for e in avis if e.data.get(q) == "oui"]) for q in QUESTIONS}},
    }


def assert_figures(got: dict, expected: dict, where: str) -> None:
    assert set(got) - META == set(expected), f"{where}: keys differ"
    for key, value in expected.items():
        assert got[key] == value, f"{where}: {key}: {got[key]!r} != {value!r}"


START, END = date(2025, 3, 30), date(2026, 10, 25)  # both DST-change Sundays
ADDITIVE = ("jeunes", "repere", "reactive", "suivi", "contacts", "contacts_out_of_hours",
            "raccrochage_registered", "rdv_booked", "rdv_cancelled", "rdv_moved", "handoffs",
            "crises", "remobilised", "minors", "ages_known", "remobilised_minors", "repere_minors",
            "reactive_minors", "remobilised_on_raccrochage")


@pytest.fixture
async def dataset(records):
    return await generate(records, seed=7, n_events=4000)


def _types(actions: ActionsConfig) -> tuple[dict, dict]:
    return ({a.id: a.type for a in actions.actions},
            {a.id: a.mission_locale for a in actions.actions if a.mission_locale})


def changed_config(actions: ActionsConfig) -> ActionsConfig:
    """Today's config/actions.yml after a year: half the actions renamed, a third removed, one
    re-typed."""
    kept = []
    for i, a in enumerate(actions.actions):
        if i % 3 == 0:
            continue                                           # removed
        if i % 2 == 0:
            a = a.model_copy(update={"id": a.id[:50] + "-v2", "title": a.title + " (2027)"})
        kept.append(a)
    return ActionsConfig(kept)


async def test_report_equals_independent_recount_of_every_key(records, dataset):
    events, actions = dataset.events, dataset.actions
    types, action_ml = _types(actions)
    report = await build_report(records, START, END, None, actions)
    expected = reference(events, START, END, None, types, action_ml)
    # The dataset exercises every figure (otherwise equality would prove little).
    assert expected["repere"] > 50 and expected["reactive"] > 20
    assert 0.1 < expected["minors_share"] < 0.4
    assert expected["raccrochage_rate"] > 0 and expected["crises"] > 0
    assert sum(expected["outcomes"]["after_raccrochage"].values()) > 0
    assert all(expected["actions_by_type"][t]["contacts"] > 0 for t in TYPES)
    assert expected["satisfaction"]["answers"] > 0
    assert expected["minors"] > expected["remobilised_minors"]   # minors who never said more
    assert report["period"] == {"from": "2025-03-30", "to": "2026-10-25"}
    assert_figures(report, expected, "region")

    rows = report["mission_locale"]
    seen = set(homes(events, START, END, action_ml).values())
    assert set(rows) >= seen and NON_ATTRIBUE in rows and len(seen) > 20
    assert rows[NON_ATTRIBUE]["name"] == "Non attribué"
    for ml_id in rows:
        assert_figures(rows[ml_id], reference(events, START, END, ml_id, types, action_ml), ml_id)


async def test_rows_add_up_to_the_region(records, dataset):
    report = await build_report(records, START, END, None, dataset.actions)
    rows = report["mission_locale"].values()
    assert report["mission_locale"][NON_ATTRIBUE]["jeunes"] > 0
    for key in ADDITIVE:
        assert sum(r[key] for r in rows) == report[key], key
    for part in ("total", "after_raccrochage", "without_raccrochage"):
        for o in OUTCOMES:
            assert sum(r["outcomes"][part][o] for r in rows) == report["outcomes"][part][o]
    for side in ("after_raccrochage", "without_raccrochage"):
        for s in ("jeunes",) + STEPS:
            assert sum(r["paths"][side][s] for r in rows) == report["paths"][side][s]
    for t in TYPES:
        for k in ("contacts",):
            assert sum(r["actions_by_type"][t][k] for r in rows) == report["actions_by_type"][t][k]
    for q in ("answers",) + QUESTIONS:
        assert sum(r["satisfaction"][q] for r in rows) == report["satisfaction"][q]


async def test_renamed_and_removed_actions_keep_their_figures(records, dataset):
    """The events carry their action's type: a later config changes no past figure, and an
    action gone from the config keeps its name (the actions history)."""
    events, actions = dataset.events, dataset.actions
    types, action_ml = _types(actions)
    before = await build_report(records, START, END, None, actions)
    today = changed_config(actions)
    assert len(today.actions) < len(actions.actions) * 0.7
    after = await build_report(records, START, END, None, today)
    assert after["actions_by_type"] == before["actions_by_type"]
    assert after == {**before, "actions": after["actions"]}
    assert set(after["actions"]) == set(before["actions"])
    gone = next(a for a in actions.actions if a.id not in today.by_id and a.id in after["actions"])
    assert after["actions"][gone.id]["title"] == gone.title
    assert after["actions"][gone.id]["type"] == gone.type
    for ml_id, row in after["mission_locale"].items():
        assert_figures(row, reference(events, START, END, ml_id, types, action_ml), ml_id)


async def test_old_rows_without_a_type_read_it_from_the_actions_history(records):
    """Events written before they carried their action's type: the history knows it, even once
    the action is gone from the config."""
    actions = load_actions(ROOT / "config" / "actions.yml", ML_IDS)
    at = datetime(2026, 4, 1, 21, 0, tzinfo=PARIS)
    await build_report(records, date(2026, 4, 1), date(2026, 4, 1), None, actions)  # remembers
    await records.add_events([
        ev(at, "x", "contact", ml=None, action_id="maraude-perigueux"),
        ev(at, "y", "raccrochage_registered", action_id="ateliers-reprise-perigueux"),
    ])
    today = ActionsConfig([a for a in actions.actions
                           if a.id not in ("maraude-perigueux", "ateliers-reprise-perigueux")])
    r = await build_report(records, date(2026, 4, 1), date(2026, 4, 1), None, today)
    assert r["actions_by_type"]["extra-muros"] == {"actions": 1, "contacts": 1, "jeunes": 1}
    assert r["actions_by_type"]["raccrochage"] == {"actions": 1, "contacts": 1, "jeunes": 1}
    assert r["actions"]["maraude-perigueux"]["title"] == actions.by_id["maraude-perigueux"].title
    # x came from the maraude's QR code and gave no commune: the maraude's Mission Locale
    assert r["mission_locale"]["ml-grand-perigueux"]["jeunes"] == 1
    assert r["mission_locale"]["ml-pau"]["jeunes"] == 1       # y said Pau
    assert NON_ATTRIBUE not in r["mission_locale"]     # nobody: no row (none asked by name)


async def test_one_ml_report_is_that_ml_block(records, dataset):
    region = await build_report(records, START, END, None, dataset.actions)
    bordeaux = await build_report(records, START, END, "ml-bordeaux", dataset.actions)
    assert bordeaux["scope"] == "ml-bordeaux"
    assert list(bordeaux["mission_locale"]) == ["ml-bordeaux"]
    types, action_ml = _types(dataset.actions)
    expected = reference(dataset.events, START, END, "ml-bordeaux", types, action_ml)
    assert expected["jeunes"] > 0
    assert_figures(bordeaux, expected, "ml-bordeaux")
    assert_figures(region["mission_locale"]["ml-bordeaux"], expected, "region block")
    nobody = await build_report(records, START, END, NON_ATTRIBUE, dataset.actions)
    assert_figures(nobody, reference(dataset.events, START, END, NON_ATTRIBUE, types, action_ml),
                   NON_ATTRIBUE)


async def test_erasure_does_not_change_the_figures(records, dataset):
    before = await build_report(records, START, END, None, dataset.actions)
    counts = defaultdict(int)
    for e in dataset.events:
        if e.kind == "raccrochage_registered" and START <= paris_day(e) <= END:
            counts[e.jeune_id] += 1
    # Jeunes who count in many figures: repérés, registered on raccrochage.
    chosen = sorted(counts, key=lambda j: (-counts[j], j))[:5]
    assert chosen
    for jeune in chosen:
        anon = await records.forget(jeune)
        assert anon != jeune
        assert await records.list_events(jeune_id=jeune) == []
        assert await records.list_events(jeune_id=anon)
    after = await build_report(records, START, END, None, dataset.actions)
    assert after == before


async def test_heatmap_places_contacts_in_paris_hours(records, dataset):
    report, extra = await build_report_and_charts(records, START, END, None, dataset.actions)
    grid = [[0] * 24 for _ in range(7)]
    for e in dataset.events:
        if e.kind == "contact" and START <= paris_day(e) <= END:
            local = e.at.astimezone(PARIS)
            grid[local.weekday()][local.hour] += 1
    assert extra["heatmap"] == grid
    assert sum(map(sum, grid)) == report["contacts"] > 0
    # Night-heavy: 21h has more contacts than 5h.
    assert sum(row[21] for row in grid) > sum(row[5] for row in grid)
    funnel = {step["step"]: step["jeunes"] for step in extra["funnel"]}
    sel = [e for e in dataset.events if START <= paris_day(e) <= END]
    for kind in ("contact", "reperage", "rdv_booked", "raccrochage_registered", "outcome"):
        assert funnel[kind] == len({e.jeune_id for e in sel if e.kind == kind}), kind
    months = defaultdict(set)
    for e in sel:
        if e.kind == "reperage" and e.cohort in ("repere", "reactive"):
            months[e.at.astimezone(PARIS).strftime("%Y-%m")].add(e.jeune_id)
    assert {m: sum(v.values()) for m, v in extra["remobilised_by_month"].items()} == {
        m: len(j) for m, j in months.items()}


async def test_previous_period_beside(records, dataset):
    report = await build_report(records, date(2026, 1, 1), date(2026, 6, 30), None, dataset.actions)
    prev = report["previous"]
    assert prev["period"] == {"from": "2025-07-01", "to": "2025-12-31"}
    types, action_ml = _types(dataset.actions)
    expected = reference(dataset.events, date(2025, 7, 1), date(2025, 12, 31), None, types,
                         action_ml)
    assert expected["jeunes"] > 0
    for key, value in expected.items():
        assert prev[key] == value, key
    year = await build_report(records, date(2026, 1, 1), date(2026, 12, 31), None, dataset.actions)
    assert year["previous"]["period"] == {"from": "2025-01-01", "to": "2025-12-31"}


async def test_csv_for_french_excel_and_xlsx(records, dataset):
    from openpyxl import load_workbook
    report = await build_report(records, START, END, None, dataset.actions)
    assert json.loads(render_json(report)) == report
    text = render_csv(report)
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert list(rows[0].keys()) == CSV_COLUMNS
    assert CSV_COLUMNS[:4] == ["scope", "name", "from", "to"]
    assert [r["scope"] for r in rows] == list(report["mission_locale"]) + ["region"]
    region = rows[-1]
    assert int(region["jeunes"]) == report["jeunes"]
    assert "," in region["minors_share"] and "." not in region["minors_share"]
    assert float(region["minors_share"].replace(",", ".")) == report["minors_share"]
    assert int(region["extra_muros_contacts"]) == report["actions_by_type"]["extra-muros"]["contacts"]
    assert int(region["outcome_entree_cej"]) == report["outcomes"]["total"]["entree_cej"]
    bordeaux = next(r for r in rows if r["scope"] == "ml-bordeaux")
    assert bordeaux["name"] == report["mission_locale"]["ml-bordeaux"]["name"]
    one = await build_report(records, START, END, "ml-pau", dataset.actions)
    assert [r["scope"] for r in csv.DictReader(
        io.StringIO(render_csv(one).removeprefix("\ufeff")), delimiter=";")] == ["ml-pau"]

    book = load_workbook(io.BytesIO(render_xlsx(report)))
    sheet = book["Chiffres"]
    ids = [c.value for c in sheet[2]]
    assert ids == CSV_COLUMNS and sheet["B1"].value == "Mission Locale"
    last = {k: c.value for k, c in zip(ids, sheet[sheet.max_row])}
    assert last["scope"] == "region" and last["jeunes"] == report["jeunes"]
    assert last["minors_share"] == report["minors_share"]
    assert sheet.max_row == 2 + len(report["mission_locale"]) + 1
    actions_sheet = book["Actions"]
    assert actions_sheet.max_row == 1 + len(report["actions"])


# Small stories computed by hand. ------------------------------------------------------------

def ev(at: datetime, jeune: str, kind: str, ml: str | None = "ml-pau", cohort=None, minor=None,
       ooh=False, action_id=None, action_type=None, action_ml=None, **data) -> Event:
    # Stored in UTC (SQLite keeps the wall-clock digits of whatever it is given).
    return Event(at=as_utc(at), channel="telegram", jeune_id=jeune, kind=kind, mission_locale=ml,
                 cohort=cohort, minor=minor, out_of_hours=ooh, action_id=action_id,
                 action_type=action_type, action_ml=action_ml, data=data)


@pytest.fixture
def actions() -> ActionsConfig:
    return load_actions(ROOT / "config" / "actions.yml", ML_IDS)


async def test_hand_computed_story(records, actions):
    p = lambda *a: datetime(*a, tzinfo=PARIS)  # noqa: E731
    await records.add_events([
        # Before the period (28 March 23:59 Paris): not counted.
        ev(p(2026, 3, 28, 23, 59), "a", "contact", ooh=True),
        # Ana: repérée, minor, then corrected to réactivée; registers on raccrochage, then an outcome.
        ev(p(2026, 3, 29, 0, 30), "a", "contact", ml=None, ooh=True,
           action_id="arml-dimanche-soir"),
        ev(p(2026, 3, 29, 0, 35), "a", "reperage", cohort="repere", minor=True, situation="x"),
        ev(p(2026, 3, 30, 20, 0), "a", "reperage", cohort="reactive", minor=True),
        ev(p(2026, 3, 30, 20, 5), "a", "raccrochage_registered", cohort="reactive", minor=True,
           action_id="atelier-permis-limoges"),
        ev(p(2026, 3, 31, 10, 0), "a", "outcome", cohort="reactive", minor=True, outcome="emploi"),
        # Bruno: repéré, adult, in Pau; an rdv and an outcome without raccrochage; a crisis.
        ev(p(2026, 3, 30, 23, 0), "b", "contact", ooh=True, action_id="live-tiktok-pau", source="live-pau"),
        ev(p(2026, 3, 30, 23, 1), "b", "reperage", cohort="repere", minor=False),
        ev(p(2026, 3, 30, 23, 2), "b", "rdv_booked", cohort="repere", minor=False),
        ev(p(2026, 3, 30, 23, 3), "b", "crisis", cohort="repere", minor=False, category="danger"),
        ev(p(2026, 3, 30, 23, 4), "b", "handoff", cohort="repere", minor=False),
        ev(p(2026, 4, 2, 9, 0), "b", "outcome", cohort="repere", minor=False, outcome="rdv_pris"),
        # Chloé: followed (suivi), in hours; outcome before registering (so: without).
        ev(p(2026, 4, 1, 10, 0), "c", "contact", ooh=False),
        ev(p(2026, 4, 1, 10, 1), "c", "reperage", cohort="suivi", minor=False),
        ev(p(2026, 4, 1, 10, 2), "c", "outcome", cohort="suivi", minor=False, outcome="oriente"),
        ev(p(2026, 4, 1, 10, 3), "c", "raccrochage_registered", cohort="suivi", minor=False,
           action_id="atelier-permis-limoges"),
        ev(p(2026, 4, 2, 18, 0), "c", "raccrochage_avis", cohort="suivi", minor=False,
           action_id="atelier-permis-limoges", aide_connue="oui", envie_continuer="non",
           recontact="oui"),
        # Dan: never says his cohort nor his commune; 16 (a minor).
        ev(p(2026, 4, 5, 3, 0), "d", "contact", ml=None, ooh=True, cohort="inconnu", minor=True),
        # A weekly post: not a jeune.
        ev(p(2026, 4, 3, 12, 0), "system:posts", "post_published", action_id="live-tiktok-pau"),
        # After the period (6 April 00:00 Paris): not counted.
        ev(p(2026, 4, 6, 0, 0), "e", "contact", ooh=True),
    ])
    r = await build_report(records, date(2026, 3, 29), date(2026, 4, 5), None, actions,
                           missions_locales={"ml-pau": "Mission Locale des Pyrénées"})
    assert r["jeunes"] == 4
    assert (r["repere"], r["reactive"], r["suivi"]) == (1, 1, 1)
    assert r["minors_share"] == 0.5          # Ana of Ana and Bruno
    assert (r["minors"], r["ages_known"]) == (2, 4)   # Ana and Dan
    assert (r["repere_minors"], r["reactive_minors"]) == (0, 1)
    assert r["raccrochage_rate"] == 0.5      # Ana registered, Bruno did not (Chloé is suivie)
    assert r["contacts_out_of_hours"] == 3   # Ana, Bruno, Dan
    assert (r["rdv_booked"], r["handoffs"], r["crises"]) == (1, 1, 1)
    assert r["actions_by_type"] == {
        "temps-additionnel": {"actions": 1, "contacts": 1, "jeunes": 1},
        "extra-muros": {"actions": 1, "contacts": 1, "jeunes": 1},
        "raccrochage": {"actions": 1, "contacts": 2, "jeunes": 2},
    }
    assert r["outcomes"]["after_raccrochage"] == {**dict.fromkeys(OUTCOMES, 0), "emploi": 1}
    assert r["outcomes"]["without_raccrochage"] == {
        **dict.fromkeys(OUTCOMES, 0), "rdv_pris": 1, "oriente": 1}
    assert r["paths"]["after_raccrochage"] == {"jeunes": 2, **dict.fromkeys(STEPS, 0), "emploi": 1}
    assert r["paths"]["without_raccrochage"] == {"jeunes": 2, **dict.fromkeys(STEPS, 0), "rdv": 1}
    assert r["satisfaction"] == {"answers": 1, "aide_connue": 1, "envie_continuer": 0,
                                 "recontact": 1}
    # Ana's first contact had no ML: she is Pau's (her latest events), all her events with her.
    pau = r["mission_locale"]["ml-pau"]
    assert pau["name"] == "Mission Locale des Pyrénées"
    assert pau["jeunes"] == 3 and pau["contacts_out_of_hours"] == 2 and pau["contacts"] == 3
    nobody = r["mission_locale"][NON_ATTRIBUE]
    assert nobody["jeunes"] == 1 and nobody["minors"] == 1 and nobody["contacts"] == 1
    assert set(r["mission_locale"]) == {"ml-pau", NON_ATTRIBUE}
    assert r["actions"]["live-tiktok-pau"]["remobilised"] == 1
    assert r["previous"]["period"] == {"from": "2026-03-21", "to": "2026-03-28"}
    assert r["previous"]["jeunes"] == 1 and r["previous"]["contacts_out_of_hours"] == 1
    quiet = await build_report(records, date(2026, 3, 29), date(2026, 4, 5), "ml-creuse", actions)
    assert quiet["jeunes"] == 0 and list(quiet["mission_locale"]) == ["ml-creuse"]
    assert quiet["mission_locale"]["ml-creuse"]["jeunes"] == 0
    assert len(render_csv(quiet).splitlines()) == 2
    empty = await build_report(records, date(2027, 1, 1), date(2027, 1, 31), None, actions)
    assert empty["jeunes"] == 0 and empty["minors_share"] == 0.0 and empty["raccrochage_rate"] == 0.0


async def test_bad_period_is_a_clear_error(records, actions):
    with pytest.raises(ValueError, match="before the start date"):
        await build_report(records, date(2026, 4, 5), date(2026, 4, 1), None, actions)


async def test_export_is_pseudonymous(records, actions):
    at = datetime(2026, 4, 1, 21, 0, tzinfo=PARIS)
    await records.add_events([
        ev(at, "h-3f9a", "faq", topic="cej", first_name="Lola", phone="0612345678"),
        ev(at, "h-3f9a", "contact", ooh=True, action_id="live-tiktok-pau", source="live-pau",
           action_type="extra-muros", action_ml="ml-pau"),
    ])
    text = await export_events_csv(records, date(2026, 4, 1), date(2026, 4, 1))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    assert "Lola" not in text and "0612345678" not in text
    assert rows[0]["topic"] == "cej" and rows[0]["jeune_id"] == "h-3f9a"
    assert rows[1]["out_of_hours"] == "1" and rows[1]["source"] == "live-pau"
    assert rows[1]["action_type"] == "extra-muros" and rows[1]["action_ml"] == "ml-pau"
    assert rows[0]["at_paris"].startswith("2026-04-01T21:00:00+02:00")
    assert rows[0]["at_utc"].startswith("2026-04-01T19:00:00+00:00")



