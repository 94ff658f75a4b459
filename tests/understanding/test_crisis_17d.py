"""Issue 17d: the classes behind heldout5's errors. Phrasings written for these tests only.

Each pair: the harmless near miss is not flagged at all (no rule, no second opinion), and the same
words said in distress get the full crisis answer (a rule, not a soft find) with their situation.
"""
from __future__ import annotations

import pytest

from bot.understanding.crisis import detect_crisis

# class -> (harmless, the same words in distress, the situation the distress must be named)
PAIRS = {
    "farewell": [
        ("on a fait nos adieux a la prof qui part a la retraite",
         "jai fait mes adieux a ma mere ce soir elle sait pas que cest la derniere fois", "suicide"),
        ("bye tout le monde merci pour tout, a lundi pour la suite du stage",
         "bye tout le monde merci pour tout jen peux plus", "suicide"),
        ("adieu les vacances, demain cest la rentree", "jai dit adieu a mes freres sans rien leur expliquer",
         "suicide"),
    ],
    "joining the dead": [
        ("je rejoins ma soeur la haut au chalet ce week end", "jvais bientot rejoindre ma soeur la haut",
         "suicide"),
        ("je vais rejoindre mon cousin a marseille samedi", "je veux rejoindre mon cousin qui est mort l an dernier",
         "suicide"),
    ],
    "the plan chosen": [
        ("jai choisi comment jvais faire mon expose", "jai choisi comment jvais le faire, jattends juste ce soir",
         "suicide"),
        ("on a choisi la date de la soiree pour lanniv", "cest bon jai choisi le jour et la maniere",
         "suicide"),
    ],
    "pregnancy": [
        ("je suis enceinte de 4 mois et tout se passe bien, je cherche une formation",
         "je suis enceinte et jai trop peur, personne doit le savoir", "panique"),
        ("ma cousine est enceinte on va faire une fete", "jai 15 ans et je suis enceinte jsais pas quoi faire",
         "panique"),
    ],
    "hyperbole": [
        ("je vais crever si jai pas mon redbull ce matin", "je vais crever, jai rien a manger depuis des jours",
         None),
        ("je meurs sans mon tacos du vendredi", "je veux mourir, jen peux plus de cette vie", "suicide"),
    ],
    "animal": [
        ("le chien de mon oncle ma suivi jusqu au bus", "un homme ma suivi jusqu au bus jai peur", "danger"),
        ("mon chaton me harcele pour ses croquettes", "des filles de ma classe me harcelent tous les jours",
         "harcelement"),
    ],
    "truancy": [
        ("jai fugue du cours de philo avec ma pote", "jai fugue de chez moi hier soir jai nulle part ou dormir",
         "sans_abri"),
    ],
    "wedding": [
        ("mon cousin sest marie au bled cet ete cetait magnifique",
         "mes parents veulent que je me marie au bled avec un homme que je connais pas", "mariage_force"),
    ],
    "heat and laughter": [
        ("jetouffe dans ce bus il fait trop chaud", "jetouffe jai peur jarrive plus a respirer", "panique"),
        ("jetouffe de rire devant ce sketch mdr", "jetouffe, crise dangoisse, aidez moi", "panique"),
    ],
    "scolding": [
        ("jvais me faire defoncer par ma mere jai oublie le pain mdr",
         "ma mere me frappe a chaque fois que jai une mauvaise note", "violence_familiale"),
    ],
    "crush": [
        ("mon coeur bat trop vite il ma souri au self", "mon coeur bat trop vite jai peur de mourir", None),
    ],
    "counsellor": [
        ("ma conseillere me suit pour mon projet de formation", "un inconnu me suit depuis la gare jai peur",
         "danger"),
    ],
    "someone else's treatment": [
        ("mon grand pere prend plein de cachets pour sa tension, je l aide avec un pilulier",
         "jai pris plein de cachets dun coup pour plus me reveiller", "overdose"),
    ],
    "idioms": [
        ("jai failli metouffer de rire en cours", "il ma etouffe avec un oreiller jusqu a ce que je tombe", None),
        ("jai envie de tuer ce reveil tous les matins", "jai envie de me tuer tous les matins", "suicide"),
        ("je me bats avec ce formulaire caf depuis une heure", "mon pere me bat depuis une heure", None),
        ("mon pote menace de me spoiler la fin de la saison", "mon ex menace de me tuer si je parle", None),
    ],
}


def _pairs():
    for name, pairs in PAIRS.items():
        for harmless, distress, category in pairs:
            yield name, harmless, distress, category


@pytest.mark.parametrize("name, harmless, distress, category", list(_pairs()))
def test_the_harmless_near_miss_is_not_flagged(name, harmless, distress, category):
    assert detect_crisis(harmless) is None, (name, harmless, detect_crisis(harmless))


@pytest.mark.parametrize("name, harmless, distress, category", list(_pairs()))
def test_the_same_words_in_distress_get_the_full_answer(name, harmless, distress, category):
    found = detect_crisis(distress)
    assert found is not None and not found.soft, (name, distress, found)
    if category:
        assert found.category == category, (name, distress, found)


def test_laughter_next_to_distress_does_not_soften():
    found = detect_crisis("ptdr jvais me jeter du pont jsuis serieux jen peux plus")
    assert found is not None and not found.soft


# what only the second opinion found on heldout5, now a rule: said again in other words, with a calm twin
RULED = [
    ("jai une corde dans mon placard et jy pense", "jai une corde a sauter pour la boxe", "suicide"),
    ("franchement la vie cest pas pour moi", "la vie de bureau cest pas pour moi jprefere le terrain", "suicide"),
    ("jviens davaler tous les xanax de ma soeur", "jai avale mon doliprane avec un verre deau", "overdose"),
    ("jarrive plus a arreter de boire, tous les soirs", "jarrive plus a arreter de regarder cette serie", "drogue"),
    ("mon beau pere menferme dans le garage", "jme suis enferme dehors jai oublie mes cles mdr", "violence_familiale"),
    ("il a continue alors que je lui ai dit non", "il a continue a jouer alors que la partie etait finie", "violence_sexuelle"),
    ("jrecois des messages haineux sous chaque post", "jai recu des messages de soutien apres mon post", "harcelement"),
    ("mon ex ma mis un airtag dans mon sac", "jai mis un airtag sur ma valise pour le voyage", "danger"),
    ("jai pas mange depuis deux jours jai plus rien", "jai pas mange depuis ce matin jai trop faim mdr", "sans_abri"),
    ("ma tante ma dit de degager et de plus revenir", "le prof ma dit de sortir et de revenir apres la pause", "sans_abri"),
]


@pytest.mark.parametrize("distress, calm, category", RULED)
def test_second_opinion_finds_now_have_a_rule(distress, calm, category):
    found = detect_crisis(distress)
    assert found is not None and not found.soft and found.category == category, (distress, found)
    assert detect_crisis(calm, second_opinion=False) is None, (calm, detect_crisis(calm))
