"""Log lines that outsiders cannot forge, flood or fill with secrets; libraries kept quiet."""

from __future__ import annotations

import contextvars
import io
import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from aiohttp.http_exceptions import BadHttpMessage

from bot import logs, request_scope
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


def test_times_are_iso_8601_in_utc_with_the_zone(output: io.StringIO) -> None:
    logging.getLogger("bot.x").warning("hello")
    stamp = output.getvalue().split(" ", 1)[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)
    assert abs(datetime.fromisoformat(stamp).timestamp() - time.time()) < 60


def test_json_times_are_iso_8601_in_utc_with_the_zone() -> None:
    for output in _configured(log_format="json"):
        logging.getLogger("bot.x").warning("hello %s", "there")
        record = json.loads(output.getvalue())
        assert list(record)[:4] == ["time", "level", "logger", "message"]
        assert record["time"].endswith("Z") and datetime.fromisoformat(record["time"]).utcoffset() == timedelta(0)
        assert (record["level"], record["logger"], record["message"]) == ("WARNING", "bot.x", "hello there")


def test_a_request_id_is_on_every_line_logged_while_a_request_is_served() -> None:
    for output in _configured(log_format="json"):
        logging.getLogger("bot.x").info("before")
        request = contextvars.copy_context()  # as a Slack request's own task has
        scope = request.run(request_scope.begin, list)
        request.run(logging.getLogger("bot.x").info, "during")
        request.run(logging.getLogger("slack_bolt").warning, "a library, during")
        logging.getLogger("bot.x").info("after")
        records = [json.loads(line) for line in output.getvalue().splitlines()]
        assert [record.get("request_id") for record in records] == [None, scope.request_id, scope.request_id, None]


def test_the_request_id_in_text_follows_the_logger(output: io.StringIO) -> None:
    request = contextvars.copy_context()
    scope = request.run(request_scope.begin, list)
    request.run(logging.getLogger("bot.x").warning, "during")
    assert output.getvalue().rstrip().endswith(f"WARNING bot.x [{scope.request_id}]: during")


LIBRARY_LINES = [  # as Bolt, slack_sdk and its Socket Mode client write them (f-strings: no args to cap)
    ("slack_bolt.App", 'Responding with status: 200 body: "{"text": "Hi Asha, +919876543210"}" (3 millis)'),
    (
        "slack_sdk.web.async_base_client",
        "Sending a request - url: POST https://slack.com/api/chat.postMessage, params: {}, files: {}, "
        "data: {}, json: {'channel': 'C1', 'text': 'Hi Asha, +919876543210'}, proxy: {}, headers: {}",
    ),
    (
        "slack_sdk.web.async_base_client",
        "Received the following response - status: 200, headers: {'x': 'y'}, body: {'ok': True, 'message': "
        "{'text': 'Hi Asha, +919876543210'}}",
    ),
    (
        "slack_sdk.socket_mode.aiohttp",
        'Received message (type: TEXT, data: \'{"payload": {"text": "+919876543210 \\"Hi Asha\\""}}\', '
        "extra: None, session: s-1)",
    ),
    (
        "slack_sdk.socket_mode.aiohttp",
        'Sending a message: {"envelope_id": "e1", "payload": {"text": "Hi Asha"}} from session: s-1',
    ),
    ("slack_bolt.App", "Unhandled request ({'type': 'view_submission', 'view': {'state': 'Hi Asha'}})"),
    ("httpx", 'HTTP Request: POST https://api.in.kaleyra.io/v1/SID/sms?to=%2B919876543210 "HTTP/1.1 200 OK"'),
]


@pytest.mark.parametrize(("logger", "line"), LIBRARY_LINES)
def test_library_lines_never_carry_bodies_numbers_or_message_text(logger: str, line: str) -> None:
    for output in _configured(log_level_libraries="DEBUG"):
        logging.getLogger(logger).debug(line)
        [written] = output.getvalue().splitlines()
        assert "Hi Asha" not in written and "9876543210" not in written
        assert f"DEBUG {logger}: " in written and len(written) > len(f"DEBUG {logger}: ") + 30  # the start is kept


def test_the_apps_own_lines_are_left_whole(output: io.StringIO) -> None:
    logging.getLogger("schedule_sms.audit").warning("sms_confirmed %s", '{"recipients": ["+91•••••43210"]}')
    assert output.getvalue().rstrip().endswith('sms_confirmed {"recipients": ["+91•••••43210"]}')


def test_slack_timestamps_and_short_numbers_are_not_taken_for_phone_numbers() -> None:
    assert logs.mask_phone_like("ts 1733300000.123456, 429 after 3 s, +91 98765 43210") == (
        "ts 1733300000.123456, 429 after 3 s, [number]"
    )


def test_json_lines_carry_the_scrubbed_traceback() -> None:
    for output in _configured(log_format="json"):
        try:
            raise ValueError(f"with {SECRET}")
        except ValueError:
            logging.getLogger("bot.x").exception("failed")
        record = json.loads(output.getvalue())
        assert record["message"] == "failed" and record["exception"].startswith("Traceback")
        assert SECRET not in record["exception"] and "[redacted]" in record["exception"]
