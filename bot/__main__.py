"""`python -m bot`: run the app in HTTP mode, or in Socket Mode when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import sys

from bot import logs, shared_metrics, workers
from bot.config import SettingsError, load_settings


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"schedule-sms: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    logs.configure(settings)
    count = workers.count(settings)
    shared = shared_metrics.prepare(count)
    try:
        from bot import serving  # only now: it imports prometheus_client, whose mode is chosen at import

        status = serving.run(settings, count)
    finally:
        shared_metrics.remove(shared)
    raise SystemExit(status)


if __name__ == "__main__":
    main()
