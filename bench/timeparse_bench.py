"""Time-phrase reader: speed, memory and phrases read, against raw dateparser in the same run.

    .venv/bin/python bench/timeparse_bench.py [--random N] [--memory-parses N]
    PYTHONPATH=/path/to/another/checkout .venv/bin/python bench/timeparse_bench.py   # the same bench, its parser

Prints per-phrase median and worst case (after warm-up) for `bot.core.timeparse.parse_when` and
for raw dateparser (future preference, user timezone, relative base, restricted to English plus
the user's language), over the reference phrases, a few phrases per named rule, phrases in each
language, phrases of the classes read since the third round of rules, and random strings of up to 200
characters; then how many of the non-random phrases each reads, and memory growth over many parses
with different `now` values and languages. With PYTHONPATH set to another checkout (say, the commit
before a change), the same phrases time that checkout's parser: run both in turn, and compare.
The limits: median under 2 ms, worst case under 20 ms, memory flat.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import string
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import dateparser

from bot.core.timeparse import TimeParseError, parse_when, warm_up

CASES = json.loads((Path(__file__).resolve().parents[1] / "tests" / "unit" / "timeparse_cases.json").read_text())
NOW = datetime.fromisoformat("2026-11-24T08:00:00+05:30")
Input = tuple[str, str, datetime, str | None]
Parser = Callable[[str, str, datetime, str | None], object]
MEDIAN_LIMIT_MS, WORST_LIMIT_MS, GROWTH_LIMIT_KIB = 2.0, 20.0, 256.0

RULE_PHRASES = {
    "clock phrases": ["half past 5", "a quarter past 3pm", "quarter to 6", "20 minutes to 2pm tomorrow", "15 past 3"],
    "hedges": ["around 6pm", "at about 3pm", "approximately 10", "3ish", "6pm-ish"],
    "no separator": ["at 1030", "tonight 815", "1700 tomorrow", "May 19 at 1120pm"],
    "other separators": ["15h30", "16h", "8h00 PST", "08.00", "17.30", "17:00 hrs"],
    "fuzzy durations": ["in a couple hours", "in a few hours", "in a quarter of an hour", "in 2 and a half hours"],
    "duration and time": ["in 3 days at 10am", "3 days from now at 10am", "a week from today 9am", "10am in 3 days"],
    "spelled numbers": ["eight tonight", "at three pm", "ten thirty tomorrow", "six in the evening"],
    "short am/pm": ["3p", "7a", "3:30 p m", "3 p.m.", "@ 3pm", "this morning @ 10"],
    "periods": ["3 in the afternoon", "3:20 in afternoon", "mid day", "eod", "first thing tomorrow"],
    "dates": ["2026/12/05 10am", "5.12. 10am", "26.9. around 17:00", "1.Jun at 6:34am", "next week tuesday 3pm",
              "first monday of december 10am", "next month on the 1st at 10", "xmas at 6 pm"],
    "zones": ["tomorrow 9am (BST)", "Thursday 9 am (IST)"],
}  # fmt: skip
CLASS_PHRASES = {
    None: ["meeting tomorrow 5pm", "let's meet at 3pm friday", "tomorrow 8h10m", "at 3 15", "1515pm tomorrow",
           "05/31/2027-14:15", "3 in the AM tomorrow", "3 o'clock pm", "half three", "quarter to noon",
           "15 minutes past 15h", "ten-thirty tomorrow", "in 1/4 h", "in three-quarters of an hour",
           "friday of next week at 9am", "friday this week 5pm", "15 minutes out", "in about ~5 hours"],
    "it-IT": ["riunione domani alle 15", "5 minuti più tardi", "domani di sera alle 9", "tra tre quarti d'ora"],
    "es-ES": ["reunión mañana a las 5 de la tarde", "en unas 5 horas", "mañana a las 5 menos 10"],
    "fr-FR": ["RDV à 14h demain", "en 1 heure", "vendredi de cette semaine à 17h", "dans trois quarts d'heure"],
    "de-DE": ["Termin morgen um 15 Uhr", "morgen um 1 Uhr mittags", "morgen in der Nacht um 11", "10 nach 3 morgen"],
    "pt-BR": ["reunião amanhã às 15h", "quinze para as cinco", "sexta da semana que vem às 9h"],
    "ja-JP": ["明日の15時に会議", "今週の金曜日の17時", "今から5分後", "明日の3時15分前"],
}  # fmt: skip
"""Words left out, clock notations, spoken clocks and fractions, parts of the day, weeks, durations worded
differently: the classes read since the third round of time rules, which the baseline refuses."""
LANGUAGE_PHRASES = {
    "it-IT": ["domani alle 17", "lunedì alle 9", "tra 2 ore", "in 2 ore", "3 dicembre alle 15", "stasera alle 9"],
    "es-ES": ["mañana a las 5 de la tarde", "en 2 horas", "el lunes a las 9", "el 3 de diciembre a las 15:00"],
    "fr-FR": ["demain à 17h", "dans 2 heures", "lundi prochain à 9h", "le 3 décembre à 15h30"],
    "de-DE": ["morgen um 17 Uhr", "in 2 Stunden", "nächsten Montag um 9", "am 3. Dezember um 15 Uhr"],
    "pt-BR": ["amanhã às 17h", "daqui a 2 horas", "segunda-feira às 9", "3 de dezembro às 15h"],
    "ja-JP": ["明日の17時", "2時間後", "月曜日の9時", "12月3日15時"],
}


def ours(text: str, tz: str, now: datetime, locale: str | None) -> object:
    try:
        return parse_when(text, tz, now, locale=locale)
    except TimeParseError:
        return None


def raw_dateparser(text: str, tz: str, now: datetime, locale: str | None) -> object:
    settings = {
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": now.replace(tzinfo=None),
    }
    languages = ["en"] if locale is None else [locale.split("-")[0], "en"]
    return dateparser.parse(text, languages=languages, settings=settings)  # type: ignore[arg-type]


def timings(parse: Parser, inputs: list[Input]) -> tuple[float, float]:
    for text, tz, now, locale in inputs[:50]:
        parse(text, tz, now, locale)  # warm-up
    gc.collect()  # what earlier sets left (raw dateparser's, most of all) is not collected in this one's timings
    samples = []
    for text, tz, now, locale in inputs:
        start = time.perf_counter()
        parse(text, tz, now, locale)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, max(samples) * 1000


def read_count(parse: Parser, inputs: list[Input]) -> int:
    return sum(parse(*item) is not None for item in inputs)


def random_inputs(count: int, seed: int = 7) -> list[Input]:
    rng = random.Random(seed)
    alphabet = string.printable + "“”’₹éü日本時後"
    locales = [None, "it-IT", "ja-JP", "de-DE"]
    return [
        ("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200))), "Asia/Kolkata", NOW, rng.choice(locales))
        for _ in range(count)
    ]


def memory_growth(parse: Parser, inputs: list[Input], parses: int) -> tuple[float, float]:
    """KiB allocated and still held after 10% and after 100% of the parses (flat means no leak)."""
    base = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
    gc.collect()
    tracemalloc.start()
    checkpoint = 0.0
    for index in range(parses):
        text, tz, _now, locale = inputs[index % len(inputs)]
        parse(text, tz, base + timedelta(minutes=17 * index), locale)
        if index == parses // 10:
            gc.collect()
            checkpoint = tracemalloc.get_traced_memory()[0] / 1024
    gc.collect()
    final = tracemalloc.get_traced_memory()[0] / 1024
    tracemalloc.stop()
    return checkpoint, final


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown CPU",
    )
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, dateparser {dateparser.__version__}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=10_000, help="random strings to time")
    parser.add_argument("--memory-parses", type=int, default=100_000, help="parses for the memory check")
    args = parser.parse_args()

    sets: dict[str, list[Input]] = {
        "reference": [(c["phrase"], c["tz"], datetime.fromisoformat(c["now"]), None) for c in CASES] * 20,
        "rules": [(p, "Asia/Kolkata", NOW, None) for phrases in RULE_PHRASES.values() for p in phrases] * 10,
        "languages": [(p, "Europe/Rome", NOW, loc) for loc, phrases in LANGUAGE_PHRASES.items() for p in phrases] * 10,
        "classes": [(p, "Europe/Rome", NOW, loc) for loc, phrases in CLASS_PHRASES.items() for p in phrases] * 10,
        "random": random_inputs(args.random),
    }
    print(f"machine: {machine()}")
    warm_up()  # as `python -m bot` starts: dateparser loaded, then kept out of the collector's passes
    gc.collect()
    gc.freeze()
    print(f"{'':30}{'median ms':>10}{'worst ms':>10}{'read':>12}")
    results: dict[tuple[str, str], tuple[float, float]] = {}
    for name, parse in (("raw dateparser", raw_dateparser), ("parse_when", ours)):
        for label, inputs in sets.items():
            median, worst = results[name, label] = timings(parse, inputs)
            distinct = list(dict.fromkeys(inputs))
            read = "" if label == "random" else f"{read_count(parse, distinct)}/{len(distinct)}"
            print(f"{name + ' / ' + label:30}{median:10.3f}{worst:10.2f}{read:>12}")
    within = True
    for label in sets:
        (raw_median, raw_worst), (our_median, our_worst) = (
            results["raw dateparser", label],
            results["parse_when", label],
        )
        within &= our_median < MEDIAN_LIMIT_MS and our_worst < WORST_LIMIT_MS
        print(
            f"ratio parse_when / raw, {label}: "
            f"median {our_median / raw_median:.2f}x, worst {our_worst / raw_worst:.2f}x"
        )
    mixed = [item for label in ("reference", "rules", "languages", "classes") for item in dict.fromkeys(sets[label])]
    early, late = memory_growth(ours, mixed, args.memory_parses)
    within &= late - early < GROWTH_LIMIT_KIB
    print(
        f"parse_when memory held after {args.memory_parses // 10:,} parses: {early:,.0f} KiB; "
        f"after {args.memory_parses:,}: {late:,.0f} KiB (growth {late - early:+,.0f} KiB)"
    )
    print(
        f"limits (median < {MEDIAN_LIMIT_MS} ms, worst < {WORST_LIMIT_MS} ms, growth < {GROWTH_LIMIT_KIB:.0f} KiB): "
        + ("held" if within else "NOT held")
    )


if __name__ == "__main__":
    main()
