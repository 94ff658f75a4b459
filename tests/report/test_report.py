"""The programme's figures, checked against figures computed here independently, on SQLite and
PostgreSQL; erasure does not change them; Paris days bound the period."""
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
    CSV_COLUMNS, build_report, build_report_and_charts, export_events_csv, render_csv, render_json,
)
from bot.stores.records import Event
from tests.conftest import ROOT
from tests.reperage.test_actions_config import ML_IDS

UTC = timezone.utc
TYPES = ("temps-additionnel", "extra-muros", "raccrochage")
OUTCOMES = ("rdv_pris", "oriente", "entree_cej", "entree_pacea", "emploi", "formation",
            "service_civique", "sans_suite")


# An independent reference: whole-list comprehensions, per jeune, no running state. ------------

def paris_day(e: Event) -> date:
    return e.at.astimezone(PARIS).date()


def reference(events: list[Event], start: date, end: date, ml: str | None,
              actions: ActionsConfig) -> dict:
    sel = [e for e in events if start <= paris_day(e) <= end
           and (ml is None or e.mission_locale == ml)]
    theirs = [e for e in sel if e.kind != "post_published"]
    per_jeune: dict[str, list[Event]] = defaultdict(list)
    for e in theirs:
        per_jeune[e.jeune_id].append(e)
    final = {}
    for j, evs in per_jeune.items():
        known = [e for e in evs if e.cohort in ("repere", "reactive", "suivi")]
        if known:
            last = max(known, key=lambda e: e.at)
            final[j] = (last.cohort, bool(last.minor))
    remob = [j for j, (c, _m) in final.items() if c in ("repere", "reactive")]
    registered = {e.jeune_id for e in theirs if e.kind == "raccrochage_registered"}

    def share(a, b):
        return round(a / b, 3) if b else 0.0

    by_type = {}
    for t in TYPES:
        keyed = [e for e in theirs if e.action_id and actions.by_id[e.action_id].type == t]
        by_type[t] = {
            "actions": len({e.action_id for e in keyed}),
            "contacts": len([e for e in keyed if e.kind in ("contact", "raccrochage_registered")]),
            "jeunes": len({e.jeune_id for e in keyed}),
        }
    outcome_events = [e for e in theirs if e.kind == "outcome"]

    def after(o: Event) -> bool:
        return any(r.kind == "raccrochage_registered" and r.at < o.at for r in per_jeune[o.jeune_id])

    def tally(items):
        return {name: len([e for e in items if e.data["outcome"] == name]) for name in OUTCOMES}

    return {
        "jeunes": len(per_jeune),
        "repere": len([1 for c, _m in final.values() if c == "repere"]),
        "reactive": len([1 for c, _m in final.values() if c == "reactive"]),
        "minors_share": share(len([j for j in remob if final[j][1]]), len(remob)),
        "contacts_out_of_hours": len([e for e in sel if e.kind == "contact" and e.out_of_hours]),
        "actions_by_type": by_type,
        "raccrochage_rate": share(len([j for j in remob if j in registered]), len(remob)),
        "rdv_booked": len([e for e in sel if e.kind == "rdv_booked"]),
        "handoffs": len([e for e in sel if e.kind == "handoff"]),
        "crises": len([e for e in sel if e.kind == "crisis"]),
        "outcomes": {
            "total": tally(outcome_events),
            "after_raccrochage": tally([o for o in outcome_events if after(o)]),
            "without_raccrochage": tally([o for o in outcome_events if not after(o)]),
        },
    }


def assert_figures(got: dict, expected: dict, where: str) -> None:
    for key, value in expected.items():
        assert got[key] == value, f"{where}: {key}: {got[key]!r} != {value!r}"


START, END = date(2025, 3, 30), date(2026, 10, 25)  # both DST-change Sundays


@pytest.fixture
async def dataset(records):
    return await generate(records, seed=7, n_events=4000)


async def test_report_equals_independent_figures(records, dataset):
    events, actions = dataset.events, dataset.actions
    report = await build_report(records, START, END, None, actions)
    expected = reference(events, START, END, None, actions)
    # The dataset exercises every figure (otherwise equality would prove little).
    assert expected["repere"] > 50 and expected["reactive"] > 20
    assert 0.1 < expected["minors_share"] < 0.4
    assert expected["raccrochage_rate"] > 0 and expected["crises"] > 0
    assert sum(expected["outcomes"]["after_raccrochage"].values()) > 0
    assert all(expected["actions_by_type"][t]["contacts"] > 0 for t in TYPES)
    assert report["period"] == {"from": "2025-03-30", "to": "2026-10-25"}
    assert_figures(report, expected, "region")

    ml_ids = sorted({e.mission_locale for e in events
                     if e.mission_locale and START <= paris_day(e) <= END})
    assert list(report["mission_locale"]) == ml_ids
    assert len(ml_ids) > 20
    for ml_id in ml_ids:
        assert_figures(report["mission_locale"][ml_id],
                       reference(events, START, END, ml_id, actions), ml_id)


async def test_one_ml_report_is_that_ml_block(records, dataset):
    region = await build_report(records, START, END, None, dataset.actions)
    bordeaux = await build_report(records, START, END, "ml-bordeaux", dataset.actions)
    assert bordeaux["scope"] == "ml-bordeaux"
    assert list(bordeaux["mission_locale"]) == ["ml-bordeaux"]
    expected = reference(dataset.events, START, END, "ml-bordeaux", dataset.actions)
    assert expected["jeunes"] > 0
    assert_figures(bordeaux, expected, "ml-bordeaux")
    assert_figures(region["mission_locale"]["ml-bordeaux"], expected, "region block")


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


async def test_csv_and_json(records, dataset):
    report = await build_report(records, START, END, None, dataset.actions)
    assert json.loads(render_json(report)) == report
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert rows[0].keys() == set(CSV_COLUMNS)
    assert CSV_COLUMNS[:17] == [
        "scope", "from", "to", "jeunes", "repere", "reactive", "suivi", "minors_share", "contacts",
        "contacts_out_of_hours", "rdv_booked", "rdv_cancelled", "rdv_moved", "handoffs", "crises",
        "raccrochage_registered", "raccrochage_rate"]
    assert [r["scope"] for r in rows] == list(report["mission_locale"]) + ["region"]
    region = rows[-1]
    assert int(region["jeunes"]) == report["jeunes"]
    assert float(region["minors_share"]) == report["minors_share"]
    assert int(region["extra_muros_contacts"]) == report["actions_by_type"]["extra-muros"]["contacts"]
    assert int(region["outcome_entree_cej"]) == report["outcomes"]["total"]["entree_cej"]
    one = await build_report(records, START, END, "ml-pau", dataset.actions)
    assert [r["scope"] for r in csv.DictReader(io.StringIO(render_csv(one)))] == ["ml-pau"]


# A small story computed by hand. ------------------------------------------------------------

def ev(at: datetime, jeune: str, kind: str, ml: str | None = "ml-pau", cohort=None, minor=None,
       ooh=False, action_id=None, **data) -> Event:
    # Stored in UTC (SQLite keeps the wall-clock digits of whatever it is given).
    return Event(at=as_utc(at), channel="telegram", jeune_id=jeune, kind=kind, mission_locale=ml,
                 cohort=cohort, minor=minor, out_of_hours=ooh, action_id=action_id, data=data)


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
        # Dan: never says his cohort.
        ev(p(2026, 4, 5, 3, 0), "d", "contact", ml=None, ooh=True, cohort="inconnu"),
        # A weekly post: not a jeune.
        ev(p(2026, 4, 3, 12, 0), "system:posts", "post_published", action_id="live-tiktok-pau"),
        # After the period (6 April 00:00 Paris): not counted.
        ev(p(2026, 4, 6, 0, 0), "e", "contact", ooh=True),
    ])
    r = await build_report(records, date(2026, 3, 29), date(2026, 4, 5), None, actions)
    assert r["jeunes"] == 4
    assert (r["repere"], r["reactive"], r["suivi"]) == (1, 1, 1)
    assert r["minors_share"] == 0.5          # Ana of Ana and Bruno
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
    # Ana's first contact had no ML: the region counts her, Pau counts her from her repérage on.
    assert list(r["mission_locale"]) == ["ml-pau"]
    assert r["mission_locale"]["ml-pau"]["jeunes"] == 3
    assert r["mission_locale"]["ml-pau"]["contacts_out_of_hours"] == 1
    assert r["actions"]["live-tiktok-pau"]["remobilised"] == 1
    # The day before, only the contact of 28 March.
    before = await build_report(records, date(2026, 3, 28), date(2026, 3, 28), None, actions)
    assert before["jeunes"] == 1 and before["contacts_out_of_hours"] == 1
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
        ev(at, "h-3f9a", "contact", ooh=True, action_id="live-tiktok-pau", source="live-pau"),
    ])
    text = await export_events_csv(records, date(2026, 4, 1), date(2026, 4, 1))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    assert "Lola" not in text and "0612345678" not in text
    assert rows[0]["topic"] == "cej" and rows[0]["jeune_id"] == "h-3f9a"
    assert rows[1]["out_of_hours"] == "1" and rows[1]["source"] == "live-pau"
    assert rows[0]["at_paris"].startswith("2026-04-01T21:00:00+02:00")
    assert rows[0]["at_utc"].startswith("2026-04-01T19:00:00+00:00")
