"""The metrics move where the app's work happens: Kaleyra's attempts and retries, Slack's failed calls,
and the functions the core calls; label values from outside can never grow the number of series."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot import metrics, shared_metrics
from bot.core.errors import StatusUnavailable
from bot.slack.api_errors import CountFailures, method_of
from tests.unit.kaleyra_double import KaleyraDouble
from tests.unit.test_kaleyra import MESSAGE, send


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def kaleyra_attempts(operation: str, result: str) -> float:
    return value("schedule_sms_kaleyra_request_seconds_count", operation=operation, result=result)


def test_every_kaleyra_attempt_is_timed_and_every_retry_counted_with_its_reason() -> None:
    before = {
        "5xx": kaleyra_attempts("send", "5xx"),
        "4xx": kaleyra_attempts("send", "4xx"),
        "2xx": kaleyra_attempts("send", "2xx"),
        "error": kaleyra_attempts("send", "error"),
        "503": value("schedule_sms_kaleyra_retries_total", reason="503"),
        "429": value("schedule_sms_kaleyra_retries_total", reason="429"),
        "connect": value("schedule_sms_kaleyra_retries_total", reason="connect"),
    }

    def refused_connection(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    double = KaleyraDouble([
        lambda _: httpx.Response(503, headers={"Retry-After": "0"}),
        lambda _: httpx.Response(429, headers={"Retry-After": "0"}),
        refused_connection,
    ])  # fmt: skip
    send(double, MESSAGE, max_retries=3)
    assert {
        "5xx": kaleyra_attempts("send", "5xx") - before["5xx"],
        "4xx": kaleyra_attempts("send", "4xx") - before["4xx"],
        "2xx": kaleyra_attempts("send", "2xx") - before["2xx"],
        "error": kaleyra_attempts("send", "error") - before["error"],
        "503": value("schedule_sms_kaleyra_retries_total", reason="503") - before["503"],
        "429": value("schedule_sms_kaleyra_retries_total", reason="429") - before["429"],
        "connect": value("schedule_sms_kaleyra_retries_total", reason="connect") - before["connect"],
    } == {"5xx": 1, "4xx": 1, "2xx": 1, "error": 1, "503": 1, "429": 1, "connect": 1}


def test_status_requests_are_timed_too() -> None:
    double = KaleyraDouble(status_api_down=True)
    before = kaleyra_attempts("status", "5xx")

    async def scenario() -> None:
        client = double.client()
        try:
            await client.statuses(["m1"])
        except StatusUnavailable:
            pass
        finally:
            await client.aclose()

    asyncio.run(scenario())
    assert kaleyra_attempts("status", "5xx") - before == 1


def ask(handler: CountFailures, method: str, **answer: Any) -> bool:
    request = HttpRequest(method="POST", url=f"https://slack.com/api/{method}", headers={})
    return asyncio.run(handler.can_retry_async(state=RetryState(), request=request, **answer))


def test_failed_slack_calls_are_counted_by_method_and_error_and_never_retried() -> None:
    handler = CountFailures()

    def errors(method: str, error: str) -> float:
        return value("schedule_sms_slack_api_errors_total", method=method, error=error)

    before = [errors("chat.postMessage", "not_in_channel"), errors("users.info", "timeout"), errors("views.open", "x")]
    ok = HttpResponse(status_code=200, headers={}, body={"ok": True})
    refused = HttpResponse(status_code=200, headers={}, body={"ok": False, "error": "not_in_channel"})
    assert not ask(handler, "chat.postMessage", response=ok)
    assert not ask(handler, "chat.postMessage", response=refused)
    assert not ask(handler, "users.info", error=TimeoutError())
    after = [errors("chat.postMessage", "not_in_channel"), errors("users.info", "timeout"), errors("views.open", "x")]
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 0]


def test_the_method_is_read_from_the_url() -> None:
    assert method_of("https://slack.com/api/chat.postMessage?x=1") == "chat.postMessage"
    assert method_of("http://127.0.0.1:9/api/users.info") == "users.info"


def test_words_from_outside_become_a_bounded_label() -> None:
    assert metrics.safe_word("E402") == "E402"
    assert metrics.safe_word(None) == metrics.NONE
    assert metrics.safe_word("x" * 41) == metrics.safe_word("a b") == metrics.safe_word("é") == metrics.OTHER
    before = value("schedule_sms_delivery_statuses_total", status="other", source="callback")
    metrics.delivery_status("<script>", "callback")
    assert value("schedule_sms_delivery_statuses_total", status="other", source="callback") - before == 1


def test_the_functions_for_the_core_move_their_families() -> None:
    before_send = value("schedule_sms_sends_total", outcome="rejected", code="E401")
    before_late = value("schedule_sms_handoff_lateness_seconds_count")
    before_late_sum = value("schedule_sms_handoff_lateness_seconds_sum")
    before_confirm = value("schedule_sms_confirmations_total", outcome="held")
    metrics.send("rejected", "E401")
    metrics.handoff_lateness(-1)  # early counts as on time
    metrics.confirmation("held")
    metrics.jobs_due("handoff", 7)
    with metrics.job_in_flight("check"):
        assert value("schedule_sms_jobs_in_flight", kind="check") == 1
    assert value("schedule_sms_jobs_in_flight", kind="check") == 0
    assert value("schedule_sms_jobs_due", kind="handoff") == 7
    assert value("schedule_sms_sends_total", outcome="rejected", code="E401") - before_send == 1
    assert value("schedule_sms_handoff_lateness_seconds_count") - before_late == 1
    assert value("schedule_sms_handoff_lateness_seconds_sum") == before_late_sum
    assert value("schedule_sms_confirmations_total", outcome="held") - before_confirm == 1


def test_every_outcome_is_there_from_the_start() -> None:
    metrics.families()
    for outcome in ("confirmation", "form", "refused", "failed", "busy"):
        assert REGISTRY.get_sample_value("schedule_sms_commands_total", {"outcome": outcome}) is not None
    for kind in metrics.JOB_KINDS:
        assert REGISTRY.get_sample_value("schedule_sms_jobs_in_flight", {"kind": kind}) is not None


def test_the_workers_shared_mode_cannot_be_chosen_once_prometheus_client_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its mode is fixed at import: `python -m bot` chooses before importing the app (tests/e2e proves it)."""
    monkeypatch.delenv(shared_metrics.DIRECTORY_VARIABLE, raising=False)
    with pytest.raises(RuntimeError, match="imported before"):
        shared_metrics.prepare(2)
    assert shared_metrics.DIRECTORY_VARIABLE not in os.environ
