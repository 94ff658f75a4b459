"""Round 6 classes, in words written for these tests (not copied from a set)."""
from __future__ import annotations

import pytest

from bot.understanding.crisis import detect_crisis

CRISES = [
    ("suicide", "combien de comprimes faut il pour pas se rater"),
    ("suicide", "ca fait mal de se pendre ou pas ?"),
    ("suicide", "jai appris a faire un noeud coulant cet aprem"),
    ("suicide", "jsuis assise au bord des voies depuis une heure"),
    ("suicide", "voila ma derniere volonte : que mon frere garde ma console"),
    ("suicide", "bonjour je viendrai au rdv si je suis encore la lundi"),
    ("suicide", "jcrois que c est la fin pour moi ce coup ci"),
    ("overdose", "jai avale toute la plaquette de somniferes"),
    ("overdose", "ma soeur a bu une vingtaine de cachets de son traitement"),
    ("danger", "le patron du resto garde mon passeport et veut pas me le rendre"),
    ("harcelement|danger", "je recois des menaces de mort sur snap depuis lundi"),
    ("sans_abri", "mon pere m a mis dehors, je suis dans la rue a minuit avec ma valise"),
    ("violence_sexuelle", "mon moniteur d auto ecole me fait des choses quand on est seuls"),
    ("panique|danger", "au secours je panique je sens plus mes mains"),
    # round 6b: short messages
    ("suicide", "la corde et le tabouret est pret"),
    ("suicide", "jvais passer a l acte cette nuit"),
    ("danger", "y a le feu dans la cage d escalier"),
    ("danger", "mon cousin s est fait poignarder devant le kebab"),
    ("automutilation", "jai trop envie de me faire mal ce soir"),
    ("violence_sexuelle", "le gerant veut coucher avec moi sinon pas de contrat"),
    ("mariage_force|violence_familiale", "la dot est payee et jai pas mon mot a dire"),
    ("automutilation", "je me brule les bras avec le briquet quand ca va pas"),
]

CALM = [
    "ce partiel m a violé, 4 sur 20 mdr",
    "partir sans sac de couchage au festival c est du suicide",
    "le coach veut notre mort avec ses burpees",
    "je me suis ouvert le doigt en coupant des oignons, un pansement et ca ira",
    "dans minecraft je suis mort dans la lave trois fois",
    "c est quoi les signes d une overdose ? c est pour mon expose de svt",
    "je voudrais devenir educatrice specialisee, il faut quel diplome ?",
    "l an dernier j ai dormi dans ma voiture, heureusement c est fini, j ai un studio",
    "mon ex me frappait il y a trois ans, je l ai quitte et aujourd hui je suis libre",
    "ma famille part au senegal cet ete pour le mariage de ma cousine",
    "on va au bled pour le mariage de mon grand frere, je peux decaler mon atelier ?",
    "j ai fait mes adieux a mes collegues, mon contrat finit vendredi",
    "mariage au pays cet ete, j ai trop hate de danser avec mes cousines",
    "ma daronne va me tuer, j ai perdu ma carte vitale encore",
    "je me suis brule la main avec la poele en faisant des crepes",
    "au college je me faisais harceler, c est derriere moi, je suis en licence maintenant",
]

# the same frames with distress now in them: still a crisis
STILL_CRISES = [
    "l an dernier j ai dormi dehors, ca allait mieux mais ce soir je dors dehors encore",
    "je fais un expose sur le harcelement parce que je me fais harceler tous les jours",
    "quelle dose de paracetamol c est mortel ? et c est pas pour un devoir",
    "on part au pays pour le mariage de ma cousine mais en vrai c est moi qu ils veulent marier de force",
    "j etais accro il y a deux ans, j ai arrete de me piquer mais j ai recommence hier",
]


@pytest.mark.parametrize("category, text", CRISES)
def test_round6_crises(category, text):
    found = detect_crisis(text)
    assert found is not None and not found.soft and found.category in category.split("|"), (text, found)


@pytest.mark.parametrize("text", CALM)
def test_round6_calm(text):
    assert detect_crisis(text) is None, text


@pytest.mark.parametrize("text", STILL_CRISES)
def test_round6_frames_do_not_hide_distress_now(text):
    assert detect_crisis(text) is not None, text
