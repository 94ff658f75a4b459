"""FAQ understanding: which topic of config/faq.yml a jeune's message is about, and its answer.

Each topic carries its own examples. The matcher compares a message with every example as TF-IDF
vectors over word stems, stem pairs and character n-grams (so typos and unknown endings still
share most of their features), after SMS normalisation and a fuzzy correction of unknown words
against the examples' vocabulary. A topic's score is its best example's cosine. Below the
threshold nothing is answered (the closest topics are still given as candidates); two topics
too close to call are flagged `ambiguous` so the engine can ask which one was meant.
Everything is precomputed in FaqMatcher.__init__; a match is a few dictionary look-ups.
"""
from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from rapidfuzz import fuzz, process

from bot.messages import Button
from bot.territoire.missions_locales import DAY_NAMES, DAYS, MissionLocale
from bot.understanding.crisis import CrisisConfig, crisis_answer, detect_crisis
from bot.understanding.facts import Fact, fact_values, placeholder_problem
from bot.understanding.normalize import normalize, sounds_like
from bot.yamlconf import ConfigError, LineDict, load_yaml, validate_file

# The spec's stable FAQ topic ids; config/faq.yml must answer every one.
FAQ_TOPICS = (
    "mission-locale", "inscription", "documents", "horaires", "cej", "allocation", "pacea", "emploi",
    "formation", "apprentissage", "service-civique", "permis", "mobilite", "logement", "sante",
    "aides-financieres", "handicap", "orientation", "decrochage", "donnees-personnelles",
)
# Intents that start a flow instead of answering; rdv and conseiller are required by the spec.
REQUIRED_INTENTS = ("rdv", "conseiller")
ML_FIELDS = ("ml_name", "ml_town", "ml_hours", "ml_address", "ml_phone")
MIN_LINES, MAX_LINES = 2, 5


class FollowUp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=40)
    value: str = Field(min_length=1)


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["faq", "intent"] = "faq"
    label: str = Field(min_length=1, max_length=40)
    answer: str | None = None
    fallback: str | None = None   # horaires: when the jeune's Mission Locale is not known
    examples: list[str] = Field(min_length=3)
    follow_up: list[FollowUp] | None = None  # None: the file's default follow_up
    # Greetings and thanks: give way to any other topic found in the same message
    # ("slt, c koi le cej" is about the CEJ).
    small_talk: bool = False
    # The pages the answer rests on, and the day they were last read (`insysteme check` warns).
    sources: list[str] = Field(default_factory=list)
    checked: date | None = None


class FaqConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topics: dict[str, Topic]
    # Amounts, ages, dates, numbers: once, with their source (bot.understanding.facts).
    facts: dict[str, Fact] = Field(default_factory=dict)
    # Older form: plain `name: text` figures, read as facts without a source (check warns).
    figures: dict[str, str] = Field(default_factory=dict)
    checked: date | None = None   # old form: when the figures were last checked
    threshold: float = Field(0.34, gt=0, lt=1)
    ambiguity_margin: float = Field(0.035, ge=0, lt=1)
    follow_up: list[FollowUp] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _checked_inside_figures(cls, data: Any) -> Any:
        """`figures: {checked: 2026-09-01, ...}` reads better in the file; lift it out."""
        if isinstance(data, dict) and isinstance(data.get("figures"), dict) \
                and "checked" in data["figures"]:
            data = dict(data)
            figures = dict(data["figures"])
            data.setdefault("checked", figures.pop("checked"))
            data["figures"] = figures
        return data

    @model_validator(mode="after")
    def _figures_are_facts(self) -> "FaqConfig":
        for name, text in self.figures.items():
            self.facts.setdefault(name, Fact(value=text, checked=self.checked))
        return self

    @property
    def values(self) -> dict[str, str]:
        """Each fact's text, for `{name}` and `{name.depuis}` in answers and flows."""
        return fact_values(self.facts)

    @field_validator("figures", mode="before")
    @classmethod
    def _figures_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                    for k, v in value.items()}
        return value


_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")
_VOUS = re.compile(r"(?<!rendez-)(?<!rendez )\bvous\b", re.IGNORECASE)


def _placeholders(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def _text_lines(text: str) -> list[str]:
    return [line for line in text.strip().splitlines() if line.strip()]


def _check(cfg: FaqConfig, data: Any, path: Path) -> list[str]:
    """What pydantic cannot see: spec topics present, placeholders known, answers short, 'tu'."""
    problems: list[str] = []
    topics_node = data.get("topics") if isinstance(data, LineDict) else None
    topics_line = data.line_of("topics") if isinstance(data, LineDict) else 1

    def line(topic: str, key: str | None = None) -> int:
        node = topics_node.get(topic) if isinstance(topics_node, LineDict) else None
        if not isinstance(node, LineDict):
            return topics_line
        return node.line_of(key) if key and key in node else topics_node.line_of(topic)

    for topic in FAQ_TOPICS:
        if topic not in cfg.topics:
            problems.append(f"{path}:{topics_line}: topics: missing FAQ topic {topic!r} (spec)")
        elif cfg.topics[topic].kind != "faq":
            problems.append(f"{path}:{line(topic, 'kind')}: topics.{topic}: must be kind faq")
    for topic in REQUIRED_INTENTS:
        if topic not in cfg.topics:
            problems.append(f"{path}:{topics_line}: topics: missing intent {topic!r} (spec)")
    if "detresse" in cfg.topics:
        problems.append(f"{path}:{line('detresse')}: topics.detresse: crises are detected by "
                        "bot.understanding.crisis and answered from crisis.yml, not here")
    for tid, topic in cfg.topics.items():
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", tid):
            problems.append(f"{path}:{line(tid)}: topics.{tid}: ids are lowercase words and dashes")
        if topic.kind == "intent":
            if topic.answer:
                problems.append(f"{path}:{line(tid, 'answer')}: topics.{tid}: an intent has no "
                                "answer (it starts a conversation)")
            continue
        if not topic.answer or not topic.answer.strip():
            problems.append(f"{path}:{line(tid)}: topics.{tid}: answer is missing")
            continue
        allowed = set(ML_FIELDS) if tid == "horaires" else set()
        for key in ("answer", "fallback"):
            text = getattr(topic, key)
            if text is None:
                continue
            where = f"{path}:{line(tid, key)}: topics.{tid}.{key}"
            try:
                names = _placeholders(text)
            except ValueError as exc:
                problems.append(f"{where}: broken {{...}}: {exc}")
                continue
            field_allowed = allowed if key == "answer" else set()
            for name in names:
                problem = placeholder_problem(name, cfg.facts, field_allowed)
                if problem:
                    problems.append(f"{where}: {problem}; known: "
                                    f"{', '.join(sorted(set(cfg.facts) | field_allowed))}")
            n = len(_text_lines(text))
            if not MIN_LINES <= n <= MAX_LINES and not (key == "answer" and tid == "horaires"):
                problems.append(f"{where}: {n} lines; write {MIN_LINES} to {MAX_LINES} short lines")
            if _VOUS.search(text):
                problems.append(f"{where}: says 'vous'; talk to the jeune with 'tu'")
        if tid == "horaires" and not topic.fallback:
            problems.append(f"{path}:{line(tid)}: topics.horaires: a fallback is needed for when "
                            "the Mission Locale is not known")
    return problems


def load_faq(path: Path | str) -> FaqConfig:
    """config/faq.yml, validated; problems raise ConfigError as `file:line: message`."""
    path = Path(path)
    data = load_yaml(path)
    cfg = validate_file(FaqConfig, path, data)
    problems = _check(cfg, data, path)
    if problems:
        raise ConfigError(problems)
    return cfg


@dataclass
class Match:
    topic: str | None
    score: float
    candidates: list[tuple[str, float]] = field(default_factory=list)
    ambiguous: bool = False


# Words that say nothing about the topic (after normalisation).
STOPWORDS = frozenset("""
a ai aie as au aux avec avez avoir avons c ca ce ceci cela ces cet cette d dans de des du
donc dont e elle elles en es est et etc etes etre eu fai fais fait faire faut il ils j je l la
le les leur leurs lui m ma mais me mes moi mon n ne ni nos notre nous on ont ou par pas peu peut
peux pour qu que quel quelle quelles quels qui quoi s sa se ses si son sont stp suis sur t ta
te tes toi ton tu un une vais va veux veut voudrais voudrait vous vos votre y svp bah ben euh
alors aussi bien tres trop deja encore ok oui non tout toute tous toutes genre truc quand meme
est-ce aimerais aimerai pourrais pourrait pouvez pourriez voulez voudriez dois doit vraiment juste chez svp lol mdr ptdr
""".split()) - {"ou", "quand"}

_WORD_WEIGHT, _PAIR_WEIGHT, _GRAM_WEIGHT = 1.0, 0.6, 0.35
_ELIDED = re.compile(r"^(?:[ldjmnstc]|qu)([aeiouyh].{2,})$")
_FUZZY_CACHE_MAX = 20000


def _stem(word: str) -> str:
    if len(word) > 4 and word[-1] in "sx":
        word = word[:-1]
    return word[:6]


LABELLED = Path(__file__).resolve().parent / "data" / "faq_labelled.csv"
# the learned model answers when its margin is at least SURE, or at least MAYBE and the
# similarity matcher names the same topic at MAYBE_SIMILAR or more; otherwise nothing is answered
# (closest topics offered). A plain similarity match (CLEAR) beats an unsure model; over a model
# that says "none of the topics" it needs CLEAR_OVER_NONE.
# Chosen by cross-validation on the labelled set (5 folds, 2 shuffles), never on the held-out ones:
# issue 17 moved (-0.2, -0.6, 0.6, -, 0.0) to these: in-scope top-1 96.4 % -> 96.4 %, out of scope
# left unanswered 88.0 % -> 93.6 % ("quelle heure il est" no longer matches rdv on "heure").
SURE, MAYBE = -0.1, -0.6
CLEAR, CLEAR_MARGIN = 0.7, 0.3
CLEAR_OVER_NONE, MAYBE_SIMILAR = 0.8, 0.45


def _learned(faq: FaqConfig, labelled: Path | None):
    """A LinearSVC over char and word n-grams of the normalised text, trained on the topics'
    examples and the labelled set (out-of-scope messages as their own class); ~0.3 s, no download."""
    import csv

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    texts, labels = [], []
    for tid, topic in faq.topics.items():
        for example in topic.examples:
            texts.append(example)
            labels.append(tid)
    if labelled is not None and labelled.exists():
        with labelled.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                gold = (row["topic"] or "").strip()
                if gold == "detresse" or (gold and gold not in faq.topics):
                    continue
                texts.append(row["text"])
                labels.append(gold or "_none")
    model = make_pipeline(
        make_union(TfidfVectorizer(preprocessor=normalize, analyzer="char_wb", ngram_range=(2, 5),
                                   sublinear_tf=True),
                   TfidfVectorizer(preprocessor=normalize, analyzer="word", ngram_range=(1, 2),
                                   sublinear_tf=True)),
        LinearSVC(C=0.5))
    model.fit(texts, labels)
    return model


class FaqMatcher:
    def __init__(self, faq: FaqConfig, labelled: Path | None = LABELLED, learned: bool = True):
        self.faq = faq
        self._model = _learned(faq, labelled) if learned else None
        self._scores: dict[str, Any] = {}
        self.topics = list(faq.topics)
        examples: list[tuple[int, str]] = []
        for ti, (tid, topic) in enumerate(faq.topics.items()):
            for text in topic.examples:
                examples.append((ti, text))
        # Vocabulary first, so that example words are never "corrected".
        self._vocab: set[str] = set()
        for _, text in examples:
            self._vocab.update(t for t in normalize(text).split() if t not in STOPWORDS)
        self._vocab_list = sorted(w for w in self._vocab if len(w) >= 3)
        # Phonetic keys of the vocabulary, for "mision lokal", "servis civik".
        self._sounds: dict[str, str] = {}
        for w in sorted(self._vocab, key=lambda w: (len(w), w)):
            if len(w) >= 4:
                self._sounds.setdefault(sounds_like(w), w)
        self._sounds_list = sorted(self._sounds)
        self._fuzzy: dict[str, str | None] = {}
        ex_features = [(ti, self._features(text)) for ti, text in examples]
        # idf over topics: a feature shared by many topics says little.
        topic_df: dict[str, set[int]] = {}
        for ti, feats in ex_features:
            for f in feats:
                topic_df.setdefault(f, set()).add(ti)
        n = len(self.topics)
        self._idf = {f: math.log(1 + n / len(tis)) for f, tis in topic_df.items()}
        self._unknown_idf = math.log(1 + n)
        self._example_topic: list[int] = []
        self._index: dict[str, list[tuple[int, float]]] = {}
        for ei, (ti, feats) in enumerate(ex_features):
            vec = {f: w * self._idf[f] for f, w in feats.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            self._example_topic.append(ti)
            for f, v in vec.items():
                self._index.setdefault(f, []).append((ei, v / norm))

    # --- text to features -------------------------------------------------------------------
    def _correct(self, token: str) -> str | None:
        """A vocabulary word for an unknown token (elision, typo), or None."""
        if token in self._vocab:
            return token
        cached = self._fuzzy.get(token, "")
        if cached != "":
            return cached
        result: str | None = None
        m = _ELIDED.match(token)
        bare = m.group(1) if m else None
        if bare in self._vocab:
            result = bare
        elif len(token) >= 3 and not token.isdigit():
            for candidate in (token, bare):
                key = sounds_like(candidate) if candidate and len(candidate) >= 4 else ""
                if len(key) >= 4 and key in self._sounds \
                        and abs(len(self._sounds[key]) - len(candidate)) <= 3:
                    result = self._sounds[key]
                    break
            if result is None and len(token) >= 5:
                cutoff = 86 if len(token) < 7 else 84
                best = process.extractOne(token, self._vocab_list, scorer=fuzz.ratio,
                                          score_cutoff=cutoff)
                if best:
                    result = best[0]
        if len(self._fuzzy) >= _FUZZY_CACHE_MAX:
            self._fuzzy.clear()
        self._fuzzy[token] = result
        return result

    def _words(self, text: str, correct: bool) -> list[str]:
        words = []
        for token in normalize(text).split():
            if token in STOPWORDS:
                continue
            if correct:
                token = self._correct(token) or token
                if token in STOPWORDS:
                    continue
            words.append(token)
        return words

    def _features(self, text: str, correct: bool = False) -> dict[str, float]:
        feats: dict[str, float] = {}
        stems = [_stem(w) for w in self._words(text, correct)]
        for s in stems:
            feats["w:" + s] = _WORD_WEIGHT
            padded = f"<{s}>"
            for size in (3, 4):
                for i in range(len(padded) - size + 1):
                    feats["c:" + padded[i:i + size]] = _GRAM_WEIGHT
        for a, b in zip(stems, stems[1:]):
            feats[f"p:{a}_{b}"] = _PAIR_WEIGHT
        return feats

    # --- matching ---------------------------------------------------------------------------
    def match(self, text: str) -> Match:
        """The topic, decided by the learned model with the similarity matcher as a check; the
        similarity matcher's closest topics are the candidates offered when nothing is answered."""
        similar = self.similar(text)
        if self._model is None or not isinstance(text, str) or not text.strip():
            return similar
        key = text[:1000]
        scores = self._scores.get(key)
        if scores is None:       # one model call per text (a turn may ask twice)
            if len(self._scores) > 2000:
                self._scores.clear()
            scores = self._scores[key] = self._model.decision_function([key])[0]
        classes = self._model.classes_
        best = int(scores.argmax())
        top, margin = str(classes[best]), float(scores[best])
        if similar.topic and similar.topic != top and not similar.ambiguous and (
                similar.score >= (CLEAR_OVER_NONE if top == "_none" else CLEAR) and margin < CLEAR_MARGIN
                or (top in self.faq.topics and self.faq.topics[top].small_talk
                    and not self.faq.topics[similar.topic].small_talk)):
            return similar      # the words say it plainly ("SALUT jcherche 1 logment")
        if top == "_none" or not (margin >= SURE or (margin >= MAYBE and similar.topic == top
                                                     and similar.score >= MAYBE_SIMILAR)):
            return Match(None, similar.score, similar.candidates, False)
        scores_of = dict(similar.candidates)
        candidates = [(top, scores_of.get(top, similar.score))] + [
            c for c in similar.candidates if c[0] != top][:2]
        return Match(top, round(margin, 4), candidates, similar.ambiguous and margin < SURE)

    def similar(self, text: str) -> Match:
        if not isinstance(text, str) or not text.strip():
            return Match(None, 0.0, [], False)
        feats = self._features(text[:1000], correct=True)
        if not feats:
            return Match(None, 0.0, [], False)
        scores: dict[int, float] = {}
        norm2 = 0.0
        for f, w in feats.items():
            idf = self._idf.get(f)
            if idf is None:
                norm2 += (w * self._unknown_idf) ** 2
                continue
            q = w * idf
            norm2 += q * q
            for ei, v in self._index[f]:
                scores[ei] = scores.get(ei, 0.0) + q * v
        norm = math.sqrt(norm2) or 1.0
        best: dict[int, float] = {}
        for ei, s in scores.items():
            ti = self._example_topic[ei]
            if s > best.get(ti, 0.0):
                best[ti] = s
        ranked = sorted(((self.topics[ti], s / norm) for ti, s in best.items()),
                        key=lambda x: -x[1])
        if len(ranked) > 1 and self.faq.topics[ranked[0][0]].small_talk:
            for i, (tid, s) in enumerate(ranked[1:], 1):
                if s >= self.faq.threshold and not self.faq.topics[tid].small_talk:
                    ranked.insert(0, ranked.pop(i))
                    break
        ranked = ranked[:3]
        candidates = [(tid, round(s, 4)) for tid, s in ranked]
        if not ranked:
            return Match(None, 0.0, [], False)
        top, score = ranked[0]
        # a greeting beside a request is no rival: "slt jvoudrai 1 rdv" is about the rdv
        rivals = [s for tid, s in ranked[1:]
                  if not (self.faq.topics[tid].small_talk and not self.faq.topics[top].small_talk)]
        second = rivals[0] if rivals else 0.0
        if score < self.faq.threshold:
            return Match(None, round(score, 4), candidates, False)
        ambiguous = second >= self.faq.threshold and score - second < self.faq.ambiguity_margin
        return Match(top, round(score, 4), candidates, ambiguous)

    # --- answers ----------------------------------------------------------------------------
    def answer(self, topic: str, ml: MissionLocale | None = None) -> str | None:
        """The topic's text with figures (and the jeune's Mission Locale) filled; None for intents."""
        t = self.faq.topics.get(topic)
        if t is None or t.kind != "faq" or not t.answer:
            return None
        values: dict[str, Any] = dict(self.faq.values)
        text = t.answer
        if topic == "horaires":
            if ml is None:
                text = t.fallback or t.answer
            else:
                text = self._horaires(text, ml, values)
        try:
            return text.format_map(values).strip()
        except (KeyError, ValueError, IndexError, AttributeError):  # load_faq prevents this
            return text.strip()

    def _horaires(self, text: str, ml: MissionLocale, values: dict[str, Any]) -> str:
        """The jeune's Mission Locale: a fact not confirmed is not shown (never "au ."): its line
        goes, and the jeune is sent where it can be checked (its site, or the directory)."""
        contact = ml.contact_facts()
        values.update(ml_name=ml.name, ml_hours=hours_line(ml), **contact)
        missing = [f"{{{key}}}" for key, value in contact.items() if not value]
        text = "\n".join(line for line in text.splitlines()
                          if not any(m in line for m in missing))
        unsure = [fact for fact in ("hours", "address", "phone") if not ml.is_confirmed(fact)]
        if unsure:
            where = ml.website if ml.is_confirmed("website") else str(
                values.get("annuaire_ml") or "unml.info")
            what = {"hours": "les horaires", "address": "l'adresse", "phone": "le téléphone"}
            names = [what[f] for f in unsure]
            said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]
            text = text.rstrip("\n") + f"\nPour vérifier {said} : {where}."
        return text

    def follow_up(self, topic: str) -> list[Button]:
        t = self.faq.topics.get(topic)
        if t is None or t.kind != "faq":
            return []
        items = t.follow_up if t.follow_up is not None else self.faq.follow_up
        return [Button(item.label, item.value) for item in items]

    def label(self, topic: str) -> str:
        t = self.faq.topics.get(topic)
        return t.label if t else topic.replace("-", " ").capitalize()


def hours_line(ml: MissionLocale) -> str:
    """Opening hours on one line, days with the same hours grouped ("du lundi au vendredi : …")."""
    groups: list[tuple[list[int], str]] = []
    for i, day in enumerate(DAYS):
        ranges = ml.hours.get(day)
        if not ranges:
            continue
        text = ", ".join(r.replace(":", "h") for r in ranges)
        if groups and groups[-1][1] == text and groups[-1][0][-1] == i - 1:
            groups[-1][0].append(i)
        else:
            groups.append(([i], text))
    if not groups:
        return "horaires à demander par téléphone"
    parts = []
    for days, text in groups:
        if len(days) == 1:
            who = DAY_NAMES[days[0]]
        elif len(days) == 2:
            who = f"{DAY_NAMES[days[0]]} et {DAY_NAMES[days[1]]}"
        else:
            who = f"du {DAY_NAMES[days[0]]} au {DAY_NAMES[days[-1]]}"
        parts.append(f"{who} {text}")
    return "ouvert " + " ; ".join(parts)


def faq_json(matcher: FaqMatcher, text: str, ml: MissionLocale | None = None,
             crisis: CrisisConfig | None = None) -> dict:
    """The spec's `insysteme faq --json` object. A crisis comes first, as in the engine:
    topic `detresse`, answered with the emergency text when `crisis` config is given."""
    found = detect_crisis(text)
    m = matcher.match(text) if found is None or found.soft else None
    if found is not None and (not found.soft or m is None or m.topic is None):
        # a soft find (the learned second opinion) beside a clear question: the answer, as the engine
        return {"topic": "detresse", "score": 1.0,
                "answer": crisis_answer(crisis, found) if crisis is not None else None}
    return {"topic": m.topic, "score": m.score,
            "answer": matcher.answer(m.topic, ml) if m.topic else None}
