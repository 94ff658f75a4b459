"""The guards of issue 17 (bot.understanding.guards): scary words in a harmless context are no
crisis, and the same words said in distress still are. Phrasings written for these tests only.

Each class has its pairs: the harmless message must not be flagged at all (neither the rules nor
the second opinion), the distressed one must get the full crisis answer (a rule, not a soft find).
"""
from __future__ import annotations

import pytest

from bot.understanding.crisis import _explained, _words, detect_crisis
from bot.understanding.guards import GUARDS, guard
from bot.understanding.normalize import normalize

# class -> (harmless, the same words in distress, the situation the distress must be named)
PAIRS = {
    "illness": [
        ("jai pris des cachets contre le rhume", "jai pris des cachets pour plus me reveiller", "overdose"),
        ("g pris 2 doliprane pour ma migraine", "g pris toute la boite de doliprane pour ma migraine", "overdose"),
        ("le medecin m a prescrit des somniferes pour une semaine",
         "le medecin m a prescrit des somniferes et je les ai tous pris", "overdose"),
        ("jprends un antihistaminique pour mon allergie au pollen",
         "jai pris mes cachets pour l allergie avec une bouteille de vodka", "overdose"),
        ("j ai de la fievre, j ai pris du paracetamol comme le doc a dit",
         "jai de la fievre et j en ai pris 12 d un coup", "overdose"),
    ],
    "leisure": [
        ("on a dormi dehors au festival avec les potes, trop bien",
         "je dors dehors depuis que mon pere m a mis a la porte", "sans_abri"),
        ("en vacances on dort dans le van au bord du lac",
         "je dors dans ma voiture depuis une semaine, j ai plus de logement", "sans_abri"),
        ("on fait du camping sauvage ce weekend, dormir sous la tente j adore",
         "c est pas du camping, je dors sous une tente parce que j ai nulle part ou aller", "sans_abri"),
    ],
    "play": [
        ("mon pere m a battu aux echecs", "mon pere me bat quand je perds aux echecs", "violence_familiale"),
        ("mon frere m a defonce a fifa 4-0", "mon frere me tabasse des que je gagne a fifa", "violence_familiale"),
        ("ma soeur m a frappee avec un oreiller mdr", "ma soeur me frappe tous les jours avec sa ceinture",
         "violence_familiale"),
        ("mon pote m a etrangle pour rire au judo", "mon copain m etrangle pour rire et j ai des marques",
         "violence_conjugale"),
        ("au foot je me suis pris un coup de pied, ca va", "mon coach de foot me frappe a l entrainement",
         "danger"),
    ],
    "accident": [
        ("je suis tombe en skate, j ai des bleus partout mdr",
         "j ai des bleus partout, mon pere m a pousse dans l escalier", "violence_familiale"),
        ("je me suis coupe le doigt en epluchant les patates",
         "je me suis coupe le bras expres avec une lame", "automutilation"),
        ("je me suis brulee avec le fer a lisser ce matin",
         "je me suis brulee expres avec le fer a lisser", "automutilation"),
    ],
    "idiom": [
        ("jvais disparaitre sous ma couette tout le weekend", "jveux disparaitre pour toujours", "suicide"),
        ("je vais me jeter sur mon lit en rentrant", "je vais me jeter sous le train", "suicide"),
        ("je vais sauter dans le premier train pour lyon", "je vais sauter du pont ce soir", "suicide"),
        ("ma mere va me tuer si je rate le bac", "ma mere va me tuer, elle a pris un couteau", "danger"),
        ("mon boss va me tuer si je rends pas le dossier", "mon ex va me tuer si je reviens pas",
         "violence_conjugale"),
        ("ce taf me tue", "ce taf me tue et j ai envie de mourir pour de vrai", "suicide"),
        ("je suis mort de fatigue", "je suis mort de fatigue et j ai plus envie de vivre", "suicide"),
        ("mdr jsuis morte de rire", "mdr non serieux je veux mourir", "suicide"),
        ("j ai couru pour le bus j arrive plus a respirer mdr",
         "crise d angoisse j arrive plus a respirer", "panique"),
        ("on a regarde un film sur une ado harcelee", "je suis harcelee au lycee comme dans le film",
         "harcelement"),
        ("je fais un expose sur le harcelement", "je fais un expose sur le harcelement parce que je suis "
         "harcelee tous les jours", "harcelement"),
        ("je fais mon stage dans un foyer pour sans abri",
         "je dors dans un foyer pour sans abri depuis qu on m a mis dehors", "sans_abri"),
        ("jveux acheter un couteau pour la cuisine", "il a un couteau et il me menace", "danger"),
    ],
}


def _pairs():
    for name, rows in PAIRS.items():
        for harmless, distress, category in rows:
            yield name, harmless, distress, category


@pytest.mark.parametrize("name, harmless, distress, category", list(_pairs()))
def test_harmless_context_is_not_a_crisis(name, harmless, distress, category):
    assert detect_crisis(harmless) is None, (name, harmless, detect_crisis(harmless))


@pytest.mark.parametrize("name, harmless, distress, category", list(_pairs()))
def test_the_same_words_in_distress_are_still_a_crisis(name, harmless, distress, category):
    found = detect_crisis(distress)
    assert found is not None and not found.soft, (name, distress, found)
    assert found.category == category, (distress, found)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_each_guard_class_takes_out_its_harmless_words(name):
    """The harmless message of each class is explained away (not missed by luck): by its guard, or
    for the oldest idioms ("ce taf me tue") by the idiom list of bot.understanding.crisis."""
    for harmless, _, _ in PAIRS[name]:
        assert _explained(_words(harmless)), harmless
        if name != "idiom":
            assert name in guard(normalize(harmless))[1], harmless
    assert name in {g.name for g in GUARDS}


def test_a_guard_only_takes_out_its_own_words():
    """The rest of the message is still read: a cold named beside a wish to die is a crisis."""
    out, used = guard(normalize("jai pris un sirop contre la toux mais jai envie de mourir"))
    assert "mourir" in out
    assert detect_crisis("jai un rhume mais c est pas ca, jai envie d en finir").category == "suicide"


def test_guards_never_raise_on_odd_text():
    for text in ("", " ", "a" * 10_000, "mdr " * 500, "🙂" * 50):
        guard(normalize(text))


def test_the_fast_second_opinion_gives_scikit_learns_figure():
    from bot.understanding.crisis import _classifier, _fast
    texts = ["je me sens vide", "mdr ce taf me tue", "jai pris des cachets contre le rhume", "slt",
             "jsais plus quoi faire de ma vie tout le monde s en fout", "🙂", ""]
    expected = _classifier().predict_proba(texts)[:, 1]
    for text, p in zip(texts, expected):
        assert abs(_fast().proba(text) - p) < 1e-9, text
