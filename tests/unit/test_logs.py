"""Log lines that outsiders cannot forge, flood or fill with secrets; libraries kept quiet."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from aiohttp.http_exceptions import BadHttpMessage

from bot import logs
from tests.unit.test_validation import settings

SECRET = "xoxb-test-bot-token-0123456789"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Logging configured as at start (text format), writing into a buffer."""
    yield from _configured()


def _configured(**overrides: str) -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    logs.configure(settings(slack_bot_token=SECRET, **overrides))
    [handler] = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    logging.basicConfig(force=True)
    for name in logs.APP_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_a_newline_in_a_value_cannot_forge_a_record(output: io.StringIO) -> None:
    forged = "x\n2026-11-25 10:00:00,000 INFO schedule_sms.audit: sms_confirmed user=U666\r\x1b[2J\u2028"
    logging.getLogger("bot.server").warning("refused %s", forged)
    [line] = output.getvalue().splitlines()
    assert line.endswith("refused x\\n2026-11-25 10:00:00,000 INFO schedule_sms.audit: sms_confirmed user=U666"
                         "\\r\\x1b[2J\\u2028")  # fmt: skip


def test_a_traceback_follows_on_indented_lines(output: io.StringIO) -> None:
    try:
        raise ValueError(f"bad\n2026-11-25 INFO schedule_sms.audit: forged {SECRET}")
    except ValueError:
        logging.getLogger("bot.status").exception("check failed")
    first, *rest = output.getvalue().splitlines()
    assert first.endswith("ERROR bot.status: check failed")
    assert rest and all(line.startswith("  ") for line in rest)
    assert SECRET not in output.getvalue() and "[redacted]" in output.getvalue()


def test_values_are_capped_and_secrets_scrubbed_before_the_cut(output: io.StringIO) -> None:
    logging.getLogger("bot.x").warning("user %s sent %s", "U1", "A" * 195 + SECRET + "B" * 10_000)
    [line] = output.getvalue().splitlines()
    assert len(line) < 400
    assert "xoxb-" not in line and "bot-token" not in line
    assert line.endswith("sent " + "A" * 195 + "[reda…[+10005 chars]")


def test_libraries_log_at_warning_unless_asked(output: io.StringIO) -> None:
    logging.getLogger("slack_bolt").info("Invalid request signature detected (body: text=secret-number)")
    logging.getLogger("aiohttp.server").info("chatter")
    logging.getLogger("slack_bolt").warning("a library warning")
    logging.getLogger("bot.app").info("app info")
    assert output.getvalue().count("\n") == 2
    assert "body:" not in output.getvalue() and "a library warning" in output.getvalue()


def test_libraries_at_debug_when_asked() -> None:
    for output in _configured(log_level_libraries="DEBUG", log_level="WARNING"):
        logging.getLogger("httpx").debug("library detail")
        logging.getLogger("bot.app").info("app info")
        assert "library detail" in output.getvalue() and "app info" not in output.getvalue()


def malformed_http() -> None:
    try:
        raise BadHttpMessage("Invalid header token:\n\n    b'Bad Header'")
    except BadHttpMessage as exc:
        logging.getLogger("aiohttp.server").exception("Error handling request from %s", "127.0.0.1", exc_info=exc)


def test_malformed_http_leaves_no_traceback(output: io.StringIO) -> None:
    malformed_http()
    assert output.getvalue() == ""


def test_malformed_http_is_one_debug_line_when_asked() -> None:
    for output in _configured(log_level_libraries="DEBUG"):
        malformed_http()
        [line] = output.getvalue().splitlines()
        assert "DEBUG aiohttp.server: malformed HTTP refused (400 Invalid header token:" in line


def test_json_lines_cap_audit_fields() -> None:
    for output in _configured(log_format="json"):
        audit = {"user": "U1", "kaleyra_ids": ["k" * 5000], "outcome": "scheduled"}
        logging.getLogger("schedule_sms.audit").info("sms_confirmed %s", "U1", extra={"audit": audit})
        [line] = output.getvalue().splitlines()
        record = json.loads(line)
        assert record["message"] == "sms_confirmed" and len(record["kaleyra_ids"][0]) < 300
