"""Issue 17, round 5: the classes behind heldout8's errors. Phrasings written for these tests only.

Each pair: the harmless near miss raises no rule (the second opinion may still check in gently),
and the same words said in distress still get a crisis answer with their situation."""
from __future__ import annotations

import pytest

from bot.understanding.crisis import detect_crisis

# (harmless, the same words in distress, the situation the distress must be named)
PAIRS = [
    ("je veux en finir avec mes impayes de loyer, y a une aide ?", "je veux en finir avec ma vie, j ai tout prevu", "suicide"),
    ("on m a offert une corde a sauter pour la boxe", "j ai acheté une corde, elle est dans ma chambre, ce soir c est fini", "suicide"),
    ("le prix du loyer a bordeaux c est une agression", "un mec m a suivie et m a coincee dans le hall, il m a touchee", "danger"),
    ("mon telephone s est suicide dans la piscine mdr", "je vais me suicider ce soir", "suicide"),
    ("mon frere fait du judo, il a pris un coup au genou", "mon frere m a mis des coups de poing au visage hier", "violence_familiale"),
    ("quelqu un m a suivi sur tiktok, c est vous la mission locale ?", "un gars m a suivie en voiture jusqu a chez moi", "danger"),
    ("ce film, la meuf saute d un immeuble a la fin, c etait ouf", "ce soir j ai regarde combien d etages fait mon immeuble", "suicide"),
    ("je vais mourir d ennui a cette reunion", "je fond de teint mes poignets pour cacher mes cicatrices", "automutilation"),
]
CRISES = [
    ("est ce que ca fait mal de se noyer ou c est rapide", "suicide"),
    ("j ai achete du charbon et j ai bouche les fenetres de la chambre", "suicide"),
    ("quelle dose de doliprane il faut pour ne plus se reveiller", "suicide"),
    ("mon pote a pris je sais pas quoi il a les levres bleues", "overdose"),
    ("le patron nous enferme la nuit dans l entrepot", "danger"),
    ("elle a tout enregistre pendant l appel video et maintenant ils veulent 300 euros", "harcelement"),
]


@pytest.mark.parametrize("harmless,distress,category", PAIRS)
def test_harmless_side_raises_no_rule_and_distress_is_named(harmless, distress, category):
    calm = detect_crisis(harmless)
    assert calm is None or calm.soft, (harmless, calm)
    found = detect_crisis(distress, second_opinion=False)
    assert found is not None and found.category == category, (distress, found)


@pytest.mark.parametrize("text,category", CRISES)
def test_round5_crises_are_found_by_the_rules(text, category):
    found = detect_crisis(text, second_opinion=False)
    assert found is not None and found.category == category, (text, found)
