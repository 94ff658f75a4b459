"""Harmless contexts for scary words (issue 17): taken out before the crisis rules read a message.

"jai pris des cachets contre le rhume", "on a dormi dehors en camping", "mon pote m a etrangle au
judo", "je vais disparaitre sous ma couette": the scary words are there, the crisis is not. Each
guard names the words it takes out (`span`), the harmless context that must be somewhere in the
message for that (`needs`, optional) and what keeps the message a crisis whatever the context
(`unless`, read on the whole message): the whole box, "pour plus me reveiller", "quand il a bu",
"on m a mis dehors". Only the guarded words go: the rest of the message is still read by every
rule, so "jai un rhume mais jai envie de mourir" stays a crisis.

Guards read normalised text (bot.understanding.normalize: no accents, "medocs" -> "medicaments",
"mec" -> "copain", "daron" -> "pere"). A missed crisis is the one error that cannot be repaired:
when in doubt a guard does not apply.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Guard:
    name: str
    span: re.Pattern[str]
    needs: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None


def _re(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts))


# --- illness and medicine -----------------------------------------------------------------------
_MED = (r"(cachets?|comprimes?|gelules?|pilules?|medicaments?|sirops?|sachets?|pastilles?|gouttes|"
        r"antibio\w*|antibiotiques?|doliprane\w*|dafalgan\w*|efferalgan\w*|paracetamol|ibuprofene|ibu|"
        r"advil|nurofen|spasfon|smecta|fervex|humex|aspirine|antihistaminiques?|anti histaminiques?|"
        r"antidouleurs?|anti douleurs?|anti inflammatoires?|vitamines?|magnesium|traitement|ventoline|"
        r"somniferes?|antidepresseurs?|anxiolytiques?|xanax|lexomil|tramadol|codeine|lamaline|"
        r"homeopathie|granules|vaccins?|pommade|creme|spray)")
_ILL = (r"(mal (de|a|au|aux) \w+|mal \w+|maux de \w+|tete|crane|dos|ventre|dents?|rage de dents|"
        r"dent de sagesse|gorge|oreilles?|yeux|nez|regles|migraines?|rhume|rhumes|grippe|fievre|toux|"
        r"tousse|angine|otite|bronchite|sinusite|rhinite|gastro|covid|allergies?|asthme|acne|boutons|"
        r"eczema|epilepsie|diabete|tension|thyroide|cholesterol|infections?|cystite|mycose|nausees?|"
        r"vomissements|diarrhee|douleurs?|courbatures|entorse|genou|cheville|fracture|brulure|coup de "
        r"soleil|piqure|conjonctivite|varicelle|anemie|fer|carence|fatigue|palu\w*|voyage|transport|"
        r"mal des transports|pollen|rhumatisme|tendinite|operation|dentiste|orthodontiste|acouphenes|"
        r"cicatrisation|ampoule|insolation|intoxication alimentaire|crise d asthme|regime)")
_DOCTOR = (r"(par jour|mon traitement|le traitement|medecin|docteur|doc|doct\w*|generaliste|dermato\w*|dentiste|pharmac\w*|infirmi\w*|"
           r"ordonnance|prescri\w*|posologie|notice|comme (il|elle|on) (m )?a dit|hopital m a|urgences m ont)")
_EXCESS = (r"\b(tous|toutes|tout le|toute la|toute|plein|trop|beaucoup|la moitie|des dizaines|une dizaine|"
           r"une vingtaine|une boite|la boite|boite entiere|des boites|une plaquette|la plaquette|plaquette "
           r"entiere|d un coup|en une (seule )?fois|double dose|le double|triple|melang\w*|alcool|vodka|"
           r"whisky|rhum|bouteille|bu|ivre|bourre\w*|(en|les) (ai|a) (pris|avale\w*|gobe\w*) ([3-9]|\d{2,}|plein|trop)|([3-9]|\d{2,}|trois|quatre|cinq|six|sept|huit|neuf|dix|"
           r"quinze|vingt|trente|cinquante) (cachets?|comprimes?|gelules?|pilules?|medicaments?|"
           r"doliprane\w*|dafalgan\w*|efferalgan\w*|paracetamol|xanax|lexomil|somniferes?|"
           r"antidepresseurs?|anxiolytiques?|tramadol))\b")
_INTENT = (r"\b(mourir|mort|morte|suicid\w*|en finir|me tuer|plus me reveiller|jamais me reveiller|pas me "
           r"reveiller|pour toujours|de bon|disparaitre|expres|volontairement|crever|overdose|od|lettre|"
           r"adieu|plus vivre|envie de rien|plus la force|ce soir|cette nuit|(cache|caches|cacher|cachee|planque|planques|planquer|garde|gardes|garder) (mes|les|des|la|ma|toute)|"
           r"stock\w*|reserve|(me|m) (sens|sent) (mal|bizarre|partir)|pas bien|vomi\w*|malaise|tourne|"
           r"respir\w*|coeur (bat|qui bat|s emballe)|urgence\w*|samu|15|peur|aide\w* moi|au secours|vivre|la vie|"
           r"souffr\w*|s arrete|oublier|plus rien sentir|dormir longtemps|dormir pour|ne plus|plus jamais|"
           r"partir|sauter|corde|lame|envie de|de cote|en reserve|assez maintenant|j en ai assez)\b")

ILLNESS = Guard(
    "illness",
    span=_re(r"\b", _MED, r"\b"),
    needs=_re(r"\b(pour|contre)\b (le |la |l |les |mon |ma |mes |un |une |ce |cette |son |sa |ses )?",
              _ILL, r"\b|\b", _DOCTOR, r"\b|\b(j ai|je suis|suis) (un |une |la |le |de la |des |l )?",
              _ILL, r"\b|\b(malade|enrhume\w*|grippe\w*)\b"),
    unless=_re(_EXCESS, "|", _INTENT),
)

# breathing badly with a cold: not a panic attack
ILLNESS_BREATH = Guard(
    "illness",
    span=_re(r"\b(respire\w*|respirer|respiration)\b (mal|difficilement|par la bouche|plus par le nez)\b"
             r"|\b(du|un peu de|beaucoup de) mal a respirer\b|\bnez (bouche|qui coule|pris)\b"),
    needs=_re(r"\b(pour|contre|avec) (le |la |l |les |mon |ma |mes |un |une |ce |cette )?", _ILL, r"\b|\b(j ai|je suis|suis) "
              r"(un |une |la |le |de la |des |l )?", _ILL, r"\b|\b(malade|enrhume\w*|grippe\w*|nez bouche|allergi\w*|"
              r"pollen|asthm\w*)\b"),
    unless=_re(r"\b(angoiss\w*|paniqu\w*|crise|peur|poitrine|coeur|mourir|meurs|aide\w*|secours|urgence\w*|samu|15|"
               r"tremble\w*|malaise|levres bleues|bleu|evanoui\w*|pris (des|tous|toute|trop)|avale\w*)\b"),
)

# --- a night out for fun ------------------------------------------------------------------------
_SLEEP_OUT = (r"\b(dormi\w*|dors|dort|dormir|dormait|dormaient|dormira\w*|passe\w* la nuit|passer la nuit|"
              r"passe\w* une nuit|fini la nuit|nuit)\b.{0,25}?\b(dehors|dans (la|une|ma|sa|ca|notre|leur|un|le|son|"
              r"mon) (voiture|caisse|bagnole|tente|van|camion\w*|hamac|gare|parc|train|bus)|sous (la|une|les) "
              r"tentes?|a la belle etoile|sur la plage|dans la rue|a la gare|en pleine nature|dans les bois|"
              r"dans la foret)\b"
              r"|\b(dehors|dans la rue)\b.{0,10}\b(toute la nuit|jusqu au matin|jusqu a \d+ ?h)\b")
_LEISURE = (r"\b(camping|campe\w*|camper|bivouac\w*|festival\w*|festoch\w*|vacances|"
            r"vacs|road ?trip|rando\w*|trek\w*|colo|colonie|scout\w*|etoiles? filantes?|"
            r"lever (du|de) soleil|coucher (du|de) soleil|feu de camp|fete de la musique|concert|auberge|"
            r"soiree|apero|anniv\w*|avec (les|des|mes|nos) (potes|copains|copines|amis|cousins|cousines)|c etait (trop |vraiment |hyper )?"
            r"(bien|top|cool|genial|ouf|incroyable|magique)|j adore|trop bien|pour le fun|pour rire|pour le "
            r"kiff|aire d autoroute|autoroute|trajet|sur la route|peche|plage|montagne|lac|nature|foret|"
            r"expedition|aventure|nuit blanche|jusqu au matin|nouvel an|jour de l an|teuf|rave|free party|jardin|"
            r"(train|bus|vol|avion|metro|rer) (\w+ )?(annule|supprime|en retard|rate|bloque)|rate le (dernier )?(train|bus|"
            r"metro|rer|tram)|greve|correspondance|escale)\b")
_HOMELESS = (r"\b(vire\w*|mis\w* dehors|mis\w* a la porte|foutu\w* dehors|jete\w* dehors|jete\w*|chasse\w*|"
             r"expuls\w*|degage\w*|plus de (logement|toit|maison|chez moi|appartement|appart)|pas de (logement|"
             r"toit|chez moi)|sans (logement|toit|abri|domicile)|sdf|a la rue|nulle part|nul part|pas d endroit|"
             r"aucun endroit|pas ou dormir|115|squat\w*|hebergement d urgence|personne (peut|veut|pour) "
             r"(m heberger|me loger|m accueillir)|pas le choix|pas d autre choix|(c est |c etait )?(pas|plus) "
             r"(du camping|des vacances|pour le fun|pour rire|un jeu)|depuis (que|qu|des (jours|semaines|mois)|"
             r"plusieurs|\d+ (jours|nuits|semaines|mois))|tous les soirs|toutes les nuits|chaque nuit|"
             r"chaque soir|ce soir je sais pas|fugu\w*|parti\w* de chez|quitte\w* (la maison|chez moi|le foyer)|"
             r"peur de rentrer|peux (pas|plus) rentrer|froid)\b")

LEISURE = Guard("leisure", span=_re(_SLEEP_OUT), needs=_re(_LEISURE), unless=_re(_HOMELESS))

# jumping off a cliff with a paraglider, off a bridge into the river with friends in summer
JUMP = Guard(
    "leisure",
    span=_re(r"\b(saute\w*|sauter|plonge\w*|plonger|jete\w*)\b (\w+ )?(d une|du|de la|depuis (le|la|une|un)|d un|en) "
             r"(falaise|pont|rocher|plongeoir|avion|hauteur|cascade|parachute|parapente|\d+ ?m(etres)?)\b"),
    needs=_re(r"\b(parapente|parachute|elastique|moniteur|monitrice|plongeon|plongeoir|riviere|lac|mer|potes|copains|amis|"
              r"ete|vacances|baignade|c etait (fou|top|trop bien|genial|ouf|incroyable)|adrenaline|sensations|bapteme|"
              r"tandem|canyoning|cliff|saut a l elastique)\b"),
    unless=_re(r"\b(envie|veux|vais|voudrais|pense|mourir|en finir|ce soir|cette nuit|seule?|plus jamais|adieu|tuer|"
               r"disparaitre|vivre|fin)\b"),
)

# --- play fights, sport, games ------------------------------------------------------------------
# Beaten at a game (a win, not a blow) and hit in a play fight or a sport are two guards: a blow from
# a parent, a partner or a coach is never "for fun" to the bot ("mon copain me frappe pour rire").
_WIN = (r"(battu\w*|bat|bats|battre|battus|explos\w*|eclat\w*|defonc\w*|massacr\w*|detrui\w*|ecras\w*|"
        r"atomis\w*|tabass\w*|lamin\w*|pulveris\w*|demoli\w*|ratatin\w*|humili\w*|dechir\w*|fum\w*|"
        r"tue\w*|tuer|bute\w*|boucherie|pate\w*|mis (une|la) (raclee|rouste|branlee|pile|misere|pression|fessee)|"
        r"pris (une|la|des) (raclee|rouste|branlee|pile|valise|fessee|tole|taule)|mis ko|mis k o|mis k o)")
_GAMES = (r"(console|play|playstation|ps\d|xbox|switch|manette|fifa|fc ?\d*|fortnite|cod|call of \w+|lol|"
          r"valo\w*|minecraft|mario\w*|mario kart|smash|tekken|street fighter|mortal kombat|rocket league|"
          r"brawl\w*|clash \w+|among us|echecs|dames|cartes|belote|tarot|uno|monopoly|scrabble|poker|"
          r"petits chevaux|jeu|jeux|jeu video|jeux videos|game|games|partie|manche|tournoi|1v1|un contre un|"
          r"quiz|kahoot|loup garou|cluedo|bowling|billard|flechettes|baby ?foot|ping pong|badminton|tennis|"
          r"foot\w*|five|basket|hand\w*|volley|rugby|hockey|course|sprint|natation|match|matchs|score|"
          r"bras de fer|petanque|muscu|boxe|judo|karate|lutte|mma|escrime|sport|eps|karting|laser ?game|"
          r"paintball|airsoft|escape game)")
_BLOW = (r"(frapp\w*|tap\w*|cogn\w*|gifl\w*|claqu\w*|baffe\w*|etrangl\w*|pousse\w*|plaque\w*|bouscul\w*|"
         r"mis (un|une|des) (coups?|claques?|droites?|patates?|balayettes?|coups de poing|coups de pied)|"
         r"pris (un|une|des) (coups?|claques?|droites?|patates?|coups de poing|coups de pied)|"
         r"tire\w* dessus|mordu\w*|griffe\w*|fait tomber|fait une cle de bras|mis au sol|"
         r"donne\w* (un|une|des) (coups?|claques?|coups? de (coude|pied|poing|genou|tete|boule)|baffes?|tapes?))")
_FIGHT = (r"(bataille (d eau|de neige|de polochons?|de coussins?|d oreillers?|de bouffe|de farine|navale)|"
          r"polochons?|oreillers?|coussins?|boules? de neige|pistolets? a eau|nerf|paintball|laser ?game|"
          r"airsoft|judo|karate|boxe|kick ?boxing|mma|lutte|taekwondo|krav maga|jiu jitsu|jjb|catch|"
          r"sumo\w*|escrime|rugby|foot\w*|basket|hand\w*|volley|hockey|match|entrainement|entrainements|"
          r"sparring|combat de (sumo|coussins?|oreillers?)|jeu de la claque|chat perche|cache cache|"
          r"trampoline|piscine|auto tamponneuses?|muscu|cours de sport|eps|jeu|jeux|rire|jouer|rigoler|"
          r"deconner|de faux|de rire|le fun|chatouilles?|jouant|rigolant|peluches?|doudous?|jouets?|serviettes?|chaussettes?|"
          r"eponges?|plumes?|ballons?|torchons?|frites? de piscine|bouee)")
# no "quand", "parce que", "des que" between the blow and the game: "il me frappe quand je perds"
_NEAR = (r"(?:(?!\b(?:quand|parce|des que|si|chaque|lorsque|apres|vu que|comme|a cause|sinon|depuis|car|"
         r"pour un rien|pour rien)\b)[a-z0-9 ]){0,22}?")
_PREP = (r"(a coups? (de|d)|avec (un|une|des|mon|ma|le|la|les|son|sa|ca|ses)|a la|au|aux|a|en|pendant (la|le|les|l)?|"
         r"pour|sur|dans|contre (moi )?(a|au|aux|en))")
_VIOLENCE = (r"\b(quand (il|elle|ils) (a|ont) bu|quand (il|elle|ils) (boit|boivent|s enerve\w*|rentre\w*)|"
             r"tous les (jours|soirs)|chaque (jour|soir|fois)|a chaque fois|des que|parce que|pour un rien|"
             r"pour rien|peur|sang|saign\w*|hopital|urgences|menac\w*|bleus|marques|cicatrices|plainte|police|"
             r"17|au secours|aide moi|a la maison|chez moi|enferm\w*|insult\w*|hurl\w*|en dehors|"
             r"a la sortie|apres (le|la) (match|partie|cours|entrainement)|a la fin du match|jusqu a|jusqu au|"
             r"trop mal|vraiment mal|tres mal|fracture|casse (le|la|les|mon|ma|mes) (nez|bras|dents?|cotes?|"
             r"jambe|machoire|poignet)|plus respirer|evanoui\w*|pas normal|encore une fois|viol\w*|force\w*|"
             r"oblige\w*|sans mon accord|touche\w*|deshabill\w*|vestiaires?|douches?|seule? avec)\b")
# who hits: a parent, a partner, an adult in charge
_NOT_PLAY = (r"\b(pere|mere|beau pere|belle mere|parents|oncle|tante|tuteur|tutrice|copain|copine|mari|femme|"
             r"compagnon|compagne|conjoint\w*|ex|petit ami|petite amie|fiance\w*|coach|entraineur|prof|"
             r"professeur|educ\w*|moniteur|monitrice|animateur|animatrice|patron|chef|adulte|un homme|"
             r"des hommes|un vieux|surveillant\w*|cpe)\b")

PLAY_WIN = Guard(
    "play",
    span=_re(rf"\b{_WIN}\b{_NEAR}\b{_PREP} ?(\w+ )?{_GAMES}\b"
             rf"|\b(on|nous|ils|elles|je|j|tu) (s est|se sont|s etait|me suis|t es|ai|a|as) (fait |faite |fais )?"
             rf"(battre|massacrer|eclater|defoncer|detruire|ecraser|atomiser|laminer|humilier|pulveriser|"
             rf"demolir|tuer|fumer|exploser)\b(?=.{{0,30}}\b({_GAMES}|\d+ ?a ?\d+|\d+ ?-? ?\d+)\b)"
             rf"|\b(joue\w*|jouer|partie|game|games|session) (a|au|aux|sur|de) (la |le |l )?(\w+ )?{_GAMES}\b"
             rf"{_NEAR}\b{_WIN}\b( (plein de|tout le|tous les|des|les|le|la) (monde|gens|mecs|joueurs|ennemis|"
             rf"zombies|adversaires|autres))?"),
    unless=_re(_VIOLENCE),
)
PLAY_FIGHT = Guard(
    "play",
    span=_re(rf"\b{_BLOW}\b{_NEAR}\b{_PREP} ?(\w+ )?{_FIGHT}\b"
             rf"|\b(en jouant|pour rire|pour jouer|en rigolant|pour de faux|pour de rire|pour deconner|au (judo|"
             rf"karate|rugby|foot\w*|basket|hand\w*|catch|mma|paintball|laser ?game|ski|skate|sport|hockey)|"
             rf"a la (boxe|lutte)|en (cours de )?(sport|eps|judo|boxe|karate)|fait de la (boxe|lutte|muay thai|savate)|"
             rf"fait du (judo|karate|rugby|foot|mma|kick ?boxing|jiu jitsu|krav maga|taekwondo|hockey))\b.{{0,40}}\b{_BLOW}\b"),
    unless=_re(_VIOLENCE, "|", _NOT_PLAY),
)

# a fall, a bike, a door: a bruise that nobody gave
ACCIDENT = Guard(
    "accident",
    span=_re(r"\b(bleus?|bosses?|hematomes?|egratign\w*|ecorch\w*)\b( partout| sur (tout )?le corps| aux? \w+)?"),
    needs=_re(r"\b(paintball|laser ?game|airsoft|rugby|boxe|judo|karate|mma|hockey|match|entrainement|"
              r"tombe\w*|chute|gamelle|glisse\w*|trebuche\w*|rate une marche|verglas|en (velo|skate|"
              r"trottinette|scooter|moto|roller|ski|snow\w*)|au (foot|rugby|ski|skate|sport|basket|hand)|"
              r"accident de (velo|scooter|trottinette|ski)|cogne\w* (contre|dans) (la|le|une|un|ma|mon) "
              r"(porte|table|meuble|armoire|lit|placard|poteau|mur)|me suis cogne\w*)\b"),
    unless=_re(r"\b(pousse\w*|frapp\w*|jete\w*|cogne\w* par|a cause (de|d) (mon|ma|mes|il|elle|lui)|quelqu un|"
               r"qqn|il m|elle m|ils m|on m|mon (pere|frere|copain|mari|oncle|beau pere|ex)|ma (mere|copine|"
               r"femme|tante|belle mere)|peur|menac\w*|dire la verite|pas vraiment tombe\w*|soi disant|"
               r"mentir|menti|ment|cacher|cache|c est lui|c etait lui|c est elle|c etait elle|il m a dit de dire|"
               r"elle m a dit de dire|je dis que|j ai dit que|on dit que|faire croire|fait croire|le dire|leur dire|"
               r"ose pas)\b"),
)

# --- idioms -------------------------------------------------------------------------------------
_FOR_GOOD = (r"(?!.{0,25}\b(pour toujours|pour de bon|a jamais|definitivement|pour l eternite|plus jamais|"
             r"de ce monde|de la terre|de la surface|et (plus|jamais) (revenir|me reveiller)|mourir|en finir)\b)")
_IDIOMS = [
    # working oneself to death: "je vais me tuer a la tache pour ce rapport"
    r"\b(me|te|se|nous|vous) (tuer|tue|tues|tuent|crever|creve) (a la tache|au travail|au boulot|au taf|a bosser|a force de bosser)\b",
    # hiding under the duvet, off the apps, for a while
    r"\b(disparaitre|me cacher|m enterrer|hiberner)\b (sous|dans) (ma|la|mon|une|un|les|mes) (couette|plaid|"
    r"drap|draps|couverture|couvertures|lit|oreiller|canape)\b" + _FOR_GOOD,
    r"\b(disparaitre|me deconnecter|m effacer|partir) (de|des|d) (ce |cette |la |le |mon |ma |l |tous les )?(snap\w*|insta\w*|tiktok|reseaux\w*|"
    r"photos?|videos?|story|stories|selfies?|"
    r"whatsapp|discord|facebook|twitter|x|groupe|conv\w*|la circulation)\b" + _FOR_GOOD,
    r"\b(disparaitre|partir|me barrer|m evader)\b (quelques|deux|trois|\d+|une|un|pendant|pour) "
    r"(jours?|semaines?|heures?|mois|weekend|week end|vacances|temps|moment|peu|petit moment)\b"
    r"(?!.{0,30}\b(jamais|toujours|de bon|definiti\w*|plus revenir|vie)\b)",
    # jumping on a train, at an offer; throwing oneself into bed or work
    r"\bsauter (dans|sur) (le|un|mon|la|une|l) (premier |prochain |dernier )?(train|tgv|bus|metro|tram\w*|"
    r"taxi|avion|lit|canape|occasion|offre|trampoline|piscine|eau|velo|scooter|cou de|bras de)\w*\b",
    r"\bsauter (le pas|de joie|en parachute|a l elastique|a la corde|en l air|partout|un repas|le repas|"
    r"le petit dej\w*|le dej\w*|un cours|les cours|une etape|une classe|une ligne|une question|mon tour|"
    r"le permis|des etapes)\b",
    r"\b(me|m) (suis )?(jeter|jete|jetee|lancer|lance|lancee) (dans|sur|a) (mon|le|ma|la|les|mes|l|un|une) ?(lit|canape|"
    r"couette|bouffe|buffet|nourriture|pizza|chips|bonbons|gateau\w*|frigo|travail|boulot|projet|frites|"
    r"chocolat|dessert|kebab|mcdo|tacos|burger|raclette|plat|assiette|repas|apero|pates|crepes|glace|"
    r"formation|etudes?|revisions?|bain|aventure|dossier|cv|recherche\w*|"
    r"alternance|sport|muscu|bras (de|d) \w+|occasion)\b|\b(me|m) (jeter|jete|lance|lancer) a l eau\b",
    # a boss, a teacher, a parent "will kill me" over a mishap
    r"\b(mon|ma|mes|le|la|les|ce|cette) (\w+ )?(boss|chef|patron|patronne|manager|prof|profs|professeur\w*|"
    r"coach|entraineur|formateur|formatrice|conseill\w*|coloc\w*|soeur|frere|pere|mere|parents|grand mere|"
    r"grand pere|tante|oncle|cousin\w*|pote|potes|amie?s?|voisin\w*|banquier|proprio)\b (va|vont|allait|"
    r"allaient|voulait|veut|veulent) me (tuer|buter|massacrer|defoncer|etrangler|egorger|tuer de ses)\b"
    r"(?=.{0,20}\b(si|parce que|parce qu|pour|quand|j ai|g|je viens de|on a)\b.{0,25}\b(rate|loupe|rends pas|rend pas|finis pas|"
    r"fini pas|oublie|retard|fais pas|ai pas fait|ramene pas|perds|perdu|casse|raye|mange|bu son|pris son|"
    r"pris sa|emprunte|spoil\w*|redouble|echoue|mal range|laisse|vaisselle|menage|devoirs|notes?|bulletin|"
    r"controle|bac|brevet|exam\w*|dossier|rapport)\b)"
    r"(?!.{0,60}\b(vraiment|pour de vrai|serieux|il l a deja|elle l a deja|couteau|arme|frapp\w*|coups?|"
    r"peur)\b)",
    # killed / finished by a party, a joke, an exam
    r"\b(soiree|blague|film|serie|exam\w*|controle|partiel\w*|journee|semaine|match|seance|rando\w*|video|"
    r"episode|fin|chanson|concert|sport|muscu|marche|course|entrainement|cours|devoirs|oral|bac|brevet|"
    r"permis|code|boulot|travail|stage|reunion|dossier|formulaire|trajet|voyage|chaleur|canicule)\b"
    r"( (d hier|de ce matin|de ce soir|de maths|de physique|de sport|de la veille|de ouf))? "
    r"(m a|ma|m ont|mont|va me) (tue\w*|acheve\w*|detruit\w*|epuise\w*|eu|tuer|achever|detruire)\b",
    r"\b(il|elle|ils|tu|vous|ca|cette \w+|ce \w+) (me|m) (tue|tues|tuent|achevent|acheve|fait mourir|fais "
    r"mourir|font mourir|faire mourir|tuer) (de rire|avec (ses|tes|leurs|son|ton|sa|ca|ta) (blagues?|histoires?|"
    r"questions?|devoirs|remarques|videos?|vannes?|grimaces|betises)|avec (ses|tes|leurs) \w+ nul\w*)\b",
    r"\b(tu vas|tu va|vous allez|il va|elle va) me faire (mourir|crever) (de rire|avec (tes|vos|ses) \w+)\b",
    # dying of hunger, heat, shame, laughing, boredom (and "failli")
    r"\b(mort|morte|morts|mortes|mourir|meurt|meurs|crever|creve|crevee|failli mourir|failli crever|"
    r"j en meurs|dead|decede\w*) (de|d) (rire|fatigue|chaud|froid|soif|honte|ennui|l ennui|rigoler|"
    r"sommeil|impatience|jalousie|envie|la dalle|la flemme|flemme|bonheur|joie|plaisir)\b",
    r"\b(dead|mort|morte|crevee?|creve|tue|tuee|ko|k o|hs|lessive\w*|explose\w*|defonce\w*|rince\w*|"
    r"epuise\w*|naze|nase|vide\w*) (apres|a cause (de|d)|par) (le|la|les|l|ma|mon|mes|ce|cette|une|un|"
    r"ces)? ?(soiree|journee|semaine|sport|muscu|match|seance|rando\w*|course|footing|cours|taf|travail|"
    r"boulot|stage|entrainement|entrainements|exam\w*|partiel\w*|bac|revisions?|trajet|voyage|demenagement|"
    r"fete|concert|festival|marche|km|kilometres|velo|piscine|danse)\b",
    r"\b(j ai|je suis|suis|jsuis) (chaud|froid) je meurs\b|\bje meurs (de|d) (chaud|froid)\b"
    r"|\b(chaud|froid|soif) je (meurs|creve)\b",
    r"\b(c est|c etait|c) mort\b(?=.{0,30}\b(pour (ce soir|demain|aujourd hui|cette fois|le bus|le train|"
    r"le rdv)|on se voit|le bus|le train|laisse tomber|tant pis|deja passe|est passe|ferme)\b)"
    r"|\blaisse tomber c est mort\b",
    r"\b(est|etait|sont|etaient|trop|vraiment|juste|c est|c etait) a tomber\b"
    r"(?! (par terre|dans les pommes|malade))",
    r"\b(pendu|pendue|accroche\w*) (au|a mon|a son|a ma|a sa) (telephone|portable|tel|bras|cou de)\b",
    r"\b(je me noie|me noyer|noye|noyee|submerge\w*) (sous|dans) (les|la|mes|le|des) (devoirs|travail|"
    r"paperasse|papiers|dossiers|mails|messages|revisions|cours|boulot|taf|factures|demarches|notifs?|"
    r"notifications)\b",
    r"\b(explose\w*|exploser|eclate\w*|defonce\w*|pulverise\w*|battu|bat) (mon|le|son|ton|notre|un) "
    r"(record|score|high ?score|chrono|objectif|pb)\b",
    r"\b(tete|crane|cerveau) (qui|va) (explose|exploser|eclate|eclater|chauffe|fondre)\b",
    r"\b(tu m as|vous m avez|ca m a|il m a|elle m a|t as|ca ma|tu ma) sauve la vie\b",
    r"\b(craque|craquer|craqu\w*) (pour|sur) (un|une|le|la|les|ce|cette|des|son|sa|ca|ton|ta|mon|ma)\b",
    r"\b(je vais|vais|je veux|veux|envie de|j ai envie de) (craquer|exploser) (et|pour) (acheter|m acheter|"
    r"prendre|manger|commander)\b",
    r"\b(je vais|vais|je vais finir par|va) (exploser|peter un cable|peter un plomb|peter les plombs) "
    r"(si|sinon)\b(?=.{0,30}\b(bus|train|metro|tram|retard|attente|file|queue|caf|dossier|wifi|tel|telephone|"
    r"ordi|appli|colis|livreur)\b)",
    r"\b(mon|ma|le|la|son|sa|ca) (tel|telephone|portable|ordi|ordinateur|pc|batterie|voiture|caisse|scooter|"
    r"imprimante|console|manette|casque|ecran|box|wifi|appli|plante|poisson|tamagotchi|perso|personnage|"
    r"avatar|heros)\b (est|etait|va|vient de)? ?(mort|morte|mourir|decede|creve|crevee|tue|tuee)\b",
    r"\b(mon|ma|le|son|notre) (perso|personnage|avatar|heros|equipe|champion|brawler|sim|sims|pokemon)\b.{0,20}"
    r"\b(mort|morte|tue|tuee|meurt|creve)\b",
    r"\b(j ai|on a|il a|elle a|ils ont|tu as) (tue|bute|massacre|defonce|detruit|eclate|explose|atomise|"
    r"fume|deglingue) (le|la|les|tous les|toutes les|un|une|ce|cette|mon|ma|mes) ?(boss|zombies?|monstres?|"
    r"ennemis?|niveau|level|game|jeu|mission|quete|donjon|plat|assiette|pizza|gateau|buffet|pates|burger|"
    r"exam\w*|oral|entretien|controle|partiel|match|concert|karaoke|dance ?floor|piste)\w*\b",
    r"\b(je|j ai|on|ils|elles|il|elle) (me suis|s est|se sont|ai|a|ont)? ?(fait |faite )?(tuer|tue|tuee|"
    r"eliminer|elimine\w*|sortir|sorti\w*) (en premier|au premier tour|des le debut|au loup garou|a loup garou|"
    r"au cluedo|a among us|au jeu)\b",
    r"\b(cram\w*|brule\w*|rate\w*|loupe\w*) (le|la|les|mon|ma|mes|un|une|son) (gateau|gateaux|pizza|plat|"
    r"pates|riz|poulet|crepes?|omelette|toast|tarte|repas|diner|dej\w*|cuisine|steak|frites|oeufs?|cookies?)\b",
    r"\bje vais (le|la|te|les|vous) (tuer|buter|defoncer|etrangler|massacrer|trucider)\b(?=.{0,40}\b(il|elle|"
    r"ils|tu|vous) (a|ont|as|avez) (mange|bu|pris|fini|oublie|perdu|casse|spoil\w*|vole mes (chips|frites|"
    r"bonbons|affaires|fringues))\b)(?!.{0,60}\b(vraiment|pour de vrai|serieux|couteau|arme)\b)",
    r"\b(vouloir|veut|veulent|voulait) ma mort\b(?=.{0,40}\b(devoirs|controle|exam\w*|notes?|boulot|travail|"
    r"heures|horaires|planning|cours|ses|son|sa|ca)\b)",
    r"\b(le stress|stress|la pression|le bac|les exams|les partiels|le code|le permis|ce prof|cette prof|"
    r"le taf|le travail|le boulot|la chaleur|le froid|la canicule|les transports|le bus)\b (me|va me) "
    r"(tue|tuer|achever|acheve|detruit|detruire)\b",
    r"\b(sa|ca|ta|la|cette|leur|son) (blague|vanne|tete|tronche|reaction|video|story|danse) (m a|ma|m) "
    r"(tue|tuee|acheve\w*)\b",
    r"\bpris (un|une|des|le|mon) ((gros|bon|sacre|petit|vrai|enorme) )?(coup de (soleil|chaud|froid|vieux|"
    r"pression|stress|mou|barre)|vent|rateau|rateaux)\b",
    r"\b(pris|prise|pris cher|mange|bouffe) (une|la) (porte|vitre|poteau|branche|baie vitree|marche)\b|\bpris cher\b",
    r"\b(exploser|sauter|pleurer|mourir|crever|hurler|danser) de (joie|bonheur|rire)\b",
    # objects named for what they are for: a kitchen knife, a cosplay sword
    r"\b(couteaux?|armes?|epees?|sabres?|pistolets?|fusils?|flingues?|katanas?|haches?|machettes?|battes?)\b "
    r"(\w+ )?(de|en|pour|a) (la |le |l |un |une |mon |ma )?(cosplay|cuisine|cuisiner|pain|beurre|fromage|viande|"
    r"legumes|plastique|mousse|bois|jouet|paintball|airsoft|nerf|eau|decoration|deco|collection|chasse|tir|"
    r"peche|camping|bricolage|theatre|costume|halloween|film|convention|spectacle|sport|baseball au club|"
    r"huitres|poche|chef|boucher|boucherie|cap cuisine)\b"
    r"(?!.{0,40}\b(menac\w*|sur moi|contre moi|me tuer|en finir|me couper|veines|poignets?|pour (me|lui|elle|eux)|"
    r"pour (le|la|les) (tuer|buter|planter|menacer|frapper|blesser)|venger|vengeance|peur|defendre)\b)",
    # fiction: a character's death, a film about a battered teenager
    r"(?:\b(suicide|mort|meurtre|viol|agression|overdose|enlevement)\b (de|d|du) (mon |ce |le |la |un |une |l |son |sa )?"
    r"(personnage|perso|heros|heroine|acteur|actrice|chanteur\w*|rappeur|youtubeur|influenceu\w*|star|idole)\b"
    r"|\b(heros|heroine|personnage|perso)\b (principal |principale )?(se|s) (suicide|tue|pend|noie|jette)\b"
    r"|\b(film|serie|docu\w*|livre|roman|manga|anime|reportage|episode|video|pub|chanson|bd|jeu|podcast|thriller|"
    r"polar|fiction|court metrage|emission|piece de theatre)\b "
    r"(sur|avec|ou|qui parle (de|d)|a propos (de|d)|de|d) (un|une|des|le|la|les|l)? ?(\w+ ){0,2}?(harcel\w*|"
    r"violee?s?|viol|battue?s?|suicid\w*|drogue\w*|sdf|sans abri|agresse\w*|enleve\w*|sequestre\w*|"
    r"marie\w* de force|tueurs?|meurtres?|zombies?|guerre|kidnapping|enlevement|assassinat|prise d otages?|"
    r"braquage|serial killers?|gang|mafia|attentat|apocalypse|catastrophe|accident)\b)(?!.{0,60}\b(envie|pareil|comme (lui|elle|moi)|"
    r"moi aussi|la meme chose|me reconnais|je pense|ca me fait penser|comme ma vie|comme chez moi)\b)",
    # "a mort" for "very much": "ca me tente a mort", "je kiffe a mort"
    r"\b(tente|tentent|kiffe\w*|aime|adore|veux|voulais|saoule\w*|gonfle\w*|enerve\w*|stresse\w*|flippe\w*|galere\w*|"
    r"travaille\w*|bosse\w*|rigole\w*|ri|rit|ris|pleure\w*|dors|dormi|mange|bouffe|chante\w*|danse\w*|joue\w*|"
    r"regarde|revise\w*|m ennuie|ennuie) a mort\b",
    # "my parents will kill me" after a bad mark or a mishap
    r"\b(mauvaise note|note|notes|bulletin|rate|raté|loupe|perdu|casse|cassé|retard|oublie|oublié|redouble|"
    r"renvoye\w*|colle\w*|exclu\w* de cours|zero|echoue)\b.{0,40}\b(mes parents|ma mere|mon pere|mes darons?|ma daronne|"
    r"ma prof|mon prof|mon chef|mon boss|mon patron|ma soeur|mon frere) (vont|va|allaient|allait) me (tuer|buter|"
    r"massacrer|defoncer|tuer vivant\w*)\b(?!.{0,50}\b(vraiment|pour de vrai|serieux|couteau|arme|frapp\w*|coups?|"
    r"peur|ceinture|cogne\w*)\b)",
    # working with, helping people in danger
    r"\b(travailler|bosser|benevol\w*|educat\w*|stage|asso\w*|aider|m occuper|metier|boulot|travail)\b (\w+ ){0,2}?"
    r"(avec|aupres (des|de)|pour) (les|des) (sdf|sans abri|jeunes en danger|victimes|migrants|refugies|enfants en danger|"
    r"mineurs en danger|femmes battues|toxicos|toxicomanes|personnes (a la rue|sans abri|en danger|en detresse))\b",
    r"\b(jeunes|enfants|mineurs|especes|animaux|planete|personnes|femmes|gens) (\w+ )?en danger\b",
    r"\b(self defense|autodefense|auto defense|krav maga|cours de defense)\b",
    # a nightmare, a dream
    r"\b(cauchemar\w*|reve|mauvais reve|reve bizarre)\b (\w+ ){0,5}?(mourais|mourrais|meurs|mort|morte|tue|tuait|"
    r"tuaient|tombais|noyais|poursuivait|suivait|attaquait|agressait|enleve\w*)\b",
    r"\b(gros |grosse )?(coup de (pression|stress|barre|mou|chaud|flippe|speed))\b",
    r"\bcrise (de|d) (fou rire|rire|rires|nerfs de rire)\b|\bcrises? (de|d) (rire|fou rire)\b",
    r"\b(film|films|serie|series|docu\w*|jeu|jeux|livre|roman|bd|manga|escape game|podcast) (d horreur|"
    r"de zombies?|policier|sur (les|des) (serial killers|tueurs|meurtres|zombies)|de guerre|gore)\b",
    r"\b(tomber|tombe\w*) dans les pommes\b(?=.{0,40}\b(prise de sang|piqure|vaccin|chaleur|faim|soleil|"
    r"sang|infirmi\w*)\b)",
    r"\bje (la|le|les) (tue|tuerais|tuerai|buterais)\b(?=.{0,20}\b(mdr|ptdr|lol|haha\w*|😂)\b)",
    r"\b(j en peux plus|jpp|je craque|je vais craquer|je meurs) (de|d) (ce|cette|ces|du|de la|des|l) ?(froid|"
    r"chaleur|bus|pluie|attente|bruit|voisins?|travaux|formulaire\w*|dossier\w*|appli\w*|wifi|cours|"
    r"devoirs|revisions?|exam\w*|maths|queue|file d attente|embouteillages?|bouchons?|canicule)\b",
    r"\b(a la rue)\b (niveau|en|question|pour) (maths|francais|anglais|cours|info|sport|cuisine|code|"
    r"orthographe|\w+)\b(?=.{0,30}\b(mdr|lol|ptdr|haha\w*|niveau|en cours)\b)",
]
IDIOM = Guard("idiom", span=_re("|".join(_IDIOMS)))
# "c etait mortel" (it was great), unless the message asks what dose kills (round 6)
SLANG_GREAT = Guard("idiom", span=_re(r"\b(une tuerie|mortel|mortelle)\b"),
                    unless=_re(r"\b(dose|doses|combien|quantite|avale\w*|cachets|comprimes|medicaments|poison|pour mourir)\b"))

# bites and everyday cuts and burns: an animal, the kitchen, a sheet of paper
_DAILY = [
    # bitten, scratched, stung by an animal
    r"\b(chat|chaton|chien|chiot|hamster|lapin|cheval|perroquet|furet|cochon d inde|rat|guepe|moustique|abeille|"
    r"meduse|serpent|araignee|frelon|tique|puce|oiseau|poule|oie|singe)\b.{0,15}\b(m a|ma|m ont|mont|me|m) "
    r"(mordu\w*|mord|griffe\w*|pique\w*|attaque\w*|fait tomber|fonce dessus|saute dessus|poursuivi\w*)\b",
    # everyday cuts and burns: the kitchen, a coffee, a sheet of paper
    # (the present "je me brule les bras avec ..." is what self-harm says, not an accident: round 6)
    r"\b(je me suis|me suis|je me(?! (brule|coupe|ebouillant)\w* (les |le |la |mes |ma |mon )?(bras|jambes?|cuisses?|poignets?|ventre|peau))|jme suis) "
    r"(brule|brulee|coupe|coupee|ebouillant\w*|pince\w*|ecorche\w*|"
    r"egratign\w*|tordu\w*|fait mal)\b (la |le |les |l |un |une )?(langue|levre|doigt|doigts|pouce|main|mains|"
    r"paume|bras|jambe|genou|cheville|pied|orteil|ongle|dos)?\s?(avec|en|sur|contre|dans) (mon|ma|le|la|les|l|du|de la|"
    r"une|un|des)? ?(cafe|the|soupe|chocolat|plat|pizza|eau bouillante|four|poele|casserole|fer a repasser|"
    r"bouilloire|theiere|cafetiere|micro ondes|friteuse|grille pain|gaufrier|raclette|fondue|huile|eau chaude|"
    r"plaque de cuisson|moto|pot d echappement|"
    r"fer a lisser|lisseur|boucleur|feuille|papier|couteau de cuisine|boite de conserve|canette|verre casse|"
    r"rasant|me rasant|me maquillant|m epilant|repassant|lavant|faisant la vaisselle|me coiffant|me lissant|"
    r"lissant|cuisinant|epluchant|coupant|bricolant|jardinant|faisant|ouvrant|rangeant|nettoyant|porte|"
    r"tiroir|agrafeuse|cutter au travail|scie|marteau|barbecue|bougie|vapeur|radiateur|plaque|sport|muscu|"
    r"foot|velo|skate)\w*\b"
    r"(?!.{0,40}\b(expres|volontairement|encore|tous les|chaque|quand (ca va pas|je vais mal|j angoisse)|"
    r"pour (me punir|sentir|me calmer|avoir mal|oublier)|jusqu au sang|envie de)\b)",
]
DAILY = Guard("accident", span=_re("|".join(_DAILY)))

# a shelter, a charity: where one works, not where one sleeps
WORKPLACE = Guard(
    "idiom",
    span=_re(r"\b(foyer|centre|asso\w*|association|structure|accueil|hebergement|restos? du coeur|maraudes?|samu social|"
             r"croix rouge|secours populaire|emmaus|refuge)\b (\w+ ){0,2}?(pour|de|des|d) (les |des )?(sdf|sans abri|"
             r"sans domicile|personnes? (a la rue|sans abri|sans domicile|en danger)|migrants|femmes battues|victimes|"
             r"jeunes en danger|mineurs isoles)\b"),
    needs=_re(r"\b(stage|stagiaire|travaill\w*|bosse\w*|benevol\w*|job|emploi|poste|mission|service civique|alternance|"
              r"apprenti\w*|cv|candidature|postuler|formation|educat\w*|animat\w*|interven\w*|salarie\w*)\b"),
    unless=_re(r"\b(je|j) (dors|dormi|vis|suis heberge\w*|loge|habite|ai ete (mis|vire|jete)\w*|me suis fait (virer|jeter))\b"
               r"|\b(nulle part|a la rue|sans logement|plus de logement|mis dehors|vire\w* de chez)\b"),
)

# fiction and other people: "j ai vu une meuf se faire agresser dans une serie"
FICTION = Guard(
    "idiom",
    span=_re(r"\b(se faire|se fait|s est fait|s est faite|se font|se sont fait|se faisait) (agresser|violer|tuer|frapper|"
             r"tabasser|enlever|kidnapper|harceler|suivre|poignarder|buter|massacrer|battre|sequestrer)\b"
             r"|\b(il|elle|ils|elles|le heros|l heroine|le perso|le personnage|un mec|une meuf|une fille|un gars|un homme|"
             r"une femme|une ado|un ado) (se )?(suicide|tue|meurt|viole|agresse|frappe|tabasse|se pend|se drogue|"
             r"se scarifie|fait une overdose)\w*\b"),
    needs=_re(r"\b(dans|a) (une|la|un|le|cette|ce|mon|ma|l) (serie|film|jeu|livre|manga|anime|episode|roman|bd|clip|video|"
              r"reportage|docu\w*|pub|emission|saison|tele|tv|television|telefilm|thriller|polar|fiction)\b"
              r"|\b(a la|en) (tele|tv|television)\b|\b(j ai|on a) (vu|regarde|lu) (un|une|le|la) (film|serie|episode|"
              r"reportage|docu\w*|manga|livre|roman|video)\b"),
    unless=_re(r"\b(moi aussi|comme moi|comme elle|comme lui|ca m arrive|ca me fait penser|je vis ca|chez moi aussi|"
               r"pareil pour moi|me reconnais|comme ma|comme mon|envie de faire pareil|faire pareil|la meme chose)\b"),
)

# out of breath after running, laughing: not a panic attack
EXERTION = Guard(
    "idiom",
    span=_re(r"\b(arrive|peux|parviens) (plus|pas) a respirer\b|\bplus de souffle\b|\bessouffl\w*|\bj ?etouffe\b"
             r"|\bcoeur\b.{0,15}\b(bat|tape|cogne)\w*\b.{0,12}\b(fond|vite|fort|trop|a mille|a 200)\b"),
    needs=_re(r"\b(couru|courir|cours apres|course|footing|jogging|sprint|sport|muscu|seance|escaliers?|monte|montee|cote|"
              r"velo|match|entrainement|fou rire|rire|rigole\w*|mdr|ptdr|danse|danser|nage|piscine|rando\w*|chaleur|"
              r"canicule|sauna|hammam|piment|epice\w*|wasabi|chaud|degres|clim|doudoune|four|etuve|cagnard|soleil|lol|"
              r"haha\w*|pleure de rire|xptdr|mdrr)\b"),
    unless=_re(r"\b(angoiss\w*|paniqu\w*|peur|crise|poitrine|mourir|meurs|aide|aidez|au secours|tremble\w*|malaise|"
               r"evanoui\w*|tete qui tourne|asthme|ventoline|allergi\w*|gonfle|urgence\w*|15|samu|bleu|bleue)\b"),
)

# nagged about work or homework: "mon chef me harcele de mails pour le rapport", not harassment
NAGGING = Guard(
    "idiom",
    span=_re(r"\b(me|m|m ?a|ma|m ont|mont) harcel\w* (de |avec (des |ses )?)?(mails|messages|appels|relances|questions|"
             r"textos|notifs|rappels)?\b ?(pour|a propos|au sujet) (du|de la|des|le|la|les|un|une|mon|ma|mes|son|sa|que|qu)"
             r" ?(\w+ )?(rapport|dossier|planning|devoir\w*|reunion|compte rendu|presentation|facture|commande|exam\w*|"
             r"projet|expose|stage|cv|candidature|papiers?|inscription|rendre|finir|envoyer|signer|horaires|conges|"
             r"tableau|mail|chiffres|ventes|inventaire)\b"),
    unless=_re(r"\b(photos?|nudes?|videos?|coucher|sexe|sexuel\w*|menac\w*|tuer|frapp\w*|insult\w*|humili\w*|rabaiss\w*|"
               r"sait ou|mon adresse|la nuit|peur|pleure|en peux plus|plus dormir|suicid\w*|mourir|touch\w*)\b"),
)

# hyperbole: "je vais crever si j ai pas mon cafe", "je meurs sans mon coca": a craving, not a death wish
_TREATS = (r"(cafe|cafes|coca|the|chocolat|chocolat chaud|redbull|monster|energy drink|clope|clopes|cigarette|"
           r"kebab|tacos|pizza|burger|mcdo|macdo|frites|sushis?|grec|petit dej\w*|dej|goute|gouter|dessert|"
           r"croissant|pain au chocolat|chocolatine|glace|bonbons|biere|sieste|dodo|grasse mat\w*|wifi|wi fi|"
           r"tel|telephone|chargeur|console|play|serie|netflix|musique|ecouteurs|airpods|clim|ventilo|"
           r"ventilateur|douche|vacances|week end|weekend|repas|bouffe|manger|nourriture|sucre)")
HYPERBOLE = Guard(
    "idiom",
    span=_re(r"\b(je vais |vais |je )?(crever|mourir|clamser|meurs|creve|crevee)\b ?(si (j ai|je n ai|je ai) (pas|plus) "
             r"(de |d |mon |ma |mes |un |une |du |la |le |l |mes |ce |cette )?", _TREATS, r"|sans (mon |ma |mes |un |une |"
             r"du |de |d |le |la |l )?", _TREATS, r")\b"),
    unless=_re(r"\b(pas (mange|bouffe)\w*|rien (a|pour) manger|faim depuis|depuis (\d+|deux|trois|quatre|des) jours|"
               r"pas (d argent|de thune|de sous|un rond|un centime|une thune)|plus (d argent|de thune|de sous|un rond)|"
               r"pour de vrai|serieux|serieusement|en vrai|envie de mourir|veux mourir|suicid\w*|en finir|frigo vide|"
               r"a la rue|dehors|sdf)\b"),
)

# the same hyperbole the other way round: "si j ai pas mon kebab ce soir je meurs"
HYPERBOLE_AFTER = Guard(
    "idiom",
    span=_re(r"\bsi (j ai|je n ai|je ai|y a|il y a) (pas|plus) (de |d |mon |ma |mes |un |une |du |la |le |l |ce |cette )?",
             _TREATS, r"\b( \w+){0,4}? (je vais |vais |je )?(crever|mourir|clamser|meurs|creve|crevee|mourrir)\b"),
    unless=HYPERBOLE.unless,
)

# a joke: laughter beside a death or a killing said for effect ("je veux mourir tellement cette blague est
# nulle ptdr", "dites adieu a mon bronzage ptdr", "mon coloc a mange mon yaourt je vais le tuer mdr").
# Laughter alone is no proof: a method, a plan, "serieux", loneliness or despair keeps the crisis
# ("mdr je vais me pendre", "ptdr jsuis serieux cette fois j en peux plus").
_LAUGHTER = r"\b(mdr\w*|ptdr\w*|xptdr|lol|lool|xd|haha\w*|hihi\w*|je rigole|jrigole|je plaisante|blague|rire)\b"
JOKE = Guard(
    "idiom",
    span=_re(r"\b((je |j )?(veux|vais|voudrais|ai envie de|vais finir par|va) )?(mourir|crever|clamser|mourrir)\b"
             r"|\b(je|j) (meurs|creve|suis mort|suis morte|suis decede\w*)\b"
             r"|\b(je vais|vais|va|on va|je veux) (le|la|les|te|vous|l) (tuer|buter|defoncer|etrangler|massacrer)\b"
             r"|\b(dis|dites|dire|fais|faites|faire) adieu( (a|au|aux))?\b|\badieu\b"),
    needs=_re(_LAUGHTER),
    unless=_re(r"\b(pas drole|pas un choix|on dirait un film|serieux|serieuse|serieusement|pour de vrai|en vrai|sans rire|sans deconner|rigole pas|plaisante pas|"
               r"pas (une|de) blague|pas drole|rigole plus|plaisante plus|blague plus|en peux plus|plus la force|plus envie|envie de rien|marre de (tout|la vie|vivre)|"
               r"seule?|personne|triste|pleure\w*|deprim\w*|vide|sers a rien|fardeau|poids|suicid\w*|en finir|pendre|"
               r"sauter|me jeter|veines|corde|cachets?|medicaments?|lame|scarif\w*|me couper|sang|pont|disparaitre|"
               r"lettre|testament|derniere fois|plus (la|ici|vivre|me reveiller)|me tuer|ma vie|la vie|vivre|"
               r"frapp\w*|coups?|peur|menac\w*)\b"),
)

# --- everyday plans (issue 17, round 4) ---------------------------------------------------------
# _HOMELESS without the words these guards take out themselves ("nulle part", "pas ou dormir")
_HOMELESS_ELSE = (_HOMELESS.replace("|nulle part|nul part|pas d endroit|", "|")
                  .replace("aucun endroit|pas ou dormir|", ""))
assert _HOMELESS_ELSE != _HOMELESS

# nowhere to go out on Saturday night: "nulle part ou aller samedi soir, des idees de sortie ?"
OUTING = Guard(
    "leisure",
    span=_re(r"\b(nulle part|nul part|pas d endroit|aucun endroit) (ou|d ou) (aller|sortir|faire la fete|bouger)\b"
             r"|\b(sais pas|aucune idee|pas d idee) (ou|quoi) (aller|sortir|faire|bouger)\b"),
    needs=_re(r"\b(samedi|dimanche|vendredi|week end|weekend|soiree|sortie|sortir|idees?|activites?|bons? plans?|resto|bar|"
              r"cine\w*|vacances|concert|boite|anniv\w*|s amuser|fun|date|rencard)\b"),
    unless=_re(_HOMELESS_ELSE + r"|\b(dormir|dors|peur|personne|seule?|rentrer|fuir|m enfuir|m echapper|fugu\w*)\b"),
)

# choosing where to sleep: "je sais pas ou dormir chez ma tante ou ma cousine ce week end"
WHERE_TO_STAY = Guard(
    "leisure",
    span=_re(r"\b(sais pas|hesite|choisir|choisis) (ou|chez qui) (dormir|dormir ce soir|aller dormir|loger)\b"),
    needs=_re(r"\bchez (ma|mon|mes|un|une|le|la) \w+( \w+)? ou (chez )?(ma|mon|mes|un|une|le|la|l autre) \w+"),
    unless=_re(_HOMELESS_ELSE + r"|\b(peur|personne|seule?|rue|dehors)\b"),
)

# a knife for the bread, a roof for the view, a follower on a social network
KITCHEN = Guard(
    "accident",
    span=_re(r"\b(couteau|couteaux|hachoir|cutter)\b"),
    needs=_re(r"\b(cap|bac pro|formation|ecole|cours) (de )?(cuisine|boucherie|patisserie|hotellerie|restauration)\b|"
              r"\b(couteau|couteaux|hachoir|cutter) (pour|a) (couper|trancher|eplucher|ouvrir|cuisiner|la cuisine|le pain|"
              r"pain|les legumes|legumes|la viande|viande|le fromage|fromage|le gateau|gateau|les cartons|cartons|le colis|"
              r"steak|beurre|huitres|les fruits)\b"),
    unless=_re(r"\b(me|m|te|le|la|les|lui) (couper|planter|tuer|menac\w*|poignard\w*|egorg\w*|blesser|taillad\w*)\b|"
               r"\b(veines|poignets?|bras|cuisses|sang|mourir|en finir|menace\w*|peur|sous la gorge|sur moi)\b"),
)
VIEW = Guard(
    "leisure",
    span=_re(r"\b(sur|en haut (du|de la|de l)|au bord (du|de la)) (le |la |un |une |l )?(toit|pont|balcon|rebord|falaise|"
             r"terrasse|tour|immeuble|colline)\b"),
    needs=_re(r"\b(a )?prendre le soleil\b|\bau soleil\b|\bpour (la vue|regarder|voir|admirer|le coucher|les etoiles|(prendre|faire) (des |une )?photos?|bronzer|"
              r"le feu d artifice|le lever|prendre l air|fumer|le panorama)\b|\b(trop|tellement|si|vraiment) (beau|belle|"
              r"jolie?)\b|\b(magnifique|coucher de soleil|lever de soleil|panorama|vue de ouf|vue incroyable)\b"),
    unless=_re(r"\b(sauter|saute|me jeter|jeter|tomber|en finir|mourir|adieu|dernier\w*|derniere fois|plus jamais|vide|"
               r"envie|ce soir je|pardon|personne|seule?|fin)\b"),
)
FOLLOWER = Guard(
    "accident",
    span=_re(r"\b(me|m) (suit|suivent|follow\w*|a suivie?|ont suivie?)\b (\w+ )?(sur|en) (insta\w*|tiktok|snap\w*|twitter|x|youtube|twitch|les reseaux|"
             r"reseaux|facebook|fb|linkedin|bereal|threads|spotify)\b"),
    unless=_re(r"\b(partout|harcel\w*|menac\w*|peur|messages? (tous|toute|sans arret|h24|chaque)|photos? de moi|nudes?|"
               r"chantage|adresse|chez moi|dans la rue|jusqu|devant|bloque\w* (mais|et)|nouveaux? comptes?|faux comptes?)\b"),
)
# leaving home long ago, and it went well: "je suis parti de chez mes parents l annee derniere tout va bien"
LEFT_LONG_AGO = Guard(
    "leisure",
    span=_re(r"\b(parti|partie|partis|sorti|sortie|quitte)\b (de chez|du domicile|la maison|le foyer|de la maison|du foyer)"
             r"( (mes|ma|mon) \w+| moi)?"),
    needs=_re(r"\b(l annee derniere|l an dernier|il y a (\d+|un|une|deux|trois|quatre|cinq|quelques|plusieurs) (ans?|mois|annees)|"
              r"depuis (\d+|deux|trois|quatre|cinq|quelques|plusieurs) (ans|mois|annees)|a \d+ ans)\b.*\b((tout|ca) va (bien|mieux)|"
              r"tout se passe bien|j ai (un|mon|une) (appart\w*|logement|studio|coloc\w*|chambre)|je (vis|suis) (bien|en coloc|"
              r"chez mon|chez ma|avec mon|avec ma)|content\w*|heureu\w*)\b"),
    unless=_re(r"\b(vire\w*|dehors|a la rue|dormir|nulle part|peur|ce soir|cette nuit|froid|faim|sdf|115|pas de logement|"
               r"plus de logement|expuls\w*|seule?)\b"),
)

# hungry before lunch is an idiom; hungry with no money, for days, "pour de vrai" is not
HUNGER = Guard(
    "idiom",
    span=_re(r"\b(mort|morte|morts|mortes|mourir|meurt|meurs|crever|creve|crevee|mourrir|affame\w*|failli mourir|"
             r"failli crever|j en meurs|dead) (de|d) (faim|la dalle)\b|\bfaim je (meurs|creve)\b"),
    unless=_re(r"\b(pour de vrai|serieux|serieusement|en vrai|sans rire|vraiment rien|rien (a|pour|de quoi) manger|"
               r"pas (mange|bouffe)\w*|plus (mange|bouffe)\w*|rien (mange|bouffe)\w*|depuis (hier|\d+|deux|trois|quatre|cinq|"
               r"des|plusieurs|une) (jours?|semaines?)|(\d+|deux|trois|quatre|cinq) jours|pas (d argent|de thune|de sous|un rond|un "
               r"centime|une thune|un euro)|plus (d argent|de thune|de sous|un rond|un centime|une thune|un euro)|frigo vide|"
               r"a la rue|dehors|sdf|personne|aide\w* moi|au secours|restos? du coeur|colis|banque alimentaire)\b"),
)

# an animal as the subject: "mon chat me harcele pour manger", "un chien m a suivi jusqu a chez moi"
_ANIMAL = (r"(chat|chats|chaton|chatons|chatte|minou|chien|chiens|chienne|chiot|chiots|toutou|hamster|lapin|cochon d inde|"
           r"perroquet|perruche|oiseau|pigeon|pigeons|mouette|canard|poule|poules|coq|cheval|poney|vache|chevre|mouton|"
           r"ecureuil|furet|rat|souris|araignee|guepe|moustique|moustiques|abeille|frelon|chat du voisin|chien du voisin)")
ANIMAL = Guard(
    "idiom",
    span=_re(r"\b", _ANIMAL, r"\b (\w+ ){0,3}?(qui )?(me|m|m a|ma|m ont|mont|m avait|me l a) ?(harcel\w*|suit|suivent|suivi\w*|"
             r"suivre|poursui\w*|course\w*|colle\w*|reveill\w*|guette\w*|fixe\w*|mord\w*|mordu\w*|griffe\w*|attaqu\w*|"
             r"saute\w* dessus|pique\w*|lech\w*|frapp\w*|tape\w*|gifle\w*|coinc\w*|empech\w*)\b"),
    unless=_re(r"\b(au secours|aidez moi|aide moi|inconnu\w*|un homme|un mec|un gars|un type|quelqu un|menac\w*|mon ex|"
               r"son maitre|son proprio|pleure\w*|en peux plus|sang|saigne\w*|hopital|urgences?|enferm\w*)\b"),
)

# skipping a lesson: "j ai fugue du cours de sport", not running away from home
TRUANCY = Guard(
    "idiom",
    span=_re(r"\bfugu\w* (du|de|le|la|les|au|a la|de la|l|d) ?(cours|classe|td|tp|amphi|reunion|atelier|seance|sport|eps|"
             r"controle|exam|perm|permanence|maths|philo|francais|anglais|histoire|physique|boulot|taf|travail|stage|"
             r"conference|formation|cantine|messe|repet\w*)\b"),
    unless=_re(r"\b(de chez moi|de la maison|de chez mes parents|foyer|dormir|dormi|dors|dehors|la rue|nuit|ce soir|"
               r"rentrer|rentre pas|rentrerai|police|gendarm\w*|me cherchent|peur|frapp\w*|sais pas ou)\b"),
)

# someone else's wedding: "ma cousine s est mariee au bled, trop belle ceremonie"
WEDDING = Guard(
    "idiom",
    span=_re(r"\b(mon|ma|mes|notre|nos|son|sa|ses|le|la|les) (grand |grande |petit |petite )?(cousin|cousine|cousins|cousines|"
             r"soeur|frere|soeurs|freres|pote|potes|amie?|amies?|pote|tante|oncle|parents|collegue|voisine?|voisins|"
             r"copine|copain|meilleure? amie?|bff|prof|daronne|daron|mere|pere|tonton|tata) (\w+ ){0,2}?"
             r"(s est|sest|se sont|s etait|setait|se marie|se marient|va se marier|vont se marier|s etaient)"
             r" ?(mari\w*)?\b"),
    needs=_re(r"\b(ceremonie|fete|trop (belle|beau|bien|cool|bon)|magnifique|felicit\w*|danse\w*|dansé|robe|photos?|"
              r"invite\w*|demoiselle d honneur|temoin|tellement (belle|beau|heureux|heureuse)|heureuse|heureux|"
              r"ouf|genial|emouvant\w*|pleure de joie|mariage de (ma|mon)|cet ete|l ete dernier)\b"),
    unless=_re(r"\b(me marier|me marie|m epouser|epouser|mon mari|mon futur mari|ma future femme|je dois|je vais devoir|"
               r"force\w*|oblig\w*|veulent|veut que|pas le choix|contre (ma|son|sa) (volonte|gre)|jamais vu|connai\w* pas|"
               r"\d+ ans|mineure?|passeport|papiers|enferm\w*|peur|refus\w*|menac\w*|moi aussi|mon tour|apres (elle|lui)|"
               r"la prochaine)\b"),
)

# "je vais me faire defoncer par ma mere mdr": a scolding over a bad mark, laughed at
SCOLDING = Guard(
    "idiom",
    span=_re(r"\b(je vais|vais|va|vont) (me faire )?(defoncer|tuer|massacrer|demonter|allumer|engueuler|tuer|defoncer|"
             r"trucider|zigouiller|etrangler|egorger|exploser|fumer|eclater|me defoncer|me tuer|me massacrer|me demonter|"
             r"m allumer|m etrangler|me trucider) (par )?(ma|mon|mes) (mere|pere|parents|prof|chef|soeur|frere|coloc)\b"
             r"|\b(ma|mon|mes) (mere|pere|parents|prof|chef|soeur|frere|coloc) (va|vont) (me )?(defoncer|tuer|massacrer|"
             r"demonter|allumer|trucider|zigouiller|etrangler|egorger|fumer|eclater)\b"),
    needs=_re(r"\b(mdr|ptdr|xptdr|mdrr|lol|haha\w*|hihi|jpp|mauvaise note|note|bulletin|oublie\w*|retard|raye\w*|casse\w* (le|la|son|sa)|"
              r"perdu (le|la|les|mes|ses|son|sa|ma|mon)|pain|clés|cles|vaisselle|menage|rentre tard|couvre feu)\b"),
    unless=_re(r"\b(frapp\w*|coups?|bleus?|cogn\w*|tape\w*|ceinture|gifle\w*|claque\w*|chaque fois|a chaque fois|"
               r"toujours|encore|vraiment|pour de vrai|serieux|serieusement|peur|enferm\w*|jete\w*|dehors|sang|"
               r"l autre fois|la derniere fois|comme d hab)\b"),
)

# a heart racing for a crush, not a panic attack
LOVE = Guard(
    "idiom",
    span=_re(r"\bcoeur\b.{0,15}\b(bat|tape|cogne|s emballe)\w*\b(.{0,12}\b(fond|vite|fort|trop|a mille|a 200)\b)?"),
    needs=_re(r"\b(crush|amoureu\w*|love|bisou\w*|bg|beau gosse|belle gosse|(m a|ma) souri|(m a|ma) (fait un )?clin d oeil|"
              r"date|rencard|rdv avec (lui|elle)|premier rendez vous|sortir avec|(m a|ma) ecrit|(m a|ma) repondu|"
              r"(m a|ma) dit je t aime|coup de foudre|mon cheri|ma cherie)\b"),
    unless=_re(r"\b(peur|angoiss\w*|paniqu\w*|mourir|meurs|douleur|poitrine|malaise|respir\w*|tremble\w*|pleure\w*|"
               r"aide|aidez|au secours|crise|frapp\w*|menac\w*|suit|jaloux|jalouse)\b"),
)

# followed by a counsellor: "on me suit au lycee pour mon projet pro", "la conseillere qui me suit"
FOLLOWUP = Guard(
    "idiom",
    span=_re(r"\b(on|qui|elle|il|ils|elles|conseill\w*|referent\w*|educ\w*|psy\w*|medecin) (me|m) (suit|suivent|suivait|suivra|"
             r"suivaient|a suivi|ont suivi|accompagne\w*)\b"),
    needs=_re(r"\bpour (mon|ma|mes|le|la|les|l|un|une) (projet|orientation|dossier|formation|insertion|stage|recherche|cv|"
              r"parcours|scolarite|alternance|apprentissage|garantie jeunes|cej|contrat|permis|demarches?|candidatures?|"
              r"emploi|job|boulot|travail|memoire|these|reconversion)\b|\b(conseill\w*|referent\w*|educat\w*|"
              r"mission locale|ml|cio|psy\w*|medecin|ase|pole emploi|france travail|tuteur|tutrice|maitre de stage|"
              r"prof principal\w*|cpe|assistante? sociale?|projet pro)\b"),
    unless=_re(r"\b(peur|partout|jusqu|inconnu\w*|voiture|la nuit|dans la rue|cache\w*|me cherche\w*|menac\w*|frapp\w*|"
               r"harcel\w*|gare|metro|bus|chez moi|mon adresse|mon ex|flippe|au secours|aide moi)\b"),
)

# someone else's treatment: "ma grand mere prend plein de medicaments pour son coeur, je l aide a les trier"
CARER = Guard(
    "illness",
    span=_re(r"\b(grand mere|grand pere|mamie|mami|papi|papy|mere|pere|daronne|daron|maman|papa|tante|oncle|voisine?|"
             r"soeur|frere|fils|fille|bebe|chat|chien|patient\w*|residents?) (\w+ ){0,3}?(prend|prennent|a|ont|doit prendre|"
             r"doivent prendre) (\w+ ){0,3}?", _MED, r"\b"),
    needs=_re(r"\b(trier|tri|pilulier|organiser|ranger|aider|aide a|l aide|laide|rappeler|oubli\w*|ordonnance|pharmac\w*|"
              r"horaires?|posologie|pour (son|sa|ses) \w+)\b"),
    unless=_re(r"\b(avale\w*|trop pris|toute la boite|d un coup|respire\w*|inconscient\w*|repond (plus|pas)|malaise|od|"
               r"overdose|urgences?|samu|15|tombe\w*|bouge plus|vomi\w*|expres|mourir|suicid\w*|moi aussi|j ai pris|"
               r"je prends|les miens|mes)\b"),
)

# locked out: "je me suis enferme dehors, j ai oublie mes cles"
LOCKED_OUT = Guard(
    "idiom",
    span=_re(r"\b(je suis|suis|me suis|je me suis|on s est|on est|s est) (\w+ )?enferme\w* (dehors|sur le balcon|hors de)\b"),
    needs=_re(r"\b(cles?|clef|clefs|badge|serrurier|porte claquee|la porte a claque|oublie\w*)\b"),
    unless=_re(r"\b(m a|ma|m ont|mont|il|elle|ils) (\w+ )?(enferme\w*|mis dehors|laisse\w* dehors)\b|\b(peur|froid depuis|"
               r"nuit|toute la nuit|puni\w*|expres|frapp\w*|pleure\w*|nulle part)\b"),
)

GUARDS = (ILLNESS, ILLNESS_BREATH, JUMP, LEISURE, PLAY_WIN, PLAY_FIGHT, ACCIDENT, DAILY, WORKPLACE, FICTION, EXERTION, IDIOM, SLANG_GREAT,
          NAGGING, HYPERBOLE, HYPERBOLE_AFTER, JOKE, HUNGER, OUTING, WHERE_TO_STAY, KITCHEN, VIEW, FOLLOWER, LEFT_LONG_AGO, ANIMAL, TRUANCY, WEDDING, SCOLDING, LOVE, FOLLOWUP, CARER, LOCKED_OUT)


def guard(words: str, mark: str = " ", context: str | None = None) -> tuple[str, list[str]]:
    """`words` (normalised) with the harmless spans replaced by `mark`, and the guards used.
    `context` (default: `words`) is what `needs` and `unless` read: the message before its idioms
    were taken out, so that the laughter ("mdr") a guard needs is still there."""
    used = []
    out = words
    for g in _active(words if context is None else context):
        out, n = g.span.subn(mark, out)
        if n:
            used.append(g.name)
    return out, used


def explains(words: str) -> bool:
    """Whether some guard takes a harmless span out of `words`: `guard(words)[1]` without the
    substitutions (the first guard that matches sees `words` unchanged)."""
    return any(g.span.search(words) for g in _active(words))


@lru_cache(maxsize=4096)
def _active(context: str) -> tuple[Guard, ...]:
    """The guards whose `needs` and `unless` let them act on this message: read once per message,
    although a message is guarded three times (defused, marked for the second opinion, explained)."""
    return tuple(g for g in GUARDS
                 if (g.needs is None or g.needs.search(context))
                 and (g.unless is None or not g.unless.search(context)))
