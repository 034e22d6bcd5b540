"""Real HTTP servers on 127.0.0.1 standing in for Slack's Web API and Kaleyra."""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.slack_models import validate_blocks, validate_view

BOT_TOKEN = "xoxb-test-bot-token-0123456789"
"""The bot token the fake Slack expects on a file's private URL (the app's, in `tests.e2e.harness`)."""


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll until `condition()` is truthy (work after Slack's ack is asynchronous)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting for the app")


def opened_view(slack: FakeSlack) -> dict[str, Any]:
    """The first modal the app opened."""
    view: dict[str, Any] = wait_for(lambda: slack.of("views.open"))[0]["view"]
    return view


class _QuietHTTPServer(ThreadingHTTPServer):
    """A client that hung up before its answer was written (the app's timeout ran out first) is expected
    here, not an error to print."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Server:
    """A ThreadingHTTPServer on a free loopback port, run in a daemon thread."""

    # how often serve_forever looks for a shutdown request: the default half second would be waited out
    # at every close, that is after every test
    POLL_SECONDS = 0.01

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = _QuietHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(self.POLL_SECONDS,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _read_body(handler: BaseHTTPRequestHandler) -> tuple[bytes, dict[str, Any]]:
    raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    if "json" in (handler.headers.get("Content-Type") or ""):
        return raw, json.loads(raw or b"{}")
    return raw, {key: values[0] for key, values in parse_qs(raw.decode()).items()}


def _send_json(handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


# --- Slack ------------------------------------------------------------------------------------------


@dataclass
class SlackCall:
    method: str  # a Web API method, or "respond" for a response_url
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when it arrived (benchmarks measure with it)
    answer: dict[str, Any] | None = None  # what the fake answered, once it has


class FakeSlack:
    """Slack's Web API (`SLACK_API_URL`) and response_url endpoints, validating every payload."""

    def __init__(self, *, validate: bool = True) -> None:
        self.validate = validate
        self.calls: list[SlackCall] = []
        self.invalid: list[str] = []
        self.timezones: dict[str, str] = {}
        self.locales: dict[str, str] = {}
        self.guests: set[str] = set()
        self.usergroups: dict[str, list[str]] = {}
        self.channels_without_app: set[str] = set()
        self.failing_methods: dict[str, str] = {}
        self.gates: dict[str, threading.Event] = {}  # method -> answered only once its event is set (a slow Slack)
        self.answers: dict[str, dict[str, Any]] = {}  # method -> an answer of Slack's shape but not its content
        self.failing_responses = False  # response_urls answer 404, as an expired one does
        self.cut_downloads = False  # a file's download stops halfway and the connection closes (a network break)
        self.on_call: Callable[[str], None] | None = None  # runs with each method (or "respond") as it arrives
        self.socket_mode_url = ""
        self.files: dict[str, tuple[str, bytes]] = {}  # file id -> name, content (files.info, then its private URL)
        self._lock = threading.Lock()
        self._server = _Server(self._handler())

    @property
    def api_url(self) -> str:
        return self._server.url + "/api/"

    def response_url(self, name: str = "r") -> str:
        return f"{self._server.url}/respond/{name}-{uuid.uuid4().hex[:8]}"

    def close(self) -> None:
        for gate in self.gates.values():  # no answer is left waiting
            gate.set()
        self._server.close()

    def add_file(self, name: str, content: str | bytes) -> str:
        """A file as a user attaches it in a form: its id, for the `file_input`'s state."""
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        self.files[file_id] = (name, content.encode() if isinstance(content, str) else content)
        return file_id

    def of(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in self.of_calls(method)]

    def of_calls(self, method: str) -> list[SlackCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def _record(self, method: str, params: dict[str, Any]) -> SlackCall:
        if self.on_call is not None:
            self.on_call(method)
        call = SlackCall(method, params)
        if not self.validate:
            with self._lock:
                self.calls.append(call)
            return call
        try:
            for key in ("blocks",):
                if params.get(key):
                    validate_blocks(params[key])
            if params.get("view"):
                validate_view(params["view"])
        except Exception as exc:  # noqa: BLE001  collected and asserted empty by the tests
            self.invalid.append(f"{method}: {exc}")
        with self._lock:
            self.calls.append(call)
        return call

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if error := self.failing_methods.get(method):
            return {"ok": False, "error": error}
        if method in self.answers:
            return self.answers[method]
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "url": "https://x.slack.com/"}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_mode_url}
        if method == "users.info":
            user = params.get("user", "")
            tz = self.timezones.get(user, "Asia/Kolkata")
            found = {"id": user, "tz": tz, "is_restricted": user in self.guests}
            if params.get("include_locale") in (True, "true", "1", 1):
                found["locale"] = self.locales.get(user, "en-US")
            return {"ok": True, "user": found}
        if method == "usergroups.users.list":
            group = params.get("usergroup", "")
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[group]}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            if params.get("channel") in self.channels_without_app:
                return {"ok": False, "error": "not_in_channel"}
            return {"ok": True, "channel": params.get("channel"), "ts": f"{time.time():.6f}"}
        if method in ("views.open", "views.update"):
            return {"ok": True, "view": {"id": "V1", "hash": "h1"}}
        if method == "files.info":
            if (found := self.files.get(str(params.get("file")))) is None:
                return {"ok": False, "error": "file_not_found"}
            name, content = found
            url = f"{self._server.url}/files-pri/T1-{params['file']}/{name}"
            return {"ok": True, "file": {"id": params["file"], "name": name, "size": len(content),
                                         "url_private": url, "url_private_download": url + "?download=1"}}  # fmt: skip
        return {"ok": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Slack's servers do
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {key: values[0] for key, values in parse_qs(parts.query).items()}
                if parts.path.startswith("/files-pri/"):
                    self._file(parts.path)
                    return
                method = parts.path.removeprefix("/api/")
                fake._record(method, params)
                if gate := fake.gates.get(method):
                    gate.wait()
                _send_json(self, 200, fake._answer(method, params))

            def _file(self, path: str) -> None:
                """A file's private URL: the file to the bot token, Slack's sign-in page to anyone else."""
                file_id = path.split("/")[2].removeprefix("T1-")
                authorised = self.headers.get("Authorization") == f"Bearer {BOT_TOKEN}"
                fake._record("files.download", {"file": file_id, "authorised": authorised})
                if gate := fake.gates.get("files.download"):
                    gate.wait()
                found = fake.files.get(file_id)
                if not authorised or found is None:
                    page = b"<html><body>Sign in to Slack</body></html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(found[1])))
                self.end_headers()
                if fake.cut_downloads:
                    self.wfile.write(found[1][: len(found[1]) // 2])
                    self.close_connection = True
                    return
                self.wfile.write(found[1])

            def do_POST(self) -> None:
                _, params = _read_body(self)
                url = urlsplit(self.path)
                path = url.path
                if path.startswith("/api/"):  # a method's arguments may come in the query too (chat.delete's do)
                    params = {key: values[0] for key, values in parse_qs(url.query).items()} | params
                if path.startswith("/shown/"):  # a command's ack body, which Slack shows as its reply
                    fake._record("respond", {**params, "url": path.replace("/shown/", "/respond/", 1), "ack": True})
                    _send_json(self, 200, {"ok": True})
                    return
                if path.startswith("/respond/"):
                    fake._record("respond", {**params, "url": path, "failed": fake.failing_responses})
                    _send_json(self, 404 if fake.failing_responses else 200, {"ok": not fake.failing_responses})
                    return
                method = path.removeprefix("/api/")
                call = fake._record(method, params)
                if gate := fake.gates.get(method):
                    gate.wait()
                call.answer = fake._answer(method, params)
                _send_json(self, 200, call.answer)

        return Handler


# --- Kaleyra ----------------------------------------------------------------------------------------


@dataclass
class KaleyraReply:
    status: int = 200
    body: Any = None  # None: a success built from the request
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False  # close the connection without answering


@dataclass
class KaleyraRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    content_type: str
    at: float = field(default_factory=time.time)  # wall-clock time of arrival


class FakeKaleyra:
    """`POST /v1/<sid>/sms`, answering from a script of replies, then with success."""

    def __init__(self) -> None:
        self.requests: list[KaleyraRequest] = []
        self.script: list[KaleyraReply] = []
        self.gate: threading.Event | None = None  # sends are answered only once it is set (work kept in flight)
        self.statuses: dict[str, dict[str, str]] = {}  # message id -> data entry (status, status_trace, ...)
        self.default_status: dict[str, str] | None = None  # for ids not in `statuses`
        self.status_requests: list[list[str]] = []
        self.status_delay = 0.0
        self.accepted: list[dict[str, Any]] = []  # the success replies sent, with their message ids
        self.on_request: Callable[[], None] | None = None  # runs when a send arrives, before the answer
        self.echo_without_plus = False  # answer with recipients as some accounts do: "919876543210"
        self._lock = threading.Lock()
        self._server = _Server(self._handler())

    @property
    def url(self) -> str:
        return self._server.url

    def close(self) -> None:
        if self.gate is not None:  # no answer is left waiting
            self.gate.set()
        self._server.close()

    def message_ids(self) -> list[str]:
        with self._lock:
            return [item["message_id"] for answer in self.accepted for item in answer["data"]]

    def set_status(self, status: str, trace: str = "", only: str | None = None) -> None:
        for message_id in self.message_ids():
            if only is None or message_id.endswith(only):
                self.statuses[message_id] = {"status": status, "status_trace": trace}

    def _next(self) -> KaleyraReply:
        with self._lock:
            return self.script.pop(0) if self.script else KaleyraReply()

    def success(self, body: dict[str, Any]) -> dict[str, Any]:
        batch = str(uuid.uuid4())
        recipients = str(body.get("to", "")).split(",")
        if self.echo_without_plus:
            recipients = [recipient.lstrip("+") for recipient in recipients]
        return {
            "id": batch,
            "sender": body.get("sender"),
            "type": body.get("type"),
            "body": body.get("body"),
            "createdDateTime": "2026-11-24T20:00:00+05:30",
            "totalCount": len(recipients),
            "data": [{"message_id": f"{batch}:{i}", "recipient": r} for i, r in enumerate(recipients, 1)],
            "dlrurl": None,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                ids = parse_qs(parts.query).get("message_ids", [""])[0].split(",")
                with fake._lock:
                    fake.status_requests.append(ids)
                    known = {i: fake.statuses.get(i, fake.default_status) for i in ids}
                    data = [{"message_id": i, **status} for i, status in known.items() if status]
                time.sleep(fake.status_delay)
                _send_json(self, 200, {"data": data, "error": {}})

            def do_POST(self) -> None:
                _, body = _read_body(self)
                with fake._lock:
                    fake.requests.append(
                        KaleyraRequest(self.path, dict(self.headers), body, self.headers.get("Content-Type", ""))
                    )
                reply = fake._next()
                if fake.on_request is not None:
                    fake.on_request()
                if fake.gate is not None:
                    fake.gate.wait()
                time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                answer = reply.body
                if answer is None:
                    answer = fake.success(body)
                    with fake._lock:
                        fake.accepted.append(answer)
                _send_json(self, reply.status, answer, reply.headers)

        return Handler


class FakeSocketMode:
    """Slack's Socket Mode WebSocket: says hello, pushes envelopes, collects the app's acks."""

    def __init__(self, port: int = 0) -> None:
        """`port`: that of one closed before, to play Slack coming back at the address the app knows."""
        import asyncio

        from aiohttp import WSMsgType, web

        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._sockets: list[web.WebSocketResponse] = []
        ready = threading.Event()

        async def link(request: web.Request) -> web.WebSocketResponse:
            socket = web.WebSocketResponse()
            await socket.prepare(request)
            self.connections += 1
            self._sockets.append(socket)
            await socket.send_json({"type": "hello", "num_connections": 1, "debug_info": {}})
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self.acks.append(json.loads(message.data))
            return socket

        async def start() -> None:
            app = web.Application()
            app.router.add_get("/link", link)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", port)
            await site.start()
            self.port = self._runner.addresses[0][1]

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(start())
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(10)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def push(self, envelope: dict[str, Any]) -> None:
        import asyncio

        asyncio.run_coroutine_threadsafe(self._sockets[-1].send_json(envelope), self._loop).result(5)

    def close(self) -> None:
        """Stops the server, first closing the connections still open (as Slack does when it goes away)."""
        import asyncio

        async def shut() -> None:
            for socket in self._sockets:
                await socket.close()
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
