"""Serving: the listening sockets, the processes on them, and each process's app in HTTP or Socket Mode.

Imported by `python -m bot` only once the metrics' mode is chosen (`bot.shared_metrics`): from here on
everything is imported, prometheus_client with it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from datetime import timedelta

from aiohttp import web

from bot import error_reports, storage, workers
from bot.app import create_app
from bot.config import Settings
from bot.core.clock import Clock, OffsetClock
from bot.core.timeparse import warm_up
from bot.slack.token_check import TokenCheck
from bot.startup import StartupError
from bot.storage import connect_redis
from bot.web.metrics import metrics_only_app
from bot.web.server import build_web_app
from bot.workers import Listening

log = logging.getLogger("schedule_sms")


def run(settings: Settings, count: int, listening: Listening) -> int:
    """Load what every worker shares, then serve on the bound sockets in `count` processes; the exit status."""
    if settings.kaleyra_dry_run:
        log.warning(
            "DRY RUN (KALEYRA_DRY_RUN): Kaleyra is never called; sends are answered by the app itself, with ids "
            "marked dry-run, and every message about a send tells users so"
        )
    asyncio.run(storage.check_at_start(settings))
    warm_up()  # before any fork: every worker starts with dateparser's data loaded, in pages they share
    # What is loaded by now lives as long as the process: kept out of every later collection, which would
    # otherwise walk dateparser's data each time (a pause of about 50 ms) and, after a fork, copy its pages;
    # the collector, off since `python -m bot` began, runs from here on. Frozen without a collection first:
    # start-up's garbage is about 1 MB, and collecting it would cost about 60 ms of the start's CPU
    gc.freeze()
    gc.enable()
    if count > 1:
        return workers.run(settings, count, serve, listening)
    serve(settings, listening, True)
    return 0


def serve(settings: Settings, listening: Listening, runs_queue: bool) -> None:
    """One process serving on the sockets: the only one, or a worker on the sockets its parent bound; with
    `runs_queue`, the one running the shared queue's loop. Raises SystemExit(1) when Slack refused the bot
    token."""
    try:
        error_reports.start(settings)
    except StartupError as exc:
        log.error("%s", exc)
        raise SystemExit(1) from None
    if settings.socket_mode:
        refused = asyncio.run(_socket_mode(settings, listening, runs_queue))
    else:
        token_check = TokenCheck(settings, stop=_stop_serving)
        web.run_app(
            _http_mode(settings, listening, token_check, runs_queue), sock=listening.app, shutdown_timeout=25,
            print=None, access_log=None, handle_signals=False,
        )  # fmt: skip
        refused = token_check.refused is not None
    if refused:
        raise SystemExit(1)


def _stop_serving() -> None:
    """From inside the loop: `web.run_app` shuts the app down, as on SIGTERM."""
    asyncio.get_running_loop().call_soon(workers.graceful_exit)


async def _http_mode(
    settings: Settings, listening: Listening, token_check: TokenCheck, runs_queue: bool
) -> web.Application:
    started = asyncio.Event()
    workers.on_first_signal(workers.graceful_exit, started)
    bolt, services = create_app(settings, connect_redis(settings), clock_of(settings))
    web_app = build_web_app(bolt, services, readiness=[("starting", token_check.done)], runs_queue=runs_queue)
    metrics_runner = await _serve_metrics(listening)

    async def check_token(app: web.Application) -> None:
        token_check.start()  # beside the server: /healthz answers while Slack is slow to
        started.set()  # the last start-up step: a stop signal now shuts down what started

    async def stop_extras(app: web.Application) -> None:
        await token_check.cancel()
        if metrics_runner is not None:
            await metrics_runner.cleanup()

    web_app.on_startup.append(check_token)
    web_app.on_cleanup.append(stop_extras)
    log.info("serving Slack at http://0.0.0.0:%d/slack/events", settings.port)
    return web_app


async def _socket_mode(settings: Settings, listening: Listening, runs_queue: bool) -> bool:
    """Serves until stopped; True if Slack refused the bot token."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    assert settings.slack_app_token is not None
    bolt, services = create_app(settings, connect_redis(settings), clock_of(settings))
    handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
    stop = asyncio.Event()
    workers.on_first_signal(stop.set)
    token_check = TokenCheck(settings, stop=stop.set)
    readiness = [("starting", token_check.done), ("not connected to Slack (Socket Mode)", handler.client.is_connected)]
    web_app = build_web_app(None, services, readiness=readiness, runs_queue=runs_queue)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, listening.app).start()
    metrics_runner = await _serve_metrics(listening)
    token_check.start()
    connecting = asyncio.create_task(handler.connect_async())  # type: ignore[no-untyped-call]
    log.info("connecting to Slack in Socket Mode; /healthz on port %d", settings.port)
    await stop.wait()
    connecting.cancel()
    await token_check.cancel()
    await handler.close_async()  # type: ignore[no-untyped-call]
    if metrics_runner is not None:
        await metrics_runner.cleanup()
    await runner.cleanup()
    return token_check.refused is not None


async def _serve_metrics(listening: Listening) -> web.AppRunner | None:
    """`/metrics` alone on `METRICS_PORT`, when it is set."""
    if listening.metrics is None:
        return None
    runner = web.AppRunner(metrics_only_app(), access_log=None)
    await runner.setup()
    await web.SockSite(runner, listening.metrics).start()
    return runner


def clock_of(settings: Settings) -> Clock | None:
    """The system clock, or in tests one moved by `CLOCK_OFFSET_SECONDS` (refused elsewhere by the settings)."""
    offset = settings.clock_offset_seconds
    return OffsetClock(timedelta(seconds=offset)) if offset else None
