"""How well and how fast "tu habites où ?" is answered: accuracy on the jeunes' spellings, resolve
time, index and territory build time.

    .venv/bin/python benchmarks/communes.py [--rounds 20] [--errors]

Accuracy counts a spelling right when it is found as the expected commune, or ambiguous with the
expected communes offered, or outside when expected outside (same rule as tests/territoire/test_communes.py).
"""
from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.territoire.communes import MAX_CANDIDATES, CommuneIndex, Resolution  # noqa: E402
from bot.territoire.territories import TerritoryMap, load_missions_locales  # noqa: E402

CSV = ROOT / "data" / "communes-nouvelle-aquitaine.csv"
SPELLINGS = ROOT / "tests" / "data" / "communes_spellings.csv"
CONFIG = ROOT / "config" / "missions_locales.yml"


def right(res: Resolution, expected: str) -> bool:
    if expected == "outside":
        return res.status == "outside"
    codes = expected.split("|")
    if len(codes) == 1:
        return res.status == "found" and res.commune.insee == codes[0]
    shown = {c.insee for c in res.candidates}
    return res.status == "ambiguous" and (
        set(codes) <= shown if len(codes) <= MAX_CANDIDATES else shown <= set(codes))


def timed(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="timings per spelling")
    parser.add_argument("--errors", action="store_true", help="print the wrong answers")
    args = parser.parse_args()

    builds = timed(lambda: CommuneIndex.from_csv(CSV), 5)
    index = CommuneIndex.from_csv(CSV)
    loads = timed(lambda: load_missions_locales(CONFIG, index), 5)
    mls = load_missions_locales(CONFIG, index)
    maps = timed(lambda: TerritoryMap.build(mls, index), 5)

    with open(SPELLINGS, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_kind = {"found": [0, 0], "ambiguous": [0, 0], "outside": [0, 0]}
    wrong = []
    for row in rows:
        expected = row["expected_insee"]
        kind = "outside" if expected == "outside" else "ambiguous" if "|" in expected else "found"
        res = index.resolve(row["text"])
        ok = right(res, expected)
        by_kind[kind][0] += ok
        by_kind[kind][1] += 1
        if not ok:
            got = res.commune.label if res.commune else [c.label for c in res.candidates]
            wrong.append(f"  {row['text']!r}: {res.status} {got} — expected {row['commune'] or expected}")

    times = []
    for row in rows:
        text = row["text"]
        index.resolve(text)   # warm
        times += timed(lambda: index.resolve(text), args.rounds)

    total = sum(v[0] for v in by_kind.values())
    print(f"spellings: {len(rows)}  accuracy: {total / len(rows):.1%} ({total}/{len(rows)})")
    for kind, (ok, n) in by_kind.items():
        print(f"  expected {kind:<9} {ok}/{n}")
    print(f"resolve: median {statistics.median(times) * 1e3:.3f} ms  "
          f"p99 {percentile(times, 0.99) * 1e3:.3f} ms  max {max(times) * 1e3:.3f} ms  "
          f"({len(times)} calls)")
    print(f"index build (4,293 communes): median {statistics.median(builds) * 1e3:.0f} ms")
    print(f"missions_locales.yml load + coverage check: median "
          f"{statistics.median(loads) * 1e3:.0f} ms ({len(mls)} Missions Locales)")
    print(f"territory map build: median {statistics.median(maps) * 1e3:.1f} ms")
    if args.errors and wrong:
        print("wrong:")
        print("\n".join(wrong))


if __name__ == "__main__":
    main()
