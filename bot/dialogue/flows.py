"""Conversations declared in YAML (`flows/*.yml`), so a non-developer can change what the bot says.

A flow is a list of steps run in order. Step kinds (exactly one per step):

    say:     text said, with optional `buttons`
    ask:     a question; the answer goes into `slot` after `validator` accepts it; `reprompt`,
             `retries` (default 2), `on_fail` (a step id, `flow:NAME`, or `skip`), `skippable`,
             `answers` (button value -> ways a jeune writes it: "jfai rien" for sans_activite)
    branch:  a list of `- if: {slot: value} / goto|call: target`, then an optional `- else:`
    action:  a domain action by name (bot/actions), with optional `with:` arguments
    call:    another flow, then come back here
    goto:    a step id of this flow, or `flow:NAME` to jump to another flow for good
    handoff: hand the conversation to a person (optional text said first)
    set:     {slot: value, …}
    end:     end this flow (optional text said first); the calling flow resumes

Texts may use `{slot}` placeholders, and `{ml_name}`, `{ml_phone}`, `{ml_address}`, `{ml_hours}`.
Everything is checked at load time; problems come out as `file:line: message`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.messages import Button
from bot.yamlconf import ConfigError, LineDict, LineList, load_yaml

STEP_KINDS = ("say", "ask", "branch", "action", "call", "goto", "handoff", "set", "end")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_SLOT = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")
_OPS = {"lt", "le", "gt", "ge", "in", "not", "set"}
MAX_BUTTON_VALUE = 64   # Telegram's callback_data limit, in bytes


@dataclass
class Step:
    kind: str
    line: int
    id: str | None = None
    text: str | None = None
    buttons: list[Button] = field(default_factory=list)
    slot: str | None = None
    validator: str | None = None
    reprompt: str | None = None
    retries: int = 2
    on_fail: str = "skip"
    skippable: bool = False
    target: str | None = None            # goto / call
    cases: list[tuple[dict | None, str, str]] = field(default_factory=list)  # (cond, verb, target)
    name: str | None = None              # action name
    params: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, list[str]] = field(default_factory=dict)  # ask: value -> ways to say it


@dataclass
class Flow:
    name: str
    path: str
    steps: list[Step]
    description: str = ""

    def index_of(self, step_id: str) -> int | None:
        for i, step in enumerate(self.steps):
            if step.id == step_id:
                return i
        return None


class FlowSet(dict):
    """name → Flow."""


def _buttons(raw: Any, where: str, problems: list[str]) -> list[Button]:
    out: list[Button] = []
    if not isinstance(raw, list):
        problems.append(f"{where}: buttons must be a list")
        return out
    for i, b in enumerate(raw):
        line = raw.line_of(i) if isinstance(raw, LineList) else 0
        here = where.rsplit(":", 1)[0] + f":{line}" if line else where
        if isinstance(b, str):
            label, value = b, b
        elif isinstance(b, dict) and "label" in b:
            label, value = str(b["label"]), str(b.get("value", b["label"]))
            extra = set(b) - {"label", "value"}
            if extra:
                problems.append(f"{here}: unknown button field(s) {', '.join(map(str, sorted(extra)))}")
        else:
            problems.append(f"{here}: a button is a text or {{label, value}}")
            continue
        if len(value.encode()) > MAX_BUTTON_VALUE:
            problems.append(f"{here}: button value {value!r} is over {MAX_BUTTON_VALUE} bytes")
        out.append(Button(label=label, value=value))
    return out


def _text(raw: Any, where: str, problems: list[str], key: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, (str, int, float)):
        problems.append(f"{where}: {key} must be a text")
        return None
    return str(raw).strip()


def _cond(raw: Any, where: str, problems: list[str]) -> dict | None:
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: `if` must map slot names to values, e.g. {{age_ok: true}}")
        return None
    for slot, expected in raw.items():
        if not isinstance(slot, str) or not _SLOT.match(slot):
            problems.append(f"{where}: {slot!r} is not a slot name")
        if isinstance(expected, dict):
            bad = set(expected) - _OPS
            if bad:
                problems.append(f"{where}: unknown test(s) {', '.join(sorted(map(str, bad)))}; "
                                f"use {', '.join(sorted(_OPS))}")
    return dict(raw)


def parse_step(raw: Any, path: str, line: int, problems: list[str]) -> Step | None:
    where = f"{path}:{line}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: a step is a mapping such as `say: Bonjour`")
        return None
    kinds = [k for k in STEP_KINDS if k in raw]
    if len(kinds) != 1:
        problems.append(f"{where}: a step needs exactly one of {', '.join(STEP_KINDS)}"
                        + (f" (found {', '.join(kinds)})" if kinds else ""))
        return None
    kind = kinds[0]
    allowed = {kind, "id", "buttons"} | {
        "ask": {"slot", "validator", "reprompt", "retries", "on_fail", "skippable", "answers"},
        "action": {"with"},
    }.get(kind, set())
    extra = [k for k in raw if k not in allowed]
    for k in extra:
        kl = raw.line_of(k) if isinstance(raw, LineDict) else line
        problems.append(f"{path}:{kl}: unknown field {k!r} in a {kind} step")
    step = Step(kind=kind, line=line)
    if "id" in raw:
        if not isinstance(raw["id"], str) or not _ID.match(raw["id"]):
            problems.append(f"{where}: id {raw['id']!r} must be lowercase letters, digits, - or _")
        step.id = str(raw["id"])
    value = raw[kind]
    if "buttons" in raw:
        if kind not in ("say", "ask"):
            problems.append(f"{where}: only say and ask steps have buttons")
        step.buttons = _buttons(raw["buttons"], where, problems)
    if kind == "say":
        step.text = _text(value, where, problems, "say")
        if not step.text:
            problems.append(f"{where}: say needs a text")
    elif kind == "ask":
        step.text = _text(value, where, problems, "ask")
        if not step.text:
            problems.append(f"{where}: ask needs a question")
        slot = raw.get("slot")
        if not isinstance(slot, str) or not _SLOT.match(slot):
            problems.append(f"{where}: ask needs `slot:` (a name like age or commune)")
        step.slot = slot if isinstance(slot, str) else None
        step.validator = str(raw.get("validator") or ("choice" if step.buttons else "text"))
        step.reprompt = _text(raw.get("reprompt"), where, problems, "reprompt")
        retries = raw.get("retries", 2)
        if not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= 10:
            problems.append(f"{where}: retries must be a number from 0 to 10")
        else:
            step.retries = retries
        step.on_fail = str(raw.get("on_fail", "skip"))
        step.skippable = bool(raw.get("skippable", False))
        answers = raw.get("answers") or {}
        if not isinstance(answers, dict) or not all(
                isinstance(v, list) and all(isinstance(x, str) for x in v) for v in answers.values()):
            problems.append(f"{where}: answers maps a button value to a list of ways to say it")
        else:
            known = {b.value for b in step.buttons}
            for value_ in answers:
                if step.buttons and str(value_) not in known:
                    problems.append(f"{where}: answers: {value_!r} is not the value of a button")
            step.answers = {str(k): list(v) for k, v in answers.items()}
    elif kind == "branch":
        if not isinstance(value, list) or not value:
            problems.append(f"{where}: branch is a list of `- if: … goto: …` and an optional `- else: …`")
        else:
            for i, case in enumerate(value):
                cl = value.line_of(i) if isinstance(value, LineList) else line
                cw = f"{path}:{cl}"
                if not isinstance(case, dict):
                    problems.append(f"{cw}: each branch case is a mapping")
                    continue
                verbs = [v for v in ("goto", "call") if v in case]
                if "else" in case:
                    target = case["else"]
                    verb = "call" if isinstance(target, str) and target.startswith("call:") else "goto"
                    target = str(target).removeprefix("call:")
                    step.cases.append((None, verb, target))
                    if i != len(value) - 1:
                        problems.append(f"{cw}: `else` must be the last case")
                    continue
                if "if" not in case or len(verbs) != 1:
                    problems.append(f"{cw}: a branch case is `if:` with one `goto:` or `call:`")
                    continue
                cond = _cond(case["if"], cw, problems)
                step.cases.append((cond, verbs[0], str(case[verbs[0]])))
    elif kind == "action":
        if not isinstance(value, str):
            problems.append(f"{where}: action needs a name")
        step.name = str(value)
        params = raw.get("with", {})
        if not isinstance(params, dict):
            problems.append(f"{where}: `with` must be a mapping of arguments")
        else:
            step.params = dict(params)
    elif kind in ("call", "goto"):
        if not isinstance(value, str) or not value:
            problems.append(f"{where}: {kind} needs a target")
        step.target = str(value)
    elif kind == "handoff":
        step.text = _text(value if not isinstance(value, bool) else None, where, problems, "handoff")
    elif kind == "set":
        if not isinstance(value, dict) or not value:
            problems.append(f"{where}: set needs {{slot: value}}")
        else:
            for slot in value:
                if not isinstance(slot, str) or not _SLOT.match(slot):
                    problems.append(f"{where}: {slot!r} is not a slot name")
            step.values = dict(value)
    elif kind == "end":
        step.text = _text(value if not isinstance(value, bool) else None, where, problems, "end")
    return step


def parse_flow(path: Path, problems: list[str]) -> Flow | None:
    try:
        data = load_yaml(path)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None
    p = str(path)
    if not isinstance(data, dict):
        problems.append(f"{p}:1: a flow file starts with `flow: NAME` and `steps:`")
        return None
    name = data.get("flow")
    if not isinstance(name, str) or not _ID.match(name):
        problems.append(f"{p}:{data.line_of('flow') if 'flow' in data else 1}: `flow:` needs a name "
                        "(lowercase letters, digits, - or _)")
        return None
    if name != path.stem:
        problems.append(f"{p}:{data.line_of('flow')}: flow {name!r} must live in {name}.yml")
    for k in data:
        if k not in ("flow", "description", "steps"):
            problems.append(f"{p}:{data.line_of(k)}: unknown field {k!r} (flow, description, steps)")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append(f"{p}:{data.line_of('steps') if 'steps' in data else 1}: `steps:` needs a list")
        return None
    steps = []
    for i, raw in enumerate(raw_steps):
        step = parse_step(raw, p, raw_steps.line_of(i), problems)
        if step:
            steps.append(step)
    return Flow(name=name, path=p, steps=steps, description=str(data.get("description", "")))


def check_references(flows: FlowSet, actions: set[str], validators: set[str],
                     problems: list[str]) -> None:
    """Targets, actions and validators named in flows must exist."""
    for flow in flows.values():
        ids = [s.id for s in flow.steps if s.id]
        for dup in {i for i in ids if ids.count(i) > 1}:
            line = next(s.line for s in flow.steps if s.id == dup)
            problems.append(f"{flow.path}:{line}: step id {dup!r} is used twice")

        def check_target(target: str, verb: str, line: int) -> None:
            where = f"{flow.path}:{line}"
            if verb == "call" or target.startswith("flow:"):
                name = target.removeprefix("flow:")
                if name not in flows:
                    problems.append(f"{where}: no flow named {name!r} (files in flows/)")
            elif flow.index_of(target) is None:
                problems.append(f"{where}: no step with id {target!r} in flow {flow.name!r}")

        for step in flow.steps:
            if step.kind in ("goto", "call"):
                check_target(step.target or "", step.kind, step.line)
            elif step.kind == "branch":
                for _cond, verb, target in step.cases:
                    check_target(target, verb, step.line)
            elif step.kind == "action" and step.name not in actions:
                problems.append(f"{flow.path}:{step.line}: unknown action {step.name!r}; known: "
                                f"{', '.join(sorted(actions))}")
            elif step.kind == "ask":
                if step.validator not in validators:
                    problems.append(f"{flow.path}:{step.line}: unknown validator {step.validator!r}; "
                                    f"known: {', '.join(sorted(validators))}")
                if step.on_fail != "skip":
                    check_target(step.on_fail, "goto", step.line)


def load_flows(directory: Path, actions: set[str], validators: set[str],
               required: tuple[str, ...] = ("welcome",)) -> FlowSet:
    problems: list[str] = []
    flows = FlowSet()
    files = sorted(Path(directory).glob("*.yml"))
    if not files:
        raise ConfigError([f"{directory}:1: no flow files (*.yml)"])
    for path in files:
        flow = parse_flow(path, problems)
        if flow:
            flows[flow.name] = flow
    for name in required:
        if name not in flows and not any(p.startswith(f"{directory}/{name}.yml") for p in problems):
            problems.append(f"{directory}/{name}.yml:1: the {name!r} flow is required")
    check_references(flows, actions, validators, problems)
    if problems:
        raise ConfigError(problems)
    return flows


def condition_holds(cond: dict | None, slots: dict[str, Any]) -> bool:
    """`{slot: value}` equality, a list for "one of", or tests {lt, le, gt, ge, in, not, set}."""
    if cond is None:
        return True
    for slot, expected in cond.items():
        actual = slots.get(slot)
        if isinstance(expected, dict):
            for op, ref in expected.items():
                if op == "set":
                    if (actual is not None) != bool(ref):
                        return False
                    continue
                if op == "not":
                    if actual == ref:
                        return False
                    continue
                if op == "in":
                    if actual not in (ref or []):
                        return False
                    continue
                if actual is None:
                    return False
                try:
                    ok = {"lt": actual < ref, "le": actual <= ref,
                          "gt": actual > ref, "ge": actual >= ref}[op]
                except TypeError:
                    return False
                if not ok:
                    return False
        elif isinstance(expected, list):
            if actual not in expected:
                return False
        elif actual != expected:
            return False
    return True
