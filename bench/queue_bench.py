"""The shared queue against a real redis-server: hand-offs all due in the same second, what each costs Redis,
what an idle instance costs Redis, and what a held SMS costs in Redis's memory.

    .venv/bin/python bench/queue_bench.py [--sms 1000] [--rounds 3] [--idle-seconds 20] [--baseline DIR]

Starts fast stand-ins for Slack and Kaleyra in their own process (bench/fake_slack.py; Kaleyra answers at
once), a redis-server of its own for each measurement, and the app as `python -m bot`, then measures:

- drain: `--sms` SMS held (commands and Confirm clicks over HTTP, from 200 users, one recipient each), all
  with the same send time, so their hand-offs are due in the same second; then how late each reached Kaleyra
  after its hand-off time (p50, p99, the last), with one instance, with two on the same Redis (and which
  instance handed off how many), and with one instance on a server with a replica (each hold and each
  "handing off" mark then waits for it: `REDIS_DURABILITY=auto`);
- cost: Redis commands per hand-off (`INFO commandstats` before and after the drain, the commands run inside
  the queue's and the store's scripts included), and, from `MONITOR` during a smaller drain, the commands
  the app itself sent (a script call counts once) by name;
- idle: commands per second an idle instance costs Redis, with one worker and with `WEB_CONCURRENCY=2`;
- memory: per held SMS, what its keys take (`MEMORY USAGE` of every key: its record, its queued job, its
  places in the user's and the team's lists), `used_memory` before and after the holds, and one record.

Each drain is made `--rounds` times and the median of the rounds' figures is reported. With `--baseline DIR`
every measurement is made also with the app of another checkout (`git archive main bot | tar -x -C DIR`),
in the same run, the two taking turns round by round, for ratios. Everything shares the machine: compare
ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.app_bench import Slack, command_body, machine  # noqa: E402
from bench.load import percentile  # noqa: E402
from tests.e2e.harness import BOT_TOKEN, KALEYRA_KEY, SID, SIGNING_SECRET, RedisServer, free_port, signed_headers  # noqa: E402
from tests.e2e.redis_deployments import link_of, settle  # noqa: E402

USERS = 200
HANDOFF_MINUTES = 16
BODY = "Hi {n}, your appointment with Dr. John is at 4.00 PM tomorrow. Reply C to cancel."
CONFIRM = re.compile(r'"action_id":\s*"confirm_sms",[^}]*?"value":\s*"([^"]+)"')


class App:
    """`python -m bot` from a checkout (`code`), on a free port, its output kept for reading."""

    def __init__(self, code: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115  closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"], env={**env, "PORT": str(self.port), "PYTHONPATH": str(code)},
            cwd=tempfile.gettempdir(), stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the app did not start:\n" + self.output())

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)
        self.log.close()


def commands_run(server: RedisServer) -> Counter[str]:
    """Calls of each command so far (`INFO commandstats`), without the bench's own INFO, MONITOR, CONFIG."""
    with server.client() as client:
        stats = client.info("commandstats")
    counts = Counter({name.removeprefix("cmdstat_"): int(stat["calls"]) for name, stat in stats.items()})
    for own in ("info", "monitor", "config|resetstat", "config|get", "memory|usage", "scan", "zcard", "ping"):
        counts.pop(own, None)
    return counts


def used_memory(server: RedisServer) -> int:
    with server.client() as client:
        return int(client.info("memory")["used_memory"])


def jobs_queued(server: RedisServer) -> int:
    with server.client() as client:
        return sum(int(client.zcard(f"schedule-sms:{{b{bucket}}}:jobs:due")) for bucket in range(16))


def hold(app: App, count: int, send_at: datetime, reply_base: str) -> None:
    """`count` SMS held for `send_at` through the app's front door: a command, then Confirm on its ack's
    confirmation, 20 at a time."""

    async def one(client: httpx.AsyncClient, n: int) -> None:
        user = f"U{n % USERS:03d}"
        text = f'+91987{n:07d} "{BODY.format(n=n)}" {send_at.isoformat()}'
        body = command_body(text, user, "C1", f"{reply_base}/cmd-{n}")
        ack = await client.post("/slack/events", content=body, headers=signed_headers(body))
        found = CONFIRM.search(ack.text)
        if ack.status_code != 200 or found is None:
            raise RuntimeError(f"no confirmation for SMS {n}: {ack.status_code} {ack.text[:300]}")
        payload = {
            "type": "block_actions", "user": {"id": user}, "channel": {"id": "C1"}, "team": {"id": "T1"},
            "container": {"type": "message", "is_ephemeral": True}, "trigger_id": f"t-{n}", "api_app_id": "A1",
            "response_url": f"{reply_base}/click-{n}", "token": "unused",
            "actions": [{"action_id": "confirm_sms", "block_id": "confirmation", "value": found.group(1),
                         "type": "button"}],
        }  # fmt: skip
        click = urlencode({"payload": json.dumps(payload)})
        if (await client.post("/slack/events", content=click, headers=signed_headers(click))).status_code != 200:
            raise RuntimeError(f"Confirm of SMS {n} was refused")

    async def run() -> None:
        gate = asyncio.Semaphore(20)
        async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:

            async def gated(n: int) -> None:
                async with gate:
                    await one(client, n)

            await asyncio.gather(*(gated(n) for n in range(count)))

    asyncio.run(run())


class Monitor:
    """`MONITOR` on a server in a thread: the commands clients sent, and those run inside scripts."""

    def __init__(self, server: RedisServer) -> None:
        self.sent: Counter[str] = Counter()
        self.in_scripts: Counter[str] = Counter()
        self._client = redis.Redis(host="127.0.0.1", port=server.port, decode_responses=True)
        self._stop = threading.Event()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        self._started.wait(10)

    def _watch(self) -> None:
        with self._client.monitor() as monitor:
            self._started.set()
            for line in monitor.listen():
                if self._stop.is_set():
                    return
                name = str(line["command"]).split(" ", 1)[0].upper()
                (self.in_scripts if line.get("client_type") == "lua" else self.sent)[name] += 1

    def stop(self) -> None:
        self._stop.set()
        with self._client as client:
            client.ping()  # one more line, so the watching thread sees the stop
        self._thread.join(10)


def drain(
    code: Path,
    env: dict[str, str],
    slack: Slack,
    count: int,
    instances: int,
    *,
    monitor: bool = False,
    replica: bool = False,
) -> dict[str, Any]:
    """Hold `count` SMS due in the same second, then let `instances` apps hand them off; what it took. With
    `replica`, the server has one, so each hold and each "handing off" mark waits for it (WAIT)."""
    server = RedisServer()
    copy = RedisServer(config=[f"replicaof 127.0.0.1 {server.port}"]) if replica else None
    if copy is not None:
        settle(lambda: link_of(copy) == "up", "the replica to sync")
    apps = [App(code, env | {"REDIS_URL": server.url}) for _ in range(instances)]
    try:
        time.sleep(2)  # start-up's own commands (the token check, the migration's look) are done
        memory_before = used_memory(server)
        lead = max(20.0, count / 40)  # time to hold them all before their hand-off second
        send_at = (datetime.now(UTC) + timedelta(minutes=HANDOFF_MINUTES, seconds=lead)).replace(microsecond=0)
        handoff_at = (send_at - timedelta(minutes=HANDOFF_MINUTES)).timestamp()
        since = len(slack.fetch())
        held_from = time.monotonic()
        hold(apps[0], count, send_at.astimezone(), f"{slack.url}/respond")
        while jobs_queued(server) < count:
            if time.time() > handoff_at - 1:
                raise RuntimeError("the SMS could not all be held before their hand-off: use fewer (--sms)")
            time.sleep(0.05)
        holding = time.monotonic() - held_from
        memory_held = used_memory(server)
        with server.client() as client:  # every key is the app's: records, jobs, indexes
            sizes = {key: int(client.memory_usage(key, samples=0) or 0) for key in client.scan_iter(count=1000)}
        record_bytes = next(size for key, size in sizes.items() if ":sms:" in key)
        time.sleep(max(0.0, handoff_at - 1 - time.time()))
        before = commands_run(server)
        watching = Monitor(server) if monitor else None
        wall_minus_monotonic = time.time() - time.monotonic()
        deadline = time.monotonic() + 300
        while sum(1 for call in slack.fetch()[since:] if call[0] == "kaleyra") < count:
            if time.monotonic() > deadline:
                raise RuntimeError("the hand-offs did not all reach Kaleyra within 5 minutes")
            time.sleep(0.05)
        time.sleep(1)
        if watching is not None:
            watching.stop()
        after = commands_run(server)
        arrived = sorted(call[2] + wall_minus_monotonic for call in slack.fetch()[since:] if call[0] == "kaleyra")
        late = [at - handoff_at for at in arrived]
        ran = after - before
        shares = [app.output().count("sms_sending") for app in apps]
        return {
            "count": count, "instances": instances, "late": late, "holding": holding, "kaleyra": len(arrived),
            "per_handoff": sum(ran.values()) / count, "by_command": {k: v / count for k, v in ran.most_common()},
            "memory_per_sms": (memory_held - memory_before) / count, "record_bytes": record_bytes,
            "keys_per_sms": sum(sizes.values()) / count,
            "shares": shares, "monitor": watching,
        }  # fmt: skip
    finally:
        for app in apps:
            app.stop()
        for each in (copy, server):
            if each is not None:
                each.close()


def idle(code: Path, env: dict[str, str], workers: int, seconds: float) -> dict[str, float]:
    """Commands a second that an idle instance (`workers` processes) costs Redis."""
    server = RedisServer()
    app = App(code, env | {"REDIS_URL": server.url, "WEB_CONCURRENCY": str(workers)})
    try:
        time.sleep(3)
        before = commands_run(server)
        time.sleep(seconds)
        ran = commands_run(server) - before
        return {"all": sum(ran.values()) / seconds, "scripts": (ran["evalsha"] + ran["eval"]) / seconds}
    finally:
        app.stop()
        server.close()


def show_drain(label: str, result: dict[str, Any]) -> None:
    late = result["late"]
    shares = " + ".join(str(share) for share in result["shares"])
    print(
        f"{label}: {result['kaleyra']} of {result['count']} at Kaleyra; late after their hand-off second: "
        f"p50 {percentile(late, 50):.2f} s, p99 {percentile(late, 99):.2f} s, last {max(late):.2f} s "
        f"({result['count'] / max(late):.0f} hand-offs/s); handed off by each instance: {shares}; "
        f"held in {result['holding']:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sms", type=int, default=1000)
    parser.add_argument("--monitored-sms", type=int, default=200)
    parser.add_argument("--idle-seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="drains of each kind, the codes taking turns")
    parser.add_argument("--baseline", type=Path, help="another checkout whose app is measured alongside")
    args = parser.parse_args()
    print(f"machine: {machine()}; the fakes and Redis on the same machine; load average {os.getloadavg()[0]:.1f}")

    base = {"PATH": os.environ["PATH"], "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    slack = Slack(base | {"KALEYRA_DELAY": "0"})
    env = base | {
        "SLACK_API_URL": slack.url + "/api/", "KALEYRA_SID": SID, "KALEYRA_API_KEY": KALEYRA_KEY,
        "KALEYRA_BASE_URL": slack.url, "KALEYRA_SENDER": "KLRHXA", "KALEYRA_TYPE": "TXN",
        "HANDOFF_MINUTES": str(HANDOFF_MINUTES),
    }  # fmt: skip
    codes = {"this checkout": ROOT} | ({f"baseline ({args.baseline})": args.baseline} if args.baseline else {})
    found: dict[str, dict[str, Any]] = {name: {"one": [], "two": [], "replica": []} for name in codes}
    try:
        for name, code in codes.items():
            print(f"\n{name}")
            for workers in (1, 2):
                found[name][f"idle {workers}"] = rates = idle(code, env, workers, args.idle_seconds)
                print(
                    f"idle, WEB_CONCURRENCY={workers}: {rates['all']:.1f} Redis commands/s "
                    f"({rates['scripts']:.1f} script calls/s)"
                )
            found[name]["monitored"] = watched = drain(code, env, slack, args.monitored_sms, 1, monitor=True)
            sent, inside = watched["monitor"].sent, watched["monitor"].in_scripts
            per = args.monitored_sms
            print(
                f"sent by the app per hand-off (MONITOR, {per} hand-offs): {sum(sent.values()) / per:.1f}: "
                + ", ".join(f"{name} {calls / per:.2f}" for name, calls in sent.most_common() if calls / per >= 0.05)
                + f"; run inside scripts: {sum(inside.values()) / per:.1f}"
            )
        for round_ in range(1, args.rounds + 1):  # the codes in turn, so a busy spell of the machine hits both
            for name, code in codes.items():
                print(f"\nround {round_}, {name} (load average {os.getloadavg()[0]:.1f})")
                for kind, instances, replica in (("one", 1, False), ("two", 2, False), ("replica", 1, True)):
                    result = drain(code, env, slack, args.sms, instances, replica=replica)
                    found[name][kind].append(result)
                    show_drain(f"{args.sms} due at once, {DRAINS[kind]}", result)
                    if kind == "one" and round_ == 1:
                        show_costs(result)
    finally:
        slack.server.stop()
    for name, results in found.items():
        print(f"\n{name}, the median of {args.rounds} rounds:")
        for kind, label in DRAINS.items():
            print(
                f"  {label}: lateness p50 / p99 / last " + " / ".join(f"{median(results[kind], q):.2f} s" for q in QS)
            )
    if len(found) == 2:
        new, old = found.values()
        print("\nthis checkout / baseline")
        for key in ("idle 1", "idle 2"):
            print(f"  idle commands/s, {key.replace('idle', 'workers:')}: {new[key]['all'] / old[key]['all']:.2f}x")
        for kind, label in DRAINS.items():
            print(f"  {label}: lateness p50 / p99 / last " + " / ".join(
                f"{median(new[kind], q) / median(old[kind], q):.2f}x" for q in QS
            ))  # fmt: skip
        per_handoff = [results["one"][0]["per_handoff"] for results in (new, old)]
        print(f"  Redis commands per hand-off: {per_handoff[0] / per_handoff[1]:.2f}x")
        sent_new = sum(new["monitored"]["monitor"].sent.values())
        sent_old = sum(old["monitored"]["monitor"].sent.values())
        print(f"  commands sent by the app per hand-off: {sent_new / sent_old:.2f}x")
        keys_per_sms = [results["one"][0]["keys_per_sms"] for results in (new, old)]
        print(f"  memory per held SMS (keys): {keys_per_sms[0] / keys_per_sms[1]:.2f}x")


DRAINS = {"one": "one instance", "two": "two instances", "replica": "one instance, a replica acknowledging"}
QS = (50, 99, 100)


def show_costs(result: dict[str, Any]) -> None:
    print(
        f"  Redis commands per hand-off (scripts' own included): {result['per_handoff']:.1f}: "
        + ", ".join(f"{name} {calls:.2f}" for name, calls in result["by_command"].items() if calls >= 0.05)
    )
    print(
        f"  memory per held SMS: {result['keys_per_sms']:.0f} bytes in keys (MEMORY USAGE; a record alone "
        f"{result['record_bytes']} bytes), {result['memory_per_sms']:.0f} bytes of used_memory"
    )


def median(results: list[dict[str, Any]], q: float) -> float:
    """The median over rounds of each round's q-th percentile of lateness."""
    return statistics.median(percentile(result["late"], q) for result in results)


if __name__ == "__main__":
    main()
