"""The flow format: every problem a non-developer can make comes out as `file:line: message`."""
import shutil

import pytest

from bot.dialogue.registry import ACTIONS, VALIDATORS, load_registry
from bot.dialogue.flows import condition_holds, load_flows
from bot.yamlconf import ConfigError
from tests.support import ENGINE_FLOWS, ROOT


def load(d):
    load_registry()
    return load_flows(d, set(ACTIONS), set(VALIDATORS))


def problems_of(tmp_path, name, text):
    d = tmp_path / "flows"
    shutil.copytree(ENGINE_FLOWS, d)
    (d / f"{name}.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load(d)
    return exc.value.problems


def test_shipped_flows_load():
    flows = load(ROOT / "flows")
    assert {"welcome", "reperage", "conseiller", "donnees", "suite"} <= set(flows)


@pytest.mark.parametrize("text, line, fragment", [
    ("flow: quiz\nsteps:\n  - say: a\n  - sya: b\n", 4, "exactly one of"),
    ("flow: quiz\nsteps:\n  - say: a\n  - goto: nulle-part\n", 4, "no step with id 'nulle-part'"),
    ("flow: quiz\nsteps:\n  - call: inexistant\n", 3, "no flow named 'inexistant'"),
    ("flow: quiz\nsteps:\n  - ask: Age ?\n    slot: age\n    validator: agee\n", 3, "unknown validator 'agee'"),
    ("flow: quiz\nsteps:\n  - action: reserver\n", 3, "unknown action 'reserver'"),
    ("flow: quiz\nsteps:\n  - say: a\n  - say: Attention : deux points\n    buttons: [x]\n  - ask: b\n", 4, "mapping values"),
    ("flow: quiz\nsteps:\n  - say: a\n    coleur: rouge\n", 4, "unknown field 'coleur'"),
    ("flow: quiz\nsteps:\n  - ask: Ton âge ?\n", 3, "ask needs `slot:`"),
    ("flow: quiz\nsteps:\n  - id: a\n    say: x\n  - id: a\n    say: y\n", 3, "used twice"),
    ("flow: quizz\nsteps:\n  - say: a\n", 1, "must live in quizz.yml"),
    ("flow: quiz\nsteps:\n  - say: ok\n    buttons:\n      - {label: A, value: " + "x" * 70 + "}\n", 5,
     "over 64 bytes"),
    ("flow: quiz\nsteps: [\n", 3, ""),
])
def test_problems_point_at_file_and_line(tmp_path, text, line, fragment):
    problems = problems_of(tmp_path, "quiz", text)
    assert any(p.startswith(f"{tmp_path}/flows/quiz.yml:{line}: ") and fragment in p
               for p in problems), problems


def test_conditions():
    assert condition_holds({"age": {"lt": 18}}, {"age": 17})
    assert not condition_holds({"age": {"lt": 18}}, {"age": None})
    assert condition_holds({"cohort": ["repere", "reactive"]}, {"cohort": "repere"})
    assert condition_holds({"x": {"set": False}}, {})
    assert not condition_holds({"a": 1, "b": 2}, {"a": 1, "b": 3})
