"""Crisis detection: never miss one (on the sets and on phrasings written for these tests only),
keep obvious idioms out, answer with the right numbers, never raise."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from bot.understanding.crisis import (
    CATEGORIES, Crisis, CrisisConfig, crisis_answer, detect_crisis, load_crisis,
)
from bot.yamlconf import ConfigError

DATA = Path(__file__).resolve().parents[1] / "data"


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
    assert detect_crisis(text) is None


def _rows(name):
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return [(r["text"], r["topic"]) for r in csv.DictReader(f)]


@pytest.mark.parametrize("name", ["faq_labelled.csv", "faq_heldout.csv"])
def test_every_detresse_message_of_the_sets_is_caught(name):
    rows = _rows(name)
    missed = [t for t, topic in rows if topic == "detresse" and detect_crisis(t) is None]
    assert missed == []
    false = [t for t, topic in rows if topic != "detresse" and detect_crisis(t) is not None]
    assert false == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_raises(text):
    result = detect_crisis(text)
    assert result is None or result.category in CATEGORIES


def test_odd_input_is_no_crisis():
    for value in (None, "", "   ", "🙂🙂🙂", 42, b"bytes"):
        assert detect_crisis(value) is None  # type: ignore[arg-type]
    assert detect_crisis("a" * 100_000 + " je veux mourir").category == "suicide"


# --- answers ----------------------------------------------------------------------------------

NUMBERS = {
    "suicide": ["3114", "112"], "automutilation": ["15", "3114", "0 800 235 236"],
    "overdose": ["15", "112"], "violence_conjugale": ["3919", "17", "114"],
    "violence_familiale": ["119", "17", "114"], "violence_sexuelle": ["3919", "119", "17"],
    "sans_abri": ["115"], "danger": ["17", "112", "114"],
}


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_answers_with_its_numbers_in_tutoiement(cfg, category):
    text = crisis_answer(cfg, Crisis(category, "x"))
    for number in NUMBERS[category]:
        assert re.search(rf"(?<!\d)(?<!\d ){re.escape(number)}(?! ?\d)", text), (category, number)
    assert not re.search(r"(?<!rendez-)\bvous\b", text, re.IGNORECASE)
    assert re.search(r"\b(tu|te|t'|ton|ta|toi)\b", text, re.IGNORECASE)
    assert 2 <= len(text.splitlines()) <= 5


def test_unknown_category_falls_back_to_the_generic_text(cfg):
    text = crisis_answer(cfg, Crisis("autre", "x"))
    assert text == cfg.generic.strip()
    assert "112" in text and "3114" in text and "114" in text


def test_broken_crisis_file_points_at_its_line(tmp_path):
    path = tmp_path / "crisis.yml"
    path.write_text("generic: |\n  Appelle le 112.\ncategories:\n  suicide: Appelle le 3114.\n"
                    "  tristesse: Courage.\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_crisis(path)
    [problem] = info.value.problems
    assert problem.startswith(f"{path}:3: categories: unknown categories ['tristesse']")

    path.write_text("generic: Appelle le 112.\ncategories:\n  suicide: [pas, un, texte]\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_crisis(path)
    assert any(p.startswith(f"{path}:3: categories.suicide:") for p in info.value.problems)


def test_incomplete_crisis_file_names_the_missing_categories(tmp_path):
    path = tmp_path / "crisis.yml"
    path.write_text("generic: Appelle le 112.\ncategories:\n  suicide: Appelle le 3114.\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_crisis(path)
    assert "missing answers for automutilation" in info.value.problems[0]
