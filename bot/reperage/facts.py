"""Repérage facts from what jeunes write: an age, when they last saw a conseiller, their cohort.

Pure functions (no I/O) so the engine, the Rasa action server and the tests share them.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

AGE_MIN, AGE_MAX, AGE_MAX_DISABILITY = 16, 25, 29

_UNITS = {"zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
          "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
          "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "trente": 30, "quarante": 40}
_MONTHS = {"janvier": 1, "janv": 1, "fevrier": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4, "mai": 5,
           "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9, "octobre": 10,
           "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12}


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def french_number(words: str) -> int | None:
    """"dix-sept", "vingt et un", "vingt deux" → 17, 21, 22 (enough for ages)."""
    parts = [p for p in re.split(r"[\s-]+", words) if p and p != "et"]
    if not parts or any(p not in _UNITS for p in parts):
        return None
    total = 0
    for p in parts:
        total += _UNITS[p]
    return total


@dataclass
class AgeAnswer:
    age: int
    birth_year: int | None = None


def parse_age(text: str, today: date) -> AgeAnswer | None:
    """"17", "j'ai 17 ans", "dix-sept", "2008", "née en 2008", "12/03/2008", "12 mars 2008"."""
    t = fold(text).strip()
    m = re.search(r"\b(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})\b", t)
    if m:
        d, mo, y = map(int, m.groups())
        try:
            born = date(y, mo, d)
        except ValueError:
            return None
        return _from_birth(born, today)
    m = re.search(r"\b(\d{1,2})(?:er)? (" + "|".join(_MONTHS) + r")\w* (\d{4})\b", t)
    if m:
        try:
            born = date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
        except ValueError:
            return None
        return _from_birth(born, today)
    m = re.search(r"\b(19[5-9]\d|20[0-2]\d)\b", t)
    if m:
        year = int(m.group(1))
        age = today.year - year - 1   # not yet had the birthday: the cautious guess
        if re.search(r"\b(fin|decembre|dec)\b", t) is None and today.month >= 7:
            age = today.year - year   # past mid-year, most born that year have had it
        return AgeAnswer(age=age, birth_year=year) if 0 <= age < 100 else None
    m = re.search(r"\b(\d{1,2})\s*(ans?|a)?\b", t)
    if m:
        age = int(m.group(1))
        return AgeAnswer(age=age) if 5 <= age < 100 else None
    words = re.sub(r"\b(j'?ai|g|jai|ans?|bientot|presque|moi|c'?est|je|suis|age|de|l'?age)\b", " ", t)
    words = re.sub(r"[^a-z\s-]", " ", words).strip()
    n = french_number(words) if words else None
    if n is not None and 5 <= n < 100:
        return AgeAnswer(age=n)
    return None


def _from_birth(born: date, today: date) -> AgeAnswer | None:
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return AgeAnswer(age=age, birth_year=born.year) if 0 <= age < 100 else None


def months_since(text: str, today: date) -> int | None:
    """When the jeune last saw a conseiller, in months: "il y a 1 an", "3 mois", "l'an dernier",
    "en mars", "en 2024", "la semaine derniere"; None when we cannot tell."""
    t = fold(text)
    if re.search(r"\b(recent|recemment|cette semaine|semaine derniere|hier|ce mois|le mois dernier)", t):
        return 0 if "mois dernier" not in t else 1
    if re.search(r"\b(l'?an(nee)? (derniere?|passee?)|l'?annee d'?avant)\b", t):
        return 12
    if re.search(r"\b(longtemps|des annees|plusieurs annees|une eternite)\b", t):
        return 24
    m = re.search(r"(\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze)\s*"
                  r"(ans?|annees?|mois|semaines?|sem)\b", t)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _UNITS[m.group(1)]
        unit = m.group(2)
        if unit.startswith(("an", "annee")):
            return n * 12
        if unit.startswith("mois"):
            return n
        return n // 4
    m = re.search(r"\b(20[0-2]\d)\b", t)
    if m:
        year = int(m.group(1))
        return max(0, (today.year - year) * 12 + today.month - 6)
    m = re.search(r"\b(" + "|".join(_MONTHS) + r")\b", t)
    if m:
        month = _MONTHS[m.group(1)]
        delta = today.month - month
        return delta if delta >= 0 else delta + 12
    return None


def cohort(known_ml: bool | None, months: int | None, reactive_after: int = 6) -> str:
    """SPEC: `repere` unknown to any Mission Locale, `reactive` known but no contact for
    `reactive_after` months or more, `suivi` contact within that time, `inconnu` not said."""
    if known_ml is False:
        return "repere"
    if known_ml is None:
        return "inconnu"
    if months is None:
        return "inconnu"
    return "reactive" if months >= reactive_after else "suivi"
