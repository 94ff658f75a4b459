"""Round 10 (batch o), in words written for these tests. A calm frame (a film, one's own job or
training, troubles said to be over) silenced the whole message, the learned model too: a long
message that tells an ordinary day first and ends on a crisis now got no answer at all. Now a later
sentence that turns to now ("mais là", "et là il est 3h", "ce soir") is read on its own, and the
frame yields where the learned model is all but sure. Framed messages that are calm stay calm."""
from __future__ import annotations

import pytest

from bot.understanding.crisis import _calm_frame, _words, detect_crisis

# the frame covers the day told first; the crisis comes after the turn to now
AFTER_THE_TURN = [
    ("Bonsoir, aujourd'hui j'avais mon atelier CV, ça s'est bien passé, la conseillère était cool. "
     "J'ai mangé avec ma soeur et regardé un film. Mais là il est 3h et je me suis coupé les bras, "
     "ça saigne beaucoup et j'arrive pas à arrêter.", "automutilation"),
    ("On a vu un reportage sur les incendies en cours, c'était intéressant. Et là mon copain "
     "m'a frappée et il m'empêche de sortir de l'appart.", "violence_conjugale"),
]

# framed as a whole (a series watched, an article read), and the learned model is sure: the frame yields
THROUGH_THE_FRAME = [
    "j'ai regardé une série toute la soirée pour pas penser, mais ça sert à rien, j'ai avalé toute "
    "la boîte de somnifères il y a une heure et je me sens partir",
    "j'ai lu un article sur la sextorsion, un mec a mes photos et il veut 500 euros avant minuit "
    "sinon il les envoie à ma famille",
]

# the film is the frame, but the jeune says it is their life, now
MINE_NOW = [
    "j'ai vu un film sur une fille qui se fait frapper par son copain, c'est ce que je vis, il m'a "
    "encore frappée ce soir et il dort à côté",
]

CALM = [
    "j'ai regardé un film hier où le héros se fait poignarder à la fin, trop triste",
    "dans mon taf d'aide-soignante on a eu une formation sur le suicide des personnes âgées",
    "L'an dernier j'étais à la rue. Maintenant j'ai un studio et un cdi, merci à vous",
    "il y a deux ans je me scarifiais, aujourd'hui ça va mieux et je veux devenir éducatrice",
    "On a regardé un docu sur le harcèlement en cours. Et là je me demande si je pourrais devenir CPE.",
]


@pytest.mark.parametrize("text,category", AFTER_THE_TURN)
def test_a_crisis_after_the_turn_to_now_is_read_whatever_came_before(text, category):
    for second_opinion in (True, False):        # the rules alone read it
        found = detect_crisis(text, second_opinion=second_opinion)
        assert found is not None and not found.soft, (second_opinion, text)
        assert found.category == category


@pytest.mark.parametrize("text", THROUGH_THE_FRAME)
def test_a_frame_yields_where_the_learned_model_is_sure(text):
    assert _calm_frame(_words(text))                  # the frame holds for the whole message…
    assert detect_crisis(text, second_opinion=False) is None
    assert detect_crisis(text) is not None, text      # …and the learned model lets it through


@pytest.mark.parametrize("text", MINE_NOW)
def test_their_own_harm_now_breaks_the_frame(text):
    assert not _calm_frame(_words(text))
    found = detect_crisis(text, second_opinion=False)
    assert found is not None and found.category == "violence_conjugale"


@pytest.mark.parametrize("text", CALM)
def test_framed_calm_messages_stay_calm(text):
    assert detect_crisis(text) is None, text
