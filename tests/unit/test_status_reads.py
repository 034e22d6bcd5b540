"""Status reads shared by the checks that ask together: GETs of at most 100 ids, each caller answered with its
own reports, a shared GET Kaleyra refused asked again caller by caller, a GET on its way never joined; Kaleyra as an
`httpx.MockTransport`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import httpx
import pytest
from prometheus_client import REGISTRY

from bot.core.delivery import Report
from bot.core.errors import StatusRefused, StatusUnavailable
from bot.core.kaleyra import KaleyraClient
from bot.core.status_reads import StatusReads
from tests.unit.kaleyra_double import ACCOUNT_URL, API_KEY, KaleyraDouble

T = TypeVar("T")


class Kaleyra:
    """The double behind a transport that notes each status GET as it arrives, and holds it while `held`."""

    def __init__(self, double: KaleyraDouble) -> None:
        self.double = double
        self.arrived: list[list[str]] = []
        self.held = False
        self._gate: asyncio.Event | None = None

    @property
    def gate(self) -> asyncio.Event:
        if self._gate is None:  # made on the test's own loop
            self._gate = asyncio.Event()
        return self._gate

    async def answer(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            self.arrived.append(request.url.params["message_ids"].split(","))
            if self.held:
                await self.gate.wait()
        return self.double.handle(request)

    async def heard(self, gets: int) -> None:
        """Until `gets` status GETs have arrived, or a second has passed."""
        for _ in range(1000):
            if len(self.arrived) >= gets:
                return
            await asyncio.sleep(0.001)


def with_reads(kaleyra: Kaleyra, scenario: Callable[[StatusReads], Awaitable[T]], **options: float) -> T:
    async def run() -> T:
        client = KaleyraClient(ACCOUNT_URL, API_KEY, transport=httpx.MockTransport(kaleyra.answer))
        try:
            return await scenario(StatusReads(client, **options))
        finally:
            await client.aclose()

    return asyncio.run(run())


def ids_of(reports: Sequence[Report]) -> list[str]:
    return [report.message_id for report in reports]


def delivered(*ids: str) -> KaleyraDouble:
    return KaleyraDouble(statuses={message_id: {"status": "Delivered"} for message_id in ids})


def status_requests_counted() -> float:
    labels = {"operation": "status", "result": "2xx"}
    return REGISTRY.get_sample_value("schedule_sms_kaleyra_request_seconds_count", labels) or 0.0


def test_callers_at_once_share_gets_of_at_most_100_ids_and_each_hears_only_its_own() -> None:
    callers = [[f"m{n}"] for n in range(180)] + [["x1", "x2", "x3"], ["m150", "y1"]]
    kaleyra = Kaleyra(delivered(*(message_id for ids in callers for message_id in ids)))
    before = status_requests_counted()

    async def scenario(reads: StatusReads) -> list[list[Report]]:
        return list(await asyncio.gather(*(reads.statuses(ids) for ids in callers)))

    answers = with_reads(kaleyra, scenario)
    assert [len(ids) for ids in kaleyra.arrived] == [100, 84], "184 ids asked together (m150 twice): two GETs"
    assert sorted(i for ids in kaleyra.arrived for i in ids) == sorted({i for ids in callers for i in ids})
    assert [ids_of(answer) for answer in answers] == callers, "each caller: its own reports, and only those"
    assert status_requests_counted() - before == 2, "one request counted per GET"


def test_a_refused_shared_get_fails_only_the_caller_whose_ids_are_refused_alone() -> None:
    """Kaleyra refuses a GET for one bad id: the other 99 callers of that GET ask again on their own and are
    answered, so one bad id never costs a batch's other rows a check."""
    callers = [[f"m{n}"] for n in range(99)] + [["broken", "m99"]] + [[f"m{n}"] for n in range(100, 150)]
    double = delivered(*(f"m{n}" for n in range(150)))
    double.status_refused_for = {"broken"}
    kaleyra = Kaleyra(double)

    async def scenario(reads: StatusReads) -> list[list[Report] | BaseException]:
        return list(await asyncio.gather(*(reads.statuses(ids) for ids in callers), return_exceptions=True))

    answers = with_reads(kaleyra, scenario)
    first, *then = kaleyra.arrived
    assert first == [*(f"m{n}" for n in range(99)), "broken"]
    assert [ids for ids in then if len(ids) == 51] == [[f"m{n}" for n in range(99, 150)]], "the other shared GET"
    assert sorted(ids for ids in then if len(ids) != 51) == sorted(callers[:100]), "the failed GET's callers, alone"
    [failed] = [answer for answer in answers if isinstance(answer, BaseException)]
    assert isinstance(failed, StatusRefused) and answers.index(failed) == 99
    assert [ids_of(answer) for answer in answers if not isinstance(answer, BaseException)] == [
        ids for ids in callers if ids != ["broken", "m99"]
    ]


def test_a_refused_get_that_held_one_callers_ids_alone_is_not_asked_again() -> None:
    double = delivered("m1")
    double.status_refused_for = {"m1"}
    kaleyra = Kaleyra(double)
    with pytest.raises(StatusRefused):
        with_reads(kaleyra, lambda reads: reads.statuses(["m1"]))
    assert kaleyra.arrived == [["m1"]]


def test_kaleyra_out_of_reach_fails_every_caller_of_the_get_once_and_is_not_asked_again() -> None:
    callers = [[f"m{n}"] for n in range(100)] + [["m100"]]
    kaleyra = Kaleyra(KaleyraDouble(status_api_down=True))

    async def scenario(reads: StatusReads) -> list[list[Report] | BaseException]:
        return list(await asyncio.gather(*(reads.statuses(ids) for ids in callers), return_exceptions=True))

    answers = with_reads(kaleyra, scenario)
    assert [len(ids) for ids in kaleyra.arrived] == [100, 1], "no caller asked again on its own"
    assert all(isinstance(answer, StatusUnavailable) for answer in answers)
    assert len({id(answer) for answer in answers[:100]}) == 1, "the same failure, as one caller would have heard it"


def test_closing_cancels_a_get_on_its_way() -> None:
    kaleyra = Kaleyra(delivered("m1"))
    kaleyra.held = True  # Kaleyra never answers

    async def scenario(reads: StatusReads) -> BaseException:
        waiting = asyncio.create_task(reads.statuses(["m1"]))
        await kaleyra.heard(1)
        await asyncio.wait_for(reads.aclose(), 5)
        return (await asyncio.gather(asyncio.wait_for(waiting, 5), return_exceptions=True))[0]

    assert isinstance(with_reads(kaleyra, scenario), asyncio.CancelledError)


def test_a_lone_caller_is_answered_with_its_own_reports() -> None:
    kaleyra = Kaleyra(delivered("m1"))
    reports = with_reads(kaleyra, lambda reads: reads.statuses(["m1", "m2"]))
    assert ids_of(reports) == ["m1"] and kaleyra.arrived == [["m1", "m2"]]


def test_a_full_get_goes_without_waiting_for_its_window() -> None:
    kaleyra = Kaleyra(delivered(*(f"m{n}" for n in range(100))))

    async def scenario(reads: StatusReads) -> list[Report]:
        # were the GET to wait for its hour-long window, this would stop at 10 s and fail
        return await asyncio.wait_for(reads.statuses([f"m{n}" for n in range(100)]), 10)

    reports = with_reads(kaleyra, scenario, window_seconds=3600)
    assert len(reports) == 100 and [len(ids) for ids in kaleyra.arrived] == [100]


def test_a_report_naming_no_id_asked_for_goes_to_every_caller_of_its_get() -> None:
    """Kaleyra's request id with a recipient: each row's tracker matches it by number (`tracking._match`)."""
    double = delivered("m1")
    double.statuses["m2"] = {"message_id": "req-1", "status": "Delivered", "recipient": "919876500002"}
    kaleyra = Kaleyra(double)

    async def scenario(reads: StatusReads) -> list[list[Report]]:
        return list(await asyncio.gather(reads.statuses(["m1"]), reads.statuses(["m2"])))

    first, second = with_reads(kaleyra, scenario)
    assert kaleyra.arrived == [["m1", "m2"]]
    assert ids_of(first) == ["m1", "req-1"] and ids_of(second) == ["req-1"]


def test_a_get_on_its_way_is_not_joined_and_a_caller_that_leaves_does_not_stop_it() -> None:
    kaleyra = Kaleyra(delivered("m1", "m2", "m3"))
    kaleyra.held = True

    async def scenario(reads: StatusReads) -> tuple[list[Report], list[Report]]:
        first = asyncio.create_task(reads.statuses(["m1", "m2"]))
        leaving = asyncio.create_task(reads.statuses(["m2"]))
        await kaleyra.heard(1)
        late = asyncio.create_task(reads.statuses(["m3"]))
        await kaleyra.heard(2)
        leaving.cancel()
        kaleyra.gate.set()
        with pytest.raises(asyncio.CancelledError):
            await leaving
        return await first, await late

    first, late = with_reads(kaleyra, scenario)
    assert kaleyra.arrived == [["m1", "m2"], ["m3"]], "the late caller's id went in a GET of its own"
    assert ids_of(first) == ["m1", "m2"] and ids_of(late) == ["m3"]


def test_no_ids_no_get() -> None:
    kaleyra = Kaleyra(KaleyraDouble())
    assert with_reads(kaleyra, lambda reads: reads.statuses([])) == [] and kaleyra.arrived == []
