"""Round 8 classes (batch m), in words written for these tests (not copied from a set): eating or
laughing oneself to death, a story one writes or plays, a thread or an essay on the subject, what a
training teaches one to handle, a first-aid exercise; and the same words with distress now."""
from __future__ import annotations

import pytest

from bot.understanding.crisis import detect_crisis

CALM = [
    "jvais crever si je mange encore une part de gateau",
    "je vais mourir tellement j ai mange de raclette",
    "jai failli me noyer dans ma douche tellement j ai ri",
    "dans ma fanfic le perso principal veut se suicider",
    "ma formation d agent de securite a une partie sur les agressions",
    "en formation on a appris a reagir face a une agression",
    "en formation de vendeur on nous apprend a calmer un client agressif",
    "mon perso sur le serveur rp est un dealer, c est grave si je mets ca dans mon cv ? mdr",
    "j ai lu un article sur les violences conjugales pour mon asso, ca m a appris des choses",
    "au psc1 la formatrice a fait semblant d etre inconsciente et je devais la masser",
]

STILL_CRISES = [
    "je vais mourir tellement j ai mal au ventre, j ai avale toute la boite",
    "j ai lu un article sur comment se pendre et ce soir je le fais",
    "mon perso va mal et moi aussi, je veux mourir ce soir",
    "j ai un expose sur la mort mais en vrai je veux en finir cette nuit",
    "j ai vu une video sur moi qui tourne partout, je veux disparaitre pour de bon",
    "on m a appris a me taire mais ce soir il me frappe encore, j ai peur",
    # a parent's anger over a broken thing can be real fear: no idiom for it
    "j ai casse le tel de mon pere, il va me tuer, la derniere fois il m a frappee",
]


@pytest.mark.parametrize("text", CALM)
def test_round8_calm(text):
    assert detect_crisis(text) is None, detect_crisis(text)


@pytest.mark.parametrize("text", STILL_CRISES)
def test_round8_still_crises(text):
    assert detect_crisis(text) is not None
