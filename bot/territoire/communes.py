"""Where does the jeune live? From what they type to one commune of the region.

Jeunes answer "tu habites où ?" the way they text: "jhabite a st jean d angely", "perigeux",
"c a cote de bordo", "33160", "rochelle". The commune decides which Mission Locale gets the contact,
so a guess is never silent: one clear match is `found`, several plausible ones are `ambiguous` (the
flow shows them as buttons, biggest first), a place outside Nouvelle-Aquitaine is `outside`
(another region's Mission Locale must help), anything else is `not_found`.

The index is built once at start from data/communes-nouvelle-aquitaine.csv (INSEE's Code officiel
géographique via Etalab) and only read afterwards, so one index serves every conversation.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.messages import Button

REGION_DEPARTEMENTS = ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87")
MAX_CANDIDATES = 5
BUTTON_PREFIX = "insee:"   # a button's value: "insee:24322"

Status = Literal["found", "ambiguous", "not_found", "outside"]


@dataclass(frozen=True, slots=True)
class Commune:
    insee: str
    nom: str
    postal_codes: tuple[str, ...]
    departement: str
    departement_nom: str
    arrondissement: str
    arrondissement_nom: str
    epci: str
    epci_nom: str
    population: int

    @property
    def label(self) -> str:
        """What a button shows: the name and its département, so homonyms can be told apart."""
        return f"{self.nom} ({self.departement_nom})"


@dataclass
class Resolution:
    status: Status
    commune: Commune | None = None
    # When ambiguous: at most MAX_CANDIDATES, best first; `more` counts the matches left out.
    candidates: list[Commune] = field(default_factory=list)
    more: int = 0
    # A département understood without a commune ("dans le 33", "gironde"): ask for the commune.
    departement: str | None = None

    def buttons(self) -> list[Button]:
        """One button per candidate; its value resolves straight back to the commune."""
        return [Button(label=c.label, value=BUTTON_PREFIX + c.insee) for c in self.candidates]


# --- text normalisation -------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SAINT = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "mt": "mont"}
_SUR = re.compile(r"\bs/")
ARTICLES = frozenset({"la", "le", "les", "l"})


def normalise(text: str) -> list[str]:
    """Lowercase words without accents or punctuation; "st"/"ste"/"mt"/"s/" spelled out."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    text = _SUR.sub(" sur ", text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return [_SAINT.get(t, t) for t in _NON_ALNUM.sub(" ", text).split()]


def _strip_article(tokens: list[str]) -> list[str]:
    return tokens[1:] if len(tokens) > 1 and tokens[0] in ARTICLES else tokens


def _abbreviated(tokens: list[str]) -> str:
    """The name as often typed: "stjeandeluz", "stefoylagrande"."""
    return "".join({"saint": "st", "sainte": "ste"}.get(t, t) for t in tokens)


_PHONETIC_RULES = [(re.compile(a), b) for a, b in (
    (r"eaux|eau|aux|au", "o"), (r"(?<=[aeou])ill", "i"), (r"ph", "f"), (r"qu|ck|q", "k"),
    (r"c(?=[eiy])", "s"), (r"c", "k"), (r"gu(?=[eiy])", "G"), (r"g(?=[eiy])", "j"), (r"G", "g"),
    (r"y", "i"), (r"z", "s"), (r"w", "v"), (r"h", ""),
    (r"ai|ei", "e"), (r"e[mn](?![aeiou])", "an"), (r"am(?=[bp])", "an"), (r"(.)\1+", r"\1"),
)]
_SILENT_END = re.compile(r"(?:ts|ds|es|[stdx])$")
_OPEN_END = re.compile(r"(?:er|ez|e)$")


def _phonetic_word(word: str) -> str:
    for pattern, repl in _PHONETIC_RULES:
        word = pattern.sub(repl, word)
    if len(word) > 3:
        word = _SILENT_END.sub("", word)
    if len(word) > 3:
        word = _OPEN_END.sub("", word)
    return word


def phonetic(tokens: Iterable[str]) -> str:
    """A rough French sound key, so "bordo", "perigeu" and "bayone" meet their commune."""
    return "".join(_phonetic_word(t) for t in tokens)


# --- what jeunes write around the name ------------------------------------------------------------

# Words that open an answer ("jhabite a cote de …") and never start a commune's name of the region.
_LEADING_FILLER = frozenset("""
    j je jhabite jhabit jabite habite habites habitons habitent jsuis jsui jsu jss chui chuis suis
    sui jvis jvie vis vit vie moi mw nous on c ca cest est a au aux sur dans de des du d vers pres
    proche cote coter juste pas loin commune village mon ma mn ici perso bah ben euh bin bon
    alors ouais oui wesh slt salut bonjour bjr cc coucou hello yo moi habiter actuellement
    maintenant en ce moment reste habitais trouve situe plutot genre vers chez ma mere mes parents
    code postal cp ds dan che
""".split())

# Common words that are also the name of some small commune ("bourg", "mont", "bois"): inside a
# sentence they are read as words, alone they are read as the commune.
_COMMON_WORDS = _LEADING_FILLER | frozenset("""
    bourg mont bois isle lee sus ger bar louer salon cours hours fors brie ars vert pey sos lys aix
    nay lue rom gan pons mons vaux port val saint sainte la le les l et en y t il elle mais donc
    chez mere pere parents famille copain copine ans depuis avant apres jour nuit rue quartier
    centre cite ferme maison appart mes ses leur leurs avec sans tout tous bien tres trop petit
    petite grand grande gros un une deux trois quatre nord sud est ouest haut bas ville
    sais sait sai jsp jsais jcp jcroi idee aucune connais rien non ok okay merci stp svp
    dire veux peux pourquoi quoi comment hein mdr lol ptdr tkt dsl nan nn ya sdf partout
    ai jai ans an campagne foyer hotel squat
""".split())

# Words after a number that make it an age or a street number rather than a département.
_NOT_DEPARTEMENT = frozenset("""
    ans an a rue avenue av bd boulevard chemin allee impasse place route lotissement lot residence
    res bis ter cite quai cours square
""".split())

DEPARTEMENTS = {
    "01": "ain", "02": "aisne", "03": "allier", "04": "alpes de haute provence",
    "05": "hautes alpes", "06": "alpes maritimes", "07": "ardeche", "08": "ardennes",
    "09": "ariege", "10": "aube", "11": "aude", "12": "aveyron", "13": "bouches du rhone",
    "14": "calvados", "15": "cantal", "16": "charente", "17": "charente maritime",
    "18": "cher", "19": "correze", "2A": "corse du sud", "2B": "haute corse", "21": "cote d or",
    "22": "cotes d armor", "23": "creuse", "24": "dordogne", "25": "doubs", "26": "drome",
    "27": "eure", "28": "eure et loir", "29": "finistere", "30": "gard", "31": "haute garonne",
    "32": "gers", "33": "gironde", "34": "herault", "35": "ille et vilaine", "36": "indre",
    "37": "indre et loire", "38": "isere", "39": "jura", "40": "landes", "41": "loir et cher",
    "42": "loire", "43": "haute loire", "44": "loire atlantique", "45": "loiret", "46": "lot",
    "47": "lot et garonne", "48": "lozere", "49": "maine et loire", "50": "manche", "51": "marne",
    "52": "haute marne", "53": "mayenne", "54": "meurthe et moselle", "55": "meuse",
    "56": "morbihan", "57": "moselle", "58": "nievre", "59": "nord", "60": "oise", "61": "orne",
    "62": "pas de calais", "63": "puy de dome", "64": "pyrenees atlantiques",
    "65": "hautes pyrenees", "66": "pyrenees orientales", "67": "bas rhin", "68": "haut rhin",
    "69": "rhone", "70": "haute saone", "71": "saone et loire", "72": "sarthe", "73": "savoie",
    "74": "haute savoie", "75": "paris", "76": "seine maritime", "77": "seine et marne",
    "78": "yvelines", "79": "deux sevres", "80": "somme", "81": "tarn",
    "82": "tarn et garonne", "83": "var", "84": "vaucluse", "85": "vendee", "86": "vienne",
    "87": "haute vienne", "88": "vosges", "89": "yonne", "90": "territoire de belfort",
    "91": "essonne", "92": "hauts de seine", "93": "seine saint denis", "94": "val de marne",
    "95": "val d oise", "971": "guadeloupe", "972": "martinique", "973": "guyane",
    "974": "la reunion", "976": "mayotte",
}
ABROAD = "etranger"
_DEPARTEMENT_ALIASES = {
    "charente maritime": "17", "charentes maritimes": "17", "pays basque": "64", "bearn": "64",
    "reunion": "974", "ile de france": "75", "seine st denis": "93", "neuf trois": "93",
    "pyrenees atlantique": "64", "lot garonne": "47", "haute vienne": "87", "deux sevre": "79",
    "corse": "2A", "belgique": ABROAD, "espagne": ABROAD, "suisse": ABROAD,
    "maroc": ABROAD, "algerie": ABROAD, "tunisie": ABROAD, "portugal": ABROAD,
    "angleterre": ABROAD, "allemagne": ABROAD, "italie": ABROAD,
}

# Well-known places outside the region that jeunes name ("je suis sur toulouse").
_OUTSIDE_NAMES = (
    "paris", "marseille", "lyon", "toulouse", "nice", "nantes", "montpellier", "strasbourg",
    "lille", "rennes", "reims", "toulon", "grenoble", "dijon", "angers", "nimes",
    "clermont ferrand", "le mans", "tours", "brest", "amiens", "perpignan", "orleans", "rouen",
    "caen", "metz", "nancy", "montauban", "tarbes", "cahors", "rodez", "albi", "auch", "lourdes",
    "chateauroux", "la roche sur yon", "cholet", "saumur", "vannes", "lorient", "saint nazaire",
    "avignon", "mulhouse", "besancon", "le havre", "saint etienne", "aurillac", "montlucon",
    "vichy", "figeac", "blagnac", "colomiers", "saint gaudens", "castres", "carcassonne",
    "beziers", "narbonne", "blois", "les sables d olonne", "fontenay le comte", "villeurbanne",
    "creteil", "saint denis", "montreuil", "argenteuil", "boulogne billancourt", "nanterre",
    "versailles", "aubervilliers", "cergy", "massy", "marne la vallee", "evry", "la defense",
    "bruxelles", "geneve", "madrid", "barcelone", "londres", "lisbonne", "bilbao", "saint sebastien",
    "pampelune", "casablanca", "alger", "tunis", "dakar", "abidjan", "pointe a pitre",
    "fort de france", "cayenne", "mamoudzou", "bourges", "limoux", "agde", "sete", "pamiers",
    "villefranche de rouergue", "mont saint michel", "saint malo", "quimper", "poissy", "sarcelles",
    "orange", "valence", "chambery", "annecy", "laval", "le puy en velay", "mende", "millau",
)


# --- the index -----------------------------------------------------------------------------------


def _int(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _by_size(communes: Iterable[Commune]) -> list[Commune]:
    """Biggest first (the likeliest answer), then alphabetical; duplicates dropped."""
    seen: dict[str, Commune] = {}
    for c in communes:
        seen.setdefault(c.insee, c)
    return sorted(seen.values(), key=lambda c: (-c.population, c.nom, c.insee))


def _max_edits(length: int) -> int:
    """Typos forgiven for a key of that length: none on very short names, up to 3 on long ones."""
    if length <= 3:
        return 0
    if length <= 6:
        return 1
    if length <= 11:
        return 2
    return 3


# Among equally close spellings, a town this many times bigger than the next is taken as meant.
DOMINANCE = 10
# Inhabitants from which a commune of the region is a town a jeune may shorten ("saint denis").
TOWN = 3000


class _Keys:
    """Spellings to compare a query with, each pointing to its communes."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[Commune]] = {}

    def add(self, key: str, commune: Commune) -> None:
        hits = self.by_key.setdefault(key, [])
        if commune not in hits:
            hits.append(commune)

    def freeze(self) -> None:
        self.keys = list(self.by_key)
        self.hits = [self.by_key[k] for k in self.keys]

    def near(self, query: str, edits: int, limit: int = 30) -> list[Commune]:
        if edits < 0 or not query:
            return []
        found: list[Commune] = []
        for _key, _dist, i in process.extract(query, self.keys, scorer=OSA.distance,
                                              score_cutoff=edits, limit=limit):
            found.extend(self.hits[i])
        return found


class CommuneIndex:
    """Every commune of the region, looked up by name (forgiving) or postal code."""

    def __init__(self, communes: Iterable[Commune]):
        self.communes: dict[str, Commune] = {}
        self._by_postal: dict[str, list[Commune]] = {}
        self._exact: dict[str, list[Commune]] = {}      # compact name, article kept
        self._loose: dict[str, list[Commune]] = {}      # compact name without article, or "st…"
        self._sound: dict[str, list[Commune]] = {}      # phonetic key without leading article
        self._prefix: dict[str, list[Commune]] = {}     # leading words of a longer name
        self._infix: dict[str, list[Commune]] = {}      # other words of a longer name
        self._raw = _Keys()                             # for typos: spellings...
        self._phon = _Keys()                            # ...and sounds, of names and name heads
        self._spellings: dict[str, tuple[list[str], list[str]]] = {}
        for c in communes:
            if c.insee in self.communes:
                raise ValueError(f"commune {c.insee} listed twice")
            self.communes[c.insee] = c
            for code in c.postal_codes:
                self._by_postal.setdefault(code, []).append(c)
            words = normalise(c.nom)
            loose = _strip_article(words)
            raw_keys = ["".join(loose), _abbreviated(loose)]
            phon_keys = [phonetic(loose)]
            _append(self._exact, "".join(words), c)
            for key in raw_keys:
                _append(self._loose, key, c)
            _append(self._sound, phon_keys[0], c)
            for n in range(1, len(loose)):
                for i in range(len(loose) - n + 1):
                    part = loose[i:i + n]
                    if any(w not in _COMMON_WORDS and len(w) >= 4 for w in part):
                        _append(self._prefix if i == 0 else self._infix, " ".join(part), c)
                        if i == 0 and len("".join(part)) >= 5:
                            raw_keys.append("".join(part))
                            phon_keys.append(phonetic(part))
            for key in raw_keys:
                self._raw.add(key, c)
            for key in phon_keys:
                self._phon.add(key, c)
            self._spellings[c.insee] = (raw_keys, phon_keys)
        self._by_postal = {k: _by_size(v) for k, v in self._by_postal.items()}
        self._raw.freeze()
        self._phon.freeze()
        # A place of the region with the same name wins over the well-known one elsewhere; so
        # does a town starting like it ("saint denis" may be Saint-Denis-de-Pile: better ask),
        # but not a village ("montpellier" is not Montpellier-de-Médillan).
        self._outside_raw: list[str] = []
        self._outside_phon: list[str] = []
        for name in _OUTSIDE_NAMES:
            words = name.split()
            starting = self._prefix.get(name, [])
            if ("".join(words) not in self._loose
                    and all(c.population < TOWN for c in starting)):
                self._outside_raw.append("".join(words))
                self._outside_phon.append(phonetic(_strip_article(words)))
        self._outside_exact = set(self._outside_raw) | set(self._outside_phon)
        self._departement_names: dict[str, str] = {}
        for code, name in DEPARTEMENTS.items():
            self._departement_names[name.replace(" ", "")] = code
        for name, code in _DEPARTEMENT_ALIASES.items():
            self._departement_names[name.replace(" ", "")] = code

    # -- construction --

    @classmethod
    def from_csv(cls, path: Path | str) -> "CommuneIndex":
        """Read the region's communes file (columns of data/communes-nouvelle-aquitaine.csv)."""
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return cls(Commune(
            insee=r["code_insee"], nom=r["nom"],
            postal_codes=tuple(r["codes_postaux"].split()),
            departement=r["departement"], departement_nom=r["departement_nom"],
            arrondissement=r["arrondissement"], arrondissement_nom=r["arrondissement_nom"],
            epci=r["epci"], epci_nom=r["epci_nom"], population=_int(r["population"]),
        ) for r in rows)

    # -- plain look-ups --

    def __len__(self) -> int:
        return len(self.communes)

    def __iter__(self) -> Iterator[Commune]:
        return iter(self.communes.values())

    def __contains__(self, insee: object) -> bool:
        return insee in self.communes

    def get(self, insee: str) -> Commune | None:
        return self.communes.get(insee)

    @property
    def by_insee(self) -> dict[str, Commune]:
        return self.communes

    def by_postal_code(self, code: str) -> list[Commune]:
        """Communes sharing that postal code, biggest first."""
        return list(self._by_postal.get(code, []))

    # -- resolving what a jeune typed --

    def resolve(self, text: str) -> Resolution:
        """The commune meant by `text`, or why there isn't exactly one."""
        text = (text or "").strip()
        if text.startswith(BUTTON_PREFIX):
            commune = self.communes.get(text[len(BUTTON_PREFIX):].strip())
            return Resolution("found", commune) if commune else Resolution("not_found")
        words = normalise(text)
        names = [w for w in words if not w.isdigit()]
        content = self._content(names)
        # "33 000": a postal code typed with a space.
        postal = [w for w in words if w.isdigit() and len(w) == 5]
        postal += [a + b for a, b in re.findall(r"(?<!\d)(\d{2})\s(\d{3})(?!\d)", text)]
        if postal:
            return self._resolve_postal(postal[0], content)
        departement = self._departement_number(words)
        if departement and departement not in REGION_DEPARTEMENTS:
            return Resolution("outside", departement=departement)   # "dans le 31", "st aubin 31"
        if departement is None:
            # "gironde", "landes": the département, not the small commune of that name.
            code = self._departement_named(content)
            if code in REGION_DEPARTEMENTS:
                return self._departement_only(code)
        # The official name, typed in full ("Pas-de-Jeu", "Le Grand-Bourg", a button's label).
        attempts = [(names, departement), (content, departement)]
        split = self._trailing_departement(names)
        if split:
            attempts.append((split[1], split[0]))
        for typed, code in attempts:
            found = self._exact_hits(typed, code, sound=False) if typed else []
            if found:
                return self._decide(self._with_bigger_namesakes(found, typed, code))
        if not content or all(w in _COMMON_WORDS or w in ARTICLES for w in content):
            return self._departement_only(departement) if departement else Resolution("not_found")
        if self._is_outside_exact(content):
            return Resolution("outside")
        # "saint aubin landes", "Saint-Aubin (Landes)": a trailing département narrows the choice.
        split = self._trailing_departement(content)
        if split and split[0] in REGION_DEPARTEMENTS:
            resolved = self._resolve_words(split[1], split[0], typos=False)
            if resolved.status != "not_found":
                return resolved
        resolved = self._resolve_words(content, departement, typos=False)
        if resolved.status != "not_found":
            return resolved
        if split:
            if split[0] not in REGION_DEPARTEMENTS:
                return Resolution("outside", departement=split[0])
            resolved = self._resolve_words(split[1], split[0], typos=True)
            if resolved.status != "not_found":
                return resolved
        return self._resolve_words(content, departement, typos=True)

    def _resolve_words(self, content: list[str], departement: str | None,
                       typos: bool) -> Resolution:
        if not typos:
            found = self._exact_hits(content, departement, sound=False)
            if found:
                return self._decide(_by_size(found))
            found = self._part_hits(content, departement)
            if found:
                return self._pick({c.insee: 0 for c in found})
            found = self._exact_hits(content, departement)
            if found:
                return self._rank(found, content)
            if len(content) > 1:
                # "villeneuve sur lo": a slip in the whole name beats an exact part of it.
                close = self._fuzzy(content, departement, anchored=True)
                if close.status != "not_found":
                    return close
            return self._scan(content, departement)
        if self._is_outside_near(content):
            return Resolution("outside")
        resolved = self._fuzzy(content, departement)
        if resolved.status != "not_found" or len(content) == 1:
            return resolved
        for n in range(min(len(content) - 1, 5), 0, -1):
            for i in range(len(content) - n + 1):
                window = content[i:i + n]
                if window[0] in _COMMON_WORDS or all(w in _COMMON_WORDS for w in window):
                    continue
                resolved = self._fuzzy(window, departement)
                if resolved.status != "not_found":
                    return resolved
        return Resolution("not_found", departement=departement)

    def _scan(self, content: list[str], departement: str | None) -> Resolution:
        """Inside a sentence: the longest group of words that names a commune or a place."""
        for n in range(min(len(content) - 1, 6), 0, -1):
            for i in range(len(content) - n + 1):
                window = content[i:i + n]
                if all(w in _COMMON_WORDS or w in ARTICLES for w in window):
                    continue
                found = self._exact_hits(window, departement, sound=False)
                if found:
                    return self._decide(_by_size(found))
                if self._is_outside_exact(window):
                    return Resolution("outside")
        for n in range(min(len(content) - 1, 6), 0, -1):
            for i in range(len(content) - n + 1):
                window = content[i:i + n]
                if window[0] in _COMMON_WORDS or all(w in _COMMON_WORDS for w in window):
                    continue
                found = self._part_hits(window, departement)
                if found:
                    return self._pick({c.insee: 0 for c in found})
                found = self._exact_hits(window, departement)
                if found:
                    return self._rank(found, window)
        return Resolution("not_found", departement=departement)

    # -- helpers --

    @staticmethod
    def _content(names: list[str]) -> list[str]:
        """Drop the opening words ("jhabite a cote de") but never everything."""
        i = 0
        while i < len(names) - 1 and names[i] in _LEADING_FILLER:
            i += 1
        return names[i:]

    def _departement_number(self, words: list[str]) -> str | None:
        for i, w in enumerate(words):
            if w.isdigit() and len(w) in (2, 3):
                if i + 1 < len(words) and words[i + 1] in _NOT_DEPARTEMENT:
                    continue   # an age or a street number, not a département
                return w if (len(w) == 2 or w in DEPARTEMENTS) else None
        return None

    def _departement_named(self, words: list[str]) -> str | None:
        return (self._departement_names.get("".join(words))
                or self._departement_names.get("".join(_strip_article(words))))

    def _trailing_departement(self, content: list[str]) -> tuple[str, list[str]] | None:
        for n in (3, 2, 1):
            if len(content) > n:
                code = self._departement_named(content[-n:])
                if code:
                    return code, content[:-n]
        return None

    def _departement_only(self, code: str) -> Resolution:
        if code in REGION_DEPARTEMENTS:
            return Resolution("not_found", departement=code)
        return Resolution("outside", departement=None if code == ABROAD else code)

    def _exact_hits(self, words: list[str], departement: str | None,
                    sound: bool = True) -> list[Commune]:
        """Same name, whatever the accents, hyphens, "st" or article; then same sound."""
        loose = _strip_article(words)
        hits = (_in(self._exact.get("".join(words)), departement)
                or _in(self._loose.get("".join(loose)), departement))
        if hits or not sound:
            return hits
        if len("".join(loose)) < 4:
            return []
        return _in(self._sound.get(phonetic(loose)), departement)

    def _part_hits(self, words: list[str], departement: str | None) -> list[Commune]:
        """A name's first words ("sarlat", "oloron"), else a distinctive part ("hossegor")."""
        key = " ".join(_strip_article(words))
        return (_in(self._prefix.get(key), departement)
                or _in(self._infix.get(key), departement))

    def _rank(self, hits: list[Commune], words: list[str]) -> Resolution:
        """Several names fit loosely: the closest spelling, a far bigger town, else ask."""
        raw = "".join(_strip_article(words))
        dist = {c.insee: min(OSA.distance(raw, k) for k in self._spellings[c.insee][0])
                for c in hits}
        return self._pick(dist)

    def _with_bigger_namesakes(self, hits: list[Commune], words: list[str],
                               departement: str | None) -> list[Commune]:
        """"villeneuve" is a village of Gironde, but Villeneuve-sur-Lot is a town: ask."""
        if departement:   # "Saint-Médard (Charente-Maritime)", a button's label: as typed
            return _by_size(hits)
        biggest = max(c.population for c in hits)
        longer = _by_size(c for c in self._prefix.get(" ".join(_strip_article(words)), [])
                          if c.population > biggest)
        return _by_size(hits) + longer[:max(1, MAX_CANDIDATES - len(hits))]

    def _is_outside_exact(self, words: list[str]) -> bool:
        if "".join(words) in self._outside_exact:
            return True
        code = self._departement_named(words)
        return bool(code) and code not in REGION_DEPARTEMENTS

    def _is_outside_near(self, words: list[str]) -> bool:
        """A slip on a well-known place outside ("toulous"), unless a commune here is closer."""
        raw, phon = "".join(words), phonetic(_strip_article(words))
        edits = _max_edits(len(raw))
        if not edits:
            return False
        outside = min((OSA.distance(raw, r) + OSA.distance(phon, p)
                       for r, p in zip(self._outside_raw, self._outside_phon)
                       if OSA.distance(raw, r) <= edits), default=None)
        if outside is None:
            return False
        region = self._scores(words)
        return not region or min(region.values()) >= outside

    def _scores(self, words: list[str], anchored: bool = False) -> dict[str, int]:
        """Communes near the words, scored by slips in spelling plus slips in sound.

        `anchored`: only names starting with the same letter, for a whole sentence that may
        merely look like a name ("pau centre" is not Sauzé-entre-Bois).
        """
        loose = _strip_article(words)
        raw, phon = "".join(loose), phonetic(loose)
        scores: dict[str, int] = {}
        edits = _max_edits(len(raw))
        if not edits:
            return {}
        phon_edits = min(edits, _max_edits(len(phon)))
        for c in self._raw.near(raw, edits) + self._phon.near(phon, phon_edits):
            if c.insee in scores:
                continue
            raw_keys, phon_keys = self._spellings[c.insee]
            d_raw = min(OSA.distance(raw, k) for k in raw_keys)
            if anchored and not any(k[:1] == raw[:1] for k in raw_keys):
                continue
            d_phon = min(OSA.distance(phon, k) for k in phon_keys)
            # Sounding the same excuses spelling slips ("bordo"); sounding close excuses one more.
            if d_raw <= edits or d_phon == 0 or (d_phon == 1 and d_raw <= edits + 1):
                scores[c.insee] = d_raw + d_phon
        return scores

    def _fuzzy(self, words: list[str], departement: str | None,
               anchored: bool = False) -> Resolution:
        """Typos: the nearest spellings, forgiving more on longer names."""
        scores = self._scores(words, anchored)
        if departement:
            narrowed = {k: v for k, v in scores.items()
                        if self.communes[k].departement == departement}
            scores = narrowed or scores
        if not scores:
            return Resolution("not_found", departement=departement)
        return self._pick(scores)

    def _pick(self, scores: dict[str, int]) -> Resolution:
        """Lowest score wins; on a tie, a town DOMINANCE times bigger than the rest; else ask."""
        top = min(scores.values())
        tied = _by_size(self.communes[k] for k, v in scores.items() if v == top)
        if len(tied) == 1 or tied[0].population >= DOMINANCE * max(tied[1].population, 1):
            return Resolution("found", tied[0])
        near = sorted((k for k, v in scores.items() if v > top),
                      key=lambda k: (scores[k], -self.communes[k].population))
        return self._decide(tied + [self.communes[k] for k in near])

    def _decide(self, ranked: list[Commune]) -> Resolution:
        """One commune → found; several → ambiguous, best first as given."""
        if len(ranked) == 1:
            return Resolution("found", ranked[0])
        return Resolution("ambiguous", candidates=ranked[:MAX_CANDIDATES],
                          more=max(0, len(ranked) - MAX_CANDIDATES))

    def _resolve_postal(self, code: str, content: list[str]) -> Resolution:
        hits = self._by_postal.get(code)
        if not hits:
            if code.startswith("20"):
                return Resolution("outside", departement="2A")
            dept = code[:3] if code.startswith("97") else code[:2]
            if dept not in REGION_DEPARTEMENTS:
                return Resolution("outside", departement=dept)
            if content and not all(w in _COMMON_WORDS for w in content):
                resolved = self._resolve_words(content, dept, typos=False)
                if resolved.status == "not_found":
                    resolved = self._resolve_words(content, dept, typos=True)
                if resolved.status in ("found", "ambiguous"):
                    return resolved
            return Resolution("not_found", departement=dept)
        if len(hits) > 1 and content:
            named = self._narrow(hits, content)
            if named:
                return self._decide(named)
        return self._decide(hits)

    def _narrow(self, hits: list[Commune], content: list[str]) -> list[Commune]:
        """Among the communes of a postal code, the one(s) the words name best."""
        query = "".join(_strip_article(content))
        keys = {c.insee: self._spellings[c.insee][0] for c in hits}
        exact = [c for c in hits if query in keys[c.insee]]
        if exact:
            return exact
        edits = _max_edits(len(query))
        if not edits:
            return []
        dist = {c.insee: min(OSA.distance(query, k) for k in keys[c.insee]) for c in hits}
        best = min(dist.values())
        return [c for c in hits if dist[c.insee] == best] if best <= edits else []


def _append(table: dict[str, list[Commune]], key: str, commune: Commune) -> None:
    hits = table.setdefault(key, [])
    if commune not in hits:
        hits.append(commune)


def _in(hits: list[Commune] | None, departement: str | None) -> list[Commune]:
    """The hits, only those of `departement` when one was given."""
    if not hits:
        return []
    return [c for c in hits if c.departement == departement] if departement else list(hits)
