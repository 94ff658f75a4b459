"""config/actions.yml: the shipped file is valid, and every mistake is reported as file:line."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.reperage.actions_config import load_actions
from bot.yamlconf import ConfigError

ML_IDS = [
    "ml-grand-perigueux", "ml-bordeaux", "ml-poitiers", "ml-limoges", "ml-pau", "ml-la-rochelle",
    "ml-angouleme", "ml-niort", "ml-agen", "ml-landes", "ml-pays-basque", "ml-creuse",
    "ml-bergerac", "ml-libournais",
]


def problems_of(tmp_path, text: str, ml_ids=ML_IDS) -> list[str]:
    path = tmp_path / "actions.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_actions(path, ml_ids)
    return info.value.problems


def test_shipped_actions_load(config_dir):
    config = load_actions(config_dir / "actions.yml", ML_IDS)
    types = {a.type for a in config.actions}
    assert types == {"temps-additionnel", "extra-muros", "raccrochage"}
    # The must-show transcript: Périgueux has an evening window holding Tuesday 22:30 ...
    evening = [a for a in config.for_ml("ml-grand-perigueux") if a.type == "temps-additionnel"]
    assert any(a.window_holding(datetime(2026, 11, 24, 22, 30)) for a in evening)
    # ... and a coded extra-muros action.
    assert config.by_code["maraude-perigueux"].type == "extra-muros"
    assert config.by_code["maraude-perigueux"].mission_locale == "ml-grand-perigueux"
    bordeaux = config.for_ml("ml-bordeaux")
    assert {a.type for a in bordeaux} == {"temps-additionnel", "extra-muros", "raccrochage"}
    assert any(w.date is not None for a in bordeaux for w in a.windows)  # the dated night
    racc_mls = {a.mission_locale for a in config.of_type("raccrochage")}
    assert len(racc_mls) >= 3
    for action in config.of_type("raccrochage"):
        for s in action.sessions:
            assert date(2026, 12, 1) <= s.start.date() <= date(2027, 3, 31)
            assert s.capacity >= 1
    assert config.for_ml(None), "at least one network-wide action"
    for action in config.actions:
        assert config.by_id[action.id] is action


def test_unquoted_times_are_read_as_times(tmp_path):
    # YAML 1.1 reads an unquoted 18:00 as the number 1080: still 18:00 for us.
    path = tmp_path / "actions.yml"
    path.write_text(
        "actions:\n"
        "  - id: soir\n"
        "    type: temps-additionnel\n"
        "    mission_locale: ml-pau\n"
        "    title: Soir\n"
        "    description: Le soir.\n"
        "    windows:\n"
        "      - {days: [lun], from: 18:00, to: 22:30}\n", encoding="utf-8")
    config = load_actions(path, ML_IDS)
    window = config.by_id["soir"].windows[0]
    assert (window.start, window.end) == (time(18, 0), time(22, 30))


def test_unknown_ml_duplicates_and_bad_values_each_on_their_line(tmp_path):
    text = (
        "actions:\n"                                                   # 1
        "  - id: soir\n"                                               # 2
        "    type: temps-additionnel\n"                                # 3
        "    mission_locale: ml-atlantide\n"                           # 4
        "    title: Soir\n"                                            # 5
        "    description: Le soir.\n"                                  # 6
        "    windows:\n"                                               # 7
        "      - {days: [lun], from: '18:00', to: '22:00'}\n"          # 8
        "  - id: soir\n"                                               # 9
        "    type: extra-muros\n"                                      # 10
        "    mission_locale: ml-pau\n"                                 # 11
        "    title: Maraude\n"                                         # 12
        "    description: Dehors.\n"                                   # 13
        "    kind: maraude\n"                                          # 14
        "    code: maraude\n"                                          # 15
        "  - id: stand\n"                                              # 16
        "    type: extra-muros\n"                                      # 17
        "    mission_locale: ml-pau\n"                                 # 18
        "    title: Stand\n"                                           # 19
        "    description: Un stand.\n"                                 # 20
        "    kind: stand\n"                                            # 21
        "    code: MARAUDE\n"                                          # 22
    )
    problems = problems_of(tmp_path, text)
    path = tmp_path / "actions.yml"
    assert problems == [
        f"{path}:4: actions.0.mission_locale: unknown Mission Locale 'ml-atlantide' "
        "(not in config/missions_locales.yml)",
        f"{path}:9: actions.1.id: duplicate id 'soir' (already at line 2)",
        f"{path}:22: actions.2.code: duplicate code 'MARAUDE' (already at line 15); "
        "each QR poster needs its own",
    ]


@pytest.mark.parametrize("snippet, line, needle", [
    ("    windows:\n      - {days: [lundi], from: '18:00', to: '22:00'}\n", 8, "unknown day 'lundi'"),
    ("    windows:\n      - {days: [lun], from: '18:00', to: '18:00'}\n", 8, "the same time"),
    ("    windows:\n      - {days: [lun], from: '25:00', to: '22:00'}\n", 8, "times go from"),
    ("    windows:\n      - {days: [lun], from: 'le soir', to: '22:00'}\n", 8, "not a time"),
    ("    windows:\n      - {from_date: 2027-03-01, to_date: 2027-02-01, from: '18:00', to: '20:00'}\n",
     8, "before from_date"),
    ("    windows:\n      - {date: 2027-03-01, days: [lun], from: '18:00', to: '20:00'}\n",
     8, "exactly one of"),
    ("    windows: []\n", 1, "needs at least one window"),
])
def test_bad_windows(tmp_path, snippet, line, needle):
    text = (
        "actions:\n"
        "  - id: soir\n"
        "    type: temps-additionnel\n"
        "    mission_locale: ml-pau\n"
        "    title: Soir\n"
        "    description: Le soir.\n" + snippet)
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'actions.yml'}:"), problems
    got_line = int(problems[0].split(":")[1])
    # "needs at least one window" is about the whole action (line 2), the others about line 8.
    assert got_line == (2 if line == 1 else line), problems
    assert needle in problems[0], problems


@pytest.mark.parametrize("session, needle", [
    ("{start: '2027-01-12 16:00', end: '2027-01-12 14:00', place: Ici, capacity: 10}", "is not after start"),
    ("{start: '2027-01-12 14:00', end: '2027-01-12 16:00', place: Ici, capacity: 0}", "greater than or equal to 1"),
    ("{start: 'mardi', end: '2027-01-12 16:00', place: Ici, capacity: 3}", "datetime"),
])
def test_bad_sessions(tmp_path, session, needle):
    text = (
        "actions:\n"
        "  - id: atelier\n"
        "    type: raccrochage\n"
        "    mission_locale: ml-pau\n"
        "    title: Atelier\n"
        "    description: Un atelier.\n"
        "    sessions:\n"
        f"      - {session}\n")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'actions.yml'}:8: actions.0.sessions.0"), problems
    assert needle in problems[0]


@pytest.mark.parametrize("extra, needle", [
    ("    kind: forum\n", "needs a code"),
    ("    kind: forum\n    code: 'forum bordeaux'\n", "String should match pattern"),
    ("    kind: forum\n    code: '" + "x" * 65 + "'\n", "String should match pattern"),
    ("    code: forum\n", "needs a kind"),
])
def test_extra_muros_needs_a_valid_code_and_kind(tmp_path, extra, needle):
    text = (
        "actions:\n"
        "  - id: forum\n"
        "    type: extra-muros\n"
        "    mission_locale: ml-pau\n"
        "    title: Forum\n"
        "    description: Un forum.\n" + extra)
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1 and needle in problems[0], problems
    assert problems[0].split(":")[1] in {"2", "8"}


def test_unknown_type_and_unknown_key(tmp_path):
    text = (
        "actions:\n"
        "  - id: truc\n"
        "    type: porte-a-porte\n"
        "    mission_locale: ml-pau\n"
        "    title: Truc\n"
        "    description: Un truc.\n"
        "    couleur: bleu\n")
    problems = problems_of(tmp_path, text)
    path = tmp_path / "actions.yml"
    assert any(p.startswith(f"{path}:3: actions.0.type:") for p in problems), problems
    assert any(p.startswith(f"{path}:7: actions.0.couleur:") for p in problems), problems


def test_empty_and_broken_files(tmp_path):
    assert problems_of(tmp_path, "") == [f"{tmp_path / 'actions.yml'}:1: the file is empty"]
    problems = problems_of(tmp_path, "actions:\n  - id: [oops\n")
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path / 'actions.yml'}:")
