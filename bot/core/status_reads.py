"""Delivery-status reads shared by the checks that ask at about the same time.

Every sent SMS has a status check of its own (`bot.core.tracking`), so the rows of a batch sent together
come due together, and the queue's runner claims them at once and runs them side by side: asked one by
one, Kaleyra would get a GET per row. Here the ids asked for within a few milliseconds of each other go in
shared GETs of up to 100 ids (`KaleyraClient.statuses`, which counts each request in the metrics), and each
caller gets back the reports of its own ids (and any naming none of the ids asked for), or the failure of a
GET that held one of them (after a shared GET Kaleyra refused, of the same ids asked for alone). (The
queue's runner runs 50 jobs at once, so one instance's GET holds at most that many rows' ids.)

A GET that has gone is never joined: a caller that comes later fills the next one. So what is kept is one
GET being filled, and the GETs on their way, each held by callers waiting for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.delivery import Report
from bot.core.errors import StatusRefused
from bot.core.kaleyra import MAX_RECIPIENTS_PER_REQUEST, KaleyraClient

WINDOW_SECONDS = 0.005
"""How long a GET waits, from its first id, for others to join it before it goes (at once when full).
Checks claimed together reach their read within a few milliseconds of each other (each first reads its own
record from Redis), while Kaleyra takes tens of milliseconds or more to answer: a lone check waits no
longer than a fraction of that, and a longer wait would only gather checks that did not come due together."""


@dataclass(eq=False)
class _Read:
    """One GET: the ids it will ask for (in order, once each), and Kaleyra's reports once it answered."""

    answer: asyncio.Future[list[Report]]
    ids: dict[str, None] = field(default_factory=dict)
    timer: asyncio.TimerHandle | None = None


class StatusReads:
    """Kaleyra's delivery statuses for many callers, in as few GETs as the ids asked for together need."""

    def __init__(
        self,
        kaleyra: KaleyraClient,
        *,
        window_seconds: float = WINDOW_SECONDS,
        per_request: int = MAX_RECIPIENTS_PER_REQUEST,
    ) -> None:
        self._kaleyra = kaleyra
        self._window = window_seconds
        self._per_request = per_request
        self._filling: _Read | None = None
        self._on_their_way: set[asyncio.Task[None]] = set()  # kept: the loop holds its tasks only weakly

    async def statuses(self, message_ids: Sequence[str]) -> list[Report]:
        """The reports that name one of `message_ids`, and those of the same GETs that name no id asked for
        (Kaleyra's request id with a recipient: the tracker matches them by number); `StatusUnavailable`
        when a GET that held them failed. When Kaleyra refused a GET shared with other callers (an id of
        theirs may be what it refused), these ids are asked for again on their own, so one bad id never
        costs the others a check; Kaleyra out of reach or busy is not asked twice."""
        wanted = dict.fromkeys(message_ids)
        reads: list[_Read] = []
        for message_id in wanted:
            read = self._filling or self._open()
            read.ids[message_id] = None
            if not reads or reads[-1] is not read:
                reads.append(read)
            if len(read.ids) >= self._per_request:
                self._send(read)
        try:
            # shielded: a caller that stops waiting (its job cancelled) leaves the GET to the others
            answers = await asyncio.gather(*(asyncio.shield(read.answer) for read in reads))
        except StatusRefused:
            if all(read.ids.keys() <= wanted.keys() for read in reads):
                raise  # its GETs held its own ids alone
            return await self._kaleyra.statuses(list(wanted))
        return [
            report
            for read, answer in zip(reads, answers, strict=True)
            for report in answer
            if report.message_id in wanted or report.message_id not in read.ids  # see `statuses`' docstring
        ]

    async def aclose(self) -> None:
        """On shutdown, once the checks have ended: a GET still on its way has no one left to answer."""
        for task in self._on_their_way:
            task.cancel()
        await asyncio.gather(*self._on_their_way, return_exceptions=True)

    def _open(self) -> _Read:
        loop = asyncio.get_running_loop()
        read = _Read(loop.create_future())
        read.timer = loop.call_later(self._window, self._send, read)
        self._filling = read
        return read

    def _send(self, read: _Read) -> None:
        """The GET goes (full, or its window is over); from now on nobody joins it."""
        if read.timer is not None:
            read.timer.cancel()
        self._filling = None  # only the GET being filled is ever full, or has a window to end
        task = asyncio.get_running_loop().create_task(self._get(read))
        self._on_their_way.add(task)
        task.add_done_callback(self._on_their_way.discard)

    async def _get(self, read: _Read) -> None:
        try:
            reports = await self._kaleyra.statuses(list(read.ids))
        except asyncio.CancelledError:
            read.answer.cancel()
            raise
        except Exception as exc:  # noqa: BLE001  every caller of this GET hears its failure, as one caller would
            read.answer.set_exception(exc)
        else:
            read.answer.set_result(reports)
