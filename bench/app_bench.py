"""The app under Slack-like load, against the floor of its own stack, measured in the same run.

    .venv/bin/python bench/app_bench.py [--flood-seconds 10] [--steady-seconds 30]

Starts a real redis-server, a fake Slack Web API and a fake Kaleyra on loopback, then the app
(`python -m bot`, HTTP mode) and a bare Bolt app that only acks (bench/bare_app.py), and runs:

- start: process start to /healthz 200;
- flood: wrk, 50 connections, cycling through a few hundred distinct signed commands, against both apps;
- steady: an open-loop 20 commands/s: ack latency, and command to confirmation at the fake Slack;
- confirm: Confirm click to the channel post with Kaleyra answering in 50 ms;
- size: the app's resident memory after all that.

Needs wrk (apt-get install -y wrk) and redis-server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.fakes import FakeKaleyra, FakeSlack  # noqa: E402
from tests.e2e.harness import BOT_TOKEN, KALEYRA_KEY, SID, SIGNING_SECRET, RedisServer, free_port, signed_headers  # noqa: E402

PHRASES = ["in 2 hours", "tomorrow 5pm", "friday 9:30am", "Dec 3 at 14:30 IST", "in 90 mins", "next monday 10am"]
WRK_SCRIPT = """
local requests = dofile("%s")
local i = 0
request = function()
  i = i %% #requests + 1
  local r = requests[i]
  return wrk.format("POST", "/slack/events", r.headers, r.body)
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "seconds": %%f, "p50": %%f, "p99": %%f, "max": %%f, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
"""


class Process:
    """A server process on a free port, timed from start to its first /healthz 200."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.port = free_port()
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

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


def command_body(text: str, user: str, channel: str, response_url: str) -> str:
    return urlencode(
        {"team_id": "T1", "channel_id": channel, "user_id": user, "command": "/schedule-sms", "text": text,
         "api_app_id": "A1", "response_url": response_url, "trigger_id": f"trigger-{user}-{channel}"}
    )  # fmt: skip


def flood_requests(slack: FakeSlack, count: int) -> list[dict[str, Any]]:
    requests = []
    for index in range(count):
        text = f'+9198765{index:05d} "Reminder {index}: your appointment" {PHRASES[index % len(PHRASES)]}'
        body = command_body(text, f"U{index % 97}", f"C{index % 13}", slack.response_url(f"flood{index}"))
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
    return result


async def steady(app_url: str, slack: FakeSlack, rate: int, seconds: int) -> tuple[list[float], list[float]]:
    """Open loop: a command every 1/rate s whatever the app does; ack and confirmation latencies in ms."""
    acks: list[float] = []
    sent: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=app_url, timeout=10) as client:

        async def one(index: int) -> None:
            url = slack.response_url(f"steady{index}")
            body = command_body(f'+91987650{index:04d} "Steady {index}" in 3 hours', f"US{index % 40}", "C1", url)
            sent[url.rsplit("/", 1)[1]] = start = time.monotonic()
            answer = await client.post("/slack/events", content=body, headers=signed_headers(body))
            acks.append((time.monotonic() - start) * 1000)
            answer.raise_for_status()

        tasks = []
        begin = time.monotonic()
        for index in range(rate * seconds):
            await asyncio.sleep(max(0.0, begin + index / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(index)))
        await asyncio.gather(*tasks)
    await asyncio.sleep(2)
    confirmations = []
    for call in slack.of_calls("respond"):
        key = call.params["url"].rsplit("/", 1)[1]
        if key in sent and "Check and confirm" in call.params.get("text", ""):
            confirmations.append((call.at - sent[key]) * 1000)
    return acks, confirmations


def confirm_overhead(app_url: str, slack: FakeSlack, kaleyra: FakeKaleyra, rounds: int) -> list[float]:
    """Confirm click to channel post, minus Kaleyra's 50 ms, in ms."""
    kaleyra.default_delay = 0.05
    overheads = []
    with httpx.Client(base_url=app_url, timeout=10) as client:
        for index in range(rounds):
            url = slack.response_url(f"confirm{index}")
            body = command_body(f'+919876500{index:03d} "Confirm {index}" in 2 hours', "UC", f"CC{index}", url)
            client.post("/slack/events", content=body, headers=signed_headers(body)).raise_for_status()
            reply = wait(lambda url=url: next((c for c in slack.of("respond") if c["url"].endswith(url[-8:])), None))
            pending = next(
                e["value"]
                for b in reply["blocks"]
                for e in b.get("elements", [])
                if e.get("action_id") == "confirm_sms"
            )
            payload = {"type": "block_actions", "user": {"id": "UC"}, "channel": {"id": f"CC{index}"},
                       "team": {"id": "T1"}, "api_app_id": "A1", "response_url": slack.response_url("click"),
                       "actions": [{"action_id": "confirm_sms", "value": pending}]}  # fmt: skip
            click = urlencode({"payload": json.dumps(payload)})
            start = time.monotonic()
            client.post("/slack/events", content=click, headers=signed_headers(click)).raise_for_status()
            post = wait(lambda index=index: channel_post(slack, f"CC{index}"))
            overheads.append((post.at - start) * 1000 - 50)
    return overheads


def channel_post(slack: FakeSlack, channel: str) -> Any:
    return next((call for call in slack.of_calls("chat.postMessage") if call.params.get("channel") == channel), None)


def confirmations_so_far(slack: FakeSlack) -> int:
    return sum("Check and confirm" in call.get("text", "") for call in slack.of("respond"))


def wait(find: Any, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := find()) is not None:
            return found
        time.sleep(0.002)
    raise RuntimeError("timed out")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else float("nan")


@contextmanager
def servers() -> Iterator[tuple[RedisServer, FakeSlack, FakeKaleyra]]:
    redis, slack, kaleyra = RedisServer(), FakeSlack(validate=False), FakeKaleyra()
    try:
        yield redis, slack, kaleyra
    finally:
        slack.close()
        kaleyra.close()
        redis.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood-seconds", type=int, default=10)
    parser.add_argument("--steady-seconds", type=int, default=30)
    parser.add_argument("--confirm-rounds", type=int, default=50)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")

    with servers() as (redis, slack, kaleyra), tempfile.TemporaryDirectory() as workdir:
        env = {
            "PATH": os.environ["PATH"], "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url, "KALEYRA_SID": SID, "KALEYRA_API_KEY": KALEYRA_KEY,
            "KALEYRA_BASE_URL": kaleyra.url, "KALEYRA_SENDER": "KLRHXA", "REDIS_URL": redis.url,
            "LOG_LEVEL": "WARNING", "RATE_LIMIT_PER_MINUTE": "0", "DAILY_SMS_LIMIT": "0",
        }  # fmt: skip
        bare = Process([sys.executable, str(ROOT / "bench" / "bare_app.py")], env)
        app = Process([sys.executable, "-m", "bot"], env)
        requests = flood_requests(slack, 300)
        print(f"start to /healthz 200: app {app.start_seconds:.2f} s, bare Bolt {bare.start_seconds:.2f} s")

        for target in (bare, app):  # warm-up: first connections, caches, Bolt's auth.test
            wrk(target.url, requests, 3, Path(workdir))
        time.sleep(2)
        floods = {}
        for name, target in (("bare Bolt", bare), ("app", app), ("bare Bolt again", bare)):
            before = confirmations_so_far(slack)
            floods[name] = wrk(target.url, requests, args.flood_seconds, Path(workdir))
            time.sleep(2)
            floods[name]["confirmed"] = confirmations_so_far(slack) - before
        print(f"\nflood: wrk, 50 connections, {args.flood_seconds} s, 300 distinct signed commands")
        print(f"{'':18}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}{'confirmed/s':>13}")
        for name, r in floods.items():
            errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
            confirmed = r["confirmed"] / r["seconds"]
            print(
                f"{name:18}{r['rps']:9.0f}{r['p50']:9.1f}{r['p99']:9.1f}{r['max']:9.1f}{errors:8.0f}{confirmed:13.0f}"
            )
        print("(confirmed/s: commands that got their confirmation; the rest were told the app is busy)")
        baseline = min((floods["bare Bolt"], floods["bare Bolt again"]), key=lambda r: r["p99"])
        ours = floods["app"]
        print(f"app / bare: p99 {ours['p99'] / baseline['p99']:.2f}x (target <= 1.5x), "
              f"throughput {ours['rps'] / max(floods['bare Bolt']['rps'], floods['bare Bolt again']['rps']):.2f}x "
              f"(target >= 0.67x)")  # fmt: skip
        time.sleep(3)
        health = httpx.get(app.url + "/healthz").json()
        print(f"after the flood: /healthz {health}, app RSS {app.rss_mb():.0f} MB (target < 150 MB)")

        acks, confirmations = asyncio.run(steady(app.url, slack, 20, args.steady_seconds))
        print(f"\nsteady: 20 commands/s for {args.steady_seconds} s (open loop), {len(acks)} sent")
        print(f"ack p50 {pct(acks, 50):.1f} ms, p99 {pct(acks, 99):.1f} ms (target < 100 ms)")
        print(f"command to confirmation: {len(confirmations)} arrived, p50 {pct(confirmations, 50):.1f} ms, "
              f"p99 {pct(confirmations, 99):.1f} ms (target < 1000 ms)")  # fmt: skip

        overheads = confirm_overhead(app.url, slack, kaleyra, args.confirm_rounds)
        median = statistics.median(overheads)
        print(f"\nconfirm to channel post, Kaleyra answering in 50 ms: app adds p50 {median:.1f} ms "
              f"(target < 30 ms), p90 {pct(overheads, 90):.1f} ms")  # fmt: skip
        print(f"\napp RSS at the end: {app.rss_mb():.0f} MB")
        app.stop()
        bare.stop()


if __name__ == "__main__":
    main()
