"""What the engine itself says to jeunes (the flows say the rest). Tutoiement, short, plain words."""
import re

from bot.understanding.normalize import normalize

NOT_TEXT = ("Je ne peux lire que les messages écrits (pas les {what}). "
            "Tu peux m'écrire ta question avec des mots ?")
KIND_NAMES = {
    "sticker": "stickers", "photo": "photos", "voice": "messages vocaux", "audio": "sons",
    "video": "vidéos", "video_note": "vidéos", "document": "fichiers", "location": "positions",
    "contact": "contacts", "poll": "sondages", "other": "messages de ce type",
}
EMPTY = "Ton message est vide. Écris-moi ce que tu veux, je suis là pour t'aider."
TOO_LONG = ("Ton message est très long : j'ai lu seulement le début. "
            "Si tu veux raconter ta situation à une personne, écris « conseiller ».")
NO_WORDS = "Je n'ai pas compris ce message. Tu peux l'écrire avec des mots ?"
EDITED = "J'ai vu que tu as modifié un message. Renvoie-moi plutôt un nouveau message, c'est plus simple pour moi."
EXPIRED = "Ce bouton n'est plus valable. Voici où on en est :"
RESUME = "On reprend :"
NOT_UNDERSTOOD = ("Je n'ai pas bien compris. Tu parles de l'un de ces sujets ? "
                  "Tu peux aussi parler à un conseiller ou une conseillère.")
NOT_UNDERSTOOD_NO_TOPIC = ("Je n'ai pas bien compris. Tu peux le dire avec d'autres mots ? "
                           "Tu peux aussi parler à un conseiller ou une conseillère.")
WHICH_ONE = "Tu parles de quoi exactement ?"
ANYTHING_ELSE = "Tu peux me poser une autre question quand tu veux."
STOPPED = ("C'est noté : je ne t'enverrai plus de messages. "
           "Si tu m'écris à nouveau, je te répondrai.")
RESTARTED = "Content de te revoir ! Je te réponds à nouveau."
SLOW_DOWN = "Tu m'envoies beaucoup de messages d'un coup. Attends quelques secondes, je lis tout ça."
WITH_REFERENT = "Un conseiller ou une conseillère lit tes messages et te répond ici."
REFERENT_JOINED = "Bonjour, c'est {name}, de la Mission Locale. Je prends le relais et je lis tes messages."
HANDED_BACK = ("La conseillère ou le conseiller a terminé. C'est de nouveau moi, le robot (pas une personne) : "
               "tu peux encore me poser tes questions.")
FORGOTTEN = ("C'est fait : j'ai effacé tes informations (ton prénom, ton âge, ta commune, nos messages). "
             "Si tu m'écris à nouveau, on repart de zéro.")
CRISIS_ALERTED = ("J'ai aussi prévenu l'équipe de la Mission Locale : une personne lira ton message "
                  "dès que possible, ici.")
ERROR = ("Oups, j'ai un souci technique. Réessaie dans une minute. "
         "Si c'est urgent, appelle le 112.")

BTN_QUESTION = "Poser une question"
BTN_RDV = "Prendre rendez-vous"
BTN_CONSEILLER = "Parler à un conseiller"

# crisis mode (issue 17) ------------------------------------------------------------------------
BTN_SAFE = "Je suis en sécurité"
BTN_UNSAFE = "Je ne suis pas en sécurité"
NOT_TEXT_SHORT = {
    "sticker": "Joli ! Écris-moi avec des mots si tu as une question 🙂",
    "voice": "Je ne peux pas écouter les messages vocaux : écris-moi ta question, je réponds.",
    "audio": "Je ne peux pas écouter les sons : écris-moi ta question, je réponds.",
}
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def when(at) -> str:
    """"jeudi 3 à 13h30" for a Paris datetime."""
    return f"{JOURS[at.weekday()]} {at.day} à {at.hour}h{at.minute:02d}".replace("h00", "h")


class _Words:
    """A pattern matched on the normalised words of a message (SMS spellings folded)."""

    def __init__(self, pattern: str):
        self._re = re.compile(pattern)

    def search(self, text: str):
        return self._re.search(normalize(text or ""))


# The jeune says it is better / they are safe: the crisis mode ends gently.
BETTER = _Words(
    r"^(?!.*\b(pas|plus|jamais|toujours pas|non)\b.{0,12}\b(mieux|bien|securite|passe)\b)(?!.*\bpas en securite\b)"
    r"(.*\b(ca va (mieux|aller|un peu mieux|bien mieux)|je vais (mieux|bien)|je me sens (mieux|bien)|"
    r"(je suis |suis )?en securite|c est passe|ca est passe|ca s est calme|je me suis calme\w*|tout va bien|"
    r"je suis avec (quelqu un|ma mere|mon pere|des amis|une amie|un ami|ma soeur|mon frere|ma famille))\b"
    r"|^(oui |ouais |bon |merci |ok |d accord )*(ca va|c est bon|t inquiete|oui ca va|ok merci)( merci| stp)?$)")
# Still not well: a soft check-in becomes the crisis mode.
NOT_OK = _Words(r"\b(non|pas bien|mal|pire|seul|seule|aide|peur|sais pas|jsp|personne|nul|triste|"
                r"pleure|fatigue|marre)\b")
CRISIS_DOWN = ("J'ai un souci technique pour prévenir l'équipe en ce moment : appelle un des numéros "
               "ci-dessus, ils répondent tout de suite. Je réessaie de prévenir l'équipe.")
SOFT_DOOR = "Et si ça ne va pas fort en ce moment, dis-le moi : je suis là. Le 3114 écoute aussi, 24h/24."
WAITING_FIRST = ("C'est noté, je garde ton message pour la personne qui va te répondre. "
                 "Tu peux continuer à écrire, elle lira tout.")
WAITING_AGAIN = "📩 Noté, je le transmets."

# messages as people write them (issue 17) --------------------------------------------------------
HELLO_SHORT = "Salut ! 👋"
STILL_HERE = "Re ! Je suis toujours là. Écris-moi ta question quand tu veux."
OUTSIDE = ("Ta commune n'est pas dans notre région : ici, je ne peux pas te donner de rendez-vous. "
           "Va à la Mission Locale de ta ville : tu trouves son adresse sur unml.info "
           "(rubrique « Trouver ma Mission Locale »).")
SAD_EMOJI = "Ça n'a pas l'air d'aller… Tu veux m'en parler ? Je suis là."
SMALL_TALK = {
    "thanks": "Avec plaisir ! Tu peux me poser une autre question quand tu veux.",
    "ok": "D'accord 👍",
    "here": "Oui, je suis là 🙂",
    "hello": "Salut ! 👋 Dis-moi ce que tu veux savoir.",
}


class _Raw:
    def __init__(self, pattern: str):
        self._re = re.compile(pattern)

    def search(self, text: str):
        return self._re.search(text or "")


EMOJI_SAD = _Raw(r"[😭😢😞😔💔😿🥺😩😫☹🙁]")
_EMOJI_KIND = [(_Raw(r"^[\s👋🖐✋🙋]+$"), "hello"), (_Raw(r"^[\s🙏❤️♥💙💚💛🧡💜🥰😍😘]+$"), "thanks"),
               (_Raw(r"^[\s👍👌✅🆗]+$"), "ok"), (_Raw(r"^[\s?？!]+$"), "here")]
_TALK = _Words(r"^(?:(merci|mrc|merci beaucoup|merci bcp|merci bien|top merci|super merci|cimer|thx|"
               r"merci c est gentil|trop gentil|c est gentil)|(ok|okay|d accord|ca marche|ok ca marche|"
               r"parfait|super|cool|top|nickel|ok merci)|(allo|allo allo|t es la|tu es la|y a quelqu un|"
               r"il y a quelqu un|hello|tu m entends|tu reponds|tu repond|y a personne|il y a personne))$")


def small_talk(text: str) -> str | None:
    """thanks / ok / here / hello, or None (a question or anything else)."""
    for pattern, kind in _EMOJI_KIND:
        if pattern.search(text):
            return kind
    m = _TALK.search(text)
    if not m:
        return None
    return "thanks" if m.group(1) else "ok" if m.group(2) else "here"


_COMMUNE = _Words(r"^(?:(?:moi )?(?:j habite|je vis|je reside|je suis|j suis|je viens|jsuis|j habites|"
                  r"jhabite|habite|ma commune c est|ma ville c est|c est|j habite vers|je vis vers)"
                  r"\s+(?:a|au|aux|en|sur|de|d|vers|pres de|dans|la|le)?\s*)?"
                  r"(?P<name>[a-z][a-z ]{1,40}|\d{5})$")
_STATEMENT = _Words(r"^(moi )?(j habite|je vis|je reside|jhabite|ma commune|ma ville|j habites)\b")


def commune_statement(text: str, bare: bool = False) -> str | None:
    """The commune in "jhabite a perigeux" / "33000" (a bare name only when one was asked)."""
    m = _COMMUNE.search(text)
    if not m:
        return None
    name = m.group("name").strip()
    if name.isdigit() or bare or _STATEMENT.search(text):
        return name
    return None
ALSO_ASKED = "Tu as aussi posé une autre question. Je te réponds ?"
