"""Round 9 classes (batch n), in words written for these tests (not copied from a set). Crises the
rules did not read: a goodbye dressed as a trip, pills "beaucoup" with the head spinning, someone
hammering at the door and shouting, hiding in the bathroom while he breaks things, a prowler trying
the handles, forced sex work, an identity card held against a drug debt, a wedding to flee,
dissociation. Calm ones that alarmed: a class debate or a teacher's lesson on the subject, an
awareness day, a what-if for a friend, troubles a year over, admin "au secours", a blood test,
cutting meat with a knife, a snack stolen, a parent's anger over a missed dinner, a hanging joke
over a driving test; and the same words with distress now."""
from __future__ import annotations

import pytest

from bot.understanding.crisis import detect_crisis

CRISES = [
    ("le cv c est gentil mais ca servira a rien, je pars samedi et je reviendrai pas", "suicide"),
    ("jai pris les cachets de mon pere tout a l heure, beaucoup, j ai la tete qui tourne", "overdose"),
    ("quelqu un tape a ma porte depuis 20 minutes et hurle mon prenom", "danger"),
    ("je suis cachee dans la salle de bain il casse tout dans le salon", "danger"),
    ("un type rode dans l escalier de l immeuble et essaie les poignees", "danger"),
    ("mon copain m oblige a faire des passes et garde tout l argent", "violence_sexuelle"),
    ("les gars du reseau ont garde ma carte d identite tant que j ai pas paye la marchandise", "drogue"),
    ("le mariage est prevu dimanche avec un cousin, je veux m enfuir", "mariage_force"),
    ("je me vois de l exterieur depuis une heure, ca fait trop peur", "panique"),
]

CALM = [
    "on fait un debat en classe sur le harcelement, des arguments ?",
    "la formatrice nous a parle de la sextorsion ce matin, c est flippant",
    "c est quand la journee contre le harcelement ? on prepare une affiche",
    "si un jour un pote se retrouve a la rue, on appelle quel numero ?",
    "il y a un an j ai quitte mon ex violent, je suis en securite et je cherche une formation",
    "au secours le formulaire de la caf est incomprehensible",
    "je dois faire une prise de sang avant mon apprentissage",
    "au stage en boucherie je decoupe la viande au couteau toute la journee",
    "on m a pique mon sandwich au taf, scandale",
    "ma mere va me tuer si je rentre pas pour le diner",
    "jvais me pendre si j ai pas mon code mdr",
]

STILL_CRISES = [
    "ma mere va me tuer si je rentre pas pour le diner, la derniere fois elle m a frappee",
    "on a fait un debat sur le harcelement et moi je le vis en ce moment, j en peux plus",
    "il y a un an j ai quitte mon ex, ce soir il est devant chez moi et il tape a la porte en criant",
    "quelqu un tape a la porte, j ai peur, je connais pas cette voix",
]


@pytest.mark.parametrize("text,category", CRISES)
def test_round9_crises_found(text, category):
    found = detect_crisis(text, second_opinion=False)
    assert found is not None and found.category == category, found


@pytest.mark.parametrize("text", CALM)
def test_round9_calm(text):
    assert detect_crisis(text) is None, detect_crisis(text)


@pytest.mark.parametrize("text", STILL_CRISES)
def test_round9_same_words_with_distress_now(text):
    assert detect_crisis(text) is not None
