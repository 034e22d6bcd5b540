"""Logging set-up: text or JSON lines that nobody outside can forge, flood or fill with secrets.

Every configured secret is scrubbed from every record; every value interpolated into a message (the
part that may come from outside) is capped in length; in text format control characters are escaped,
so each record is exactly one line and continuation lines (tracebacks) start with whitespace.
Libraries log at `LOG_LEVEL_LIBRARIES` (WARNING by default): some of them log request bodies at INFO.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError

from bot.config import Settings

REDACTED = "[redacted]"
MAX_VALUE_CHARS = 200
APP_LOGGERS = ("bot", "schedule_sms")
"""Loggers at `LOG_LEVEL`; every other logger (libraries) is at `LOG_LEVEL_LIBRARIES`."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def cap(value: str, limit: int = MAX_VALUE_CHARS) -> str:
    """`value`, cut to `limit` characters with a note of how much was left out."""
    return value if len(value) <= limit else f"{value[:limit]}…[+{len(value) - limit} chars]"


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """Control characters as visible escapes (`\\n`, `\\x1b`, `\\u2028`)."""

    def visible(match: re.Match[str]) -> str:
        char = match.group()
        return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")

    return (_CONTROL_BUT_NEWLINE if keep_newlines else _CONTROL).sub(visible, text)


def _capped(arg: object) -> object:
    if isinstance(arg, str | BaseException):
        return cap(str(arg))
    if isinstance(arg, bytes | bytearray):
        return cap(repr(bytes(arg)))
    return arg


class Sanitize(logging.Filter):
    """Cap interpolated values, then scrub secrets from the message and its traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({secret for secret in secrets if len(secret) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def _safe(self, arg: object) -> object:
        """Scrubbed before it is cut: a cut could leave the start of a secret that no longer matches."""
        text = str(arg) if isinstance(arg, str | BaseException) else None
        return cap(self.scrub(text)) if text is not None else _capped(arg)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):
            record.args = {key: self._safe(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(self._safe(arg) for arg in record.args)
        message = record.getMessage()
        if record.exc_info:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        record.msg, record.args = self.scrub(message), None
        return True


class MalformedHttpQuiet(logging.Filter):
    """aiohttp logs a traceback at ERROR for every request its HTTP parser refuses (with a 400), so
    anyone could fill the log with them: one line at DEBUG instead, shown only when asked for."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, HttpProcessingError):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        record.msg, record.args, record.exc_info = "malformed HTTP refused (%s %s)", (error.code, error.message), None
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


class TextFormatter(logging.Formatter):
    """One line per record; a traceback follows on lines that start with whitespace."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.getMessage())
        record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        if record.exc_text:
            lines = escape_controls(record.exc_text, keep_newlines=True).splitlines()
            line += "".join(f"\n  {text}" for text in lines)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line; audit records carry their fields at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name}
        audit = getattr(record, "audit", None)
        if isinstance(audit, dict):
            line |= {"message": record.getMessage().split(" ", 1)[0], **_capped_fields(audit)}
        else:
            line["message"] = record.getMessage()
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line)


def _capped_fields(fields: Mapping[str, object]) -> dict[str, object]:
    return {
        key: [_capped(item) for item in value] if isinstance(value, list | tuple) else _capped(value)
        for key, value in fields.items()
    }


def configure(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Sanitize(secret_values(settings)))
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    logging.basicConfig(level=settings.log_level_libraries, handlers=[handler], force=True)
    http_server = logging.getLogger("aiohttp.server")
    if not any(isinstance(found, MalformedHttpQuiet) for found in http_server.filters):
        http_server.addFilter(MalformedHttpQuiet())
    for name in APP_LOGGERS:
        logging.getLogger(name).setLevel(settings.log_level)


def secret_values(settings: Settings) -> list[str]:
    values = [settings.slack_bot_token, settings.kaleyra_api_key]
    values += [
        secret
        for secret in (settings.slack_signing_secret, settings.slack_app_token, settings.kaleyra_callback_token)
        if secret
    ]
    found = [value.get_secret_value() for value in values]
    if settings.redis_url is not None:
        from urllib.parse import parse_qs, unquote, urlsplit

        url = urlsplit(settings.redis_url.get_secret_value())
        query = parse_qs(url.query)  # redis-py takes a password in the query too; the sentinels' is there
        passwords = [url.password, *query.get("password", []), *query.get("sentinel_password", [])]
        found += [form for password in passwords if password for form in {password, unquote(password)}]
    return found
