"""`python -m bot`: run the app in HTTP mode, or in Socket Mode when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys

from aiohttp import web

from bot import logs, workers
from bot.app import connect_redis, create_app
from bot.config import Settings, SettingsError, load_settings
from bot.web.server import build_web_app

log = logging.getLogger("schedule_sms")


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"schedule-sms: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    logs.configure(settings)
    if (count := workers.count(settings)) > 1:
        raise SystemExit(workers.run(settings, count, serve))
    serve(settings)


def serve(settings: Settings, sock: socket.socket | None = None) -> None:
    """One process; a worker serves on `sock`, the port its parent bound for all of them."""
    if settings.socket_mode:
        asyncio.run(_socket_mode(settings, sock))
    else:
        web.run_app(
            _http_mode(settings), host=None if sock else "0.0.0.0", port=None if sock else settings.port, sock=sock,
            shutdown_timeout=25, print=None, access_log=None, handle_signals=False,
        )  # fmt: skip


async def _http_mode(settings: Settings) -> web.Application:
    workers.exit_on_first_signal()
    bolt, services = create_app(settings, connect_redis(settings))
    log.info("serving Slack at http://0.0.0.0:%d/slack/events", settings.port)
    return build_web_app(bolt, services)


async def _socket_mode(settings: Settings, sock: socket.socket | None) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    assert settings.slack_app_token is not None
    bolt, services = create_app(settings, connect_redis(settings))
    runner = web.AppRunner(build_web_app(None, services), access_log=None)
    await runner.setup()
    site = web.SockSite(runner, sock) if sock else web.TCPSite(runner, "0.0.0.0", settings.port)
    await site.start()
    handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    connecting = asyncio.create_task(handler.connect_async())  # type: ignore[no-untyped-call]
    log.info("connecting to Slack in Socket Mode; /healthz on port %d", settings.port)
    await stop.wait()
    connecting.cancel()
    await handler.close_async()  # type: ignore[no-untyped-call]
    await runner.cleanup()


if __name__ == "__main__":
    main()
