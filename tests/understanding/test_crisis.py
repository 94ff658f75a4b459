"""Crisis detection: never miss one (on the sets and on phrasings written for these tests only),
keep obvious idioms out, answer with the right numbers, never raise."""
from __future__ import annotations

import csv
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from bot.understanding.crisis import (
    CATEGORIES, Crisis, CrisisConfig, crisis_answer, detect_crisis, load_crisis,
)
from bot.yamlconf import ConfigError

DATA = Path(__file__).resolve().parents[1] / "data"
TRAIN = Path(__file__).resolve().parents[2] / "bot" / "understanding" / "data"


@pytest.fixture(scope="module")
def cfg(request) -> CrisisConfig:
    return load_crisis(Path(request.config.rootpath) / "config" / "crisis.yml")


# Written for this test, not taken from the CSV sets: other words, other spellings.
POSITIVES = {
    "suicide": [
        "jveux en finir", "g envie de mourir", "je vais me foutre en l'air", "je veux me tuer",
        "jvais me tuer ce soir", "j'ai plus envie de vivre", "jpense a me suicider", "jveu mourir",
        "g envi de crever", "jvais mettre fin a mes jours", "je vais me jeter sous un train",
        "personne me regrettera si je pars", "tout le monde serait mieux sans moi",
        "j'ai acheté une corde", "je suis suicidaire", "jai des pensées suicidaires", "sucide",
        "jveux me sucider", "jen ai marre de la vie", "la vie sert a rien", "ma vie vaut plus rien",
        "je sers a rien je veux plus exister", "jai envie de partir pour toujours",
        "je préfère mourir que retourner chez moi", "je ne veux plus me réveiller",
        "ce soir c est la fin pour moi", "je vais faire une connerie ce soir", "a quoi bon vivre",
        "ma vie est finie", "j'ai fait une tentative de suicide", "jpp jveux plus vivre",
        "J'AI ENVIE DE MOURIR", "jai envie de mourrrrir",
    ],
    "automutilation": [
        "jai envie de me scarifier", "jme suis coupé", "je me scarifi", "je me coupe les bras le soir",
        "jme fais des entailles avec une lame", "je me tape la tete contre les murs",
        "je me brule avec un briquet", "je m automutile", "je me suis refait des marques sur les bras",
        "je me fais du mal",
    ],
    "overdose": [
        "g pris tous mes cachets", "jai avalé une plaquette de xanax", "j'ai pris 20 dolipranes",
        "jai bu de la javel", "jai pris trop de cachets jsuis pas bien", "j'ai pris une boite de lexomil",
        "jai fait une overdose",
    ],
    "violence_conjugale": [
        "mon copain me frappe", "mon copain m etrangle", "mon mec ma frappé hier soir",
        "mon ex me harcele et me menace", "ma meuf me tape", "mon mari m a cogné",
        "mon compagnon me frappe devant les enfants", "mon petit ami me bat",
        "mon copain me serre le cou", "jsuis battue par mon mari", "j ai peur de mon copain",
    ],
    "violence_familiale": [
        "mon pere me tape", "mon beau-pere me frappe", "mon daron me bat", "ma daronne me tabasse",
        "mon pere est violent avec moi", "mes parents me frappent avec la ceinture",
        "ma belle mere me frappe", "mon frere m a tabassé",
    ],
    "violence_sexuelle": [
        "mon oncle m a violée", "j ai été agressée sexuellement a une soirée",
        "un mec m a forcé a le sucer", "il a mis des photos de moi nue sur snap",
        "mon cousin me touche la nuit", "je me suis fait violer", "on me force a me prostituer",
        "jai été abusée quand jetais petite", "il m a obligée a faire des trucs",
    ],
    "sans_abri": [
        "je dors dehors ce soir", "viré de chez moi", "je suis dehors cette nuit", "je dors a la gare",
        "ma mere ma foutu dehors", "mon pere m a mis a la porte hier", "je suis sans domicile",
        "je sais pas ou dormir ce soir", "je suis a la rue depuis 3 jours", "g nulle part ou dormir",
        "mes darons mont viré", "je me suis fait jeter de chez moi", "je vais dormir dans un parc",
    ],
    "danger": [
        "jsui en danger", "au secours", "il me menace avec un couteau", "ils veulent me tabasser",
        "y a un mec qui me suit", "on m a agressé dans la rue", "j ai peur qu il me tue",
        "appelez la police", "il veut me tuer", "je suis enfermée", "il est armé",
    ],
}

# Idioms and everyday messages that only look like a crisis.
NEGATIVES = [
    "tuer le temps", "mort de rire", "frapper à la porte", "je meurs de faim lol",
    "jsuis mort de fatigue", "ce jeu me tue", "il a tué le game", "je vais te tuer a fifa",
    "quelqu un frappe a la porte", "ma batterie est morte", "je veux arreter l ecole",
    "j'ai été viré du lycée", "je me suis fait virer de mon travail", "je cherche un logement",
    "mon pere me pousse a faire des etudes", "mon copain m a donné un coup de main pour mon cv",
    "je veux me couper les cheveux", "je suis etranger", "je dors mal la nuit", "ca me tue ce prof",
    "mon frere se bat pour trouver un taf", "je suis sorti de chez moi pour venir",
    "je crève de chaud", "je meurs de soif", "je vais tuer le temps au parc", "ma mere me saoule",
    "je suis suivi par la mission locale", "je veux faire le cej", "slt", "mdr je suis mort",
]


def _all_positives():
    for category, texts in POSITIVES.items():
        for text in texts:
            yield category, text


@pytest.mark.parametrize("category, text", list(_all_positives()))
def test_crisis_is_detected_with_its_category(category, text):
    found = detect_crisis(text)
    assert found is not None, text
    assert found.category == category, (text, found)
    assert found.evidence


@pytest.mark.parametrize("text", NEGATIVES)
def test_idioms_and_everyday_messages_are_not_crises(text):
    # the rules never fire; the learned second opinion may at most ask gently (soft)
    assert detect_crisis(text, second_opinion=False) is None
    found = detect_crisis(text)
    assert found is None or found.soft


def _rows(name):
    with ((TRAIN if name == "faq_labelled.csv" else DATA) / name).open(encoding="utf-8", newline="") as f:
        return [(r["text"], r["topic"]) for r in csv.DictReader(f)]


@pytest.mark.parametrize("name", ["faq_labelled.csv", "faq_heldout.csv"])
def test_every_detresse_message_of_the_sets_is_caught(name):
    rows = _rows(name)
    missed = [t for t, topic in rows if topic == "detresse" and detect_crisis(t) is None]
    assert missed == []
    false = [t for t, topic in rows if topic != "detresse"
             and detect_crisis(t, second_opinion=False) is not None]
    assert false == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_raises(text):
    result = detect_crisis(text)
    assert result is None or result.category in CATEGORIES + ("inquietude",)


def test_odd_input_is_no_crisis():
    for value in (None, "", "   ", "🙂🙂🙂", 42, b"bytes"):
        assert detect_crisis(value) is None  # type: ignore[arg-type]
    assert detect_crisis("a" * 100_000 + " je veux mourir").category == "suicide"


# --- answers ----------------------------------------------------------------------------------

NUMBERS = {   # the right lines for what was said (issue 17)
    "suicide": ["3114", "114"], "automutilation": ["3114"],
    "overdose": ["15", "112"], "drogue": ["0 800 23 13 13"],
    "violence_conjugale": ["3919", "17", "114", "116 006"],
    "violence_familiale": ["119", "17", "114", "116 006"],
    "violence_sexuelle": ["3919", "119", "17", "116 006"], "mariage_force": ["17", "3919", "116 006"],
    "harcelement": ["3018", "116 006"], "panique": ["3114"],
    "sans_abri": ["115"], "danger": ["17", "112", "114"],
}
NOON = datetime(2026, 12, 1, 11, 0, tzinfo=timezone.utc)
NIGHT = datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)   # 00:30 in Paris


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_answers_with_its_numbers_in_tutoiement(cfg, category):
    text = crisis_answer(cfg, Crisis(category, "x"), at=NOON)
    for number in NUMBERS[category]:
        assert re.search(rf"(?<!\d)(?<!\d ){re.escape(number)}(?! ?\d)", text), (category, number)
    assert not re.search(r"(?<!rendez-)\bvous\b", text, re.IGNORECASE)
    assert re.search(r"\b(tu|te|t'|ton|ta|toi)\b", text, re.IGNORECASE)
    assert 3 <= len(text.splitlines()) <= 9


def test_danger_now_comes_first_and_pills_taken_say_15(cfg):
    text = crisis_answer(cfg, detect_crisis("jai pris des cachets"), at=NIGHT)
    assert text.splitlines()[0].startswith("Appelle le 15")
    on_bridge = detect_crisis("jsuis sur le pont jvais sauter")
    assert on_bridge.danger_now
    assert "15 ou le 112" in crisis_answer(cfg, on_bridge, at=NIGHT).splitlines()[0]
    calm_words = crisis_answer(cfg, Crisis("suicide", "x"), at=NIGHT)
    assert not calm_words.startswith("C'est urgent")     # said after the lines, not first


def test_119_only_for_minors(cfg):
    minor = detect_crisis("jai 15 ans et mon pere me frappe")
    assert minor.minor is True and "📞 119" in crisis_answer(cfg, minor, at=NOON)
    adult = Crisis("violence_familiale", "x")
    assert "119" not in crisis_answer(cfg, adult, age=22, at=NOON)
    unknown = crisis_answer(cfg, adult, at=NOON)
    assert "Si tu as moins de 18 ans : 119" in unknown


def test_lines_closed_at_night_are_not_given(cfg):
    text = crisis_answer(cfg, Crisis("automutilation", "x"), at=NIGHT)
    assert "0 800 235 236" not in text and "3114" in text      # Fil Santé Jeunes closes at 23h
    assert "0 800 235 236" in crisis_answer(cfg, Crisis("automutilation", "x"), at=NOON)


def test_every_line_has_a_source_and_a_checked_date(cfg):
    for line_id, line in cfg.lines.items():
        assert line.source.startswith("https://"), line_id
        assert line.checked.year >= 2026, line_id
    assert cfg.lines["femmes_3919"].number == "3919" and "femmes" in cfg.lines["femmes_3919"].for_
    assert cfg.lines["enfance_119"].minors


def test_unknown_category_falls_back_to_the_generic_text(cfg):
    text = crisis_answer(cfg, Crisis("autre", "x"), at=NOON)
    assert "3114" in text and "114" in text


def test_broken_crisis_file_points_at_its_line(tmp_path, cfg):
    path = tmp_path / "crisis.yml"
    good = (Path(__file__).resolve().parents[2] / "config" / "crisis.yml").read_text(encoding="utf-8")
    path.write_text(good.replace("  panique:", "  tristesse:"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_crisis(path)
    assert any("unknown situations ['tristesse']" in p and p.startswith(f"{path}:")
               for p in info.value.problems)
    path.write_text(good.replace("lines: [samusocial_115,", "lines: [samu_social,"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_crisis(path)
    assert any("unknown lines ['samu_social']" in p for p in info.value.problems)


def test_incomplete_crisis_file_names_the_missing_categories(tmp_path):
    path = tmp_path / "crisis.yml"
    good = (Path(__file__).resolve().parents[2] / "config" / "crisis.yml").read_text(encoding="utf-8")
    start = good.index("  automutilation:")
    end = good.index("  overdose:")
    path.write_text(good[:start] + good[end:], encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_crisis(path)
    assert any("missing answers for automutilation" in p for p in info.value.problems)