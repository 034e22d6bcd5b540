"""Time-phrase reader: speed and memory against raw dateparser, measured in the same run.

    .venv/bin/python bench/timeparse_bench.py [--random N] [--memory-parses N]

Prints per-phrase median and worst case (after warm-up) over the reference phrases and over
random strings of up to 200 characters, for `bot.core.timeparse.parse_when` and for raw dateparser
(English only, future preference, user timezone, relative base), then memory growth over many
parses with different `now` values.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import string
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import dateparser

from bot.core.timeparse import TimeParseError, parse_when

CASES = json.loads((Path(__file__).resolve().parents[1] / "tests" / "unit" / "timeparse_cases.json").read_text())
Parser = Callable[[str, str, datetime], object]


def ours(text: str, tz: str, now: datetime) -> object:
    try:
        return parse_when(text, tz, now)
    except TimeParseError:
        return None


def raw_dateparser(text: str, tz: str, now: datetime) -> object:
    settings = {
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": now.replace(tzinfo=None),
    }
    return dateparser.parse(text, languages=["en"], settings=settings)  # type: ignore[arg-type]


def timings(parse: Parser, inputs: list[tuple[str, str, datetime]]) -> tuple[float, float]:
    for text, tz, now in inputs[:50]:
        parse(text, tz, now)  # warm-up
    samples = []
    for text, tz, now in inputs:
        start = time.perf_counter()
        parse(text, tz, now)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, max(samples) * 1000


def random_inputs(count: int, seed: int = 7) -> list[tuple[str, str, datetime]]:
    rng = random.Random(seed)
    alphabet = string.printable + "“”’₹éü日本"
    now = datetime.fromisoformat("2026-11-24T20:00:00+05:30")
    return [
        ("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200))), "Asia/Kolkata", now) for _ in range(count)
    ]


def memory_growth(parse: Parser, parses: int) -> tuple[float, float]:
    """KiB allocated and still held after 10% and after 100% of the parses (flat means no leak)."""
    base = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
    phrases = [case["phrase"] for case in CASES]
    gc.collect()
    tracemalloc.start()
    checkpoint = 0.0
    for index in range(parses):
        now = base + timedelta(minutes=17 * index)
        parse(phrases[index % len(phrases)], "Asia/Kolkata", now)
        if index == parses // 10:
            gc.collect()
            checkpoint = tracemalloc.get_traced_memory()[0] / 1024
    gc.collect()
    final = tracemalloc.get_traced_memory()[0] / 1024
    tracemalloc.stop()
    return checkpoint, final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=10_000, help="random strings to time")
    parser.add_argument("--memory-parses", type=int, default=100_000, help="parses for the memory check")
    args = parser.parse_args()

    reference = [(c["phrase"], c["tz"], datetime.fromisoformat(c["now"])) for c in CASES] * 20
    noise = random_inputs(args.random)
    print(f"{'':28}{'median ms':>10}{'worst ms':>10}")
    results = {}
    for name, parse in (("raw dateparser", raw_dateparser), ("parse_when", ours)):
        for label, inputs in (("reference", reference), ("random", noise)):
            median, worst = timings(parse, inputs)
            results[name, label] = (median, worst)
            print(f"{name + ' / ' + label:28}{median:10.3f}{worst:10.2f}")
    for label in ("reference", "random"):
        (raw_median, raw_worst), (our_median, our_worst) = (
            results["raw dateparser", label],
            results["parse_when", label],
        )
        print(
            f"ratio parse_when / raw, {label}: "
            f"median {our_median / raw_median:.2f}x, worst {our_worst / raw_worst:.2f}x"
        )
    early, late = memory_growth(ours, args.memory_parses)
    print(
        f"parse_when memory held after {args.memory_parses // 10:,} parses: {early:,.0f} KiB; "
        f"after {args.memory_parses:,}: {late:,.0f} KiB (growth {late - early:+,.0f} KiB)"
    )


if __name__ == "__main__":
    main()
