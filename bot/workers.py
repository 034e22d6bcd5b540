"""`WEB_CONCURRENCY` worker processes on one port, each with its own event loop, all sharing Redis.

One Python process uses one core. The parent binds the port once (so a port in use fails once, clearly),
forks the workers, which all accept on that socket, and then only watches them: SIGTERM or SIGINT is
passed on to every worker, each finishes its accepted work, and the parent exits when all have. A worker
that dies on its own stops the others too, and the parent exits non-zero, for the platform to restart
the whole set rather than run on with less capacity than configured.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Callable
from contextlib import suppress
from types import FrameType

from aiohttp import web

from bot.config import Settings

log = logging.getLogger(__name__)
SOCKET_MODE_MAX_CONNECTIONS = 10  # Slack's limit of Socket Mode connections per app
Serve = Callable[[Settings, socket.socket], None]
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def count(settings: Settings) -> int:
    """How many workers are safe: one without Redis (the in-process store is not shared)."""
    wanted = settings.web_concurrency
    if wanted > 1 and settings.redis_url is None:
        log.warning("WEB_CONCURRENCY=%d needs REDIS_URL (the in-process store is not shared): running 1", wanted)
        return 1
    if settings.socket_mode and wanted > SOCKET_MODE_MAX_CONNECTIONS:
        log.warning(
            "WEB_CONCURRENCY=%d: Slack allows %d Socket Mode connections; running %d",
            wanted, SOCKET_MODE_MAX_CONNECTIONS, SOCKET_MODE_MAX_CONNECTIONS,
        )  # fmt: skip
        return SOCKET_MODE_MAX_CONNECTIONS
    return wanted


def run(settings: Settings, workers: int, serve: Serve, sock: socket.socket) -> int:
    """Fork `workers` processes running `serve` on the listening `sock`; the exit status for the parent."""
    stopping = False
    pids: set[int] = set()

    def stop(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            log.info("stopping %d workers", len(pids))
        stopping = True
        for pid in list(pids):
            _signal(pid, signal.SIGTERM)

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # a child takes no signal before it is set up
    for _ in range(workers):
        if (pid := os.fork()) == 0:
            _worker(settings, sock, serve)
        pids.add(pid)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    sock.close()  # the workers hold it
    log.info("%d workers serving on port %d", workers, settings.port)
    status = 0
    while pids:
        pid, code = os.wait()
        pids.discard(pid)
        code = os.waitstatus_to_exitcode(code)  # negative: killed by that signal
        if not stopping:
            log.error("worker %d exited with %d: stopping the others", pid, code)
            stop(signal.SIGTERM, None)
            status = code if code > 0 else 1
        elif code != 0:
            status = status or (code if code > 0 else 1)
    return status


def _worker(settings: Settings, sock: socket.socket, serve: Serve) -> None:
    """In the child: serve until told to stop, and never return into the parent's code."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    code = 1
    try:
        serve(settings, sock)
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


def exit_on_first_signal() -> None:
    """SIGTERM or SIGINT starts aiohttp's graceful exit once; a second one (the platform signals every
    process, and a parent such as `make` passes it on too, often in the same instant) must not cut the
    shutdown short, nor, arriving once the loop has closed and put back the default action, kill the
    process before it exits cleanly."""
    loop = asyncio.get_running_loop()
    stopping = False

    def first() -> None:
        nonlocal stopping
        if stopping:  # a second signal taken in the same instant, before the handlers below were swapped
            log.info("already stopping")
            return
        stopping = True
        for signum in STOP_SIGNALS:  # ignored from now until the process exits, after the loop too
            loop.remove_signal_handler(signum)
            signal.signal(signum, signal.SIG_IGN)
        raise web.GracefulExit

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, first)
