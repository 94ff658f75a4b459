"""Turn a message written in SMS French into plain, comparable words.

Jeunes write "jveu 1 rdv stp", "g pa d'taf", "steuplaaait". Both the FAQ matcher and the crisis
detector read the same normalised text: lowercase, no accents, no punctuation, letters repeated for
emphasis collapsed, SMS spellings and abbreviations expanded into the words they stand for.
"""
from __future__ import annotations

import re
import unicodedata

# One SMS token -> the words it stands for. Only unambiguous forms; synonyms of slang that matter
# for understanding ("taf", "thune") are folded into one plain word.
LEXICON: dict[str, str] = {
    # pronoun + verb contractions
    "g": "j ai", "envi": "envie", "jai": "j ai", "jaii": "j ai", "jen": "j en", "jy": "j y",
    "jaime": "j aime", "jaimerai": "j aimerais", "jaimerais": "j aimerais", "jarrive": "j arrive",
    "javais": "j avais", "jetais": "j etais", "jattends": "j attends", "jessaie": "j essaie",
    "jhabite": "j habite", "jhesite": "j hesite", "jaurai": "j aurai", "jaurais": "j aurais",
    "jsuis": "je suis", "jsui": "je suis", "jss": "je suis", "chui": "je suis", "chuis": "je suis",
    "chu": "je suis", "jsp": "je sais pas", "jsais": "je sais", "chais": "je sais", "chepa": "je sais pas",
    "chaispas": "je sais pas", "jpp": "j en peux plus", "jpeu": "je peux", "jtm": "je t aime",
    "jvais": "je vais", "jvai": "je vais", "jve": "je vais", "jveu": "je veux", "veu": "veux",
    "jveut": "je veux", "jeveux": "je veux", "jvoudrai": "je voudrais", "voudrai": "voudrais",
    "c": "c est", "ces": "c est", "cest": "c est", "ct": "c etait", "cetait": "c etait",
    "t": "tu", "tas": "tu as", "tinquiete": "t inquiete",
    "ya": "il y a", "yaa": "il y a", "yen": "il y en", "yora": "il y aura", "yaura": "il y aura",
    "minscrire": "m inscrire", "minscris": "m inscris", "minscrit": "m inscrit",
    "mincrire": "m inscrire", "mincris": "m inscris", "mappelle": "m appelle",
    "sinscrire": "s inscrire", "linscription": "l inscription",
    # question words
    "koi": "quoi", "kwa": "quoi", "koa": "quoi", "quoa": "quoi",
    "pk": "pourquoi", "pq": "pourquoi", "pkoi": "pourquoi", "pourkoi": "pourquoi", "prq": "pourquoi",
    "qd": "quand", "kan": "quand", "qnd": "quand", "kand": "quand",
    "ke": "que", "k": "que", "ki": "qui", "kel": "quel", "kelle": "quelle", "kels": "quels",
    "koment": "comment", "koman": "comment", "cmt": "comment", "comen": "comment", "commen": "comment",
    "cmb": "combien", "cb": "combien", "combi1": "combien", "cbien": "combien",
    "kesk": "qu est ce que", "keske": "qu est ce que", "kestion": "question",
    # small words
    "tro": "trop", "tjs": "toujours", "pr": "pour", "pur": "pour", "ds": "dans", "bcp": "beaucoup", "bcoup": "beaucoup",
    "mtn": "maintenant", "mnt": "maintenant", "mntn": "maintenant", "tjr": "toujours",
    "tjrs": "toujours", "pa": "pas", "vs": "vous", "ns": "nous", "nn": "non", "tt": "tout",
    "tte": "toute", "ttes": "toutes", "mm": "meme", "oci": "aussi", "osi": "aussi",
    "bi1": "bien", "ptet": "peut etre", "ptetre": "peut etre", "vrmt": "vraiment",
    "pcq": "parce que", "pck": "parce que", "psk": "parce que", "paske": "parce que",
    "pasque": "parce que", "sa": "ca", "auj": "aujourd hui", "ajd": "aujourd hui",
    "aujd": "aujourd hui", "aujourdhui": "aujourd hui", "dem1": "demain", "2main": "demain",
    "dmain": "demain", "aprem": "apres midi", "aprm": "apres midi", "1": "un", "qqn": "quelqu un",
    "qqun": "quelqu un", "quelquun": "quelqu un", "kelkun": "quelqu un", "qq1": "quelqu un",
    "qqch": "quelque chose", "qqc": "quelque chose", "dsl": "desole", "cad": "c est a dire",
    "ouai": "oui", "ouais": "oui", "wi": "oui", "tkt": "t inquiete", "tqt": "t inquiete",
    "stp": "stp", "stpp": "stp", "svp": "stp", "svpp": "stp", "steuplait": "stp", "steuplai": "stp",
    "stplait": "stp", "stplai": "stp", "siteplait": "stp", "silteplait": "stp", "stpl": "stp",
    "dacc": "d accord", "dac": "d accord", "okk": "ok", "oki": "ok",
    # greetings and thanks
    "slt": "salut", "salu": "salut", "slu": "salut", "bjr": "bonjour", "bjour": "bonjour",
    "bonjours": "bonjour", "bsr": "bonsoir", "bsoir": "bonsoir", "cc": "coucou", "kikou": "coucou",
    "wsh": "wesh", "wech": "wesh", "mrc": "merci", "mci": "merci", "mrci": "merci", "merc": "merci",
    "merki": "merci", "thx": "merci", "thanks": "merci", "cimer": "merci", "mercii": "merci",
    # things jeunes talk about
    "taf": "travail", "taff": "travail", "boulot": "travail", "bosser": "travailler",
    "taffer": "travailler", "bosse": "travaille", "bossé": "travaille", "thune": "argent", "thunes": "argent", "tune": "argent",
    "tunes": "argent", "fric": "argent", "oseille": "argent", "moula": "argent", "flouze": "argent",
    "money": "argent", "alloc": "allocation", "allocs": "allocation", "appart": "appartement",
    "apart": "appartement", "apparte": "appartement", "medoc": "medicament",
    "medocs": "medicaments", "tel": "telephone", "num": "numero", "rdz": "rdv", "rendezvous": "rdv",
    "rdvs": "rdv", "conv": "conversation", "infos": "informations", "info": "information",
    "daron": "pere", "daronne": "mere", "darons": "parents", "daronnes": "parents",
    "rents": "parents", "reum": "mere", "reup": "pere", "meuf": "copine",
    "mec": "copain", "keum": "copain", "mutu": "mutuelle", "o": "au", "come": "comme",
    "coloc": "colocation", "colloc": "colocation", "collocation": "colocation",
}

# Written as two or more words, meant as one.
PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\brendez vous\b"), "rdv"),
    (re.compile(r"\bc est (est|ete)\b"), r"c \1"),  # "c est" written "c est", "c été"
    (re.compile(r"\bj ai (ai|es)\b"), "j ai"),
    (re.compile(r"\bs il (te|vous) plait\b"), "stp"),
    (re.compile(r"\bchai pas\b|\bche pas\b|\bj sais pas\b"), "je sais pas"),
    (re.compile(r"\bj en peu plus\b"), "j en peux plus"),
    # "slt cv": a greeting and "ca va", not a CV
    (re.compile(r"^(salut|coucou|wesh|bonjour|bonsoir|yo|hello|hey) cv$"), r"\1 ca va"),
    # "pu" for "plus" after a verb ("jveu pu vivre", "jen peu pu"); "j ai pu venir" stays
    (re.compile(r"\b(veux|veut|peux|peut|peu|sais|suis|vois|arrive|supporte|en peux|en peu|ai plus|ai|a|y a|il y a) (pu|plu)\b"
                r"(?! (venir|le faire|passer|aller|avoir|trouver|parler|voir|appeler|lire|dormir un peu|me|m|te|t|le|la|les))"),
     r"\1 plus"),
]

_MARKS = re.compile(r"[\u0300-\u036f]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_FINAL_DOUBLE = re.compile(r"([aiouykpxz])\1$")
_J_CONSONANT = re.compile(r"^j([bcdfgklmnpqrstvwxz][a-z]+)$")


def fold(text: str) -> str:
    """Lowercase, no accents, letters and digits only, emphasis collapsed ("steuplaaait")."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = _MARKS.sub("", text).replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    text = _NON_WORD.sub(" ", text)
    return _REPEATS.sub(r"\1", text).strip()


def expand_token(token: str) -> str:
    """One token in its plain-words form ("jveux" -> "je veux", "g" -> "j ai")."""
    if token in LEXICON:
        return LEXICON[token]
    m = _J_CONSONANT.match(token)
    if m:  # "jveux", "jme", "jcherche": no French word starts with j + consonant
        rest = m.group(1)
        return "je " + LEXICON.get(rest, rest)
    collapsed = _FINAL_DOUBLE.sub(r"\1", token)  # "mercii", "stpp"
    if collapsed != token:
        return LEXICON.get(collapsed, collapsed)
    return token


def normalize(text: str) -> str:
    """The message as plain words separated by single spaces; '' for nothing usable."""
    if not isinstance(text, str):
        return ""
    words = " ".join(expand_token(t) for t in fold(text).split())
    for pattern, replacement in PHRASES:
        words = pattern.sub(replacement, words)
    return words


_SOUNDS = [(re.compile(a), b) for a, b in [
    (r"eau|au", "o"), (r"ai|ei", "e"), (r"(er|ez|et)$", "e"), (r"ph", "f"), (r"qu", "k"),
    (r"c(?=[eiy])", "s"), (r"ck|c", "k"), (r"gu(?=[eiy])", "g"), (r"y", "i"), (r"z", "s"),
    (r"w", "v"), (r"h", ""), (r"tion", "sion"), (r"(en|em|am)(?![aeiou])", "an"),
    (r"om(?![aeiou])", "on"), (r"(ain|ein|im)(?![aeiou])", "in"), (r"([a-z])\1", r"\1"),
    (r"[estxdp]$", ""), (r"[estxdp]$", ""),
]]


def sounds_like(word: str) -> str:
    """A rough French phonetic key: "lokal" and "locale", "servis" and "service" share one."""
    for pattern, replacement in _SOUNDS:
        word = pattern.sub(replacement, word)
    return word


def tokens(text: str) -> list[str]:
    return normalize(text).split()
