"""Crisis detection (`detresse`) and the crisis answer: checked first on every message, before any FAQ.

A missed crisis is the one error that cannot be repaired, so the patterns are broad and redundant
(several ways to say each thing, regexes over normalised text plus fuzzy keywords for misspellings)
and accept some false positives. A few idioms that only look violent ("mort de rire", "tuer le
temps", "ce taf me tue") are removed first so they do not trigger.

The answer is built from config/crisis.yml: what to say for the situation, what to do first when
the danger is now (pills taken, someone there, on a bridge), and the right lines — the ones open
at this hour, the under-18 lines only for minors. It needs no store: it is computed from the text,
the config and the clock, so it is given even when Redis or the database is down.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from rapidfuzz import fuzz

from bot.understanding.normalize import normalize
from bot.yamlconf import validate_file

CATEGORIES = (
    "suicide", "automutilation", "overdose", "violence_conjugale", "violence_familiale",
    "violence_sexuelle", "sans_abri", "danger", "mariage_force", "harcelement", "panique", "drogue",
)
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Crisis:
    category: str
    evidence: str           # the words of the (normalised) message that triggered it
    danger_now: bool = False  # pills taken, someone there, on the bridge: what to do first, first
    minor: bool | None = None  # the message says the jeune's age: under 18 (None: not said)
    soft: bool = False      # only the learned second opinion saw it: a gentle check, not the full answer


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
    r"\ba la rue (niveau|question|pour (trouver|le|la|les|mon|ma|un|une)|en (maths|cours|info))\b",
    r"\b(tu|vous|il|elle|ca|cette \w+|ce \w+) (m as|m a|ma|mas) tue\w*\b(?=.*\b(mdr|lol|ptdr|rire|drole)\b)",
    r"\b(je vais|jvais|vais) (le|la|te|les) tuer\b(?=.*\b(mdr|lol|ptdr|fifa|jeu|match)\b)",
    r"\bcrise (de|d) (fou rire|rire)\b",
    r"\bmourir d ennui\b|\bcrever d ennui\b",
    r"\bcouteau (suisse|de cuisine|a pain|de poche pour)\b|\bpour le camping\b",
    r"\bprevention (du |contre le )?suicide\b",
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

# Wider wording (issue 17): indirect suicide talk, pills, leaving home, forced marriage, sextortion
# and harassment, being followed, panic. Checked before the older rules, in this order.
_MEDS = (r"(cachet\w*|medic\w*|medoc\w*|pilule\w*|comprim\w*|gelule\w*|somnifere\w*|xanax|lexomil|"
         r"doliprane|paracetamol|lysanxia|valium|tramadol|lamaline|antidepresseur\w*|anxiolytique\w*|"
         r"neuroleptique\w*|codeine|efferalgan|dafalgan|seresta|stilnox|atarax|lyrica|"
         r"la boite|toute la boite|une boite|des boites|une plaquette|la plaquette|toute la plaquette)")
_DRUGS = (r"(md|mdma|coke|cocaine|ecsta|ecstasy|ketamine|keta|lsd|champi\w*|heroine|crack|drogue\w*|"
          r"ghb|proto|protoxyde|un truc|des trucs|trop de trucs|trop bu|trop d alcool)")
_EXTRA_RULES: list[tuple[str, str]] = [
    # pills taken: the most urgent, first
    ("overdose", rf"\b(pris|avale\w*|gobe\w*|ingere\w*|ingurgite\w*|bu|prise)\b(?! (un|une|mon|ma|le) "
                 rf"(cachet|doliprane|comprime|pilule|medic\w*)\b).{{0,30}}\b{_MEDS}"
                 r"(?!.{0,40}\b(pour (le|la|les|mon|ma|mes) (mal|tete|dos|rhume|fievre|asthme|allergie\w*|"
                 r"dents|douleur\w*|regles)|ca va mieux|comme prescrit|ordonnance|le medecin)\b)"),
    ("overdose", rf"\b(vais|veux|va|envie d|envie de|pense a) (avaler|prendre|gober) (tous|toute|toutes|tout|"
                 rf"plein|la boite|une boite|trop)\b.{{0,40}}"),
    ("overdose", rf"\b(pris|prit|fume|sniffe|gobe|bu|tape|pris de la|pris du|pris des)\b.{{0,25}}\b{_DRUGS}\b"
                 r".{0,40}\b(mal|pas bien|coeur|respir\w*|vomi\w*|partir|tourne|peur|bizarre|malaise|"
                 r"s emballe|repond plus|reveille plus|convuls\w*|trembl\w*)"),
    ("overdose", r"\b(respire|respir\w*) (bizarre|mal|plus)\b.{0,30}\b(pris|bu|drogue|truc)|\b(pris|bu)\b.{0,40}"
                 r"\b(repond plus|se reveille plus|respire (bizarre|plus|mal))"),
    ("overdose", r"\b(alcool|vodka|whisky|bouteille)\b.{0,30}\b" + _MEDS + r"|\b" + _MEDS
                 + r"\b.{0,30}\b(alcool|vodka|whisky|bouteille)\b"),
    # suicide, said without the word
    ("suicide", r"\bme (jeter|lancer)\b(?! a l eau)(?! (dans|sur) (le|la|les|un|une) (travail|boulot|"
                r"projet|formation|etudes?|bain|lit|canape))"),
    ("suicide", r"\b(plus|pas) envie (d etre|de rester) (la|en vie|ici|sur terre|vivant\w*)\b"
                r"|\b(veux|voudrais|envie) que (tout|ca|ma vie|la vie|tout ca) s arrete\w*\b"
                r"(?! (ce bruit|le bruit|les travaux))"),
    ("suicide", r"\b(la vie|ma vie|vivre) (vaut|vaux|valent) (pas|plus|rien)|\bma vie (a|na) (aucun|plus de|pas de) sens\b"),
    ("suicide", r"\b(tiens|tenir|tient) plus( le coup)?\b(?! (debout|en place|sur mes jambes|a ce|a cette|a mon|a ma))"
                r"|\bfardeau\b|\b(manquerai|manquerais)\w* a personne\b|\bpersonne (va|ne va|vas) me (regretter|manquer)\b"),
    ("suicide", r"\b(prepare|ecrit|ecris|laisse|redige)\w* (ma|une|des|mes|la) lettres?\b"
                r"(?! (de|d) (motiv\w*|demission|candidature|recommand\w*|presentation|resiliation))"
                r"(?!.*\b(cv|stage|employeur|patron|entreprise|candidature|caf|banque|proprio)\b)"),
    ("suicide", r"\b(autant|veux|vais|envie de|aimerais|me faire|voudrais|prefere\w*) (disparaitre|m effacer)\b"
                r"|\b(partir|disparaitre)\b.{0,20}\b(plus jamais revenir|pour toujours|a jamais)\b"),
    ("suicide", r"\b(je )?(vais|veux|va|vas|voudrais) sauter\b(?! (le|la|les|un|une|des|de joie|partout|en l air|"
                r"une etape|une classe|mon tour))"
                r"|\b(foutre|fous|fout) en l air\b(?!.{0,15}\b(mon|ma|le|la|les|ce|cette) (stage|formation|"
                r"dossier|rdv|contrat|cv|projet|plan)\b)"
                r"|\b(sert|sers) a rien (que je|de) (reste|rester|vive|vivre|continue|continuer)\b"
                r"|\b(m endormir|dormir|m endormir pour)\b.{0,20}\b(pas|plus|jamais) (me )?reveiller\b"
                r"|\b(arrive|arrives) plus a (tenir|vivre|continuer|avancer)\b"),
    ("danger", r"\b(m attend\w*|me guett\w*|me surveill\w*)\b.{0,30}\b(en bas|devant|dehors|chez moi|"
               r"a la sortie|depuis)\b"),
    ("suicide", r"\bsolution\b.{0,25}\b(la mort|mourir|en finir)\b|\b(la mort|mourir)\b.{0,20}\bseule solution\b"),
    ("suicide", r"\bdi(tes|s|re) a (ma|mes|mon) (famille|mere|parents|pere|soeur|frere|maman|papa)\w* que je (les|l|la|le) aime\b"),
    ("suicide", r"\bsi je (meurs|mourais|disparais|disparaissais|suis plus la|etais plus la|me tue)\b"),
    ("suicide", r"\b(je suis|suis|me trouve) (sur|en haut (du|de la|d un|d une)|au bord (du|de la|d un|des)) ?"
                r"(le |la |les |un |une |l )?(pont|toit|voie ferree|voies|rails|falaise|balcon|viaduc|"
                r"rebord|parapet|quai)\b(?!.{0,30}\b(attend\w*|train pour|rdv|rendez|arrive|j arrive)\b)"),
    ("suicide", r"\btout (prepare|organise|prevu|planifie)\b.{0,25}\b(ce soir|cette nuit|demain|decide|fin)\b"
                r"|\bc est decide\b.{0,20}\b(ce soir|cette nuit)\b"),
    ("suicide", r"\b(envie|veux|vais|voudrais|pense|besoin|essaye\w*|essaie\w*|tente\w*) (a |de |d )?"
                r"(mourr?ir\w*|mourire|mouri|crever|creve)\b(?! (de|d) (rire|faim|chaud|froid|soif|envie|"
                r"fatigue|honte|ennui|l ennui|stress))"),
    ("suicide", r"\b(me|m|dme) (pendre|pendr\w*)\b|\bpensee\w* (noire|suicid\w*|de mort)"),
    ("suicide", r"\bmourir\b.{0,20}\b(tous les jours|depuis|souvent|chaque jour|la nuit|des jours)\b"
                r"|\b(pense|pensé|penser) (a|au) (mourir|la mort|suicide|disparaitre)\b"),
    # self-harm
    ("automutilation", r"\bme (faire|fais|fait|suis fait|suis faite) des (entailles|coupures|marques|brulures|"
                       r"bleus|plaies|griffures)|\bme punir?\w*\b|\bmis\w* en danger (expres|volontairement|expre)"
                       r"|\b(couper|coupe|coupee|coupes) (les|mes) (bras|poignets|cuisses|veines)\b"),
    # forced marriage
    ("mariage_force", r"\bmari\w* (de )?forc\w*|\bforc\w* (a|de) (me )?mari\w*|\bmari\w*\b.{0,40}\b(contre|sans) "
                      r"(ma|mon) (volonte|gre|accord|avis|consentement)\b"
                      r"|\b(veulent|veut|vont|va|oblige\w*|forcent|force|prevu|organise\w*|choisi)\b.{0,25}"
                      r"\b(me marier|m epouser|epouser|mon mariage|un mariage|le mariage)\b"
                      r"(?!.{0,30}\b(aide\w*|rdv|rendez vous|en juin|l annee prochaine|je pourrai)\b)"
                      r"|\b(fiance|fiancee|marie|mariee|promis|promise)\b.{0,5}\b(sans me demander|sans mon accord|"
                      r"de force|a un cousin|a un homme)\b"
                      r"|\b(bled|au pays)\b.{0,40}\bmari\w*|\bmari\w*\b.{0,40}\b(au bled|au pays)\b"
                      r"|\brefuse\w* (le|ce|mon) mariage\b|\bepouser\b.{0,30}\b(connais pas|veux pas|oblig\w*)"
                      r"|\b(me|m) (marier|epouser)\b.{0,30}\b(cousin|veux pas|connais pas|choisi)\b"
                      r"|\b(veulent|veut|oblige\w*|force\w*|exige\w*) que je me marie\b"),
]
_LATE_RULES: list[tuple[str, str]] = [
    # sextortion, harassment, online violence
    ("harcelement", r"\bchantage\w*|\b(me|m) (fait|font|faire) chanter\b|\bsextor\w*|\brevenge porn\b"
                    r"|\bmenac\w* de (diffuser|publier|poster|balancer|envoyer|montrer|partager|mettre)"
                    r"|\bsinon (il|elle|ils|on) (envoie|publie|poste|balance|diffuse|montre|partage|met)\w*\b"
                    r"|\b(demande|reclame|veut|exige)\w* (des|mes|d autres) (photos|nudes|videos)\b"
                    r"(?!.{0,20}\b(cv|identite|dossier)\b)"
                    r"|\b(nudes?|photos? (nue|intime)\w*|videos? (intime|de moi)\w*)\b.{0,40}\b(menac\w*|chantage|"
                    r"diffus\w*|publi\w*|balanc\w*|envoy\w* a|poste\w*|partag\w*)"
                    r"|\b(poste|publie|partage|diffuse|balance|mis|met|mettent)\w* (des|mes) (photos|videos|trucs) "
                    r"(de moi|sur moi)\b"),
    ("harcelement", r"\bcyber ?harcel\w*|\bharcel\w*\b(?! (par|de) (la|ma|mon|les) (banque|pub|operateur|telephone|appels? commerci\w*))"
                    r"|\b(se moquent|se moque|m insultent|m insulte|m humilient)\b.{0,40}\b(menac\w*|tous les jours|"
                    r"groupe|reseaux|insta|snap|tiktok|en ligne)"
                    r"|\b(compte|faux compte|fake)\b.{0,20}\b(insult\w*|menac\w*|poste\w*|harcel\w*)"),
    # being followed, someone there, a call for help
    ("danger", r"^\W*(stp |svp |s il (te|vous) plait )?(aide|aidez|aider|help|helpez)[ -]?(moi|nous|me)?"
               r"( stp| svp| s il (te|vous) plait| vite| please)*\W*$"),
    ("danger", r"\bpeur\b.{0,15}\b(il|elle|ils) (est|sont) (la|devant|dehors|en bas|derriere)\b"
               r"|\b(il|elle|ils) (est|sont|attend\w*) (devant|derriere) (ma|la) porte\b"
               r"|\b(suivi|suivie|suivis|suivies)\b.{0,15}\b(par (un|une|des|deux|quelqu|ce|cet|cette|mon|ma|le|la)\b|depuis)"
               r"(?!.{0,25}\b(conseill\w*|mission locale|vous|france travail|pole emploi|referent\w*|psy\w*|"
               r"medecin|educat\w*|assistante?|cej|pacea)\b)"
               r"|\bfaire la peau\b|\bme (faire la peau|planter|buter|egorger)\b"),
    ("danger", r"\b(il|elle|ils|on) (m|me) (etrangl\w*|frapp\w*|gifl\w*|tabass\w*|cogn\w*|menac\w*|bat|battent)\b"
               r"|\b(m a|ma|m ont|mont) (pousse|frappe|gifle|etrangle|cogne|tabasse|blesse|bouscule|secoue|"
               r"brule|mordu|etrangle|plaque)\w*\b(?! (la balle|le ballon))"
               r"|\bbleus (partout|sur (tout )?le corps)\b|\b(je me sens|suis) en danger\b"),
    ("violence_familiale", r"\bchez moi\b.{0,30}\b(frapp\w*|cogn\w*|violen\w*|coups)\b"),
    ("violence_conjugale", rf"\b(mon|ma) {_PARTNER}\b.{{0,40}}\b(empech\w* de sortir|m enferm\w*|pren\w* mon "
                           rf"(tel|telephone|argent)|confisqu\w*|cass\w* mon (tel|telephone)|controle tout|"
                           rf"surveill\w* mon)"),
    ("violence_sexuelle", r"\bsans (mon|son) (accord|consentement)\b(?!.{0,20}\b(donnees|infos|inscri\w*|contrat)\b)"
                          r"|\b(drogue|droguee)\b.{0,30}\b(souviens|rappelle|souvenir)\b"
                          r"|\b(me|m) (fait|fais) des avances\b|\bm oblige\w* a (envoyer|montrer|faire)\b"),
    # panic
    ("panique", r"\b(crises?|attaques?) (d|de) (angoisse|panique|anxiete|spasmophilie|tetanie)"
                r"|\b(arrive|peux|parviens) (plus|pas) a respirer\b|\bje (respire|respir) plus\b|\bj etouffe\b"
                r"|\b(mon )?coeur (bat|tape|s emballe)\w* (trop )?(vite|fort)\b|\bdevenir (fou|folle)\b"
                r"|\bje (tremble|panique)\w* (partout|de partout|trop|grave)\b"),
    # drugs, not acute
    ("drogue", r"\bje me drogue\w*|\b(accro|addict\w*|dependant\w* a|dependante a)\b(?! (a|au|aux) "
               r"(series|netflix|sport|foot|chocolat|cafe|insta|tiktok|telephone))"
               r"|\b(je )?(bois|fume|consomme|prends)\b.{0,15}\b(tous les (jours|soirs)|chaque (jour|soir)|trop)\b"
               r".{0,40}\b(controle|arrive pas|y arrive pas|tomber|peux plus|m en passer)"),
    # leaving home, nowhere to sleep
    ("sans_abri", r"\b(sais pas|pas|plus|nulle part|nul part|aucune idee) (ou|d ou) (dormir|loger|crecher|pioncer|"
                  r"passer la nuit|dormi)\b"
                  r"|\bfugu\w*|\b(parti|partie|enfui|enfuie|sauve|sauvee|barre|barree|casse|cassee|quitte|"
                  r"quittee)\b.{0,6}\b(de chez moi|de la maison|de chez mes parents|la maison|le foyer|"
                  r"du foyer|de chez lui|de chez elle)\b"
                  r"(?!.*\b(an dernier|annee derniere|ans|appart|appartement|etudes|studio|j habite|"
                  r"maintenant|bientot|pour mes)\b)"
                  r"|\b(foyer|proprio|proprietaire)\b.{0,15}\b(m a|ma|m ont|mont) (exclu\w*|vire\w*|mis\w* dehors|"
                  r"jete\w*)|\bexclu\w* du foyer\b|\bce soir personne\b"
                  r"|\b(je suis|suis|jsuis) dehors\b(?!.{0,20}\b(fume|clope|pause|attend|devant la|rdv)\b)"),
]

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
               r"|\b(agress\w*|racket\w*|lyncha\w*)"),
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
                       r"doigt en cuisin\w*|bricol\w*))"
                       r"(?!.{0,30}\b(cuisin\w*|bricol\w*|rasant|doigt|cheveux|ongles|frange|barbe|rien de grave|"
                       r"au travail|au taf|en jardinant)\b)"),
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
                r"(?! (l ecole|les cours|la fac|le lycee|ma formation|mes etudes|le sport|au lycee|a la fac|"
                r"a l ecole|en cours|le foot))(?!.{0,30}\b(pour (bosser|travailler|faire|trouver|partir)|alternance|"
                r"formation|taf|travail)\b)"
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

_COMPILED = [(category, re.compile(pattern)) for category, pattern in _EXTRA_RULES + _RULES + _LATE_RULES]

# Long words whose misspellings ("sucidé", "scarifer", "overdoze") must still trigger.
_FUZZY_WORDS = {
    "suicide": "suicide", "suicider": "suicide", "suicidaire": "suicide", "suicidaires": "suicide",
    "scarifier": "automutilation", "scarification": "automutilation", "scarifie": "automutilation",
    "automutilation": "automutilation", "overdose": "overdose", "defenestrer": "suicide",
    "harcelement": "harcelement", "cyberharcelement": "harcelement",
}
_FUZZY_EXCLUDE = re.compile(r"^(sacrifi|sacrif|subsid|suicidaire?s?$)")

# When the danger is now: the urgent number comes first and is said again.
_NOW = re.compile(
    r"\b(ce soir|cette nuit|maintenant|mtn|tout de suite|la tout de suite|en ce moment|c est decide|"
    r"tout prepare|adieu|sur le (pont|toit|balcon|rebord|quai)|au bord|corde|couteau|arme|lame|"
    r"saign\w*|sang|pris|avale\w*|gobe|bu|il est la|ils sont la|devant (ma|la) porte|me suit|"
    r"me suivent|suivi|suivie|enferme\w*|au secours|aide\w* moi|help|respire (plus|bizarre|mal)|"
    r"repond plus|je me sens partir|vais sauter|vais me jeter|me jeter|sauter)\b")
# "detre", "dangoisse": an apostrophe left out
_ELISIONS = re.compile(r"\b([dmtsl])(etre|angoisse|aller|avoir|abord|ici|habitude|envie|enfant|air|"
                       r"endormir|enfuir|etrangle|etouffe|attend|attendent)\b")
_AGE = re.compile(r"\b(j ai|g|jai|ai|age de|agee? de) (1[0-9]|2[0-9]|[0-9]) ?ans\b")


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


def _found(category: str, evidence: str, words: str) -> Crisis:
    age = _AGE.search(words)
    minor = (int(age.group(2)) < 18) if age else None
    now = category in ("overdose", "danger", "sans_abri") or bool(_NOW.search(words))
    return Crisis(category, evidence.strip(), danger_now=now, minor=minor)


def _words(text: str) -> str:
    return _ELISIONS.sub(r"\1 \2", normalize(text))


def detect_crisis(text: str, second_opinion: bool = True) -> Crisis | None:
    """The crisis a message shows, or None. Pure, never raises; reads the whole message.

    The rules first (they name the situation); then, when they see nothing, a linear classifier
    trained on the project's labelled messages (bot/understanding/data/) gives a second opinion:
    distress said in words no rule knows. Its finds are `soft`: the bot checks in gently and
    alerts, rather than giving every number."""
    try:
        words = _defuse(_words(text))
        if not words.strip():
            return None
        for category, pattern in _COMPILED:
            m = pattern.search(words)
            if m:
                return _found(category, m.group(0), words)
        for token in words.split():
            category = _fuzzy_category(token)
            if category:
                return _found(category, token, words)
        if second_opinion and len(words.split()) >= 3 and _second_opinion(words):
            found = _found("inquietude", words[:60], words)
            return Crisis(found.category, found.evidence, danger_now=False, minor=found.minor, soft=True)
        return None
    except Exception:  # a crisis check must never take the conversation down
        return None


DATA = Path(__file__).resolve().parent / "data"
SOFT_MARGIN = 0.4    # decision margin of the second opinion (LinearSVC): benchmarks/crisis_accuracy.py


@lru_cache(maxsize=1)
def _classifier():
    """Trained once per process from the labelled sets (~0.15 s); nothing downloaded."""
    import csv

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    texts: list[str] = []
    labels: list[bool] = []
    with (DATA / "crisis_train.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            texts.append(row["text"])
            labels.append(row["label"] == "crisis")
    with (DATA / "faq_labelled.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            texts.append(row["text"])
            labels.append((row["topic"] or "").strip() == "detresse")
    prep = _words
    model = make_pipeline(
        make_union(TfidfVectorizer(preprocessor=prep, analyzer="char_wb", ngram_range=(2, 5),
                                   sublinear_tf=True),
                   TfidfVectorizer(preprocessor=prep, analyzer="word", ngram_range=(1, 2),
                                   sublinear_tf=True)),
        LinearSVC(C=1.0, class_weight="balanced"))
    model.fit(texts, labels)
    return model


@lru_cache(maxsize=4096)
def _second_opinion(words: str) -> bool:
    return float(_classifier().decision_function([words])[0]) >= SOFT_MARGIN


# the answer ------------------------------------------------------------------------------------
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class CrisisLine(BaseModel):
    """One phone line, as said to the jeune, with where and when it was checked."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str = Field(min_length=1)
    number: str = Field(min_length=2)
    for_: str = Field(alias="for", min_length=1)
    hours: str = Field(min_length=1)
    open: str | list[str] = "24h"
    price: str = Field(min_length=1)
    sms: bool = False
    minors: bool = False
    source: str = Field(pattern=r"^https://\S+$")
    checked: date

    @field_validator("open")
    @classmethod
    def _ranges(cls, value: str | list[str]) -> str | list[str]:
        ranges = [value] if isinstance(value, str) else value
        for r in ranges:
            if r != "24h" and not _RANGE.match(r):
                raise ValueError(f"open: {r!r}: write 24h or HH:MM-HH:MM")
        return value

    def is_open(self, at: datetime | None) -> bool:
        if at is None or self.open == "24h":
            return True
        local = (at if at.tzinfo else at.replace(tzinfo=ZoneInfo("UTC"))).astimezone(PARIS).time()
        for r in ([self.open] if isinstance(self.open, str) else self.open):
            if r == "24h":
                return True
            a, b = r.split("-")
            start = time.fromisoformat(a)
            end = time(23, 59, 59) if b == "24:00" else time.fromisoformat(b)
            if (start <= local < end) if start < end else (local >= start or local < end):
                return True
        return False

    def said(self) -> str:
        return f"📞 {self.number} : {self.name} — {self.for_}. {self.hours.capitalize()}, {self.price}."


class Situation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    say: str = Field(min_length=1)
    lines: list[str] = Field(min_length=1)
    now: str | None = None          # said first when the danger is now
    always_now: bool = False        # this situation is always urgent (pills taken, someone there)


class FollowUpTexts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    soft: str = ("J'ai l'impression que ça ne va pas fort. Je suis là, tu peux m'en dire plus. "
                 "Si tu penses à te faire du mal, appelle :")
    ask_safe: str = "Est-ce que tu es en sécurité là, maintenant ?"
    stay: str = "Je reste là. Tu peux m'écrire ce que tu veux, je lis tout."
    alerted: str = "J'ai prévenu l'équipe de {ml_name}. {when}"
    better: str = "Ça me fait du bien de lire ça. Si ça revient, écris-moi, même la nuit."
    way_back: str = "Quand tu veux, on peut reprendre : pose-moi une question ou demande un rendez-vous."


class CrisisConfig(BaseModel):
    """Lines (id -> line), what to say per situation, `generic` for anything else (the safety net)."""
    model_config = ConfigDict(extra="forbid")
    lines: dict[str, CrisisLine] = Field(min_length=1)
    generic: Situation
    situations: dict[str, Situation]
    follow_up: FollowUpTexts = Field(default_factory=FollowUpTexts)

    @field_validator("situations")
    @classmethod
    def _known_and_complete(cls, value: dict[str, Situation]) -> dict[str, Situation]:
        unknown = sorted(set(value) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown situations {unknown}; use {', '.join(CATEGORIES)}")
        missing = [c for c in CATEGORIES if c not in value]
        if missing:
            raise ValueError(f"missing answers for {', '.join(missing)}")
        return value

    @model_validator(mode="after")
    def _lines_known(self) -> "CrisisConfig":
        for name, situation in [("generic", self.generic), *self.situations.items()]:
            unknown = [line for line in situation.lines if line not in self.lines]
            if unknown:
                raise ValueError(f"{name}: unknown lines {unknown}; known: {', '.join(self.lines)}")
        return self


def load_crisis(path: Path | str) -> CrisisConfig:
    """config/crisis.yml, validated; problems raise ConfigError as `file:line: message`."""
    return validate_file(CrisisConfig, path)


def crisis_lines(cfg: CrisisConfig, crisis: Crisis, *, age: int | None = None,
                 at: datetime | None = None) -> list[CrisisLine]:
    """The lines to give, in order: open at this hour, under-18 lines not for adults."""
    situation = cfg.situations.get(crisis.category) or cfg.generic
    minor = crisis.minor if crisis.minor is not None else (age < 18 if age is not None else None)
    chosen = []
    for line_id in situation.lines:
        line = cfg.lines[line_id]
        if line.minors and minor is False:
            continue
        if not line.is_open(at):
            continue
        chosen.append(line)
    if not chosen:   # never nothing: the 24h lines of the generic answer
        chosen = [cfg.lines[i] for i in cfg.generic.lines if cfg.lines[i].open == "24h"]
    return chosen


def crisis_answer(cfg: CrisisConfig, crisis: Crisis, *, age: int | None = None,
                  at: datetime | None = None) -> str:
    """What to say now: the urgent step first when the danger is now, the situation, the lines."""
    situation = cfg.situations.get(crisis.category) or cfg.generic
    minor = crisis.minor if crisis.minor is not None else (age < 18 if age is not None else None)
    if crisis.soft:
        lines = crisis_lines(cfg, crisis, age=age, at=at)
        return "\n".join([cfg.follow_up.soft, *(line.said() for line in lines[:2])])
    out: list[str] = []
    urgent = situation.now and (crisis.danger_now or situation.always_now)
    if urgent:
        out.append(situation.now)
    out += [line for line in situation.say.strip().splitlines() if line.strip()]
    for line in crisis_lines(cfg, crisis, age=age, at=at):
        text = line.said()
        if line.minors and minor is None:
            text = "Si tu as moins de 18 ans : " + text.removeprefix("📞 ")
        out.append(text)
    if situation.now and not urgent:
        out.append(situation.now)
    return "\n".join(out)


def urgent_line(cfg: CrisisConfig, crisis: Crisis) -> str | None:
    """The urgent step of the situation, said again in crisis mode when the danger is now."""
    situation = cfg.situations.get(crisis.category) or cfg.generic
    if situation.now and (crisis.danger_now or situation.always_now):
        return situation.now
    return None
