"""Batches: a file of 10,000 rows from the form's submission to its confirmation and through Confirm; 10,000
held SMS handed to a Kaleyra stand-in in the minute they are due; Redis memory per held row.

    .venv/bin/python bench/batch_bench.py [--rows 10000] [--runs 5] [--skip-two]

The app runs as `python -m bot` (one worker, HTTP mode) pinned to one core; Redis, the fakes of Slack and
Kaleyra (bench/fake_slack.py, Kaleyra answering after 50 ms) and this script share the other core. Measured:

- **form to confirmation**: a signed `view_submission` with a file attached in the form (a DLT template, three
  variables, a time per row; one row in twenty bad) to the confirmation at the command's `response_url`: the
  file fetched from the fake's file API, read, checked and kept, the confirmation and the bad rows' messages
  posted. The ack's time too (Slack's 3 s). Against `read_rows` alone and `csv.reader` alone on the same text,
  in this process (the reading any correct app must do). Memory: the app's peak resident size during the runs
  minus its size before them.
- **Confirm**: the click to the outcome message and to the channel post, for a batch of that size.
- **Redis memory per held row**: `used_memory` before and after a Confirm, divided by its rows; and per SMS held
  by one-line commands (one recipient each), in the same run.
- **hand-off**: a batch whose rows' hand-offs fall within one minute, personal (each row its own text: one
  request each) and identical (the same text: up to 100 numbers a request); when each number reached Kaleyra
  after its row's hand-off time, and that each was sent once; with one instance, then with two.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.app_bench import Process, Slack, machine  # noqa: E402
from bench.rows_bench import DOCTORS, NAMES, TEMPLATE  # noqa: E402
from bot.core import keys  # noqa: E402
from bot.core.recipient_rows import RowRules, read_rows  # noqa: E402
from bot.core.timeparse import warm_up  # noqa: E402
from tests.e2e.harness import BOT_TOKEN, KALEYRA_KEY, SID, SIGNING_SECRET, RedisServer, signed_headers  # noqa: E402

TEMPLATES = f"""
templates:
  - name: {TEMPLATE.name}
    template_id: "{TEMPLATE.template_id}"
    text: "{TEMPLATE.text}"
    variables: [{", ".join(TEMPLATE.variables)}]
    route: TXN
"""
TARGET_SECONDS, TARGET_MB, HANDOFF_TARGET = 2.0, 50.0, 60.0
HANDOFF = timedelta(minutes=60)
"""HANDOFF_MINUTES as deployed (its default): a row is handed to Kaleyra this long before its time."""
APP_CORE, OTHER_CORES = 1, {0}


def clinic_file(rows: int, send_at: Callable[[int], datetime], *, personal: bool = True) -> str:
    """phone, the template's variables (or, not `personal`, the same for every row), when; one row in twenty bad."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["phone", "name", "doctor", "time", "when"])
    rng = random.Random(21)
    for index in range(rows):
        phone = f"+9198{10_000_000 + index:08d}"
        name, doctor = (rng.choice(NAMES), rng.choice(DOCTORS)) if personal else ("Asha", "Dr. Rao")
        at = send_at(index)
        slot = f"{at:%H:%M}, booking {index}" if personal else "10:00"  # personal: every text its own
        cells = [phone, name, doctor, slot, at.isoformat(timespec="seconds")]
        if personal and index % 20 == 19:
            cells[0] = "12345"  # a bad number
        writer.writerow(cells)
    return out.getvalue()


class App:
    """The app and what the bench says to it, as Slack would."""

    def __init__(self, process: Process, slack: Slack) -> None:
        self.process = process
        self.slack = slack
        self.http = httpx.Client(base_url=process.url, timeout=60)

    def post(self, body: str) -> httpx.Response:
        return self.http.post("/slack/events", content=body, headers=signed_headers(body))

    def submit_file(self, file_id: str, key: str) -> float:
        """The form submitted with `file_id` attached; the ack's seconds."""
        metadata = json.dumps({"channel_id": "C1", "response_url": f"{self.slack.url}/respond/{key}"})
        values = {
            "rows_file": {"value": {"type": "file_input", "files": [{"id": file_id}]}},
            "template": {"template_picked": {"type": "external_select", "selected_option": {"value": "appointment"}}},
            "sender": {"value": {"type": "plain_text_input", "value": "KLRHXA"}},
            "route": {"value": {"type": "static_select", "selected_option": {"value": "TXN"}}},
        }
        view = {"id": f"V{key}", "hash": "h", "type": "modal", "callback_id": "schedule_sms",
                "private_metadata": metadata, "state": {"values": values}}  # fmt: skip
        payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"}, "view": view}
        started = time.perf_counter()
        self.post(urlencode({"payload": json.dumps(payload)})).raise_for_status()
        return time.perf_counter() - started

    def click(self, action_id: str, value: str, key: str) -> None:
        payload = {
            "type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"}, "channel": {"id": "C1"},
            "response_url": f"{self.slack.url}/respond/{key}", "trigger_id": "t",
            "actions": [{"action_id": action_id, "value": value, "type": "button", "block_id": "b"}],
        }  # fmt: skip
        self.post(urlencode({"payload": json.dumps(payload)})).raise_for_status()

    def command(self, text: str, key: str) -> str:
        """A one-line command; its Confirm button's value (its confirmation is the ack's body)."""
        fields = {"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/schedule-sms", "text": text}
        body = urlencode(fields | {"response_url": f"{self.slack.url}/respond/{key}", "trigger_id": "t"})
        answer = self.post(body)
        answer.raise_for_status()
        buttons = [element for block in answer.json()["blocks"] for element in block.get("elements", [])]
        return next(str(button["value"]) for button in buttons if button.get("action_id") == "confirm_sms")


def upload(slack: Slack, name: str, text: str) -> str:
    answer = httpx.post(f"{slack.url}/_files", params={"name": name}, content=text.encode(), timeout=30)
    return str(answer.json()["id"])


def confirmation_of(slack: Slack, key: str, since: int, timeout: float = 120) -> tuple[float, str]:
    """When the confirmation reached `key`'s response_url (CLOCK_MONOTONIC), and its Confirm button's value."""
    call = slack.wait("respond", key, since, timeout)
    return float(call[2]), str(call[4])


def peak_growth_mb(pid: int, before_kb: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return (peak - before_kb) / 1024


def resident_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))


def form_to_confirmation(app: App, slack: Slack, rows: int, runs: int) -> list[str]:
    """Each run a file of `rows` rows; the pending ids, for Confirm."""
    now = datetime.now(UTC)
    text = clinic_file(rows, lambda index: now + timedelta(days=2, minutes=15 * (index % 400)))
    file_id = upload(slack, "clinic.csv", text)
    warm_up()
    rules = RowRules("IN", rows, 6, route="TXN")
    baseline = statistics.median(
        _timed(lambda: read_rows(text, rules, tz="Asia/Kolkata", now=now, template=TEMPLATE), 3)
    )
    csv_only = statistics.median(_timed(lambda: list(csv.reader(io.StringIO(text))), 3))
    pid = app.process.process.pid
    before = resident_kb(pid)
    seconds, acks, pending = [], [], []
    for run in range(runs):
        key, since = f"form{run}-{uuid.uuid4().hex[:6]}", len(slack.fetch())
        started = time.monotonic()
        acks.append(app.submit_file(file_id, key))
        arrived, value = confirmation_of(slack, key, since)
        seconds.append(arrived - started)
        pending.append(value)
    growth = peak_growth_mb(pid, before)
    median = statistics.median(seconds)
    print(f"\nform to confirmation, {rows:,} rows ({rows // 20:,} bad), {runs} runs, the app on one core:")
    print(f"  p50 {median:.2f} s, worst {max(seconds):.2f} s, each {', '.join(f'{s:.2f}' for s in seconds)} s")
    print(f"  ack p50 {statistics.median(acks) * 1000:.0f} ms, worst {max(acks) * 1000:.0f} ms (Slack waits 3 s)")
    print(f"  read_rows alone in this process {baseline:.2f} s: {median / baseline:.2f}x; csv.reader alone "
          f"{csv_only * 1000:.0f} ms: {median / csv_only:.0f}x")  # fmt: skip
    print(f"  memory: peak resident {growth:.1f} MB above the {before / 1024:.0f} MB before the runs")
    print(f"  target: p50 under {TARGET_SECONDS:g} s, growth under {TARGET_MB:g} MB: "
          + ("met" if median < TARGET_SECONDS and growth < TARGET_MB else "MISSED"))  # fmt: skip
    return pending


def confirm_batches(app: App, slack: Slack, store: redis.Redis, pending: Sequence[str], rows: int) -> float:
    """Confirm each; the click to the outcome and to the channel post; Redis bytes per held row (what the first
    batch's Confirm added: its rows, their jobs and counts, the batch; divided by its rows)."""
    outcomes, posts, per_row = [], [], 0.0
    for index, pending_id in enumerate(pending):
        before = 0
        if index == 0:  # the request and rows kept for Confirm are deleted by it: not part of what it holds
            kept = [keys.of(pending_id, "rows"), keys.of(pending_id, "pending")]
            before = key_bytes(store) - sum(int(store.memory_usage(name, samples=0) or 0) for name in kept)
        key, since = f"confirm{index}-{uuid.uuid4().hex[:6]}", len(slack.fetch())
        started = time.monotonic()
        app.click("confirm_sms", pending_id, key)
        outcomes.append(slack.wait("respond", key, since, 120)[2] - started)
        posts.append(slack.wait("chat.postMessage", "C1", since, 120)[2] - started)
        if index == 0:
            per_row = (key_bytes(store) - before) / rows
    good = rows - rows // 20
    print(f"\nConfirm of {good:,} rows, {len(pending)} batches: click to outcome p50 "
          f"{statistics.median(outcomes):.2f} s (worst {max(outcomes):.2f} s), to the channel post p50 "
          f"{statistics.median(posts):.2f} s")  # fmt: skip
    return per_row * rows / good


def key_bytes(store: redis.Redis) -> int:
    """What every key takes (MEMORY USAGE, every element counted), whatever the allocator and the clients'
    buffers do meanwhile (which move `used_memory` by megabytes between two reads)."""
    total = 0
    names = list(store.scan_iter(count=1000))
    for start in range(0, len(names), 1000):
        with store.pipeline(transaction=False) as pipe:
            for name in names[start : start + 1000]:
                pipe.memory_usage(name, samples=0)
            total += sum(int(size or 0) for size in pipe.execute())
    return total


def single_sms_bytes(app: App, slack: Slack, store: redis.Redis, count: int) -> float:
    """Redis bytes per SMS held from a one-line command (one recipient), confirmed one after the other."""
    before = key_bytes(store)
    when = (datetime.now(UTC) + timedelta(days=3)).isoformat(timespec="minutes")
    for index in range(count):
        key = f"one{index}-{uuid.uuid4().hex[:6]}"
        value = app.command(f'+9198{20_000_000 + index:08d} "Hi, your appointment is at 4.00 PM" {when}', key)
        click_key, since = f"c{key}", len(slack.fetch())
        app.click("confirm_sms", value, click_key)
        slack.wait("respond", click_key, since, 30)
    return (key_bytes(store) - before) / count


def handoff(apps: Sequence[App], slack: Slack, rows: int, *, personal: bool, spread: int, label: str) -> None:
    """A batch whose hand-offs fall within `spread` seconds from about 60 s from now; each number's arrival at
    the stand-in after its row's hand-off time; each sent once."""
    start = datetime.now(UTC).replace(microsecond=0) + HANDOFF + timedelta(minutes=1)
    times = [start + timedelta(seconds=index % spread) for index in range(rows)]
    text = clinic_file(rows, lambda index: times[index], personal=personal)
    file_id = upload(slack, f"{label}.csv", text)
    app = apps[0]
    key, since = f"h{label}-{uuid.uuid4().hex[:6]}", len(slack.fetch())
    app.submit_file(file_id, key)
    _, pending_id = confirmation_of(slack, key, since)
    click_key, since = f"hc{label}-{uuid.uuid4().hex[:6]}", len(slack.fetch())
    app.click("confirm_sms", pending_id, click_key)
    slack.wait("respond", click_key, since, 120)
    wall_minus_monotonic = time.time() - time.monotonic()
    good = _due(text, times)
    cpu_before = [one.process.cpu_seconds() for one in apps]
    deadline = time.monotonic() + (start - HANDOFF - datetime.now(UTC)).total_seconds() + 240
    arrivals: dict[str, list[float]] = {}
    requests = 0
    while time.monotonic() < deadline:
        arrivals, requests = _arrivals(slack, since)
        if len(arrivals) >= len(good):
            break
        time.sleep(1)
    time.sleep(3)  # anything sent twice arrives by now
    arrivals, requests = _arrivals(slack, since)
    late = sorted(sent[0] + wall_minus_monotonic - good[number].timestamp() for number, sent in arrivals.items())
    twice = sum(len(sent) > 1 for sent in arrivals.values())
    cpu = sum(one.process.cpu_seconds() for one in apps) - sum(cpu_before)
    instances = f"{len(apps)} instance{'s' if len(apps) > 1 else ''}"
    due = "within one minute" if spread > 1 else "at the same second"
    print(f"\nhand-off, {label}, {len(good):,} held SMS due {due}, {instances}, Kaleyra stand-in 50 ms:")
    print(f"  {len(arrivals):,} of {len(good):,} numbers reached Kaleyra in {requests:,} requests; sent twice: {twice}")
    if late:
        met = late[-1] <= HANDOFF_TARGET and len(late) == len(good) and not twice
        verdict = "met" if met else "MISSED"
        print(f"  after its hand-off time: p50 {_pct(late, 50):.1f} s, p99 {_pct(late, 99):.1f} s, last "
              f"{late[-1]:.1f} s (target: every one within {HANDOFF_TARGET:g} s, each once: {verdict})")  # fmt: skip
    print(f"  app CPU {cpu:.1f} s ({cpu / max(1, len(arrivals)) * 1000:.2f} ms a row)")


def _due(text: str, times: Sequence[datetime]) -> dict[str, datetime]:
    """Each good row's number and hand-off time (its time less HANDOFF_MINUTES)."""
    due = {}
    for index, cells in enumerate(list(csv.reader(io.StringIO(text)))[1:]):
        if cells[0].startswith("+"):
            due[cells[0]] = times[index] - HANDOFF
    return due


def _arrivals(slack: Slack, since: int) -> tuple[dict[str, list[float]], int]:
    arrivals: dict[str, list[float]] = {}
    requests = 0
    for call in slack.fetch()[since:]:
        if call[0] == "kaleyra":
            requests += 1
            for number in str(call[3]).split(","):
                arrivals.setdefault(number, []).append(float(call[2]))
    return arrivals, requests


def _pct(values: Sequence[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q / 100))]


def _timed(work: Callable[[], object], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--singles", type=int, default=200)
    parser.add_argument("--skip-two", action="store_true", help="no run with two instances")
    args = parser.parse_args()
    os.sched_setaffinity(0, OTHER_CORES)
    print(f"machine: {machine()}; the app pinned to core {APP_CORE}, everything else on core 0")
    server = RedisServer()
    if server.process is not None:
        os.sched_setaffinity(server.process.pid, OTHER_CORES)
    templates = Path(tempfile.mkdtemp()) / "templates.yml"
    templates.write_text(TEMPLATES)
    base = {"PATH": os.environ["PATH"], "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    slack = Slack(base)
    env = base | {
        "SLACK_API_URL": slack.url + "/api/", "KALEYRA_SID": SID, "KALEYRA_API_KEY": KALEYRA_KEY,
        "KALEYRA_BASE_URL": slack.url, "KALEYRA_SENDER": "KLRHXA", "REDIS_URL": server.url, "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_PER_MINUTE": "0", "DAILY_SMS_LIMIT": "0", "TEMPLATES_FILE": str(templates),
        "MAX_BATCH_ROWS": str(max(args.rows, 10_000)), "STATUS_FIRST_CHECK_SECONDS": "86400",
    }  # fmt: skip
    processes = [slack.server]
    try:
        app_process = Process([sys.executable, "-m", "bot"], env)
        processes.append(app_process)
        os.sched_setaffinity(app_process.process.pid, {APP_CORE})
        app, store = App(app_process, slack), server.client()
        per_single = single_sms_bytes(app, slack, store, args.singles)
        pending = form_to_confirmation(app, slack, args.rows, args.runs)
        per_row = confirm_batches(app, slack, store, pending, args.rows)
        print(f"\nRedis memory: {per_row:,.0f} bytes per held row of a batch; {per_single:,.0f} bytes per SMS held "
              f"from a one-line command ({per_row / per_single:.2f}x)")  # fmt: skip
        store.flushall()
        handoff([app], slack, args.rows, personal=True, spread=60, label="personal text")
        handoff([app], slack, args.rows, personal=False, spread=60, label="the same text")
        handoff([app], slack, args.rows, personal=True, spread=1, label="personal text")
        if not args.skip_two:
            second = Process([sys.executable, "-m", "bot"], env)
            processes.append(second)
            os.sched_setaffinity(second.process.pid, OTHER_CORES)
            store.flushall()
            handoff([app, App(second, slack)], slack, args.rows, personal=True, spread=60, label="personal text")
            handoff([app, App(second, slack)], slack, args.rows, personal=True, spread=1, label="personal text")
    finally:
        for process in reversed(processes):
            process.stop()
        server.close()


if __name__ == "__main__":
    main()
