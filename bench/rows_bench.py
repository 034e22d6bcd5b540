"""Recipients from a file: reading and checking 10,000 rows, against `csv.reader` alone in the same run.

    .venv/bin/python bench/rows_bench.py [--rows N] [--runs N]

Each file has a phone column, a DLT template's three variables and a per-row time, in the shapes a
team's appointment list has: an ISO time per row (every one different: the time parser's worst case),
a reminder "2 hours before {time}" of 15-minute appointment slots, "9am their time" to numbers in three
countries, and the same ISO times for promotional SMS, whose quiet hours are checked per row. One row in
twenty is bad (a short number, an empty or too long variable, a time past Kaleyra's window).

Prints, per file, the median and worst of `--runs` runs of `read_rows` (text in, good and bad rows out),
and the median of two baselines: `csv.reader` alone, and `csv.reader` with each row's number read
(`phones.normalise`, the least a reader that checks numbers must do); the ratios; and the memory `read_rows`
allocates at its peak (tracemalloc, in a run of its own). The targets: well under 1 s per 10,000 rows,
memory growth under 50 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import io
import os
import platform
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import phones
from bot.core.errors import PhoneError
from bot.core.quiet_hours import QuietHours, parse_hours
from bot.core.recipient_rows import RowRules, Rows, read_rows
from bot.core.templates import Template
from bot.core.timeparse import warm_up

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
TEMPLATE = Template.create(
    "appointment", "1107161234567890123", "Hi {#var#}, your appointment with {#var#} is at {#var#}.",
    "name, doctor, time",
)  # fmt: skip
NAMES = ["Asha", "Ravi", "Meera", "Arjun", "Priya", "Kiran", "Deepa", "Vikram", "Lakshmi", "Sanjay"]
DOCTORS = ["Dr. John", "Dr. Rao", "Dr. Iyer", "Dr. Mehta"]
LIMIT_SECONDS, LIMIT_MB = 1.0, 50.0


def appointment(index: int) -> datetime:
    """Slots of 15 minutes from 10:00 to 18:00 over the next days, as a clinic books them."""
    day, slot = divmod(index, 32)
    return (NOW + timedelta(days=1 + day % 20)).replace(hour=10, minute=0) + timedelta(minutes=15 * slot)


def bad_cells(index: int, phone: str, name: str, when: str) -> tuple[str, str, str]:
    """One row in twenty is bad, in turn: its number, a variable empty or too long, its time."""
    match index // 20 % 4:
        case 0:
            return "12345", name, when
        case 1:
            return phone, "", when
        case 2:
            return phone, "A name much longer than thirty characters", when
        case _:
            return phone, name, (NOW + timedelta(days=200)).isoformat(timespec="minutes")


def csv_file(rows: int, when: Callable[[int, datetime], str], countries: tuple[str, ...] = ("+91",)) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["phone", "name", "doctor", "time", "when"])
    rng = random.Random(21)
    for index in range(rows):
        prefix = countries[index % len(countries)]
        phone = f"{prefix}98{rng.randrange(10**7, 10**8)}" if prefix == "+91" else f"{prefix}{rng.randrange(10**9)}"
        if prefix == "+1":
            phone = f"+1650253{rng.randrange(10**4):04d}"
        elif prefix == "+44":
            phone = f"+447400{rng.randrange(10**6):06d}"
        at = appointment(index)
        name, phrase = rng.choice(NAMES), when(index, at)
        if index % 20 == 19:
            phone, name, phrase = bad_cells(index, phone, name, phrase)
        writer.writerow([phone, name, rng.choice(DOCTORS), f"{at:%d %b %H:%M}", phrase])
    return out.getvalue()


def run(text: str, rules: RowRules) -> Rows:
    return read_rows(text, rules, tz="Asia/Kolkata", now=NOW, template=TEMPLATE)


def numbers_only(text: str) -> None:
    """The second baseline: every row split, and its number read."""
    for cells in csv.reader(io.StringIO(text)):
        with contextlib.suppress(PhoneError):
            phones.normalise(cells[0], "IN")


def timed(work: Callable[[], object], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return seconds


def peak_mb(work: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    warm_up()
    transactional = RowRules("IN", args.rows, 6)
    start, end = parse_hours("09:00-21:00")
    promotional = RowRules("IN", args.rows, 6, route="MKT", quiet_hours=QuietHours(start, end, ("IN",)))
    files = {
        "ISO time per row, all different": (
            csv_file(args.rows, lambda index, at: (at - timedelta(minutes=index % 60)).isoformat()),
            transactional,
        ),
        '"2 hours before {time}"': (csv_file(args.rows, lambda index, at: "2 hours before {time}"), transactional),
        '"9am their time", three countries': (
            csv_file(args.rows, lambda index, at: "9am their time", ("+91", "+1", "+44")),
            transactional,
        ),
        "ISO time per row, MKT (quiet hours)": (
            csv_file(args.rows, lambda index, at: (at - timedelta(minutes=index % 60)).isoformat()),
            promotional,
        ),
    }
    print(f"{args.rows:,} rows, {args.runs} runs each; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, CPython {platform.python_version()}")  # fmt: skip
    print(f"{'file':38} {'good':>6} {'bad':>5} {'csv.reader':>11} {'+ numbers':>10} {'read_rows':>10} "
          f"{'worst':>8} {'ratios':>11} {'peak MB':>8}")  # fmt: skip
    failed = False
    for label, (text, rules) in files.items():
        rows = run(text, rules)
        baseline = statistics.median(timed(lambda text=text: list(csv.reader(io.StringIO(text))), args.runs))
        numbers = statistics.median(timed(lambda text=text: numbers_only(text), args.runs))
        seconds = timed(lambda text=text, rules=rules: run(text, rules), args.runs)
        median, memory = statistics.median(seconds), peak_mb(lambda text=text, rules=rules: run(text, rules))
        failed |= median > LIMIT_SECONDS * args.rows / 10_000 or memory > LIMIT_MB
        counts = f"{len(rows.good):>6,} {len(rows.bad):>5,}"
        ratios = f"{median / baseline:>4.0f}× {median / numbers:>4.1f}×"
        print(f"{label:38} {counts} {baseline * 1e3:>8.1f} ms {numbers * 1e3:>7.0f} ms {median * 1e3:>7.0f} ms "
              f"{max(seconds) * 1e3:>5.0f} ms {ratios:>11} {memory:>8.1f}")  # fmt: skip
    print("ratios: read_rows / csv.reader alone, read_rows / csv.reader and the numbers")
    print(f"targets: p50 under {LIMIT_SECONDS:g} s per 10,000 rows, peak under {LIMIT_MB:g} MB: "
          + ("MISSED" if failed else "met"))  # fmt: skip


if __name__ == "__main__":
    main()
