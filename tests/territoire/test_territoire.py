"""Territories: every commune of the region has exactly one Mission Locale, and a broken config
says where it is broken (`file:line: message`)."""
from __future__ import annotations

import textwrap
from collections import Counter
from datetime import datetime

import pytest

from bot.clock import PARIS
from bot.territoire.communes import Commune, CommuneIndex
from bot.territoire.missions_locales import CONFIRMABLE
from bot.territoire.territories import TerritoryMap, coverage_problems, load_missions_locales
from bot.yamlconf import ConfigError, load_yaml
from tests.territoire.test_communes import CSV, ROOT

SHIPPED = ROOT / "config" / "missions_locales.yml"

PINNED = {
    # id: a commune it must serve
    "ml-grand-perigueux": "Périgueux", "ml-bordeaux": "Bordeaux", "ml-poitiers": "Poitiers",
    "ml-limoges": "Limoges", "ml-pau": "Pau", "ml-la-rochelle": "La Rochelle",
    "ml-angouleme": "Angoulême", "ml-niort": "Niort", "ml-agen": "Agen",
    "ml-landes": "Mont-de-Marsan", "ml-pays-basque": "Bayonne", "ml-creuse": "Guéret",
    "ml-brive": "Brive-la-Gaillarde", "ml-tulle": "Tulle", "ml-bergerac": "Bergerac",
    "ml-libournais": "Libourne", "ml-medoc": "Lesparre-Médoc", "ml-arcachon": "Arcachon",
}


@pytest.fixture(scope="module")
def index() -> CommuneIndex:
    return CommuneIndex.from_csv(CSV)


@pytest.fixture(scope="module")
def shipped(index):
    return SHIPPED, load_missions_locales(SHIPPED, index)


# --- the shipped config ---------------------------------------------------------------------------

def test_shipped_config_loads_with_no_problem(index, shipped):
    path, mls = shipped
    assert len(mls) == 43   # the ARML's count (11/2025); was 40 before issue 19
    assert coverage_problems(mls, index, path, load_yaml(path)) == []


def test_every_commune_maps_to_exactly_one_mission_locale(index, shipped):
    _path, mls = shipped
    territory = TerritoryMap.build(mls, index)
    assert len(territory) == len(index) == 4293
    # Count claims independently of TerritoryMap: listed, or in a listed EPCI/arrondissement.
    claims = Counter()
    for ml in mls:
        t = ml.territory
        excluded = set(t.exclude_communes)
        for c in index:
            if c.insee not in excluded and (c.insee in t.communes or c.epci in t.epci
                                            or c.arrondissement in t.arrondissements):
                claims[c.insee] += 1
    assert set(claims) == {c.insee for c in index}
    assert max(claims.values()) == 1
    for c in index:
        assert territory.ml_for(c.insee) is not None, c.label


def test_pinned_ids_serve_their_town(index, shipped):
    _path, mls = shipped
    territory = TerritoryMap.build(mls, index)
    by_name = {(c.nom): c for c in index if c.nom in PINNED.values()}
    for ml_id, town in PINNED.items():
        assert territory.ml_for(by_name[town].insee).id == ml_id, town
    assert territory.ml_for("24322").id == "ml-grand-perigueux"


def test_resolved_commune_routes_to_its_mission_locale(index, shipped):
    _path, mls = shipped
    territory = TerritoryMap.build(mls, index)
    for text, ml_id in [("perigeux", "ml-grand-perigueux"), ("bordo", "ml-bordeaux"),
                        ("merignac 33", "ml-technowest"), ("st jean de luz", "ml-pays-basque"),
                        ("40000", "ml-landes"), ("gueret", "ml-creuse")]:
        res = index.resolve(text)
        assert res.status == "found", text
        assert territory.ml_for(res.commune.insee).id == ml_id, text


def test_straddling_epcis_send_each_commune_to_its_own_departement(index, shipped):
    _path, mls = shipped
    territory = TerritoryMap.build(mls, index)
    # CC du Pays Foyen (Gironde) holds Port-Sainte-Foy, a Dordogne commune: excluded there.
    assert territory.ml_for("24335").id == "ml-bergerac"
    assert territory.ml_for("33402").id == "ml-libournais"     # Sainte-Foy-la-Grande
    # CC Haute-Corrèze Communauté holds Creuse communes: they go to the Creuse.
    for c in index:
        if c.epci == "200066744":
            expected = "ml-creuse" if c.departement == "23" else "ml-haute-correze"
            assert territory.ml_for(c.insee).id == expected, c.label
    # CC du Pays de Saint-Yrieix (Haute-Vienne) holds two Corrèze communes.
    assert territory.ml_for("19254").id == "ml-brive"
    assert territory.ml_for("87187").id == "ml-haute-vienne-rurale"


def test_shipped_entries_are_complete_and_honest(shipped, clock):
    _path, mls = shipped
    ids = [ml.id for ml in mls]
    assert len(ids) == len(set(ids))
    holidays: set = set()
    tuesday_night = clock.now()
    tuesday_morning = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    for ml in mls:
        assert ml.name.startswith("Mission Locale") and ml.short_name and ml.address
        assert set(ml.to_confirm) <= set(CONFIRMABLE)
        # No invented phone number: an empty phone is always marked to confirm.
        assert ml.phone or "phone" in ml.to_confirm
        assert not ml.is_confirmed("phone")
        assert ml.hours and "hours" in ml.to_confirm
        assert not ml.is_open(tuesday_night, holidays)
        assert ml.is_open(tuesday_morning, holidays)


# --- broken configs ----------------------------------------------------------------------------------

def _commune(insee: str, nom: str, epci: str, arrondissement: str, population: int = 100) -> Commune:
    return Commune(insee=insee, nom=nom, postal_codes=("24000",), departement=insee[:2],
                   departement_nom="Dordogne", arrondissement=arrondissement,
                   arrondissement_nom="Périgueux", epci=epci, epci_nom=f"CC {epci[-3:]}",
                   population=population)


@pytest.fixture
def small_index() -> CommuneIndex:
    """Two EPCIs of three communes, over two arrondissements."""
    return CommuneIndex([
        _commune("24001", "Alpha", "200000001", "241"),
        _commune("24002", "Bravo", "200000001", "241"),
        _commune("24003", "Charlie", "200000001", "243"),
        _commune("24004", "Delta", "200000002", "243"),
        _commune("24005", "Echo", "200000002", "243"),
        _commune("24322", "Périgueux", "200000002", "243"),
    ])


def _ml(id_: str, territory: str) -> str:
    return textwrap.dedent(f"""\
      - id: {id_}
        name: "Mission Locale {id_}"
        address: "24000 Périgueux"
        phone: "05 00 00 00 00"
        hours:
          lun: ["09:00-12:30", "13:30-17:30"]
        territory:
    """) + textwrap.indent(textwrap.dedent(territory), "    ")


def _write(tmp_path, *entries: str):
    text = "missions_locales:\n" + "".join(textwrap.indent(e, "  ") for e in entries)
    path = tmp_path / "missions_locales.yml"
    path.write_text(text, encoding="utf-8")
    return path, text.splitlines()


def _line(lines: list[str], fragment: str, after: int = 0) -> int:
    """1-based line of the first line (after line `after`) containing `fragment`."""
    for number, line in enumerate(lines, start=1):
        if number > after and fragment in line:
            return number
    raise AssertionError(fragment)


def _problems(path, index) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_missions_locales(path, index)
    return caught.value.problems


def test_a_small_config_that_covers_everything_loads(tmp_path, small_index):
    path, _ = _write(tmp_path,
                     _ml("ml-a", 'epci: ["200000001"]\n'),
                     _ml("ml-b", 'arrondissements: ["243"]\nexclude_communes: ["24003"]\n'))
    mls = load_missions_locales(path, small_index)
    territory = TerritoryMap.build(mls, small_index)
    assert territory.ml_for("24003").id == "ml-a"
    assert territory.ml_for("24322").id == "ml-b"
    assert territory.communes_of("ml-a") == ["24001", "24002", "24003"]
    assert territory.ml_for("99999") is None


def test_a_gap_names_the_commune_with_the_file_and_line(tmp_path, small_index):
    path, lines = _write(tmp_path,
                         _ml("ml-a", 'epci: ["200000001"]\n'),
                         _ml("ml-b", 'communes: ["24004", "24005"]\n'))
    problems = _problems(path, small_index)
    top = _line(lines, "missions_locales:")
    assert problems == [f"{path}:{top}: commune 24322 Périgueux belongs to no Mission Locale "
                        f"(EPCI 200000002 CC 002)"]


def test_gaps_are_grouped_by_epci(tmp_path, small_index):
    path, _ = _write(tmp_path, _ml("ml-a", 'communes: ["24001"]\n'))
    problems = _problems(path, small_index)
    assert len(problems) == 2
    assert "2 of the 3 communes of EPCI 200000001" in problems[0]
    assert "24002 Bravo, 24003 Charlie" in problems[0]
    assert "all communes of EPCI 200000002" in problems[1]
    assert "24004 Delta, 24005 Echo, 24322 Périgueux" in problems[1]


def test_an_overlap_names_both_mission_locales_and_lines(tmp_path, small_index):
    path, lines = _write(tmp_path,
                         _ml("ml-a", 'epci: ["200000001"]\n'),
                         _ml("ml-b", 'arrondissements:\n  - "243"\n'))
    problems = _problems(path, small_index)
    first = _line(lines, '"200000001"')
    second = _line(lines, '- "243"')
    assert problems == [f"{path}:{second}: commune 24003 Charlie is in both ml-a (line {first}) "
                        f"and ml-b (arrondissement 243)"]


def test_a_bigger_overlap_is_one_problem(tmp_path, small_index):
    path, lines = _write(tmp_path,
                         _ml("ml-a", 'epci: ["200000001", "200000002"]\n'),
                         _ml("ml-b", 'epci: ["200000002"]\n'))
    problems = _problems(path, small_index)
    assert len(problems) == 1
    assert "3 communes are in both ml-a" in problems[0]
    assert problems[0].startswith(f"{path}:{_line(lines, 'epci', _line(lines, 'ml-b'))}:")


def test_unknown_codes_are_reported_at_their_line(tmp_path, small_index):
    path, lines = _write(tmp_path,
                         _ml("ml-a", 'epci:\n  - "200000001"\n  - "200099999"\n'
                                     'communes: ["24999"]\n'),
                         _ml("ml-b", 'arrondissements: ["243", "999"]\n'
                                     'exclude_communes: ["24001"]\n'))
    problems = _problems(path, small_index)
    assert f"{path}:{_line(lines, '200099999')}: ml-a: territory.epci: unknown EPCI '200099999'" \
           " (not in the region's communes file)" in problems
    assert any(p.startswith(f"{path}:{_line(lines, '24999')}: ml-a: territory.communes: "
                            f"unknown commune '24999'") for p in problems)
    unknown_arrondissement = _line(lines, '"999"')
    assert any(p.startswith(f"{path}:{unknown_arrondissement}: ml-b: territory.arrondissements: "
                            f"unknown arrondissement '999'") for p in problems)
    assert any(p.startswith(f"{path}:{_line(lines, 'exclude_communes')}: ml-b: "
                            f"territory.exclude_communes: 24001 Alpha is not in its territory")
               for p in problems)


def test_duplicate_ids(tmp_path, small_index):
    path, lines = _write(tmp_path,
                         _ml("ml-a", 'epci: ["200000001"]\n'),
                         _ml("ml-a", 'epci: ["200000002"]\n'))
    problems = _problems(path, small_index)
    first = _line(lines, "id: ml-a")
    second = _line(lines, "id: ml-a", after=first)
    assert problems == [f"{path}:{second}: duplicate id ml-a (first at line {first})"]


def test_schema_errors_come_with_their_line_and_no_gap_noise(tmp_path, small_index):
    broken = _ml("ml-b", 'epci: ["200000002"]\n').replace(
        '["09:00-12:30", "13:30-17:30"]', '["9h-midi"]').replace('  phone: "05 00 00 00 00"\n', "")
    broken += "  to_confirm: [adress]\n"
    path, lines = _write(tmp_path, _ml("ml-a", 'epci: ["200000001"]\n'), broken)
    problems = _problems(path, small_index)
    second = _line(lines, "id: ml-b")
    assert f"{path}:{second}: ml-b: phone: Field required" in problems
    assert any(p.startswith(f"{path}:{_line(lines, '9h-midi')}: ml-b: hours.lun.0: '9h-midi' is not")
               for p in problems)
    assert any(p.startswith(f"{path}:{_line(lines, 'to_confirm')}: ml-b: to_confirm: unknown fact")
               for p in problems)
    assert not any("belongs to no Mission Locale" in p for p in problems)


def test_numbers_written_without_quotes_are_codes(tmp_path, small_index):
    path, _ = _write(tmp_path, _ml("ml-a", "epci: [200000001, 200000002]\n"))
    assert [ml.territory.epci for ml in load_missions_locales(path, small_index)] == [
        ["200000001", "200000002"]]


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("missions_locales: []\n", "missions_locales must be a non-empty list"),
    ("- id: ml-a\n", "expected a top-level 'missions_locales:' list"),
    ("missions_locales:\n  - id: [unclosed\n", ""),
])
def test_unreadable_files(tmp_path, small_index, text, message):
    path = tmp_path / "missions_locales.yml"
    path.write_text(text, encoding="utf-8")
    problems = _problems(path, small_index)
    assert problems and all(p.startswith(f"{path}:") for p in problems)
    assert message in problems[0]


def test_removing_a_mission_locale_from_the_shipped_file_shows_its_communes_as_gaps(
        tmp_path, index):
    text = SHIPPED.read_text(encoding="utf-8")
    start = text.index("  - id: ml-grand-perigueux")
    end = text.index("  - id:", start + 10)
    path = tmp_path / "missions_locales.yml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    problems = _problems(path, index)
    top = _line(path.read_text(encoding="utf-8").splitlines(), "missions_locales:")
    assert all(p.startswith(f"{path}:{top}: ") for p in problems)
    # Its territory is two whole EPCIs (the rest of arrondissement 243 is the Ribéracois's since
    # issue 19): one problem per EPCI, not one per commune.
    epcis = {"200040392", "200040095"}
    assert len(problems) == len(epcis)
    assert all(any(e in p for e in epcis) for p in problems)
    assert any(p.startswith(f"{path}:{top}: all communes of EPCI 200040392 CA Le Grand Périgueux "
                            f"belong to no Mission Locale: ") for p in problems)
