"""Logging set-up: text or JSON lines that nobody outside can forge, flood or fill with secrets.

Every configured secret is scrubbed from every record; every value interpolated into a message (the
part that may come from outside) is capped in length; in text format control characters are escaped,
so each record is exactly one line and continuation lines (tracebacks) start with whitespace.
Times are ISO 8601 in UTC, with the zone. A record logged while a Slack request is served carries its
request id (`bot.request_scope`), in the work it queued too, so one command can be followed through.

Libraries log at `LOG_LEVEL_LIBRARIES` (WARNING by default). Some of them log whole request and
response bodies (Bolt its ack, slack_sdk every Web API call, Socket Mode every envelope), which carry
full phone numbers and message text: in their records everything from the first body is withheld,
at every level, and digit runs that may be phone numbers are masked.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError
from pythonjsonlogger.json import JsonFormatter as _JsonLinesFormatter

from bot import request_scope
from bot.config import Settings

REDACTED = "[redacted]"
MAX_VALUE_CHARS = 200
APP_LOGGERS = ("bot", "schedule_sms")
"""Loggers at `LOG_LEVEL`; every other logger (libraries) is at `LOG_LEVEL_LIBRARIES`."""
WITHHELD = "…[rest withheld: it may carry a request or response body]"
PHONE_LIKE = re.compile(r"(?<![\w.])(?:\+|%2[Bb])?\d(?:[ -]?\d){6,16}(?!\w|\.\d)")
"""Seven or more digits, possibly after a + (or %2B, in a URL) and with spaces or dashes: a phone number,
as far as a log can tell."""
_BODY_START = re.compile(
    r"\{|\b(?:body|params|data|json|files|payload|blocks|text|view|message|headers)\s*[:=]", re.IGNORECASE
)

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


class LibraryBodiesWithheld(logging.Filter):
    """A library's record, cut before the first body it quotes, with phone-like digits masked. The
    app's own records never carry bodies, numbers in full or message text, and are left whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not is_library(record.name):
            return True
        record.msg, record.args = withhold_bodies(record.getMessage()), None
        return True


def is_library(logger: str) -> bool:
    return logger.split(".", 1)[0] not in APP_LOGGERS


def withhold_bodies(message: str) -> str:
    """A library's message up to the first body it quotes, with phone-like digits masked."""
    if (body := _BODY_START.search(message)) is not None:
        message = message[: body.start()].rstrip(" ,:(-") + " " + WITHHELD
    return mask_phone_like(message)


def mask_phone_like(text: str) -> str:
    """Every run of digits that may be a phone number, as `[number]`."""
    return PHONE_LIKE.sub("[number]", text)


class WithRequestId(logging.Filter):
    """The id of the Slack request being served, on every record logged while it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (request_id := request_scope.current_id()) is not None:
            record.request_id = request_id
        return True


def iso_utc(created: float) -> str:
    """`2026-11-25T10:00:00.123Z`: ISO 8601, in UTC, saying so."""
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """One line per record; a traceback follows on lines that start with whitespace."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.getMessage())
        record.asctime = iso_utc(record.created)
        request_id = getattr(record, "request_id", None)
        record.request = f" [{request_id}]" if request_id else ""
        line = self.formatMessage(record)
        if record.exc_text:
            lines = escape_controls(record.exc_text, keep_newlines=True).splitlines()
            line += "".join(f"\n  {text}" for text in lines)
        return line


class JsonFormatter(_JsonLinesFormatter):
    """One JSON object per line (python-json-logger): time, level, logger, message, then any extra
    fields (`request_id`); audit records carry their fields at the top level."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = iso_utc(record.created)
        super().add_fields(log_data, record, message_dict)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        audit = log_data.pop("audit", None)
        if isinstance(audit, dict):
            log_data |= {"message": str(log_data.get("message", "")).split(" ", 1)[0], **_capped_fields(audit)}
        return log_data


def _capped_fields(fields: Mapping[str, object]) -> dict[str, object]:
    return {
        key: [_capped(item) for item in value] if isinstance(value, list | tuple) else _capped(value)
        for key, value in fields.items()
    }


def configure(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(LibraryBodiesWithheld())  # before the message is capped: the cut must see it whole
    handler.addFilter(Sanitize(secret_values(settings)))
    handler.addFilter(WithRequestId())
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
        for secret in (
            settings.slack_signing_secret,
            settings.slack_app_token,
            settings.kaleyra_callback_token,
            settings.sentry_dsn,
        )
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
