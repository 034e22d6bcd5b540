"""`python -m bot`: run the app in HTTP mode, or in Socket Mode when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import gc

# Start-up builds what the process keeps for its whole life (the libraries, dateparser's data): the collector
# would walk it again and again for nothing. It is turned on after the warm-up, which freezes what was built
# (`bot.serving.run`).
gc.disable()

import logging
import sys

from bot import logs, private_redis, shared_metrics, workers
from bot.config import SettingsError, load_settings
from bot.startup import StartupError

log = logging.getLogger("schedule_sms")


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"schedule-sms: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    logs.configure(settings)
    try:
        listening = workers.bind(settings)
        # one private redis-server (without REDIS_URL) for the process and all its workers, stopped last
        with private_redis.storage_for(settings) as settings:
            count = workers.count(settings)
            shared = shared_metrics.prepare(count)
            try:
                from bot import serving  # only now: it imports prometheus_client, whose mode is chosen at import

                status = serving.run(settings, count, listening)
            finally:
                shared_metrics.remove(shared)
    except StartupError as exc:
        log.error("%s", exc)
        raise SystemExit(1) from None
    raise SystemExit(status)


if __name__ == "__main__":
    main()
