"""Crisis detection (`detresse`): checked first on every message, before any FAQ.

A missed crisis is the one error that cannot be repaired, so the patterns are broad and redundant
(several ways to say each thing, regexes over normalised text plus fuzzy keywords for misspellings)
and accept some false positives. A few idioms that only look violent ("mort de rire", "tuer le
temps", "frapper à la porte") are removed first so they do not trigger. The answers, with the
emergency numbers, live in config/crisis.yml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from rapidfuzz import fuzz

from bot.understanding.normalize import normalize
from bot.yamlconf import validate_file

CATEGORIES = (
    "suicide", "automutilation", "overdose", "violence_conjugale", "violence_familiale",
    "violence_sexuelle", "sans_abri", "danger",
)


@dataclass(frozen=True)
class Crisis:
    category: str
    evidence: str  # the words of the (normalised) message that triggered it


# Idioms that sound violent but are not: blanked out before matching.
_HARMLESS = re.compile("|".join([
    r"\b(mort|morte|morts|mortes|mourir|meurt|meurs|crever|creve|crevee|mourrir)"
    r" (de|d) (rire|faim|fatigue|chaud|froid|soif|envie|honte|ennui|l ennui|rigoler|sommeil)\b",
    r"\b(ptdr|mdr|xptdr|mdrr)\b",
    r"\b(tuer|tue|tues|tuent|tuait) (le|l|son|mon|du) (temps|game|ennui)\b",
    r"\b(ca|ce \w+|cette \w+) me (tue|tuent|saoule|gonfle)\b(?! (avec|a coups))",
    r"\b(il|elle|tu) me (tue|tues) (de rire|trop|grave|lol|mdr)\b",
    r"\b(frapp|tap|toqu|cogn)\w* (a|contre|sur) (la|ma|ta|une|sa) (porte|fenetre|vitre)\b",
    r"\bbatterie (est )?(morte|a plat)\b",
    r"\b(te|le|la|vous|les) (tuer|defoncer|detruire|eclater) (au|a|sur) (fifa|fortnite|cod|jeu|match|foot|console|la play)\b",
    r"\bje vais (te|vous) (tuer|defoncer|eclater)\b(?=.*\b(lol|fifa|jeu|match|mdr)\b)",
    r"\b(tuer|tue) (au|a|sur) (fifa|fortnite|cod|jeu|match)\b",
    r"\bun (jeu|son|film|match) qui tue\b",
]))

_PARTNER = (r"(copain|copine|mec|meuf|femme|mari|compagnon|compagne|conjoint|conjointe|ex|petit ami|"
            r"petite amie|petit copain|petite copine|gars|homme|cheri|cherie|copin\w*|fiance|fiancee|"
            r"concubin\w*|bf|gf)")
_FAMILY = (r"(pere|mere|parents|beau pere|belle mere|frere|freres|soeur|soeurs|oncle|tante|"
           r"grand pere|grand mere|cousin|cousine|famille|vieux|tuteur|tutrice|papa|maman|"
           r"beau frere|demi frere)")
_HIT = (r"(frapp\w*|tap\w*|(?<!se )bat|(?<!se )bats|battu\w*|battre|cogn\w*|gifl\w*|tabass\w*|etrangl\w*|"
        r"pousse\w*(?! a)|brutalis\w*|menac\w*|violent\w*|maltrait\w*|insult\w*|enferm\w*|"
        r"fait mal|fait du mal|fais mal|leve la main|coups?(?! (de main|de pouce|de fil|d oeil|de coeur|de pub))|claque\w*|baffe\w*|defonc\w*|"
        r"tape dessus|demonte|serre le cou|serre la gorge|martyris\w*|humili\w*|crach\w*|tord\w*|"
        r"lance des trucs|jete? des trucs|attrape par|tire les cheveux|hurle dessus|viol\w*)")
_THEY = (r"(il|elle|ils|elles|on|quelqu un|qqn|un \w+|une \w+|le \w+|la \w+|les \w+|mon \w+|ma \w+|"
         r"mes \w+|ce \w+|cette \w+|ces \w+|des \w+|son \w+)")
_HARM_ME = (r"(tuer|buter|egorger|planter|poignarder|violer|tabasser|frapper|battre|"
            r"faire du mal|faire mal|defoncer|cramer|bruler|etrangler|tirer dessus|"
            r"fumer|flinguer|massacrer|retrouver|enlever|kidnapper|sequestrer)")

# (category, pattern) in priority order: the first that matches names the crisis.
_RULES: list[tuple[str, str]] = [
    ("violence_sexuelle", r"\bviol(e|ee|es|ees|er|ait|eur|eurs)?\b"),
    ("violence_sexuelle", r"\b(agress\w*|abus\w*|harcel\w*|attouch\w*|touche\w*) sexuel\w*"),
    ("violence_sexuelle", r"\battouchement\w*|\binceste\b|\bpedophil\w*|\bexhib\w*"),
    ("violence_sexuelle", r"\b(me|m) (touche|touchent|tripote\w*|caresse\w*|pelote\w*)\b"
                          r"|\b(m a|ma|m ont|mont) (touche\w*|tripote\w*|pelote\w*)\b"),
    ("violence_sexuelle", r"\b(m a|ma|m ont|mont|me|m|on m a|on ma) ?forc\w*"
                          r"|\bforc\w* (a|de) (coucher|faire l amour|le sucer|sucer|avoir des rapports|"
                          r"faire des trucs|me deshabiller)"),
    ("violence_sexuelle", r"\b(coucher|rapport\w*|relation\w* sexuel\w*)\b.{0,30}\b(sans|pas) "
                          r"(mon |mon accord|voulu|envie|consent\w*|accord)"),
    ("violence_sexuelle", r"\b(photos?|videos?|nudes?) (nue?s?|intimes?|de moi)\b.{0,40}"
                          r"\b(menac\w*|partag\w*|chantage|balanc\w*|diffus\w*|publi\w*|envoy\w*)"
                          r"|\bchantage\b.{0,30}\b(photo|video|nude)\w*|\bsextorsion\b"),
    ("violence_sexuelle", r"(?=.*\b(mis|mise|poste\w*|publi\w*|partag\w*|diffus\w*|envoy\w*|balanc\w*|menac\w*|"
                          r"chantage|tourn\w*|circul\w*)\b).*\b(photos?|videos?|nudes?)\b.{0,15}"
                          r"\b(nue?s?|intimes?|a poil|sexuel\w*)\b"),
    ("violence_sexuelle", r"\b(ete|suis|etais|ai ete|me suis fait|me suis faite) abuse\w*|\babus\w* (quand|par|sur)\b"
                          r"|\b(vient|venait|viens|rentre|rentrait|entre|entrait|monte) dans (mon|ma) (lit|chambre|douche)"
                          r"(?=.*\b(nuit|soir|il|lui|touche|oncle|pere|frere|cousin))"
                          r"|\b(oblige\w*|force\w*|contraint\w*) (a|de) (faire des (trucs|choses)|coucher|le toucher|la toucher|"
                          r"le sucer|me deshabiller|me toucher|envoyer des photos|des trucs sexuel)"),
    ("violence_sexuelle", r"\b(prostitu\w*|proxenet\w*|michetonn\w*|escort\w*|passe\w* contre de l argent)"),
    ("violence_conjugale", rf"\b(mon|ma|mes|notre|son|sa) {_PARTNER}\b.{{0,40}}\b{_HIT}"),
    ("violence_conjugale", rf"\b{_HIT}\b.{{0,25}}\b(par )?(mon|ma) {_PARTNER}\b"),
    ("violence_conjugale", rf"\bpeur (de|d) (mon|ma) {_PARTNER}\b"),
    ("violence_conjugale", r"\bviolence\w* (conjugal\w*|dans (mon|le) couple)|\bemprise\b"),
    ("violence_familiale", rf"\b(mon|ma|mes|notre|nos|son|sa|ses) {_FAMILY}\b.{{0,40}}\b{_HIT}"),
    ("violence_familiale", rf"\b{_HIT}\b.{{0,25}}\b(par )?(mon|ma|mes) {_FAMILY}\b"),
    ("violence_familiale", r"\bmaltrait\w*|\bviolence\w* (familial\w*|a la maison|chez moi)"
                           r"|\b(battu|battue|frappe|frappee|tape|tapee|tabasse|tabassee|cogne)\w* "
                           r"(a la maison|chez moi)\b|\bje me fais (battre|frapper|taper|tabasser|cogner)"
                           r"(?=.*\b(maison|chez moi|parent|pere|mere|famille))"),
    ("violence_familiale", rf"\bpeur (de|d) (mon|ma|mes) {_FAMILY}\b"),
    ("sans_abri", rf"\b(mon|ma|mes) {_FAMILY}\b.{{0,10}}\b(m ont|m a|mont|ma) (vire\w*|mis\w* dehors|"
                  r"mis\w* a la porte|jete\w*|chasse\w*|foutu\w* dehors|degage\w*)"),
    ("danger", rf"\b{_THEY} (va|veut|vont|veulent|voulait|menac\w*( de)?|essaie de|essaye de|"
               rf"a essaye de|risque de|peut|pourrait|allait|voudrait|cherche a|compte) me {_HARM_ME}\b"),
    ("danger", r"\bmenace\w* de mort|\bmenac\w* (avec )?(un|une|d un|d une) "
               r"(couteau|arme|flingue|pistolet|fusil|batte)"),
    ("danger", r"\ben danger\b|\bau secours\b|\ba l aide\b|\bsos\b|\burgence vitale\b"
               r"|\bpeur (pour ma vie|de mourir|qu (il|elle|ils|on) me \w+|de rentrer)"
               r"|\bappele?z? (la police|les flics|les pompiers|le 17|le 112)\b"),
    ("danger", r"\b(couteau|flingue|pistolet|fusil|arme blanche|arme a feu|une arme|son arme|"
               r"machette|batte de baseball)\b"),
    ("danger", r"\b(on|quelqu un|qqn|il|elle|ils|un \w+|des \w+) me (suit|suivent|traque\w*|"
               r"harcel\w*|menac\w*|attend\w* (dehors|devant|en bas))\b"),
    ("danger", r"\b(suis|m a|m ont|mont|ma|nous a|on m a|suis restee?) enferme\w*"
               r"|\b(il|elle|ils|qqn|quelqu un|le \w+|mon \w+) (est|sont|etait|etaient) arme\w*"
               r"|\b(je suis|on me) suivi\w* (depuis|par un (mec|homme|gars|inconnu|type)|dans la rue|jusqu)"),
    ("danger", r"\bqui me (suit|suivent|traque\w*|harcel\w*|menac\w*|guett\w*|attend\w* (dehors|devant|en bas))\b"),
    ("danger", r"\b(sequestr\w*|kidnapp\w*|enleve\w* (par|de force)|enferme\w* (dans|a cle|chez))"
               r"|\bje me fais (agresser|frapper|taper|tabasser|battre|racketter|cogner|menacer)"
               r"|\b(on|ils|il|elle|des \w+) (m a|ma|m ont|mont) (agresse\w*|frappe\w*|tabasse\w*|"
               r"poignarde\w*|tape\w*|menace\w*|vole|depouille\w*)"
               r"|\b(agress\w*|racket\w*|lyncha\w*|harcel\w*)"),
    ("danger", r"\b(il|elle|ils|elles|on|quelqu un) me (fait|font|a fait|ont fait) (du mal|mal)\b"),
    ("overdose", r"\b(overdose|surdose|od)\b|\bintoxi\w*"),
    ("overdose", r"\b(pris|prendre|prends|avale|avaler|avalee|gobe|gober|bu|boire|bois|ingere|"
                 r"ingurgite|prise)\b.{0,30}\b(tous|toute|toutes|tout|plein|trop|boite|boites|"
                 r"plaquette\w*|beaucoup|la moitie|des dizaines|\d+|un max|une tonne|une vingtaine|"
                 r"une dizaine)\b.{0,25}\b(cachet\w*|medic\w*|pilule\w*|comprim\w*|gelule\w*|"
                 r"doliprane|paracetamol|xanax|lexomil|somnifere\w*|antidepresseur\w*|"
                 r"anxiolytique\w*|tramadol|lamaline|efferalgan|dafalgan|prozac|seroplex|"
                 r"valium|lysanxia|codeine|morphine|opium|ecstasy|md|cocaine|coke|heroine)"),
    ("overdose", r"\b(pris|avale|avalee|gobe|bu|ingere)\b.{0,15}\b(une boite|la boite|des boites|"
                 r"une plaquette|toute la plaquette|javel|eau de javel|du poison|poison|"
                 r"mort aux rats|produit menager|de l antigel|destop|du white spirit)"),
    ("overdose", r"\b(trop|beaucoup trop|plein) (de|d) (medic\w*|cachet\w*|pilule\w*|comprim\w*|"
                 r"drogue\w*|alcool|coke|cocaine|md|ecstasy)\b.{0,30}\b(mal|pas bien|peur|vomi\w*|"
                 r"malaise|coeur|respir\w*|tourne|dormir)"
                 r"|\b(melange|melanger)\w*\b.{0,20}\b(alcool|medic\w*|cachet\w*)"),
    ("automutilation", r"\bscarif\w*|\bauto ?mutil\w*|\bmutil\w*|\bme (mutile|lacere)\w*"),
    ("automutilation", r"\bje me (suis )?(coup|taillad|entaill|brul|lacer|griff|mord|ouvert|ouvre)\w*"
                       r"(?! (les|mes|la|ma|le|a la|en) (cheveux|ongles|frange|barbe|cuisin\w*|"
                       r"doigt en cuisin\w*|bricol\w*))"),
    ("automutilation", r"\b(me|m|se) (fais|fait|faire|suis fait|suis faite|infliger) (du mal|mal)"
                       r"(?! (au|a la|aux) (dos|genou|pied|cheville|sport|muscu))"
                       r"|\b(me|se) (blesser|blesse|couper|taillader|bruler|frapper|cogner|punir)\b"
                       r"(?! (les|mes) (cheveux|ongles))"),
    ("automutilation", r"\bme (fais|fait|suis fait|suis faite) des (entailles|coupures|marques|brulures|bleus|plaies)"
                       r"|\bme (tape|cogne|frappe|claque|fracasse)\w* la tete\b|\bme\b.{0,30}\b(lame|cutter|rasoir)\b"),
    ("automutilation", r"\b(marques|entailles|coupures|cicatrices|brulures|plaies)\b.{0,20}\b(bras|poignets?|"
                       r"cuisses?|jambes?|ventre|peau)\b"),
    ("automutilation", r"\b(veines?|poignets?|bras|cuisses?)\b.{0,20}\b(lame|coupe\w*|cutter|rasoir|"
                       r"taillad\w*|entaill\w*|ouvert\w*|sang|saign\w*)"
                       r"|\b(lame|cutter|rasoir|compas)\b.{0,30}\b(bras|poignet|cuisse|peau|veine|"
                       r"me|sur moi)"),
    ("suicide", r"\bsuicid\w*|\bsuiscid\w*|\bsuisid\w*|\bsucid\w*|\bsuicde\w*"),
    ("suicide", r"\ben finir\b|\bfinir (avec )?(ma|la|cette) vie\b|\bmettre fin (a|a mes|a ma) "
                r"(jours|vie|tout|souffrance)|\bfin a mes jours\b"),
    ("suicide", r"\b(envie|veux|vais|voudrais|voudrai|veut|pense|pensee\w*|besoin|prefere\w*|"
                r"aimerais|aimerai|vouloir|essaye\w*|essaie\w*|tente\w*|pret\w*|decide\w*|reve|"
                r"revais|souhaite|compte|prevu|plan|faut que|dois)\b.{0,30}\b(mourir|crever|"
                r"disparaitre|me tuer|me suicider|partir pour toujours|plus me reveiller|"
                r"dormir pour toujours|plus etre la|plus exister|en finir|mort)\b"),
    ("suicide", r"\bme (tuer|suicider|pendre|flinguer|buter|foutre en l air|fout en l air|noyer|"
                r"defenestrer|tirer une balle|jeter (par|sous|du|d un|de la|dans|devant)|"
                r"laisser mourir|laisser crever|faire sauter)\b"),
    ("suicide", r"\b(plus|pas) (envie|la force|le courage|de raison|de raisons) (de|d) "
                r"(vivre|continuer|exister|me battre|me lever)\b"
                r"|\b(plus|pas) (envie|la force) (d etre|de rester) (en vie|la|sur terre)\b"),
    ("suicide", r"\b(marre|en peux plus|en peu plus|peux plus|fatigue\w*|degoute\w*|epuise\w*|"
                r"lasse\w*) (de|d) (la vie|vivre|exister|ma vie|tout|cette vie|etre en vie|"
                r"respirer)\b"),
    ("suicide", r"\b(veux|vx|voudrais|veut|envie de|peux) plus (vivre|exister|etre en vie|"
                r"etre la|continuer|me reveiller|respirer)\b|\bplus envie de rien\b"),
    ("suicide", r"\b(vie|vivre|existence|ma vie)\b.{0,15}\b(vaut|sert|servent|sers)\b.{0,5}\b"
                r"(rien|a rien|plus rien|pas la peine)\b|\bsert a rien (que je|de) (vive|vivre)\b"
                r"|\bpersonne (ne me regrettera|me regrettera|remarquera si je|verra si je)\b"
                r"|\bmieux sans moi\b|\bje suis un poids\b|\bidees? (noire|noires|suicid\w*)"),
    ("suicide", r"\b(sauter|me jeter|saute|jeter) (du|d un|de la|par la|par une|sous|d une|depuis)"
                r" ?\w* ?(pont|fenetre|immeuble|toit|balcon|falaise|train|metro|rer|voiture|camion|"
                r"tramway|tram|etage|viaduc|parking)"
                r"|\b(corde|pendre|pendaison|noyer|noyade)\b.{0,20}\b(cou|arbre|ce soir|vais|veux|"
                r"acheter|trouve)\b|\b(achete|trouve|prepare|accroche)\w* (une|la|de la|ma) corde\b|\bcorde au cou\b|\blettre d adieu\b|\bdire adieu\b"
                r"|\badieu (a tous|tout le monde)\b|\b(dormir|partir|endormir|m endormir) pour (toujours|de bon)\b"
                r"|\b(plus jamais|ne plus|jamais plus) me reveiller\b|\b(je me tue|jme tue|je vais mourir ce soir)\b"),
    ("suicide", r"\b(veux|vais|voudrais|envie de|besoin de) tout (arreter|stopper|lacher|abandonner)\b"
                r"(?! (l ecole|les cours|la fac|le lycee|ma formation|mes etudes|le sport))"
                r"|\btout (arreter|stopper|lacher) (pour de bon|definitivement|pour toujours|une fois pour toutes)"),
    ("suicide", r"\bc est (la fin|fini) pour moi\b|\b(ce soir|cette nuit) c est la fin\b"
                r"|\b(vais|va|veux|peur de|envie de|vas) faire une (grosse |grave )?(connerie|betise)\b"
                r"|\ba quoi bon (vivre|continuer|rester en vie|tout ca)\b"
                r"|\bma vie (est|c est) (finie|foutue|terminee|un enfer|un cauchemar)\b"
                r"|\bla mort (me fait plus peur|m attire|m appelle|serait mieux)\b"
                r"|\btentative\w*( de suicide)?\b|\b(fait|faire|fais|refait|une|ma|apres|premiere|derniere) ts\b"
                r"|\bts\b.{0,15}\b(hier|semaine|ce soir|la nuit|hopital|urgences)"),
    ("suicide", r"\b(je meurs|je suis en train de mourir|je suis en train de crever|je creve)\b"
                r"(?! (de|d) (rire|faim|chaud|froid|soif|envie|fatigue|honte)| la dalle)"),
    ("sans_abri", r"\b(dors|dort|dormir|dormi|dorme|passer la nuit|passe la nuit|nuit)\b.{0,20}"
                  r"\b(dehors|dans la rue|a la rue|sur un banc|dans (ma|une|la|un) (voiture|parc|gare|"
                  r"cage d escalier|hall|squat|tente|abri)|sous un pont|a la gare)\b"),
    ("sans_abri", r"\b(a la rue|sdf|sans abri|sans domicile|sans logement|sans toit|a la porte|"
                  r"plus de toit|pas de toit|hebergement d urgence|115|squat\w*)\b"
                  r"|\bexpuls\w*(?! (du|de l|de mon|de ma|de la) (lycee|college|ecole|fac|cours|classe|"
                  r"formation|stage|club|match|salle))"),
    ("sans_abri", r"\b(vire|viree|virer|vires|virees|mis|mise|jete|jetee|chasse|chassee|foutu|"
                  r"foutue|fout|degage|degagee|jeter|virer|chasser|mettre|foutre)\b.{0,12}\b(de chez (moi|nous|eux|"
                  r"mes parents|ma mere|mon pere|lui|elle)|de la maison|de l appartement|"
                  r"de mon appartement|du foyer|dehors|a la porte|de mon logement)\b"),
    ("sans_abri", r"\b(nulle part|pas d endroit|aucun endroit|pas de place|nul part|null part|"
                  r"pas de lieu|aucun lieu|pas d ou)\b.{0,15}\b(dormir|aller|loger|vivre|habiter|"
                  r"me poser|passer la nuit|dodo)\b"
                  r"|\b(ou|pas ou) (dormir|aller|loger|crecher|pioncer)\b.{0,15}\b(ce soir|cette nuit|"
                  r"demain|aujourd hui)\b|\b(dehors|dans la rue|a la rue)\b.{0,15}\b(ce soir|cette nuit)\b"
                  r"|\b(ce soir|cette nuit)\b.{0,25}\b(dehors|dans la rue|a la rue)\b"),
    ("sans_abri", r"\b(heberge\w*|loge\w*|dormir|dors|dort|accueilli\w*)\b.{0,10}\b(nulle part|nul part|null part)\b"),
    ("sans_abri", r"\b(plus|pas) (de|d) (logement|maison|appartement|chez moi|endroit ou dormir|"
                  r"toit)\b.{0,25}\b(ce soir|cette nuit|demain|aujourd hui|dehors)\b"),
]

_COMPILED = [(category, re.compile(pattern)) for category, pattern in _RULES]

# Long words whose misspellings ("sucidé", "scarifer", "overdoze") must still trigger.
_FUZZY_WORDS = {
    "suicide": "suicide", "suicider": "suicide", "suicidaire": "suicide", "suicidaires": "suicide",
    "scarifier": "automutilation", "scarification": "automutilation", "scarifie": "automutilation",
    "automutilation": "automutilation", "overdose": "overdose", "defenestrer": "suicide",
}
_FUZZY_EXCLUDE = re.compile(r"^(sacrifi|sacrif|subsid|suicidaire?s?$)")


@lru_cache(maxsize=8192)
def _fuzzy_category(token: str) -> str | None:
    if len(token) < 6 or _FUZZY_EXCLUDE.match(token):
        return None
    for word, category in _FUZZY_WORDS.items():
        if abs(len(word) - len(token)) <= 2 and fuzz.ratio(token, word) >= 84:
            return category
    return None


def _defuse(text: str) -> str:
    return _HARMLESS.sub(" ", text)


def detect_crisis(text: str) -> Crisis | None:
    """The crisis a message shows, or None. Pure, fast, never raises."""
    try:
        words = _defuse(normalize(text))
        if not words.strip():
            return None
        for category, pattern in _COMPILED:
            m = pattern.search(words)
            if m:
                return Crisis(category, m.group(0).strip())
        for token in words.split():
            category = _fuzzy_category(token)
            if category:
                return Crisis(category, token)
        return None
    except Exception:  # a crisis check must never take the conversation down
        return None


class CrisisConfig(BaseModel):
    """What to say, per category; `generic` for anything else (and as the safety net)."""
    model_config = ConfigDict(extra="forbid")
    generic: str = Field(min_length=1)
    categories: dict[str, str]

    @field_validator("categories")
    @classmethod
    def _known_and_complete(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown categories {unknown}; use {', '.join(CATEGORIES)}")
        empty = sorted(c for c, text in value.items() if not text.strip())
        if empty:
            raise ValueError(f"empty answer for {', '.join(empty)}")
        missing = [c for c in CATEGORIES if c not in value]
        if missing:
            raise ValueError(f"missing answers for {', '.join(missing)}")
        return value


def load_crisis(path: Path | str) -> CrisisConfig:
    """config/crisis.yml, validated; problems raise ConfigError as `file:line: message`."""
    return validate_file(CrisisConfig, path)


def crisis_answer(cfg: CrisisConfig, crisis: Crisis) -> str:
    return (cfg.categories.get(crisis.category) or cfg.generic).strip()
