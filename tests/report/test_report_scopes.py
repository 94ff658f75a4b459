"""The report of one Mission Locale (and of `non-attribue`), on SQLite and PostgreSQL: for every
row of the region, the scoped report equals a recount from the events of that row's jeunes — its
figures, its previous period, its actions table and its charts — equals the region's block, and
all the scoped reports add up to the region."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime

import pytest

from benchmarks.dataset import generate
from bot.clock import PARIS
from bot.reperage.actions_config import ActionsConfig, load_actions
from bot.report.figures import NON_ATTRIBUE, build_report, build_report_and_charts, previous_period
from tests.conftest import ROOT
from tests.report.test_report import (
    ADDITIVE, END, START, _types, assert_figures, ev, homes, paris_day, reference,
)
from tests.reperage.test_actions_config import ML_IDS

NOBODY = "ml-sans-personne"   # a Mission Locale asked by name that no jeune belongs to
FUNNEL_KINDS = ("contact", "reperage", "rdv_booked", "raccrochage_registered", "outcome")


@pytest.fixture
async def dataset(records):
    return await generate(records, seed=11, n_events=3000)


def theirs(events, start, end, scope, action_ml):
    home = homes(events, start, end, action_ml)
    return [e for e in events if start <= paris_day(e) <= end and e.kind != "post_published"
            and home[e.jeune_id] == scope]


def charts(events: list) -> dict:
    """The charts of a scope, recounted from its jeunes' events of the period."""
    grid = [[0] * 24 for _ in range(7)]
    for e in events:
        if e.kind == "contact":
            local = e.at.astimezone(PARIS)
            grid[local.weekday()][local.hour] += 1
    months = defaultdict(set)
    for e in events:
        if e.kind == "reperage" and e.cohort in ("repere", "reactive"):
            months[e.at.astimezone(PARIS).strftime("%Y-%m")].add(e.jeune_id)
    return {
        "heatmap": grid,
        "funnel": {k: len({e.jeune_id for e in events if e.kind == k}) for k in FUNNEL_KINDS},
        "months": {m: len(js) for m, js in months.items()},
        "crisis": Counter(e.data.get("category") or "autre" for e in events if e.kind == "crisis"),
    }


def actions_table(events: list, actions: ActionsConfig) -> dict:
    """What each action brought in a scope: its events' contacts, its jeunes, and among them the
    repérés or réactivés (latest known cohort), those with an rdv, those registered."""
    per = defaultdict(list)
    for e in events:
        per[e.jeune_id].append(e)
    cohort = {j: [e.cohort for e in evs if e.cohort in ("repere", "reactive", "suivi")][-1]
              for j, evs in per.items() if any(e.cohort in ("repere", "reactive", "suivi")
                                                for e in evs)}
    rdv = {e.jeune_id for e in events if e.kind == "rdv_booked"}
    registered = {e.jeune_id for e in events if e.kind == "raccrochage_registered"}
    out = {}
    for action_id in sorted({e.action_id for e in events if e.action_id}):
        keyed = [e for e in events if e.action_id == action_id]
        jeunes = {e.jeune_id for e in keyed}
        a = actions.by_id[action_id]
        out[action_id] = {
            "type": a.type, "title": a.title, "mission_locale": a.mission_locale,
            "contacts": len([e for e in keyed
                             if e.kind in ("contact", "raccrochage_registered")]),
            "jeunes": len(jeunes),
            "remobilised": len([j for j in jeunes if cohort.get(j) in ("repere", "reactive")]),
            "rdv_booked": len(jeunes & rdv),
            "raccrochage_registered": len(jeunes & registered),
        }
    return out


async def test_every_scope_equals_its_recount_and_the_scopes_add_up(records, dataset):
    events, actions = dataset.events, dataset.actions
    types, action_ml = _types(actions)
    region, region_charts = await build_report_and_charts(records, START, END, None, actions)
    scopes = sorted(set(homes(events, START, END, action_ml).values()))
    assert NON_ATTRIBUE in scopes and len(scopes) > 20
    p_start, p_end = previous_period(START, END)
    assert reference(events, p_start, p_end, None, types, action_ml)["jeunes"] > 0
    total, heat, funnel = Counter(), [[0] * 24 for _ in range(7)], Counter()
    months, crisis, by_action = Counter(), Counter(), defaultdict(Counter)
    for scope in scopes + [NOBODY]:
        report, extra = await build_report_and_charts(records, START, END, scope, actions)
        mine = theirs(events, START, END, scope, action_ml)
        assert (len({e.jeune_id for e in mine}) > 0) == (scope != NOBODY)
        assert report["scope"] == scope and list(report["mission_locale"]) == [scope]
        expected = reference(events, START, END, scope, types, action_ml)
        assert_figures(report, expected, scope)
        assert_figures(report["mission_locale"][scope], expected, f"{scope} block")
        if scope != NOBODY:   # the region's row is the scoped report's
            assert report["mission_locale"][scope] == region["mission_locale"][scope], scope
        prev = reference(events, p_start, p_end, scope, types, action_ml)
        assert {k: report["previous"][k] for k in prev} == prev, f"{scope}: previous"
        assert report["actions"] == actions_table(mine, actions), f"{scope}: actions"
        recount = charts(mine)
        assert extra["heatmap"] == recount["heatmap"], f"{scope}: heatmap"
        assert {s["step"]: s["jeunes"] for s in extra["funnel"]} == recount["funnel"], scope
        assert {m: sum(v.values()) for m, v in extra["remobilised_by_month"].items()} == \
            recount["months"], f"{scope}: months"
        assert set(k for v in extra["remobilised_by_month"].values() for k in v) <= {scope}
        assert Counter(extra["crisis_categories"]) == recount["crisis"], f"{scope}: crises"
        # adding up
        total.update({k: report[k] for k in ADDITIVE})
        for d, row in enumerate(extra["heatmap"]):
            for h, n in enumerate(row):
                heat[d][h] += n
        funnel.update({s["step"]: s["jeunes"] for s in extra["funnel"]})
        months.update({m: sum(v.values()) for m, v in extra["remobilised_by_month"].items()})
        crisis.update(extra["crisis_categories"])
        for action_id, a in report["actions"].items():
            by_action[action_id].update({k: v for k, v in a.items() if isinstance(v, int)})
    assert total == Counter({k: region[k] for k in ADDITIVE})
    assert heat == region_charts["heatmap"] and sum(map(sum, heat)) == region["contacts"]
    assert funnel == Counter({s["step"]: s["jeunes"] for s in region_charts["funnel"]})
    assert months == Counter({m: sum(v.values())
                              for m, v in region_charts["remobilised_by_month"].items()})
    assert crisis == Counter(region_charts["crisis_categories"])
    assert by_action == {k: Counter({n: v for n, v in a.items() if isinstance(v, int)})
                         for k, a in region["actions"].items()}


@pytest.fixture
def config() -> ActionsConfig:
    return load_actions(ROOT / "config" / "actions.yml", ML_IDS)


async def test_old_rows_home_is_the_latest_action_that_has_a_mission_locale(records, config):
    """Events written before they carried their action: a jeune who never gave a commune met the
    Périgueux maraude, then wrote during the network's Sunday evening (an action of no Mission
    Locale): Périgueux's jeune, as with the events of today."""
    at = datetime(2026, 4, 5, 21, 0, tzinfo=PARIS)
    day = date(2026, 4, 5)
    await build_report(records, day, day, None, config)          # the actions history
    await records.add_events([
        ev(at, "old", "contact", ml=None, action_id="maraude-perigueux"),
        ev(at.replace(minute=30), "old", "contact", ml=None, action_id="arml-dimanche-soir"),
        ev(at, "new", "contact", ml=None, action_id="maraude-perigueux",
           action_type="extra-muros", action_ml="ml-grand-perigueux"),
        ev(at.replace(minute=30), "new", "contact", ml=None, action_id="arml-dimanche-soir",
           action_type="temps-additionnel"),
        ev(at, "arml", "contact", ml=None, action_id="arml-dimanche-soir"),
    ])
    report = await build_report(records, day, day, None, config)
    rows = report["mission_locale"]
    assert set(rows) == {"ml-grand-perigueux", NON_ATTRIBUE}
    assert rows["ml-grand-perigueux"]["jeunes"] == 2 and rows["ml-grand-perigueux"]["contacts"] == 4
    assert rows[NON_ATTRIBUE]["jeunes"] == 1
    scoped = await build_report(records, day, day, "ml-grand-perigueux", config)
    assert scoped["jeunes"] == 2
    assert (await build_report(records, day, day, NON_ATTRIBUE, config))["jeunes"] == 1
