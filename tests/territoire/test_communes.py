"""The commune resolver against the way jeunes write where they live."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from bot.territoire.communes import (BUTTON_PREFIX, MAX_CANDIDATES, REGION_DEPARTEMENTS, Commune,
                          CommuneIndex, Resolution)

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "data" / "communes-nouvelle-aquitaine.csv"
SPELLINGS = ROOT / "tests" / "data" / "communes_spellings.csv"


@pytest.fixture(scope="module")
def index() -> CommuneIndex:
    return CommuneIndex.from_csv(CSV)


def _spellings() -> list[dict[str, str]]:
    with open(SPELLINGS, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _right(res: Resolution, expected: str) -> bool:
    """found with the right commune; ambiguous among the expected ones; outside when outside."""
    if expected == "outside":
        return res.status == "outside"
    codes = expected.split("|")
    if len(codes) == 1:
        return res.status == "found" and res.commune.insee == codes[0]
    shown = {c.insee for c in res.candidates}
    if res.status != "ambiguous":
        return False
    # Few expected: all of them are offered. Many (a shared postal code): only those are offered.
    return set(codes) <= shown if len(codes) <= MAX_CANDIDATES else shown <= set(codes)


# --- the data -------------------------------------------------------------------------------------

def test_index_holds_every_commune_of_the_csv(index):
    with open(CSV, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(index) == len(rows) == 4293
    perigueux = index.get("24322")
    assert perigueux.nom == "Périgueux" and perigueux.departement == "24"
    assert perigueux.postal_codes == ("24000",) and perigueux.population > 20000
    assert index.by_insee["33063"].nom == "Bordeaux"
    assert {c.departement for c in index} == set(REGION_DEPARTEMENTS)


def test_a_commune_listed_twice_is_refused(index):
    c = index.get("24322")
    with pytest.raises(ValueError, match="24322"):
        CommuneIndex([c, c])


def test_spellings_file_covers_every_departement_with_enough_rows(index):
    rows = _spellings()
    assert len(rows) >= 300
    departements = set()
    for row in rows:
        for code in row["expected_insee"].split("|"):
            if code != "outside":
                departements.add(index.get(code).departement)
    assert departements == set(REGION_DEPARTEMENTS)
    assert sum(r["expected_insee"] == "outside" for r in rows) >= 20
    assert sum("|" in r["expected_insee"] for r in rows) >= 10


# --- accuracy -------------------------------------------------------------------------------------

def test_at_least_97_percent_of_jeune_spellings_resolve_right(index):
    rows = _spellings()
    wrong = []
    for row in rows:
        res = index.resolve(row["text"])
        if not _right(res, row["expected_insee"]):
            got = res.commune.label if res.commune else [c.label for c in res.candidates]
            wrong.append(f"{row['text']!r} → {res.status} {got} (expected {row['commune']})")
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= 0.97, f"{accuracy:.1%} right; wrong:\n" + "\n".join(wrong)


def test_ambiguous_answers_ask_with_labelled_buttons_that_resolve_back(index):
    asked = 0
    for row in _spellings():
        if "|" not in row["expected_insee"]:
            continue
        res = index.resolve(row["text"])
        assert res.status == "ambiguous", row["text"]
        assert 2 <= len(res.candidates) <= MAX_CANDIDATES
        buttons = res.buttons()
        assert [b.label for b in buttons] == [c.label for c in res.candidates]
        for button, commune in zip(buttons, res.candidates):
            assert button.label == f"{commune.nom} ({commune.departement_nom})"
            back = index.resolve(button.value)
            assert back.status == "found" and back.commune == commune
            # A jeune may also type the label back rather than press the button.
            typed = index.resolve(button.label)
            assert typed.status == "found" and typed.commune == commune
        asked += 1
    assert asked >= 10


# --- behaviours named in the spec ---------------------------------------------------------------

@pytest.mark.parametrize("text, insee", [
    ("Périgueux", "24322"), ("perigueux", "24322"), ("PERIGEUX", "24322"),
    ("la rochelle", "17300"), ("rochelle", "17300"), ("larochelle", "17300"),
    ("j'habite à bordeaux", "33063"), ("je suis sur pau", "64445"),
    ("c a cote de bordeaux", "33063"), ("st jean de luz", "64483"),
    ("saint-jean-de-luz", "64483"), ("ste foy la grande", "33402"),
    ("mont de marsan", "40192"), ("mt-de-marsan", "40192"), ("bordo", "33063"),
    ("24000", "24322"), ("bordeaux 33000", "33063"), ("33 800", "33063"),
    ("Saint-Aubin (Landes)", "40249"), ("saint aubin 47", "47230"),
])
def test_found(index, text, insee):
    res = index.resolve(text)
    assert res.status == "found", (text, res)
    assert res.commune.insee == insee


def test_same_name_in_two_departements_asks_with_the_departement_in_the_label(index):
    res = index.resolve("saint aubin")
    assert res.status == "ambiguous"
    labels = [c.label for c in res.candidates]
    assert "Saint-Aubin (Landes)" in labels and "Saint-Aubin (Lot-et-Garonne)" in labels
    assert labels.index("Saint-Aubin (Landes)") < 2 and labels.index("Saint-Aubin (Lot-et-Garonne)") < 2


def test_a_shared_postal_code_asks_biggest_first(index):
    shared = index.by_postal_code("33160")
    assert len(shared) > 1
    res = index.resolve("33160")
    assert res.status == "ambiguous"
    assert [c.insee for c in res.candidates] == [c.insee for c in shared][:MAX_CANDIDATES]
    populations = [c.population for c in res.candidates]
    assert populations == sorted(populations, reverse=True)
    assert all("33160" in c.postal_codes for c in res.candidates)


def test_a_postal_code_of_many_communes_says_how_many_are_left_out(index):
    shared = index.by_postal_code("64120")
    res = index.resolve("64120")
    assert res.status == "ambiguous"
    assert len(res.candidates) == MAX_CANDIDATES
    assert res.more == len(shared) - MAX_CANDIDATES > 0


def test_a_postal_code_with_a_name_picks_the_named_commune(index):
    res = index.resolve("33160 salaunes")
    assert res.status == "found" and res.commune.nom == "Salaunes"


@pytest.mark.parametrize("text", [
    "75011", "paris", "toulouse", "nantes", "marseille", "toulous", "31", "dans le 92",
    "je suis a lyon", "31000", "97400", "haute garonne", "belgique", "st aubin 31",
])
def test_outside_the_region(index, text):
    assert index.resolve(text).status == "outside", text


@pytest.mark.parametrize("text, departement", [
    ("33", "33"), ("dans le 24", "24"), ("gironde", "33"), ("landes", "40"), ("vienne", "86"),
])
def test_a_departement_of_the_region_alone_asks_for_the_commune(index, text, departement):
    res = index.resolve(text)
    assert res.status == "not_found" and res.departement == departement


@pytest.mark.parametrize("text", [
    "", "   ", "je sais pas", "jsp", "?", "🙂🙂", "0", "1234567", "xyzzy", "j'ai 19 ans",
    "chez moi", "la", "st",
])
def test_nothing_to_resolve(index, text):
    res = index.resolve(text)
    assert res.status == "not_found", (text, res)
    assert res.commune is None and res.candidates == []


def test_an_unknown_postal_code_of_the_region_is_not_found_but_keeps_the_departement(index):
    res = index.resolve("33999")
    assert res.status == "not_found" and res.departement == "33"


def test_an_age_is_not_a_departement(index):
    assert index.resolve("19 ans").status == "not_found"
    assert index.resolve("19").departement == "19"


def test_a_village_named_like_a_big_town_asks(index):
    # Villeneuve is a village of Gironde; most jeunes who write it mean Villeneuve-sur-Lot.
    res = index.resolve("villeneuve")
    assert res.status == "ambiguous"
    names = [c.nom for c in res.candidates]
    assert names[0] == "Villeneuve" and "Villeneuve-sur-Lot" in names


def test_every_official_name_and_label_resolves_to_its_commune(index):
    # Landes and Corrèze are also département names; a jeune writing them means the département.
    for commune in index:
        res = index.resolve(commune.label)
        assert res.status == "found" and res.commune == commune, commune.label
        if commune.nom in ("Landes", "Corrèze"):
            continue
        res = index.resolve(commune.nom)
        assert (res.status == "found" and res.commune == commune) or (
            res.status == "ambiguous" and commune in res.candidates), commune.nom


def test_a_button_value_of_an_unknown_commune_is_not_found(index):
    assert index.resolve(BUTTON_PREFIX + "99999").status == "not_found"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gets_an_answer_never_an_exception(index, text):
    res = index.resolve(text)
    assert res.status in ("found", "ambiguous", "not_found", "outside")
    if res.status == "found":
        assert isinstance(res.commune, Commune)
    if res.status == "ambiguous":
        assert 2 <= len(res.candidates) <= MAX_CANDIDATES
