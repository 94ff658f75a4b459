"""Which Mission Locale serves which commune, and proof that the map has no hole and no overlap.

Each Mission Locale's territory in config/missions_locales.yml is a union of EPCIs, arrondissements
and communes, minus exceptions. A commune of the region claimed by nobody would leave a jeune
without a Mission Locale; one claimed twice would send their contact to two teams. Both are config
errors, reported as `file:line: message` like every other one, before the service starts.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from bot.territoire.communes import Commune, CommuneIndex
from bot.territoire.missions_locales import MissionLocale
from bot.yamlconf import ConfigError, LineDict, LineList, line_of, load_yaml

# How many communes a grouped problem names before saying "and N more".
SHOWN = 5

_KINDS = (("epci", "EPCI"), ("arrondissements", "arrondissement"), ("communes", "commune"))


@dataclass(frozen=True)
class _Claim:
    """Why a Mission Locale holds a commune: which list item of its territory, at which line."""
    ml_id: str
    line: int
    via: str


def _codes(index: CommuneIndex) -> dict[str, dict[str, list[Commune]]]:
    """Communes of each EPCI, arrondissement and commune code of the region."""
    out: dict[str, dict[str, list[Commune]]] = {"epci": {}, "arrondissements": {}, "communes": {}}
    for c in index:
        out["epci"].setdefault(c.epci, []).append(c)
        out["arrondissements"].setdefault(c.arrondissement, []).append(c)
        out["communes"][c.insee] = [c]
    return out


def _claims(ml: MissionLocale, codes: dict[str, dict[str, list[Commune]]],
            lines: "_Lines", exclude: bool = True) -> dict[str, _Claim]:
    """Every commune the territory names, with the item that names it (first item wins)."""
    excluded = set(ml.territory.exclude_communes) if exclude else set()
    held: dict[str, _Claim] = {}
    for field, kind in _KINDS:
        for i, code in enumerate(getattr(ml.territory, field)):
            for c in codes[field].get(code, []):
                if c.insee not in excluded and c.insee not in held:
                    held[c.insee] = _Claim(ml.id, lines.item(field, i), f"{kind} {code}")
    return held


class TerritoryMap:
    """INSEE code → its Mission Locale, for routing a jeune once their commune is known."""

    def __init__(self, by_insee: dict[str, MissionLocale], mls: list[MissionLocale]):
        self._by_insee = by_insee
        self.missions_locales = {ml.id: ml for ml in mls}

    @classmethod
    def build(cls, mls: list[MissionLocale], index: CommuneIndex) -> "TerritoryMap":
        """The map as configured. On an overlap the first Mission Locale in the file keeps the
        commune; coverage_problems() is what refuses such a config."""
        codes = _codes(index)
        by_insee: dict[str, MissionLocale] = {}
        for ml in mls:
            for insee in _claims(ml, codes, _Lines(None)):
                by_insee.setdefault(insee, ml)
        return cls(by_insee, mls)

    def ml_for(self, insee: str) -> MissionLocale | None:
        return self._by_insee.get(insee)

    def communes_of(self, ml_id: str) -> list[str]:
        """INSEE codes served by that Mission Locale, sorted."""
        return sorted(k for k, ml in self._by_insee.items() if ml.id == ml_id)

    def __len__(self) -> int:
        return len(self._by_insee)


class _Lines:
    """Line numbers of one Mission Locale's entry in the YAML (1 when unknown)."""

    def __init__(self, entry: Any):
        self.entry = entry if isinstance(entry, LineDict) else None

    @property
    def start(self) -> int:
        return self.entry.line if self.entry is not None else 1

    def key(self, name: str) -> int:
        return self.entry.line_of(name) if self.entry is not None else 1

    def item(self, field: str, i: int) -> int:
        territory = self.entry.get("territory") if self.entry is not None else None
        if isinstance(territory, LineDict):
            items = territory.get(field)
            if isinstance(items, LineList):
                return items.line_of(i)
            return territory.line_of(field)
        return self.key("territory")


def _entries(data: Any) -> list[Any]:
    items = data.get("missions_locales") if isinstance(data, dict) else None
    return list(items) if isinstance(items, list) else []


def _pair_entries(mls: list[MissionLocale], data: Any) -> list[_Lines]:
    """The YAML entry of each Mission Locale, matched by id in file order."""
    pending = [e for e in _entries(data) if isinstance(e, dict)]
    out = []
    for ml in mls:
        match = next((e for e in pending if e.get("id") == ml.id), None)
        if match is not None:
            pending.remove(match)
        out.append(_Lines(match))
    return out


def _names(communes: Iterable[Commune]) -> str:
    communes = sorted(communes, key=lambda c: c.insee)
    shown = ", ".join(f"{c.insee} {c.nom}" for c in communes[:SHOWN])
    extra = len(communes) - SHOWN
    return shown + (f" and {extra} more" if extra > 0 else "")


def coverage_problems(mls: list[MissionLocale], index: CommuneIndex, path: Path | str,
                      data: Any, gaps: bool = True) -> list[str]:
    """Gaps, overlaps, unknown codes and duplicate ids, each as `file:line: message`.

    `data` is the file as load_yaml() returned it, for the line numbers. `gaps=False` when some
    entries could not be read: their communes would all show up as gaps.
    """
    codes = _codes(index)
    lines = _pair_entries(mls, data)
    top = data.line_of("missions_locales") if isinstance(data, LineDict) else 1
    problems: list[tuple[int, str]] = []

    first_line: dict[str, int] = {}
    for ml, at in zip(mls, lines):
        if ml.id in first_line:
            problems.append((at.key("id"), f"duplicate id {ml.id} (first at line "
                                            f"{first_line[ml.id]})"))
        else:
            first_line[ml.id] = at.key("id")

    for ml, at in zip(mls, lines):
        for field, kind in _KINDS + (("exclude_communes", "commune"),):
            table = codes["communes" if field == "exclude_communes" else field]
            for i, code in enumerate(getattr(ml.territory, field)):
                if code not in table:
                    where = f"territory.{field}"
                    problems.append((at.item(field, i), f"{ml.id}: {where}: unknown {kind} "
                                     f"{code!r} (not in the region's communes file)"))

    owner: dict[str, _Claim] = {}
    overlaps: dict[tuple[_Claim, _Claim], list[Commune]] = {}
    for ml, at in zip(mls, lines):
        claims = _claims(ml, codes, at)
        named = _claims(ml, codes, at, exclude=False)
        for i, code in enumerate(ml.territory.exclude_communes):
            if code not in named and code in codes["communes"]:
                problems.append((at.item("exclude_communes", i),
                                 f"{ml.id}: territory.exclude_communes: {code} "
                                 f"{codes['communes'][code][0].nom} is not in its territory anyway"))
        for insee, claim in claims.items():
            first = owner.get(insee)
            if first is None:
                owner[insee] = claim
            elif first.ml_id != claim.ml_id:
                overlaps.setdefault((first, claim), []).append(index.get(insee))
    for (first, second), communes in overlaps.items():
        if len(communes) == 1:
            c = communes[0]
            msg = (f"commune {c.insee} {c.nom} is in both {first.ml_id} (line {first.line}) "
                   f"and {second.ml_id} ({second.via})")
        else:
            msg = (f"{len(communes)} communes are in both {first.ml_id} (line {first.line}) and "
                   f"{second.ml_id} ({second.via}): {_names(communes)}")
        problems.append((second.line, msg))

    # Gaps, grouped by EPCI so that a forgotten EPCI is one line, not forty.
    holes: dict[str, list[Commune]] = {}
    for c in index:
        if gaps and c.insee not in owner:
            holes.setdefault(c.epci, []).append(c)
    for epci, communes in sorted(holes.items()):
        if len(communes) == 1:
            c = communes[0]
            msg = (f"commune {c.insee} {c.nom} belongs to no Mission Locale "
                   f"(EPCI {epci} {c.epci_nom})")
        else:
            every = len(communes) == len(codes["epci"][epci])
            what = "all" if every else f"{len(communes)} of the {len(codes['epci'][epci])}"
            msg = (f"{what} communes of EPCI {epci} {communes[0].epci_nom} belong to no "
                   f"Mission Locale: {_names(communes)}")
        problems.append((top, msg))

    return [f"{path}:{line}: {msg}" for line, msg in sorted(problems, key=lambda p: p[0])]


def load_missions_locales(path: Path | str, index: CommuneIndex) -> list[MissionLocale]:
    """Read and check config/missions_locales.yml; ConfigError with every problem at once."""
    data = load_yaml(path)
    if data is None:
        raise ConfigError([f"{path}:1: the file is empty"])
    if not isinstance(data, dict) or "missions_locales" not in data:
        raise ConfigError([f"{path}:{getattr(data, 'line', 1) or 1}: expected a top-level "
                           f"'missions_locales:' list"])
    problems: list[str] = []
    if isinstance(data, LineDict):
        for key in data:
            if key != "missions_locales":
                problems.append(f"{path}:{data.line_of(key)}: unknown top-level key {key!r}")
    entries = data["missions_locales"]
    if not isinstance(entries, list) or not entries:
        raise ConfigError(problems + [f"{path}:{data.line_of('missions_locales')}: "
                                      f"missions_locales must be a non-empty list"])
    mls: list[MissionLocale] = []
    unreadable = 0
    for i, entry in enumerate(entries):
        where = entries.line_of(i) if isinstance(entries, LineList) else 1
        if not isinstance(entry, dict):
            problems.append(f"{path}:{where}: missions_locales[{i}]: expected a mapping "
                            f"(id: …, name: …)")
            unreadable += 1
            continue
        label = entry.get("id") if isinstance(entry.get("id"), str) else f"missions_locales[{i}]"
        try:
            mls.append(MissionLocale.model_validate(entry))
        except ValidationError as exc:
            unreadable += 1
            for err in exc.errors():
                loc = [p for p in err["loc"]
                       if not (isinstance(p, str) and p.startswith("function-"))]
                field = ".".join(str(p) for p in loc)
                msg = err["msg"].removeprefix("Value error, ")
                line = line_of(entry, loc) if loc else where
                problems.append(f"{path}:{line}: {label}: {field + ': ' if field else ''}{msg}")
    problems += coverage_problems(mls, index, path, data, gaps=not unreadable)
    if problems:
        raise ConfigError(problems)
    return mls
