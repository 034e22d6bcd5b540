"""The app under Slack-like load, against the floor of its own stack, measured in the same run.

    .venv/bin/python bench/app_bench.py [--rounds 2] [--step-seconds 6] [--flood-seconds 10] [--steady-seconds 30]

Starts a real redis-server, and fast fakes of Slack and Kaleyra in their own process (bench/fake_slack.py)
on loopback, then the app (`python -m bot`, HTTP mode, one worker and two), the floor (bench/floor_app.py:
per command an ack, one Redis write and one static reply to the response_url), the floor replying in its
ack instead (as the app does), and a Bolt app that only acks (bench/bare_app.py), and measures:

- capacity: open loop, stepping the rate up by 25 % until a step fails, then once halfway back; the highest
  rate at which every ack is under 3 s with no errors and the command-to-reply p99 (with the ack when the
  reply is its body, else at the fake Slack) is under 1 s, best of interleaved rounds, with the CPU each
  app spends per command;
- flood: wrk, 50 connections, cycling through a few hundred distinct signed commands;
- steady: an open-loop 20 commands/s: ack latency, and command to confirmation;
- confirm: Confirm click to the channel post (the SMS is held until hand-off, so no Kaleyra call);
- start: process start to /healthz 200, and the app's resident memory.

Needs wrk (apt-get install -y wrk) and redis-server. Everything shares the machine, the load generator
included: compare ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import Commands, OpenLoop, Step, percentile  # noqa: E402
from tests.e2e.harness import BOT_TOKEN, KALEYRA_KEY, SID, SIGNING_SECRET, RedisServer, ReservedPort, signed_headers  # noqa: E402

# a date a week ahead, so every phrase is within Kaleyra's window whatever day the bench runs
PHRASES = ["in 2 hours", "tomorrow 5pm", "friday 9:30am", f"{date.today() + timedelta(days=7):%b %-d} at 14:30 IST",
           "in 90 mins", "next monday 10am"]  # fmt: skip
USERS = 200  # distinct users in the stepped load
WRK_SCRIPT = """
local requests = dofile("%s")
local i = 0
confirmed = 0  -- in each wrk thread: confirmations in the acks' bodies
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
response = function(status, headers, body)
  if string.find(body, "Check and confirm", 1, true) then
    confirmed = confirmed + 1
  end
end
request = function()
  i = i %% #requests + 1
  local r = requests[i]
  return wrk.format("POST", "/slack/events", r.headers, r.body)
end
done = function(summary, latency, requests)
  local errors = summary.errors
  local in_acks = 0
  for _, thread in ipairs(threads) do
    in_acks = in_acks + thread:get("confirmed")
  end
  io.write(string.format('RESULT {"requests": %%d, "seconds": %%f, "p50": %%f, "p99": %%f, "max": %%f, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d, "in_acks": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, errors.connect, errors.read, errors.write, errors.status, errors.timeout, in_acks))
end
"""


class Process:
    """A server process on a reserved port, timed from start to its first /healthz 200."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self._port = ReservedPort()
        self.port = self._port.number
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115  closed in stop()
        started = time.perf_counter()
        self.process = subprocess.Popen(
            args, env={**env, "PORT": str(self.port), "PYTHONPATH": str(ROOT)}, cwd=tempfile.gettempdir(),
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        while True:
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.perf_counter() - started > 30:
                self.log.seek(0)
                raise RuntimeError("server did not start:\n" + self.log.read())
            time.sleep(0.01)
        self.start_seconds = time.perf_counter() - started

    def pids(self) -> list[int]:
        """The process and its workers."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [pid, *map(int, children)]

    def memory_mb(self) -> float:
        """Proportional set size of the process and its workers (pages shared after fork counted once)."""
        total = 0
        for pid in self.pids():
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        return total / 1024

    def cpu_seconds(self) -> float:
        """CPU time used so far by the process and its workers."""
        total = 0
        for pid in self.pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)
        self._port.release()
        self.log.close()


class Slack:
    """The fake Slack process, and what it has recorded so far."""

    def __init__(self, env: dict[str, str]) -> None:
        self.server = Process([sys.executable, str(ROOT / "bench" / "fake_slack.py")], env)
        self.url = self.server.url
        self.calls: list[list[Any]] = []

    def fetch(self) -> list[list[Any]]:
        answer = httpx.get(f"{self.url}/_calls", params={"since": len(self.calls)}, timeout=30).json()
        self.calls += answer["calls"]
        return self.calls

    def wait(self, method: str, key: str, since: int, timeout: float = 10) -> list[Any]:
        """The first call to `method` for `key` (response_url key or channel) from the `since`-th call on."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for call in self.fetch()[since:]:
                if call[0] == method and call[1] == key:
                    return call
            since = len(self.calls)
            time.sleep(0.005)
        raise RuntimeError("timed out waiting for the app")

    def count(self, method: str, since: int = 0, text: str = "") -> int:
        return sum(1 for call in self.fetch()[since:] if call[0] == method and str(call[3]).startswith(text))


def command_body(text: str, user: str, channel: str, response_url: str) -> str:
    return urlencode(
        {"team_id": "T1", "channel_id": channel, "user_id": user, "command": "/schedule-sms", "text": text,
         "api_app_id": "A1", "response_url": response_url, "trigger_id": f"trigger-{user}-{channel}"}
    )  # fmt: skip


# --- capacity: open loop, stepping up -------------------------------------------------------------------


def passes(step: Step, replies: list[float]) -> bool:
    return step.errors == 0 and max(step.acks, default=math.inf) < 3 and percentile(replies, 99) < 1


def capacity(
    name: str, label: str, target: Process, slack: Slack, first: float, seconds: float
) -> tuple[float, dict[int, float]]:
    """The highest rate that passes, and the CPU ms per command at each rate that passed; prints each step."""
    print(f"\ncapacity: {name}, open loop, {seconds:.0f} s a step, {USERS} users")
    print(f"{'rate/s':>8}{'ack p50':>9}{'ack p99':>9}{'ack max':>9}{'reply p50':>11}{'reply p99':>11}"
          f"{'replied':>9}{'busy':>7}{'errors':>8}{'late':>7}{'CPU ms':>8}")  # fmt: skip
    commands = Commands(f"127.0.0.1:{target.port}", SIGNING_SECRET, f"{slack.url}/respond", USERS)
    best, rate, cpu_at, refining = 0.0, first, dict[int, float](), False

    async def run(rate: float, seconds: float, label: str) -> Step:
        loop = OpenLoop("127.0.0.1", target.port)
        try:
            return await loop.run(commands, rate, seconds, label)
        finally:
            await loop.close()

    asyncio.run(run(USERS / 4, 4, f"{label}-warm"))  # every user looked up once, as in a running workspace
    settle(target, slack.server)
    while True:
        cpu = target.cpu_seconds()
        step = asyncio.run(run(rate, seconds, f"{label}-{rate:.0f}"))  # response_url keys unique in the run
        time.sleep(1.5)  # replies that count arrive within 1 s of their command
        cpu = (target.cpu_seconds() - cpu) * 1000 / len(step.sent)
        replies = step.replies(slack.fetch())
        ok = passes(step, replies)
        ms = [value * 1000 for value in step.acks]
        replied = sum(1 for value in replies if value < math.inf)
        verdict = "" if ok else "  fails"
        print(f"{rate:8.0f}{percentile(ms, 50):9.1f}{percentile(ms, 99):9.1f}{max(ms, default=math.nan):9.0f}"
              f"{percentile(replies, 50) * 1000:11.1f}{percentile(replies, 99) * 1000:11.1f}{replied:9d}"
              f"{step.busy:7d}{step.errors:8d}{step.behind * 1000:7.0f}{cpu:8.2f}{verdict}")  # fmt: skip
        settle(target, slack.server)
        if ok:
            best, cpu_at[round(rate)] = rate, cpu
        if refining or (not ok and best == 0):
            return best, cpu_at
        if ok:
            rate *= 1.25
        else:  # once more, halfway (geometrically) between the last rate that passed and the one that failed
            refining, rate = True, best * 1.118


def settle(*targets: Process) -> None:
    """Let work left from the last measurement finish: until the processes are nearly idle (30 s at most)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        before = sum(target.cpu_seconds() for target in targets)
        time.sleep(0.5)
        if sum(target.cpu_seconds() for target in targets) - before < 0.5 * 0.05:
            break
    time.sleep(0.5)


# --- flood: wrk, closed loop ----------------------------------------------------------------------------


def flood_requests(slack: Slack, count: int) -> list[dict[str, Any]]:
    requests = []
    for index in range(count):
        text = f'+9198765{index:05d} "Reminder {index}: your appointment" {PHRASES[index % len(PHRASES)]}'
        body = command_body(text, f"U{index % 97}", f"C{index % 13}", f"{slack.url}/respond/flood{index}")
        requests.append({"headers": signed_headers(body), "body": body})
    return requests


def lua_table(requests: list[dict[str, Any]]) -> str:
    def quote(text: str) -> str:
        return json.dumps(text)  # JSON strings are valid Lua strings for this ASCII content

    rows = []
    for request in requests:
        headers = ", ".join(f"[{quote(k)}] = {quote(v)}" for k, v in request["headers"].items())
        rows.append(f"{{headers = {{{headers}}}, body = {quote(request['body'])}}}")
    return "return {\n" + ",\n".join(rows) + "\n}\n"


def wrk(url: str, requests: list[dict[str, Any]], seconds: int, workdir: Path) -> dict[str, float]:
    (workdir / "requests.lua").write_text(lua_table(requests))
    (workdir / "flood.lua").write_text(WRK_SCRIPT % (workdir / "requests.lua"))
    output = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{seconds}s", "--timeout", "5s", "-s", str(workdir / "flood.lua"), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result: dict[str, float] = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    result["errors"] = sum(result[kind] for kind in ("connect", "read", "write", "status", "timeout"))
    return result


# --- the app alone --------------------------------------------------------------------------------------


def confirm_latency(app: Process, slack: Slack, rounds: int) -> list[float]:
    """Confirm click to the channel post, in ms (a scheduled SMS is held: Kaleyra is called at hand-off)."""
    latencies = []
    with httpx.Client(base_url=app.url, timeout=10) as client:
        for index in range(rounds):
            key, channel = f"confirm{index}", f"CC{index}"
            body = command_body(f'+919876500{index:03d} "Confirm {index}" in 2 hours', "UC", channel,
                                f"{slack.url}/respond/{key}")  # fmt: skip
            answer = client.post("/slack/events", content=body, headers=signed_headers(body))
            answer.raise_for_status()
            pending = json.loads(answer.text)["blocks"][-1]["elements"][0]["value"]  # the ack is the confirmation
            payload = {"type": "block_actions", "user": {"id": "UC"}, "channel": {"id": channel},
                       "team": {"id": "T1"}, "api_app_id": "A1", "response_url": f"{slack.url}/respond/click{index}",
                       "actions": [{"action_id": "confirm_sms", "value": pending}]}  # fmt: skip
            click = urlencode({"payload": json.dumps(payload)})
            since = len(slack.fetch())
            start = time.monotonic()
            client.post("/slack/events", content=click, headers=signed_headers(click)).raise_for_status()
            post = slack.wait("chat.postMessage", channel, since)
            latencies.append((post[2] - start) * 1000)
    return latencies


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores, {model}, CPython {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step-seconds", type=float, default=6)
    parser.add_argument("--first-rate", type=float, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--flood-seconds", type=int, default=10)
    parser.add_argument("--steady-seconds", type=int, default=30)
    parser.add_argument("--confirm-rounds", type=int, default=50)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    print(f"machine: {machine()}; load generator, fakes and Redis on the same machine")

    redis = RedisServer()
    base = {"PATH": os.environ["PATH"], "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    slack = Slack(base)
    env = base | {
        "SLACK_API_URL": slack.url + "/api/", "KALEYRA_SID": SID, "KALEYRA_API_KEY": KALEYRA_KEY,
        "KALEYRA_BASE_URL": slack.url, "KALEYRA_SENDER": "KLRHXA", "REDIS_URL": redis.url,
        "LOG_LEVEL": "WARNING", "RATE_LIMIT_PER_MINUTE": "0", "DAILY_SMS_LIMIT": "0",
    }  # fmt: skip
    processes: list[Process] = [slack.server]
    try:
        bare = Process([sys.executable, str(ROOT / "bench" / "bare_app.py")], env)
        floor = Process([sys.executable, str(ROOT / "bench" / "floor_app.py")], env)
        floor_in_ack = Process(
            [sys.executable, str(ROOT / "bench" / "floor_app.py")], env | {"FLOOR_REPLY_IN_ACK": "1"}
        )
        app = Process([sys.executable, "-m", "bot"], env)
        app2 = Process([sys.executable, "-m", "bot"], env | {"WEB_CONCURRENCY": "2"})
        processes += [bare, floor, floor_in_ack, app, app2]
        print(f"start to /healthz 200: app {app.start_seconds:.2f} s, app with 2 workers {app2.start_seconds:.2f} s, "
              f"floor {floor.start_seconds:.2f} s, ack-only Bolt {bare.start_seconds:.2f} s")  # fmt: skip

        targets = (("floor", floor), ("floor, in ack", floor_in_ack), ("app", app), ("app, 2 workers", app2))
        runs: dict[str, list[tuple[float, dict[int, float]]]] = {name: [] for name, _ in targets}
        for round_ in range(args.rounds):  # interleaved: a neighbour's load slows whichever runs at that moment
            for index, (name, target) in enumerate(targets):
                label = f"r{round_}t{index}"
                runs[name].append(capacity(name, label, target, slack, args.first_rate, args.step_seconds))
        rates = {name: max(rate for rate, _ in results) for name, results in runs.items()}
        passed = [{rate for _, at in results for rate in at} for results in runs.values()]
        common = max(set.intersection(*passed), default=0)  # the highest rate every one passed
        cpu = {}
        for name, results in runs.items():
            cpu[name] = min((at[common] for _, at in results if common in at), default=math.nan)
        print("\ncapacity: highest rate with every ack < 3 s, no errors and command-to-reply p99 < 1 s (best round)")
        for name, rate in rates.items():
            each = ", ".join(f"{passed:.0f}" for passed, _ in runs[name])
            print(f"  {name:16}{rate:6.0f}/s (rounds: {each}); CPU {cpu[name]:.2f} ms a command at {common}/s")
        print(f"  app / floor {rates['app'] / rates['floor']:.2f}x (target >= 0.67x); "
              f"CPU a command, floor / app {cpu['floor'] / cpu['app']:.2f}x; "
              f"app / floor replying in its ack {rates['app'] / rates['floor, in ack']:.2f}x, "
              f"CPU {cpu['floor, in ack'] / cpu['app']:.2f}x; "
              f"2 workers / 1 {rates['app, 2 workers'] / max(rates['app'], 1):.2f}x")  # fmt: skip

        with tempfile.TemporaryDirectory() as workdir:
            requests = flood_requests(slack, 300)
            for target in (bare, floor, floor_in_ack, app):  # warm-up: first connections, caches
                wrk(target.url, requests, 3, Path(workdir))
                settle(target, slack.server)
            floods = {}
            for name, target in (("ack-only Bolt", bare), ("floor", floor), ("floor, in ack", floor_in_ack),
                                 ("app", app), ("floor again", floor), ("floor, in ack 2", floor_in_ack),
                                 ("app again", app)):  # fmt: skip
                before = len(slack.fetch())
                floods[name] = wrk(target.url, requests, args.flood_seconds, Path(workdir))
                settle(target, slack.server)
                replied = slack.count("respond", before, "Check and confirm")  # the floor's replies
                floods[name]["replied"] = replied + floods[name]["in_acks"]  # the app's
        print(f"\nflood: wrk, 50 connections, {args.flood_seconds} s, 300 distinct signed commands")
        print(f"{'':16}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}{'replied/s':>11}")
        for name, r in floods.items():
            print(f"{name:16}{r['rps']:8.0f}{r['p50']:9.1f}{r['p99']:9.1f}{r['max']:9.1f}{r['errors']:8.0f}"
                  f"{r['replied'] / r['seconds']:11.0f}")  # fmt: skip
        floor_p99 = min(floods["floor"]["p99"], floods["floor again"]["p99"])
        app_p99 = min(floods["app"]["p99"], floods["app again"]["p99"])
        in_ack_p99 = min(floods["floor, in ack"]["p99"], floods["floor, in ack 2"]["p99"])
        print(f"app / floor: ack p99 {app_p99 / floor_p99:.2f}x, each at its better run (target <= 1.5x); "
              f"app / floor replying in its ack {app_p99 / in_ack_p99:.2f}x")  # fmt: skip
        health = httpx.get(app.url + "/healthz").json()
        print(f"after the flood: /healthz {health}, app memory (PSS) {app.memory_mb():.0f} MB (target < 150 MB)")

        async def steady() -> Step:
            commands = Commands(f"127.0.0.1:{app.port}", SIGNING_SECRET, f"{slack.url}/respond", 40)
            loop = OpenLoop("127.0.0.1", app.port)
            try:
                return await loop.run(commands, 20, args.steady_seconds, "steady")
            finally:
                await loop.close()

        step = asyncio.run(steady())
        time.sleep(2)
        replies = [value * 1000 for value in step.replies(slack.fetch())]
        acks = [value * 1000 for value in step.acks]
        print(f"\nsteady: 20 commands/s for {args.steady_seconds} s (open loop), {len(acks)} sent")
        print(f"ack p50 {percentile(acks, 50):.1f} ms, p99 {percentile(acks, 99):.1f} ms (target < 100 ms)")
        arrived = sum(r < math.inf for r in replies)
        print(f"command to confirmation: {arrived} arrived, p50 {percentile(replies, 50):.1f} ms, "
              f"p99 {percentile(replies, 99):.1f} ms (target < 1000 ms)")  # fmt: skip

        latencies = confirm_latency(app, slack, args.confirm_rounds)
        print(f"\nConfirm click to channel post: p50 {statistics.median(latencies):.1f} ms (target < 30 ms), "
              f"p90 {percentile(latencies, 90):.1f} ms")  # fmt: skip
        print(f"\nmemory (PSS) at the end: app {app.memory_mb():.0f} MB; 2 workers and their parent "
              f"{app2.memory_mb():.0f} MB")  # fmt: skip
    finally:
        for process in reversed(processes):
            process.stop()
        redis.stop()


if __name__ == "__main__":
    main()
