"""Issue 17c: classes the rules knew badly (withdrawal and craving, harassment at work and in
everyday life, stalking and threats, and wordings only the second opinion caught). Each is found
by the rules alone, with its situation; a harmless near miss is not. Phrasings written for these
tests, not taken from the CSV sets."""
from __future__ import annotations

import pytest

from bot.understanding.crisis import detect_crisis

FOUND = [
    ("drogue", "chui en manque gros jsais plus quoi faire"),
    ("drogue", "jsuis en manque d heroine depuis ce matin"),
    ("drogue", "g grave envie de reprendre de la md ce soir"),
    ("drogue", "jai replongé dans la coke apres 1 an clean"),
    ("drogue", "des crampes et des sueurs depuis que jai arreté le lean"),
    ("drogue", "jai besoin de fumer pour tenir en cours"),
    ("drogue", "je me shoote tous les week ends"),
    ("harcelement", "au boulot on mhumilie tous les jours et personne dit rien"),
    ("harcelement", "ma cheffe me rabaisse devant les clients tout le temps"),
    ("harcelement", "ils me traitent de tous les noms au cfa"),
    ("harcelement", "ils ont fait un groupe whatsapp pour se moquer de moi"),
    ("danger", "il mecrit qu il sait ou j habite et qu il va venir"),
    ("danger", "un mec ma suivi jusqu a chez moi ce soir"),
    ("danger", "deux types me poursuivent dans la gare"),
    ("danger", "quelqu un essaye de rentrer dans mon appart"),
    ("violence_conjugale", "si je le quitte il me retrouvera et me tuera"),
    ("suicide", "chui au bord et jai envie de sauter"),
    ("suicide", "ce serait plus simple si je disparaissais"),
    ("automutilation", "je me frappe quand ca va pas"),
    ("overdose", "jai avalé ce qu il y avait dans la boite a pharmacie"),
    ("violence_sexuelle", "je pense qu on ma drogué hier en boite"),
    ("violence_sexuelle", "il ma filmé sous la douche sans que je sache"),
    ("mariage_force", "mon pere a gardé mon passeport pour le mariage au pays"),
    ("panique", "je panique totalement jarrive plus a respirer"),
    ("sans_abri", "je passe mes nuits dans les gares"),
]

CALM = [
    "jsuis en manque de sommeil",
    "trop en manque de vacances la",
    "jsuis en manque daffection mdr",
    "mon chef me harcele de mails pour le rapport lol",
    "ma tutrice me harcele de messages pour le dossier de stage",
    "j ai envie de sauter dans le premier bus",
    "jai trop envie de reprendre le basket",
    "j ai besoin de boire un cafe pour tenir la matinee",
    "on a fait une nuit blanche, je passe mes nuits dans mes revisions",
]


@pytest.mark.parametrize("category, text", FOUND)
def test_new_classes_found_by_the_rules(category, text):
    found = detect_crisis(text, second_opinion=False)
    assert found is not None and not found.soft, text
    assert found.category == category, (text, found)


@pytest.mark.parametrize("text", CALM)
def test_near_misses_are_calm(text):
    assert detect_crisis(text) is None, text
