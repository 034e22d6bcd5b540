"""`python -m bot`: run the app in HTTP mode, or in Socket Mode when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import socket
import sys
from datetime import timedelta

from aiohttp import web

from bot import logs, private_redis, storage, workers
from bot.app import check_slack_token, create_app
from bot.config import Settings, SettingsError, load_settings
from bot.core.clock import Clock, OffsetClock
from bot.core.timeparse import warm_up
from bot.startup import StartupError
from bot.storage import connect_redis
from bot.web.server import build_web_app

log = logging.getLogger("schedule_sms")


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"schedule-sms: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    logs.configure(settings)
    try:
        listening = listen(settings.port)
        asyncio.run(check_slack_token(settings))
        # one private redis-server (without REDIS_URL) for the process and all its workers, stopped last
        with private_redis.storage_for(settings) as settings:
            asyncio.run(storage.check_at_start(settings))
            run(settings, listening)
    except StartupError as exc:
        log.error("%s", exc)
        raise SystemExit(1) from None


def run(settings: Settings, listening: socket.socket) -> None:
    warm_up()  # before any fork: every worker starts with dateparser's data loaded, in pages they share
    # What is loaded by now lives as long as the process: kept out of every later collection, which would
    # otherwise walk dateparser's data each time (a pause of about 50 ms) and, after a fork, copy its pages
    gc.collect()
    gc.freeze()
    if (count := workers.count(settings)) > 1:
        raise SystemExit(workers.run(settings, count, serve, listening))
    serve(settings, listening)


def listen(port: int) -> socket.socket:
    """The listening socket, opened before anything else so a taken port stops the app at once; workers
    (`WEB_CONCURRENCY`) inherit it."""
    try:
        sock = socket.create_server(("0.0.0.0", port), backlog=1024)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(f"port {port} is already in use: stop what listens there or set PORT") from None
        raise StartupError(f"cannot listen on port {port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings, sock: socket.socket) -> None:
    """One process serving on `sock`: the only one, or a worker on the socket its parent bound."""
    if settings.socket_mode:
        asyncio.run(_socket_mode(settings, sock))
    else:
        web.run_app(
            _http_mode(settings), sock=sock, shutdown_timeout=25, print=None, access_log=None, handle_signals=False
        )


async def _http_mode(settings: Settings) -> web.Application:
    workers.on_first_signal(workers.graceful_exit)
    bolt, services = create_app(settings, connect_redis(settings), clock_of(settings))
    log.info("serving Slack at http://0.0.0.0:%d/slack/events", settings.port)
    return build_web_app(bolt, services)


async def _socket_mode(settings: Settings, sock: socket.socket) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    assert settings.slack_app_token is not None
    bolt, services = create_app(settings, connect_redis(settings), clock_of(settings))
    runner = web.AppRunner(build_web_app(None, services), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
    stop = asyncio.Event()
    workers.on_first_signal(stop.set)
    connecting = asyncio.create_task(handler.connect_async())  # type: ignore[no-untyped-call]
    log.info("connecting to Slack in Socket Mode; /healthz on port %d", settings.port)
    await stop.wait()
    connecting.cancel()
    await handler.close_async()  # type: ignore[no-untyped-call]
    await runner.cleanup()


def clock_of(settings: Settings) -> Clock | None:
    """The system clock, or in tests one moved by `CLOCK_OFFSET_SECONDS` (refused elsewhere by the settings)."""
    offset = settings.clock_offset_seconds
    return OffsetClock(timedelta(seconds=offset)) if offset else None


if __name__ == "__main__":
    main()
