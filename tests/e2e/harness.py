"""Run the real app (Bolt over aiohttp) on loopback, and talk to it as Slack does."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Coroutine, Sequence
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import redis
from aiohttp import web

from bot.app import create_app
from bot.config import Settings
from bot.core.clock import OffsetClock
from bot.storage import connect_redis
from bot.web.server import build_web_app
from tests.e2e.fakes import BOT_TOKEN

T = TypeVar("T")
SIGNING_SECRET = "test-signing-secret-0123456789"
KALEYRA_KEY = "Atestkaleyraapikey0123456789"
SID = "HXAP16TEST97IN"


class ReservedPort:
    """A port that Linux gives to no other socket until `release()`, for a server started later by
    number (`python -m bot`, redis-server, restarted on the same port after an outage).

    The port is held by a socket bound with SO_REUSEADDR that never listens: a server that sets
    SO_REUSEADDR too (asyncio, Python's `socket.create_server` and redis-server do) may still bind it and
    listen there, while no other bind to port 0 and no outgoing connection is given it. A port found free
    and let go (bind to port 0, close) would not do: tests in parallel (pytest-xdist) and other processes
    on the machine could be given it before the server binds it."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.number = int(self._socket.getsockname()[1])
        weakref.finalize(self, self._socket.close)  # without `release()`: when this object is collected

    def release(self) -> None:
        self._socket.close()


_RESERVED_FOR_THE_TEST: list[ReservedPort] = []


def free_port() -> int:
    """A port for a server the test starts by number (or for nothing to listen on), reserved until the test
    ends (`release_ports`, after every e2e test)."""
    reserved = ReservedPort()
    _RESERVED_FOR_THE_TEST.append(reserved)
    return reserved.number


def release_ports() -> None:
    """Let go of the ports `free_port` reserved for the test that has ended."""
    while _RESERVED_FOR_THE_TEST:
        _RESERVED_FOR_THE_TEST.pop().release()


_AT_ONCE = ("--repl-diskless-sync-delay", "0")
"""A replica is sent the data at once (Redis waits 5 s by default, to serve several replicas with one copy)."""


class RedisServer:
    """A real redis-server on a reserved loopback port: stoppable, killable and restartable on the same port.

    With `config` lines, `persistent` (the append-only file on) or as a `sentinel`, it runs from a redis.conf
    in a directory of its own, which keeps its data across restarts; `close()` removes it."""

    def __init__(
        self, password: str | None = None, *, config: Sequence[str] = (), persistent: bool = False,
        sentinel: bool = False, port: ReservedPort | None = None,
    ) -> None:  # fmt: skip
        """`port`: one reserved beforehand, where other servers' configuration names it."""
        self.password = password
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install -y redis-server)")
        self.binary = binary
        self.config = [*(["appendonly yes", "appendfsync everysec"] if persistent else []), *config]
        self.sentinel = sentinel
        self.directory = Path(tempfile.mkdtemp(prefix="redis-")) if self.config or sentinel else None
        self.process: subprocess.Popen[bytes] | None = None
        for _ in range(1 if port else 5):  # a process that bound the port by number before it was reserved
            self._port = port or ReservedPort()  # held while this object lives: a restart finds its port free
            self.port = self._port.number
            try:
                self.start()
                return
            except PortTaken:
                pass
        raise RuntimeError(f"redis-server found no free port{f' ({port.number} was taken)' if port else ''}")

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        password = ["--requirepass", self.password] if self.password else []
        if self.directory is None:
            return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    *_AT_ONCE, *password]  # fmt: skip
        conf = self.directory / "redis.conf"
        # sentinel rewrites its file: only the first start writes it, later ones keep what it learnt
        if not conf.exists() or not self.sentinel:
            lines = [f"port {self.port}", "bind 127.0.0.1", f"dir {self.directory}", "logfile redis.log"]
            lines += [] if self.sentinel else ['save ""', " ".join(_AT_ONCE).removeprefix("--")]
            conf.write_text("\n".join([*lines, *self.config]) + "\n")
        return [self.binary, str(conf), *(["--sentinel"] if self.sentinel else []), *password]

    def start(self) -> None:
        self.process = subprocess.Popen(self._command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PortTaken if self._port_was_taken() else RuntimeError(f"redis-server stopped: {self._log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def _log(self) -> str:
        log = self.directory / "redis.log" if self.directory else None
        return log.read_text(errors="replace")[-2000:] if log and log.exists() else "(no log)"

    def _port_was_taken(self) -> bool:
        return "Address already in use" in self._log() or self.directory is None

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            sock.recv(16)

    def client(self) -> redis.Redis:
        """A plain client for the tests' own reads and writes (not the app's)."""
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password, decode_responses=True,
                           socket_timeout=10)  # fmt: skip

    def stop(self) -> None:
        """SIGTERM: a persistent server flushes its append-only file first."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def kill(self) -> None:
        """SIGKILL: gone at once, as in a crash."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def close(self) -> None:
        self.stop()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


class PortTaken(Exception):
    """redis-server could not bind the port it was given."""


def make_settings(slack_api_url: str, kaleyra_url: str, redis_url: str | None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack_api_url,
        "kaleyra_sid": SID,
        "kaleyra_api_key": KALEYRA_KEY,
        "kaleyra_base_url": kaleyra_url,
        "kaleyra_sender": "KLRHXA",
        "kaleyra_type": "MKT",
        "kaleyra_callback_profile_id": "IN_profile-1",
        "kaleyra_timeout_seconds": 2.0,
        "default_country": "IN",
        "redis_url": redis_url,
        # the tests of the direct path send at Confirm (hand-off beyond Kaleyra's 3 months) and at any hour;
        # tests/e2e/test_holding.py sets both back
        "handoff_minutes": 200_000,
        "mkt_send_hours_countries": "",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack sends with `body`: a timestamp and the v0 HMAC-SHA256 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


LOOPBACK_TLS = ssl.create_default_context()
"""Every test client's TLS context, made once: httpx makes one per client otherwise (reading the CA bundle,
a fifth of the e2e layer's CPU), though all it talks to here is plain HTTP on 127.0.0.1."""


def loopback(**options: Any) -> httpx.Client:
    """A client for the app and the fakes, on loopback."""
    return httpx.Client(verify=LOOPBACK_TLS, trust_env=False, **options)


def fetch(url: str, *, timeout: float = 10) -> httpx.Response:
    """GET `url` on a connection of its own."""
    with loopback(timeout=timeout) as client:
        return client.get(url)


def health(port: int) -> tuple[int, dict[str, object]] | None:
    """/healthz's status and answer, or None while nothing listens yet."""
    try:
        answer = fetch(f"http://127.0.0.1:{port}/healthz", timeout=2)
    except httpx.TransportError:
        return None
    return answer.status_code, answer.json()


def healthy(port: int) -> bool:
    """/healthz answers 200."""
    answer = health(port)
    return answer is not None and answer[0] == 200


class SlackRequests:
    """Requests into the app at `url`, signed exactly as Slack signs them."""

    def __init__(self, url: str) -> None:
        self.http = loopback(base_url=url, timeout=10)

    def post_signed(self, body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> httpx.Response:
        headers = signed_headers(body, secret=secret, timestamp=timestamp)
        return self.http.post("/slack/events", content=body, headers=headers)

    def command(self, text: str, *, response_url: str, user: str = "U1", channel: str = "C1") -> httpx.Response:
        """Slack shows a message in the ack's body as the command's reply: it is handed to the fake Slack
        behind `response_url`, which records it with the replies sent there (`"ack": True`)."""
        answer = self.post_signed(
            urlencode(
                {
                    "token": "unused",
                    "team_id": "T1",
                    "team_domain": "example",
                    "channel_id": channel,
                    "channel_name": "general",
                    "user_id": user,
                    "user_name": "someone",
                    "command": "/schedule-sms",
                    "text": text,
                    "api_app_id": "A1",
                    "response_url": response_url,
                    "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}",
                }
            )
        )
        if answer.status_code == 200 and answer.content and "/respond/" in response_url:
            with suppress(httpx.TransportError):  # a response_url that is down: the reply is not recorded
                shown = (
                    answer.json()
                    if answer.headers.get("content-type", "").startswith("application/json")
                    else {"text": answer.text}
                )
                self.http.post(response_url.replace("/respond/", "/shown/", 1), json=shown, timeout=5)
        return answer

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        payload = {"team": {"id": "T1"}, "api_app_id": "A1", "token": "unused", **payload}
        return self.post_signed(urlencode({"payload": json.dumps(payload)}))

    def click(
        self, action_id: str, value: str, *, response_url: str, user: str = "U1", channel: str = "C1"
    ) -> httpx.Response:
        return self.interact(
            {
                "type": "block_actions",
                "user": {"id": user},
                "channel": {"id": channel},
                "container": {"type": "message", "is_ephemeral": True},
                "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}",
                "response_url": response_url,
                "actions": [{"action_id": action_id, "block_id": "confirmation", "value": value, "type": "button"}],
            }
        )

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str = "U1") -> httpx.Response:
        submitted = {**view, "id": "V1", "hash": "h1", "state": {"values": values}}
        return self.interact({"type": "view_submission", "user": {"id": user}, "view": submitted})


class RunningApp(SlackRequests):
    """The app's aiohttp server in a thread with its own event loop, as `python -m bot` runs it, on a clock
    the test can move (`advance`), so a hand-off 16 minutes ahead is reached without waiting for it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clock = OffsetClock()
        self.port = 0  # the port the kernel gives the app's own listening socket, once it listens
        self.loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        if not ready.wait(20):
            raise RuntimeError("app did not start")
        super().__init__(self.url)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        bolt, self.services = create_app(self.settings, connect_redis(self.settings), self.clock)
        self._runner = web.AppRunner(build_web_app(bolt, self.services))
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the app's event loop (its Redis client belongs there)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def advance(self, delta: timedelta) -> int:
        """Move the app's clock on by `delta` and run every queued job now due; how many ran."""
        self.clock.advance(delta)
        return self.run_due()

    def run_due(self) -> int:
        """Run the queued jobs due now by the app's clock (hand-offs, status checks), to their end."""
        return self.call(self.services.jobs.run_due())

    def close(self) -> None:
        if not self.thread.is_alive():
            return  # already closed (a test stopped it to play an outage)
        self.http.close()
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(30)
        asyncio.run_coroutine_threadsafe(_cancel_the_rest(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


async def _cancel_the_rest() -> None:
    """What `asyncio.run` does before it closes its loop, as `python -m bot` does: the tasks still pending (a
    library's own background work, such as redis-py's cluster client closing connections) are cancelled and
    awaited, rather than left for the collector to find never run, at the end of the test process."""
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def modal_values(**fields: str | bool | int) -> dict[str, Any]:
    """A modal's `state.values` as Slack sends them on submission."""
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "picked_at":
            values[name] = {"value": {"type": "datetimepicker", "selected_date_time": value}}
        elif name == "rows_file":
            values[name] = {"value": {"type": "file_input", "files": [{"id": value, "name": "file.csv"}]}}
        elif name == "saved_list":
            values[name] = {"list_picked": {"type": "external_select", "selected_option": {"value": value}}}
        elif name == "save_for_team":
            options = [{"value": "For the whole team (admins)"}] if value else []
            values[name] = {"value": {"type": "checkboxes", "selected_options": options}}
        elif name == "send_now":
            options = [{"value": "Send now instead of scheduling"}] if value else []
            values["send_now"] = {"value": {"type": "checkboxes", "selected_options": options}}
        elif name in ("route",) or (name == "sender" and isinstance(value, str) and value.startswith("select:")):
            chosen = str(value).removeprefix("select:")
            values[name] = {"value": {"type": "static_select", "selected_option": {"value": chosen}}}
        else:
            action_id = "message_typed" if name == "message" else "value"
            values[name] = {action_id: {"type": "plain_text_input", "value": value}}
    return values
