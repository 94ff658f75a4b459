"""Facts said to jeunes (amounts, ages, dates, phone numbers), written once with their source.

`config/faq.yml` holds them under `facts:`; FAQ answers and flow texts use them as `{name}`, and
`{name.depuis}` gives the day it takes effect ("1er avril 2025"). April's revaluation of an
allowance is then one edit. `fact_warnings` is what `insysteme check` says about them: a fact
without a source or a check date, checked more than 12 months ago, past its `valid_until`, or
marked `recheck`. The same check reads the `source`/`checked` of crisis.yml `lines:` when that
file has them. Warnings never stop the service: a stale fact is still better said with its date.
"""
from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from bot.yamlconf import LineDict

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")
STALE_MONTHS = 12
# What `{name.attr}` may ask of a fact, and which date field it needs.
ATTRIBUTES = {"depuis": "effective_from", "jusqu_au": "valid_until"}


class Fact(BaseModel):
    """One fact: what the jeune reads, and how we know it."""
    model_config = ConfigDict(extra="forbid")
    value: str = Field(min_length=1)
    source: str | None = None          # URL of the public page that says it (or a config file)
    page: str | None = None            # that page's title, to find it again
    checked: date | None = None        # the day someone last read that page
    effective_from: date | None = None
    valid_until: date | None = None    # last day it holds (a revaluation ends it)
    recheck: str | None = None         # what must be checked again, and why


def french_date(d: date) -> str:
    return f"{'1er' if d.day == 1 else d.day} {MONTHS[d.month - 1]} {d.year}"


class FactText(str):
    """A fact's value as text, with `.depuis` / `.jusqu_au` for str.format ("{x.depuis}")."""
    depuis: str
    jusqu_au: str

    def __new__(cls, fact: Fact) -> "FactText":
        text = super().__new__(cls, fact.value)
        text.depuis = french_date(fact.effective_from) if fact.effective_from else ""
        text.jusqu_au = french_date(fact.valid_until) if fact.valid_until else ""
        return text


def fact_values(facts: Mapping[str, Fact]) -> dict[str, FactText]:
    return {name: FactText(fact) for name, fact in facts.items()}


def placeholder_problem(field: str, facts: Mapping[str, Fact], allowed: Iterable[str] = ()) -> str | None:
    """None when `{field}` can be filled: a fact (`name` or `name.depuis`) or an allowed name."""
    name, _, attr = field.partition(".")
    if not attr:
        if name in facts or name in allowed:
            return None
        return f"unknown fact {{{field}}}"
    if name not in facts:
        return f"unknown fact {{{field}}}"
    needs = ATTRIBUTES.get(attr)
    if needs is None:
        return f"{{{field}}}: a fact gives only .{', .'.join(ATTRIBUTES)}"
    if getattr(facts[name], needs) is None:
        return f"{{{field}}}: fact {name} has no {needs}"
    return None


def fill_facts(text: str | None, values: Mapping[str, str]) -> str | None:
    """Put the facts in a text, leave every other `{placeholder}` (slots, ml_*) as it is."""
    if not text or "{" not in text:
        return text

    def one(m: re.Match) -> str:
        name, _, attr = m.group(1).partition(".")
        value = values.get(name)
        if value is None:
            return m.group(0)
        return getattr(value, attr, m.group(0)) if attr else str(value)
    return re.sub(r"\{([a-z_][a-z0-9_]*(?:\.[a-z_]+)?)\}", one, text)


def text_placeholders(text: str) -> list[str]:
    try:
        return [f for _, f, _, _ in string.Formatter().parse(text) if f]
    except ValueError:
        return []


def _months_before(today: date, months: int) -> date:
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, 28)
    return date(y, m + 1, day)


def _line(node: Any, key: str | None = None) -> int:
    if isinstance(node, LineDict):
        return node.line_of(key) if key is not None and key in node else node.line
    return 1


def fact_warnings(path: Path | str, node: Any, facts: Mapping[str, Any], today: date,
                  what: str = "fact") -> list[str]:
    """`file:line: warning: …` for each unsourced, undated, stale, ended or to-recheck fact.

    `facts` maps a name to a Fact or to a mapping with `source`/`checked`/`valid_until`
    (crisis.yml lines); `node` is the YAML mapping they were read from, for the lines."""
    out: list[str] = []
    stale_before = _months_before(today, STALE_MONTHS)
    for name, fact in facts.items():
        get = (lambda k, f=fact: getattr(f, k, None)) if not isinstance(fact, Mapping) \
            else (lambda k, f=fact: f.get(k))
        entry = node.get(name) if isinstance(node, Mapping) else None
        where = f"{path}:{_line(node, name)}: warning: {what} {name}"
        source, checked, until = get("source"), get("checked"), get("valid_until")
        if isinstance(checked, str):
            try:
                checked = date.fromisoformat(checked)
            except ValueError:
                out.append(f"{path}:{_line(entry, 'checked')}: warning: {what} {name}: checked "
                           f"{checked!r} is not a date (YYYY-MM-DD)")
                checked = None
        if isinstance(until, str):
            try:
                until = date.fromisoformat(until)
            except ValueError:
                until = None
        if not source:
            out.append(f"{where} has no source: add the page that says it")
        if checked is None:
            out.append(f"{where} has no checked date: read its source and write the day")
        elif checked < stale_before:
            out.append(f"{path}:{_line(entry, 'checked')}: warning: {what} {name} was checked on "
                       f"{checked.isoformat()}, more than {STALE_MONTHS} months ago: check it again")
        if isinstance(until, date) and until < today:
            out.append(f"{path}:{_line(entry, 'valid_until')}: warning: {what} {name} ended on "
                       f"{until.isoformat()} (valid_until): write the new value")
        recheck = get("recheck")
        if recheck:
            out.append(f"{path}:{_line(entry, 'recheck')}: warning: {what} {name}: to check "
                       f"again: {recheck}")
    return out


def crisis_line_warnings(path: Path | str, data: Any, today: date) -> list[str]:
    """The same warnings for crisis.yml `lines:` (id -> {name, number, …, source, checked})."""
    lines = data.get("lines") if isinstance(data, Mapping) else None
    if not isinstance(lines, Mapping):
        return []
    entries = {k: v for k, v in lines.items() if isinstance(v, Mapping)}
    return fact_warnings(path, lines, entries, today, what="crisis line")
