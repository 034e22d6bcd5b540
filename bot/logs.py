"""Logging set-up: text or JSON lines, with every configured secret scrubbed from every record."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable

from bot.config import Settings

REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    """Replace secret values wherever they appear in a formatted log message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({secret for secret in secrets if len(secret) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        record.msg, record.args = self.scrub(message), None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; audit records carry their fields at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name}
        audit = getattr(record, "audit", None)
        if isinstance(audit, dict):
            line |= {"message": record.getMessage().split(" ", 1)[0], **audit}
        else:
            line["message"] = record.getMessage()
        return json.dumps(line)


def configure(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactSecrets(secret_values(settings)))
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler], force=True)


def secret_values(settings: Settings) -> list[str]:
    values = [settings.slack_bot_token, settings.slack_signing_secret, settings.kaleyra_api_key]
    values += [secret for secret in (settings.slack_app_token, settings.kaleyra_callback_token) if secret]
    found = [value.get_secret_value() for value in values]
    if settings.redis_url is not None:
        from urllib.parse import urlsplit

        password = urlsplit(settings.redis_url.get_secret_value()).password
        found += [password] if password else []
    return found
