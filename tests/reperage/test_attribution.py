"""Which action a contact belongs to, and out-of-hours, in Paris time (DST, holidays, midnight)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.reperage.actions_config import ActionsConfig, Window, load_actions
from bot.reperage.attribution import Attribution, attribute, network_is_open
from bot.clock import PARIS
from bot.territoire.jours_feries import JoursFeries
from bot.territoire.missions_locales import MissionLocale
from tests.reperage.test_actions_config import ML_IDS

UTC = timezone.utc
WEEKDAY_HOURS = {d: ["09:00-12:30", "13:30-17:30"] for d in ("lun", "mar", "mer", "jeu", "ven")}


@pytest.fixture(scope="module")
def actions() -> ActionsConfig:
    from tests.conftest import ROOT
    return load_actions(ROOT / "config" / "actions.yml", ML_IDS)


@pytest.fixture(scope="module")
def feries() -> JoursFeries:
    return JoursFeries()


def ml(ml_id: str, hours=None) -> MissionLocale:
    return MissionLocale(id=ml_id, name=ml_id, address="1 rue X", phone="05 00 00 00 00",
                         hours=WEEKDAY_HOURS if hours is None else hours)


PERIGUEUX = ml("ml-grand-perigueux")
BORDEAUX = ml("ml-bordeaux")


def test_tuesday_evening_in_perigueux_is_the_evening_permanence(actions, feries, clock):
    got = attribute(clock.now(), PERIGUEUX, None, actions, feries)
    assert got == Attribution("permanence-numerique-soir-perigueux", True)
    # Naive datetimes are Paris time: same answer.
    assert attribute(datetime(2026, 11, 24, 22, 30), PERIGUEUX, None, actions, feries) == got


def test_weekday_afternoon_is_in_hours_without_action(actions, feries):
    got = attribute(datetime(2026, 11, 24, 14, 0, tzinfo=PARIS), PERIGUEUX, None, actions, feries)
    assert got == Attribution(None, False)


def test_christmas_afternoon_is_out_of_hours(actions, feries):
    assert date(2026, 12, 25).weekday() == 4  # a Friday: open hours, but a jour férié
    got = attribute(datetime(2026, 12, 25, 14, 0, tzinfo=PARIS), PERIGUEUX, None, actions, feries)
    assert got == Attribution(None, True)


def test_a_code_names_its_action_even_in_hours_and_in_another_window(actions, feries):
    got = attribute(datetime(2026, 11, 24, 14, 0), PERIGUEUX, "maraude-perigueux", actions, feries)
    assert got == Attribution("maraude-perigueux", False)
    # The code wins over the evening window that also holds the contact.
    got = attribute(datetime(2026, 11, 24, 22, 30), PERIGUEUX, "maraude-perigueux", actions, feries)
    assert got == Attribution("maraude-perigueux", True)
    # A poster code typed by hand in another case still works; an unknown code falls through.
    assert attribute(datetime(2026, 11, 24, 22, 30), PERIGUEUX, "MARAUDE-Perigueux", actions,
                     feries).action_id == "maraude-perigueux"
    assert attribute(datetime(2026, 11, 24, 22, 30), PERIGUEUX, "nimporte", actions,
                     feries).action_id == "permanence-numerique-soir-perigueux"


def test_a_code_works_before_the_ml_is_known(actions, feries):
    got = attribute(datetime(2026, 12, 10, 15, 0), None, "forum-bordeaux-2026", actions, feries)
    assert got == Attribution("forum-emploi-bordeaux", False)


def test_unknown_ml_uses_network_hours_and_network_actions_only(actions, feries):
    # Tuesday 22:30: Périgueux's evening window is not the network's.
    assert attribute(datetime(2026, 11, 24, 22, 30), None, None, actions, feries) == \
        Attribution(None, True)
    assert attribute(datetime(2026, 11, 24, 10, 0), None, None, actions, feries) == \
        Attribution(None, False)
    assert attribute(datetime(2026, 11, 24, 13, 0), None, None, actions, feries) == \
        Attribution(None, True)  # lunch break
    # Sunday evening: the ARML-wide action matches any ML, known or not.
    sunday = datetime(2026, 11, 29, 19, 0)
    assert attribute(sunday, None, None, actions, feries) == Attribution("arml-dimanche-soir", True)
    assert attribute(sunday, PERIGUEUX, None, actions, feries).action_id == "arml-dimanche-soir"
    # The network schedule is a parameter.
    late = {"mar": ["09:00-23:00"]}
    assert attribute(datetime(2026, 11, 24, 22, 30), None, None, actions, feries,
                     network_hours=late) == Attribution(None, False)
    assert network_is_open(datetime(2026, 12, 25, 10, 0), feries) is False


def test_dated_window_beats_weekly_and_crosses_midnight(actions, feries):
    # Thursday 2027-01-28 21:00: the weekly evenings.
    assert attribute(datetime(2027, 1, 28, 21, 0), BORDEAUX, None, actions, feries).action_id == \
        "soirees-bordeaux"
    # Friday 2027-01-29: the night of orientation, 19:00 to 01:00 the next day.
    for at in (datetime(2027, 1, 29, 19, 0), datetime(2027, 1, 29, 23, 59),
               datetime(2027, 1, 30, 0, 30)):
        assert attribute(at, BORDEAUX, None, actions, feries) == \
            Attribution("nuit-orientation-bordeaux", True), at
    assert attribute(datetime(2027, 1, 30, 1, 0), BORDEAUX, None, actions, feries).action_id is None
    # Another ML never gets Bordeaux's night.
    assert attribute(datetime(2027, 1, 29, 20, 0), PERIGUEUX, None, actions, feries).action_id is None


def test_period_window(actions, feries):
    rochelle = ml("ml-la-rochelle")
    assert attribute(datetime(2026, 7, 15, 18, 0), rochelle, None, actions, feries).action_id == \
        "ete-soirees-la-rochelle"
    assert attribute(datetime(2026, 9, 15, 18, 0), rochelle, None, actions, feries).action_id is None
    assert attribute(datetime(2026, 7, 18, 18, 0), rochelle, None, actions, feries).action_id is None  # Saturday


@pytest.mark.parametrize("utc, expected", [
    # Tuesday after the spring change (CEST, UTC+2): 22:30 Paris is 20:30 UTC.
    (datetime(2027, 3, 30, 20, 30, tzinfo=UTC), "permanence-numerique-soir-perigueux"),
    (datetime(2027, 3, 30, 21, 30, tzinfo=UTC), None),  # 23:30 Paris: closed window
    # Tuesday before it (CET, UTC+1): 22:30 Paris is 21:30 UTC.
    (datetime(2027, 3, 23, 21, 30, tzinfo=UTC), "permanence-numerique-soir-perigueux"),
    (datetime(2027, 3, 23, 16, 30, tzinfo=UTC), None),  # 17:30 CET: too early
    (datetime(2027, 3, 30, 16, 30, tzinfo=UTC), "permanence-numerique-soir-perigueux"),  # 18:30 CEST
])
def test_dst_spring_week(actions, feries, utc, expected):
    assert attribute(utc, PERIGUEUX, None, actions, feries).action_id == expected


def test_dst_change_sundays(actions, feries):
    # Last Sunday of March 2027 (28th): clocks go 02:00 -> 03:00. The ARML window is 18:00-22:00.
    assert attribute(datetime(2027, 3, 28, 19, 59, tzinfo=UTC), None, None, actions,
                     feries).action_id == "arml-dimanche-soir"        # 21:59 CEST
    assert attribute(datetime(2027, 3, 28, 20, 0, tzinfo=UTC), None, None, actions,
                     feries).action_id is None                         # 22:00 CEST
    assert attribute(datetime(2027, 3, 28, 16, 0, tzinfo=UTC), None, None, actions,
                     feries).action_id == "arml-dimanche-soir"        # 18:00 CEST
    # Last Sunday of October 2026 (25th): clocks go 03:00 -> 02:00.
    assert attribute(datetime(2026, 10, 25, 20, 59, tzinfo=UTC), None, None, actions,
                     feries).action_id == "arml-dimanche-soir"        # 21:59 CET
    assert attribute(datetime(2026, 10, 25, 21, 0, tzinfo=UTC), None, None, actions,
                     feries).action_id is None                         # 22:00 CET
    assert attribute(datetime(2026, 10, 25, 16, 30, tzinfo=UTC), None, None, actions,
                     feries).action_id is None                         # 17:30 CET
    # A week earlier (CEST) the same UTC instant 16:30 is 18:30 Paris: inside.
    assert attribute(datetime(2026, 10, 18, 16, 30, tzinfo=UTC), None, None, actions,
                     feries).action_id == "arml-dimanche-soir"


def test_dst_opening_hours_monday_after_change(actions, feries):
    # Monday 2026-10-26 (CET): 08:30 UTC is 09:30 Paris, open; 07:30 UTC is 08:30 Paris, closed.
    assert attribute(datetime(2026, 10, 26, 8, 30, tzinfo=UTC), PERIGUEUX, None, actions,
                     feries).out_of_hours is False
    assert attribute(datetime(2026, 10, 26, 7, 30, tzinfo=UTC), PERIGUEUX, None, actions,
                     feries).out_of_hours is True
    # Tuesday 2027-03-30 (CEST; the Monday is Easter Monday): 07:30 UTC is 09:30 Paris, open.
    assert attribute(datetime(2027, 3, 30, 7, 30, tzinfo=UTC), PERIGUEUX, None, actions,
                     feries).out_of_hours is False


def test_window_crossing_midnight_over_the_dst_night():
    # Saturday 22:00 -> Sunday 03:00 over the spring change: 02:xx does not exist that night.
    window = Window.model_validate({"days": ["sam"], "from": "22:00", "to": "03:00"})
    assert window.holds(datetime(2027, 3, 27, 21, 30, tzinfo=UTC))      # 22:30 CET Saturday
    assert window.holds(datetime(2027, 3, 28, 0, 30, tzinfo=UTC))       # 01:30 CET Sunday
    assert window.holds(datetime(2027, 3, 28, 0, 59, tzinfo=UTC))       # 01:59 CET
    assert not window.holds(datetime(2027, 3, 28, 1, 0, tzinfo=UTC))    # 03:00 CEST: ended
    assert not window.holds(datetime(2027, 3, 28, 21, 30, tzinfo=UTC))  # Sunday 23:30: not Saturday's
    assert not window.holds(datetime(2027, 3, 27, 20, 59, tzinfo=UTC))  # 21:59 Saturday


def test_jours_feries(feries):
    assert date(2026, 12, 25) in feries
    assert date(2026, 4, 6) in feries            # lundi de Pâques 2026
    assert date(2027, 3, 29) in feries           # lundi de Pâques 2027
    assert date(2027, 5, 6) in feries            # Ascension 2027
    assert date(2031, 7, 14) in feries           # any year
    assert date(2026, 12, 26) not in feries      # Saint-Étienne: Alsace-Moselle only
    assert date(2026, 11, 24) not in feries
    assert feries.name(date(2026, 12, 25)) == "Noël"
    # A datetime is read in Paris time: 23:30 UTC on the 24th is already Christmas in Paris.
    assert datetime(2026, 12, 24, 23, 30, tzinfo=UTC) in feries
    assert datetime(2026, 12, 24, 22, 30, tzinfo=UTC) not in feries
    assert "2026-12-25" not in feries
    assert len(feries.in_year(2026)) == 11
