"""Issue 17, round 4: the classes behind heldout6's false alarms. Phrasings written for these tests only.

Each pair: the harmless near miss raises no rule (the full answer), and the same words said in
distress still get the full crisis answer with their situation. The second opinion is left out of
the harmless side on purpose: it may still check in gently; what these guards promise is that no
rule fires on a joke, an outing or a knife for the bread.
"""
from __future__ import annotations

import pytest

from bot.understanding.crisis import _words, detect_crisis

# class -> (harmless, the same words in distress, the situation the distress must be named)
PAIRS = {
    "joke": [
        ("jveux mourir cette video est trop drole mdr", "mdr jveux mourir jsuis serieux jen peux plus", "suicide"),
        ("dites adieu a mes cheveux jai rate ma coloration ptdr 😂", "adieu je vous aime tous, pardon", "suicide"),
        ("ma soeur a fini mes chips jvais la tuer lol", "jvais me tuer ce soir lol personne men empechera", "suicide"),
        ("jsuis mort 🤣 t as vu sa tete", "jveux mourir 😂 enfin non jsais pas jsuis tellement seul", "suicide"),
    ],
    "hyperbole after": [
        ("si jai pas mon cafe avant 9h jmeurs", "si jai pas a manger ce soir jvais mourir de faim pour de vrai", "sans_abri"),
        ("si ya pas de wifi au stage je vais crever", "si jai plus de logement je vais crever dehors", "sans_abri"),
    ],
    "working hard": [
        ("je me tue a la tache pour finir mon dossier de cej", "je vais me tuer ce soir jai tout prevu", "suicide"),
    ],
    "outing": [
        ("nulle part ou aller ce samedi, vous avez des idees de sortie ?",
         "jai nulle part ou aller ce soir ma mere ma mis dehors", "sans_abri"),
        ("je sais pas ou dormir ce week end, chez mon frere ou chez ma copine",
         "je sais pas ou dormir ce soir, je suis a la rue", "sans_abri"),
    ],
    "kitchen": [
        ("passe moi le couteau pour couper le pain stp", "il ma mis un couteau sous la gorge", "danger"),
        ("jai achete un couteau pour la cuisine de mon cap", "jai un couteau pour me couper les veines", "automutilation"),
    ],
    "view": [
        ("on est montes sur le toit pour la vue, trop beau", "je suis sur le toit jvais sauter", "suicide"),
        ("en haut de la falaise pour le coucher de soleil avec mes potes",
         "je suis au bord de la falaise cest la derniere fois", "suicide"),
    ],
    "follower": [
        ("un gars me suit sur insta et like tout lol", "un gars me suit partout jusqu a chez moi jai peur", "danger"),
    ],
    "left long ago": [
        ("je suis partie de chez mes parents il y a deux ans et tout va bien jai mon appart",
         "je suis partie de chez mes parents ce soir je sais pas ou dormir", "sans_abri"),
    ],
    # the classes heldout6 missed
    "the last time": [
        ("cest la derniere fois que jecris a ce service, jai trouve un job merci", 
         "cest la derniere fois que je vous ecris, merci davoir essaye", "suicide"),
        ("cest mon dernier jour de stage demain, trop triste de partir", "aujourd hui cest mon dernier jour, pardon maman",
         "suicide"),
    ],
    "left behind": [
        ("on a etudie le testament en cours de droit", "jai ecrit mon testament hier soir, c plus simple comme ca", "suicide"),
        ("je te laisse passer apres moi au guichet", "je vous laisse mes mots de passe quand je serai plus la", "suicide"),
    ],
    "the date fixed": [
        ("la date est fixee pour mon entretien, jsuis pret", "la date est fixee, dimanche, jai plus peur du tout", "suicide"),
    ],
    "drinking": [
        ("je bois du the tous les matins avant la formation", "je bois seul tous les matins sinon je tremble jai honte",
         "drogue"),
        ("je suis accro au cafe mdr", "je suis alcoolique a 20 ans et jarrive pas a le dire", "drogue"),
    ],
    "a wedding decided for me": [
        ("le mariage de ma soeur est prevu en aout, trop hate", "le mariage est prevu au bled sans mon avis je le connais meme pas",
         "mariage_force"),
    ],
    "real hunger": [
        ("je creve de faim vivement midi", "je creve de faim pour de vrai, plus un centime depuis lundi", "sans_abri"),
    ],
    # calm as a whole: a film, someone else's hard times that are over, the jeune's own volunteering
    "calm frame": [
        ("jai vu un docu sur netflix qui parle dune fille battue par son mec, trop bien fait",
         "jai vu un film sur une fille battue par son mec, moi aussi il me frappe", "violence_conjugale"),
        ("ma tante a dormi dehors y a 10 ans, aujourd hui elle a son appart et elle va bien",
         "ma tante ma mise dehors ce soir, je dors ou", "sans_abri"),
        ("je fais du benevolat aux restos du coeur, on distribue des repas aux sdf le jeudi",
         "je suis sdf depuis un mois et personne maide", "sans_abri"),
    ],
    "a marriage told by its steps": [
        ("jai perdu mon passeport avant le mariage de ma cousine, comment je le refais",
         "ils ont pris mon passeport et parlent dune ceremonie au bled cet ete", "mariage_force"),
        ("ma soeur est partie au bled pour les vacances, elle revient en aout",
         "ma soeur a ete envoyee au pays a 16 ans et elle est jamais revenue, cette annee cest mon tour", "mariage_force"),
    ],
    "marks and a cover story": [
        ("jai des bleus partout apres le match de rugby de dimanche",
         "jai des bleus et jai dit au lycee que jetais tombee, en vrai cest mon beau pere", "violence_familiale"),
        ("jai pris des coups a la boxe mais jadore",
         "jai encore pris des coups hier soir, jai dit que cetait le sport", "violence_familiale"),
    ],
    "control by a partner": [
        ("mon copain prend mon tel pour appeler sa mere, le sien est casse",
         "mon copain exige tous mes codes et lit mes messages tous les soirs", "violence_conjugale"),
    ],
    "no roof": [
        ("je cherche un hebergement pour mon stage a bordeaux, vous avez des aides ?",
         "jai aucun hebergement ce soir, je sors de lhopital", "sans_abri"),
    ],
    # suicide said without its words (classes from the training batches and heldout7)
    "said without the words": [
        ("je serai plus la a partir de juillet, je pars en service civique a lyon",
         "laisse tomber le cej, de toute facon je serai plus la le mois prochain", "suicide"),
        ("plus besoin de rdv, jai signe un cdi !! merci pour tout",
         "annulez mon rdv de mardi, jen aurai plus besoin", "suicide"),
        ("combien de doliprane max par jour pour une rage de dents ?",
         "combien de doliprane il faut pour pas se reveiller", "suicide"),
        ("on a fait une liste de qui ramene quoi pour lanniv",
         "jai ecrit qui recupere quoi dans mes affaires, ma console a mon petit frere", "suicide"),
        ("tu peux garder mon chat pendant les vacances ? je pars en espagne",
         "vous pourrez donner mon chat a quelquun de gentil", "suicide"),
    ],
}

CASES = [(cls, harmless, distress, category) for cls, pairs in PAIRS.items() for harmless, distress, category in pairs]


@pytest.mark.parametrize("cls,harmless,distress,category", CASES, ids=[f"{c[0]}:{i}" for i, c in enumerate(CASES)])
def test_the_harmless_sense_raises_no_rule(cls, harmless, distress, category):
    found = detect_crisis(harmless, second_opinion=False)
    assert found is None, f"{cls}: {harmless!r} -> {found}"


@pytest.mark.parametrize("cls,harmless,distress,category", CASES, ids=[f"{c[0]}:{i}" for i, c in enumerate(CASES)])
def test_the_same_words_in_distress_stay_a_crisis(cls, harmless, distress, category):
    found = detect_crisis(distress)
    assert found is not None and not found.soft, f"{cls}: {distress!r} -> {found}"
    assert found.category == category, f"{cls}: {distress!r} -> {found.category}"


def test_savoir_is_not_read_as_s_avoir():
    assert _words("personne doit le savoir") == "personne doit le savoir"
    assert _words("jai peur davoir tout rate") == "j ai peur d avoir tout rate"


def test_a_laughing_emoji_reads_as_laughter():
    assert "mdr" in _words("jsuis mort 😂")
