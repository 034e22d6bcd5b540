"""The bot token's check at start: announced, bounded, and every way it can go told in plain words."""

from __future__ import annotations

import asyncio
import inspect
import logging
import socket
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.slack import token_check
from bot.startup import StartupError
from tests.unit.test_validation import settings

API_URL = "https://slack.example.com/api/"


class Slack:
    """Stands in for the Web API client: `auth_test` answers, raises, or never answers."""

    def __init__(self, answer: dict[str, Any] | BaseException | None) -> None:
        self.answer = answer
        self.asked = 0

    async def auth_test(self) -> dict[str, Any]:
        self.asked += 1
        if self.answer is None:
            await asyncio.Event().wait()  # Slack never answers
        if isinstance(self.answer, BaseException):
            raise self.answer
        assert isinstance(self.answer, dict)
        return self.answer


def slack_error(data: Any, status: int = 200, content_type: str = "application/json") -> SlackApiError:
    response = AsyncSlackResponse(
        client=None, http_verb="POST", api_url=API_URL + "auth.test", req_args={}, data=data,
        headers={"Content-Type": content_type}, status_code=status,
    )  # fmt: skip
    return SlackApiError("The request to the Slack API failed.", response)


def connector_error(error_type: type[aiohttp.ClientConnectorError], os_error: OSError) -> aiohttp.ClientError:
    key = ConnectionKey("slack.example.com", 443, True, True, None, None, None)
    return error_type(key, os_error)


def check(answer: dict[str, Any] | BaseException | None, caplog: pytest.LogCaptureFixture, timeout: float = 1) -> str:
    """The check against `answer`; the log it wrote, one line per record."""
    client: Any = Slack(answer)
    with caplog.at_level(logging.INFO, logger="schedule_sms"):
        asyncio.run(token_check.check_slack_token(settings(slack_api_url=API_URL), client=client, timeout=timeout))
    assert client.asked == 1
    return "\n".join(f"{record.levelname} {record.getMessage()}" for record in caplog.records)


def test_it_says_what_it_is_doing_before_it_asks_and_who_it_is_after(caplog: pytest.LogCaptureFixture) -> None:
    logged = check({"ok": True, "user": "schedule-sms", "team": "Acme"}, caplog)
    assert logged == (
        "INFO checking SLACK_BOT_TOKEN with Slack (auth.test at slack.example.com, waiting up to 1 s)\n"
        "INFO signed in to Slack as schedule-sms in team Acme"
    )


def test_slack_gets_five_seconds_by_default() -> None:
    timeout = inspect.signature(token_check.check_slack_token).parameters["timeout"].default
    assert timeout == token_check.AUTH_TEST_TIMEOUT_SECONDS == 5


def test_slack_not_answering_is_a_warning_after_the_timeout_and_the_app_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logged = check(None, caplog, timeout=0.05)
    assert logged.splitlines()[-1] == (
        "WARNING could not check SLACK_BOT_TOKEN: Slack (slack.example.com) did not answer auth.test within "
        "0.05 s; starting anyway"
    )


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "not_allowed_token_type"])
def test_a_token_slack_refuses_stops_the_app_with_one_line(error: str, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(StartupError) as raised:
        check(slack_error({"ok": False, "error": error}), caplog)
    assert str(raised.value).startswith(f"Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token")


def test_another_slack_error_is_named(caplog: pytest.LogCaptureFixture) -> None:
    logged = check(slack_error({"ok": False, "error": "ratelimited"}, status=429), caplog)
    assert logged.splitlines()[-1] == (
        "WARNING could not check SLACK_BOT_TOKEN: Slack answered auth.test with ratelimited; starting anyway"
    )


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (slack_error({}, content_type="text/html; charset=utf-8"), "HTTP 200 (text/html)"),  # a captive portal
        (slack_error({}, status=502, content_type="text/html"), "HTTP 502 (text/html)"),  # a proxy's error page
        (slack_error(None), "HTTP 200 (application/json)"),  # an empty answer
        (AttributeError("'str' object has no attribute 'get'"), "an answer"),  # slack_sdk on text/plain
    ],
)
def test_an_answer_that_is_not_slacks_json_is_told_as_such_never_as_none(
    answer: BaseException, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    logged = check(answer, caplog).splitlines()[-1]
    assert logged == (
        f"WARNING could not check SLACK_BOT_TOKEN: slack.example.com answered auth.test with {said} that is not "
        "Slack's JSON; is SLACK_API_URL right, or is a proxy in the way?; starting anyway"
    )
    assert "None" not in logged


def test_the_real_clients_non_json_error_is_read_too(caplog: pytest.LogCaptureFixture) -> None:
    """slack_sdk raises with aiohttp's own response when a JSON content type carries something else."""

    response = SimpleNamespace(status=200, headers={"Content-Type": "application/json"})  # aiohttp's, in short
    logged = check(SlackApiError("Received a response in a non-JSON format: <html>", response), caplog)
    assert "slack.example.com answered auth.test with HTTP 200 (application/json) that is not Slack's JSON" in logged


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            connector_error(
                aiohttp.ClientConnectorDNSError, socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            ),
            "cannot resolve slack.example.com (DNS: Name or service not known); check SLACK_API_URL and DNS",
        ),
        (
            connector_error(aiohttp.ClientConnectorDNSError, OSError(None, "DNS lookup failed")),  # aiodns's words
            "cannot resolve slack.example.com (DNS: DNS lookup failed); check SLACK_API_URL and DNS",
        ),
        (
            connector_error(aiohttp.ClientConnectorError, ConnectionRefusedError(111, "Connection refused")),
            "cannot connect to slack.example.com (Connection refused)",
        ),
        (aiohttp.ServerDisconnectedError(), "the connection to slack.example.com failed (ServerDisconnectedError)"),
    ],
)
def test_an_unreachable_slack_is_told_naming_the_host(
    error: aiohttp.ClientError, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert check(error, caplog).splitlines()[-1] == f"WARNING could not check SLACK_BOT_TOKEN: {said}; starting anyway"


def test_the_check_beside_the_server_is_done_once_finished_and_stops_the_app_when_refused(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    stopped: list[bool] = []
    answer = asyncio.Event()

    async def refused(self: AsyncWebClient, **kwargs: Any) -> Any:
        await answer.wait()
        raise slack_error({"ok": False, "error": "invalid_auth"})

    monkeypatch.setattr(AsyncWebClient, "auth_test", refused)

    async def main() -> tuple[bool, bool]:
        check = token_check.TokenCheck(settings(), stop=lambda: stopped.append(True))
        check.start()
        await asyncio.sleep(0)
        before = await check.done()
        answer.set()
        for _ in range(10):
            await asyncio.sleep(0)
        return before, await check.done()

    assert asyncio.run(main()) == (False, True)
    assert stopped == [True]
    assert caplog.records[-1].levelname == "ERROR" and "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in caplog.text
