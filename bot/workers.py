"""`WEB_CONCURRENCY` worker processes on one port, each with its own event loop, all sharing one Redis.

One Python process uses one core. The parent binds the port once (so a port in use fails once, clearly),
forks the workers, which all accept on that socket, and then only watches them: SIGTERM or SIGINT is
passed on to every worker, each finishes its accepted work, and the parent exits when all have. A worker
stopped by a signal of its own (the platform signals every process) stops the set the same way: only a
signal stops it. A worker that dies (killed, out of memory, a crash) is replaced at once, so the set keeps
the capacity configured; one that keeps dying (`MAX_REPLACEMENTS` in a minute) stops the set with a
non-zero exit, for the platform to restart it rather than fork for ever. The private redis-server
(`REDIS_URL` unset), which the parent started before forking and stops after the workers, is not replaced:
if it dies, the set stops with a non-zero exit.

One poller per instance: only the first worker runs the shared queue's loop (hand-offs and status checks
for the whole instance; it claims as many as it can run, so it needs no help from the others), and the
worker that replaces it takes its place. Every worker still sends at once for the clicks it serves, so a
set of N workers polls Redis as often as one process does.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import socket
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from types import FrameType

from aiohttp import web

from bot.config import Settings
from bot.startup import StartupError

log = logging.getLogger(__name__)
SOCKET_MODE_MAX_CONNECTIONS = 10  # Slack's limit of Socket Mode connections per app
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
MAX_REPLACEMENTS = 5
"""Workers replaced within a minute before the set is taken to be failing as a whole."""


@dataclass(frozen=True)
class Listening:
    """The sockets the parent bound, which every worker inherits: `PORT`'s, and `METRICS_PORT`'s if set."""

    app: socket.socket
    metrics: socket.socket | None = None

    def close(self) -> None:
        for sock in (self.app, self.metrics):
            if sock is not None:
                sock.close()


Serve = Callable[[Settings, Listening, bool], None]
"""Serve on the sockets; the flag says whether this process runs the shared queue's loop."""
QUEUE_RUNNER = 0
"""The place in the set of the worker that runs the shared queue's loop (kept by its replacement)."""


def bind(settings: Settings) -> Listening:
    """The listening sockets, opened before anything else so a taken port stops the app at once (before a
    private redis-server is started); workers (`WEB_CONCURRENCY`) inherit them."""
    return Listening(_listen(settings.port), _listen(settings.metrics_port) if settings.metrics_port else None)


def _listen(port: int) -> socket.socket:
    try:
        sock = socket.create_server(("0.0.0.0", port), backlog=1024)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(f"port {port} is already in use: stop what listens there or set PORT") from None
        raise StartupError(f"cannot listen on port {port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def count(settings: Settings) -> int:
    """How many workers are safe: one on the in-memory store, which is not shared (a private redis-server,
    started before the workers are forked, is)."""
    wanted = settings.web_concurrency
    if wanted > 1 and settings.redis_url is None:
        log.warning(
            "WEB_CONCURRENCY=%d needs a shared Redis (REDIS_URL, or redis-server installed to run a private one); "
            "the in-memory store is not shared: running 1", wanted,
        )  # fmt: skip
        return 1
    if settings.socket_mode and wanted > SOCKET_MODE_MAX_CONNECTIONS:
        log.warning(
            "WEB_CONCURRENCY=%d: Slack allows %d Socket Mode connections; running %d",
            wanted, SOCKET_MODE_MAX_CONNECTIONS, SOCKET_MODE_MAX_CONNECTIONS,
        )  # fmt: skip
        return SOCKET_MODE_MAX_CONNECTIONS
    return wanted


def run(settings: Settings, workers: int, serve: Serve, listening: Listening) -> int:
    """Fork `workers` processes running `serve` on the `listening` sockets; the exit status for the parent."""
    stopping = False
    pids: dict[int, int] = {}  # worker -> its place in the set

    def stop(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            log.info("stopping %d workers", len(pids))
        stopping = True
        for pid in list(pids):
            _signal(pid, signal.SIGTERM)

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)

    def fork(place: int) -> int:
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # a child takes no signal before it is set up
        if (pid := os.fork()) == 0:
            _worker(settings, listening, serve, place == QUEUE_RUNNER)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        pids[pid] = place
        return pid

    for place in range(workers):
        fork(place)
    log.info("%d workers serving on port %d", workers, settings.port)
    status, replaced = 0, deque[float](maxlen=MAX_REPLACEMENTS)
    while pids:
        pid, code = os.wait()
        code = os.waitstatus_to_exitcode(code)  # negative: killed by that signal
        if pid not in pids:  # the parent's other child, the private redis-server: the workers' store is gone
            log.error("the private redis-server (pid %d) exited with %d: stopping the workers", pid, code)
            status = 1
            stop(signal.SIGTERM, None)
            continue
        place = pids.pop(pid)
        if stopping:
            if code != 0:
                status = status or (code if code > 0 else 1)
            continue
        # a worker serves until told to stop, so one that stopped cleanly was signalled itself (the platform
        # signals every process, the parent not always first); any other exit is a failure, and is replaced
        if code == 0:
            log.info("worker %d stopped: stopping the others", pid)
            stop(signal.SIGTERM, None)
        elif len(replaced) == MAX_REPLACEMENTS and time.monotonic() - replaced[0] < 60:
            log.error(
                "worker %d exited with %d, the %dth in a minute: stopping the others", pid, code, len(replaced) + 1
            )
            status = code if code > 0 else 1
            stop(signal.SIGTERM, None)
        else:
            replaced.append(time.monotonic())
            log.error("worker %d exited with %d: replaced by worker %d", pid, code, fork(place))
    listening.close()
    return status


def _worker(settings: Settings, listening: Listening, serve: Serve, runs_queue: bool) -> None:
    """In the child: serve until told to stop, and never return into the parent's code."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    code = 1
    try:
        serve(settings, listening, runs_queue)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        log.exception("worker failed")
    finally:
        logging.shutdown()
        os._exit(code)


def _signal(pid: int, signum: int) -> None:
    with suppress(ProcessLookupError):  # already gone
        os.kill(pid, signum)


def on_first_signal(act: Callable[[], None], started: asyncio.Event | None = None) -> None:
    """`act` runs in the loop on the first SIGTERM or SIGINT. Later ones (the platform signals every
    process, and a parent such as `make` passes it on too, often in the same instant) are ignored until
    the process exits: they must not cut the shutdown short, nor kill the process. The handlers are the
    process's own rather than the loop's, because removing a loop's handler, or closing the loop, puts
    back the default action for an instant, and a SIGTERM in that instant kills the process (exit -15).

    With `started`, a signal that comes while the process is still starting is acted on once it is set:
    stopping in the middle of the start-up steps cut them short, and a worker signalled then could keep
    serving instead of stopping."""
    loop = asyncio.get_running_loop()
    stopping = False
    waiting: asyncio.Task[bool] | None = None  # kept, so the loop does not lose the wait for `started`

    def now_or_once_started() -> None:
        nonlocal waiting
        if started is None or started.is_set():
            act()
        else:
            waiting = loop.create_task(started.wait())
            waiting.add_done_callback(lambda _: act())

    def first(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        for each in STOP_SIGNALS:  # from handled straight to ignored: never the default action
            signal.signal(each, signal.SIG_IGN)
        if not stopping:  # a second graceful exit raised during aiohttp's shutdown would cut it short
            stopping = True
            loop.call_soon_threadsafe(now_or_once_started)

    for signum in STOP_SIGNALS:
        signal.signal(signum, first)


def graceful_exit() -> None:
    """Out of `web.run_app`, which then shuts the app down."""
    raise web.GracefulExit
