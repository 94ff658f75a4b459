"""Targets of config/report.yml: validated with `file:line: message`; progress in the report."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.clock import PARIS, as_utc
from bot.report.figures import build_report
from bot.report.targets import load_report_config
from bot.reperage.actions_config import ActionsConfig
from bot.stores.records import Event
from bot.yamlconf import ConfigError



def test_shipped_targets_are_valid():
    from tests.support import full_config
    assert full_config().extra["report"].for_scope("ml-pau", 2026)["remobilised"] > 0


def test_bad_targets_name_their_line(tmp_path):
    path = tmp_path / "report.yml"
    path.write_text("targets:\n"
                    "  - mission_locale: ml-nulle-part\n"
                    "    year: 2026\n"
                    "    remobilised: 10\n"
                    "  - mission_locale: ml-pau\n"
                    "    year: 2026\n"
                    "    remobilized: 10\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_report_config(path, ["ml-pau"])
    text = "\n".join(err.value.problems)
    assert f"{path}:7:" in text and "remobilized" in text
    path.write_text("targets:\n"
                    "  - mission_locale: ml-nulle-part\n"
                    "    year: 2026\n"
                    "    remobilised: 10\n"
                    "  - mission_locale: ml-pau\n"
                    "    year: 2026\n"
                    "  - mission_locale: ml-pau\n"
                    "    year: 2026\n"
                    "    repere: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_report_config(path, ["ml-pau"])
    problems = err.value.problems
    assert any(p.startswith(f"{path}:2:") and "ml-nulle-part" in p for p in problems)
    assert any(p.startswith(f"{path}:5:") and "no target" in p for p in problems)
    assert any(p.startswith(f"{path}:8:") and "already has" in p for p in problems)


async def test_progress_against_a_target(records, tmp_path):
    path = tmp_path / "report.yml"
    path.write_text("targets:\n  - mission_locale: ml-pau\n    year: 2026\n    remobilised: 4\n"
                    "  - mission_locale: region\n    year: 2026\n    jeunes: 10\n",
                    encoding="utf-8")
    targets = load_report_config(path, ["ml-pau"])
    at = as_utc(datetime(2026, 3, 2, 21, 0, tzinfo=PARIS))
    await records.add_events([Event(at=at, channel="web", jeune_id=f"j{i}", kind="reperage",
                                    mission_locale="ml-pau", cohort="repere", minor=False)
                              for i in range(3)])
    r = await build_report(records, date(2026, 1, 1), date(2026, 12, 31), None, ActionsConfig([]),
                           {"ml-pau": "Pau"}, targets)
    assert r["mission_locale"]["ml-pau"]["targets"] == {
        "remobilised": {"target": 4, "value": 3, "share": 0.75, "year": 2026}}
    assert r["targets"] == {"jeunes": {"target": 10, "value": 3, "share": 0.3, "year": 2026}}

