"""The one way an SMS goes to Kaleyra: its hand-off, Confirm of a near or "now" send, Send now, Try again,
and the owner's second send after an unknown outcome all come here.

At the moment of sending, and in this order, the same checks run for all of them: who may send (the
owner, from that channel), the series not stopped, Kaleyra's window, quiet hours, the owner's limits
(charged here, given back if the send does not start). A refusal changes nothing for a click (the SMS
stays as it was, and the clicker hears why); at a hand-off nobody is there to hear it, so the SMS is
marked refused and its owner told.

Then the record moves to `sending` with a new attempt: an owner token and a lease, renewed while the
send runs. Only the token's holder can settle the attempt, so a hand-off and a click racing for the
same SMS send it once. A send whose owner died (its lease ran out) is settled by whoever finds it:
back to where it was when no request can be at Kaleyra, else an unknown outcome that is never sent
again without the owner's explicit second choice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from redis.exceptions import RedisError

from bot import metrics
from bot.core import phones
from bot.core.batches import BatchBook
from bot.core.clock import Clock
from bot.core.errors import NotDurable
from bot.core.jobs import CHECK, HANDOFF
from bot.core.kaleyra import KaleyraClient, Scheduled, SendResult, SmsMessage, Uncertain, chunked
from bot.core.kaleyra_errors import KaleyraErrors
from bot.core.outcomes import Act, Outcome, Result, SendReport
from bot.core.quiet_hours import QuietHours
from bot.core.quota import Quota
from bot.core.records import (
    NOT_SENT,
    Attempt,
    Change,
    Event,
    MessageState,
    SmsRecord,
    State,
    new_attempt,
    transition,
)
from bot.core.refusals import Reason, Refusal
from bot.core.series import SeriesBook
from bot.core.shutdown import finish_despite_cancel
from bot.core.store import Commit, Store
from bot.core.validation import MIN_LEAD, ScheduleRequest, window_refusal

log = logging.getLogger(__name__)
T = TypeVar("T")
audit_log = logging.getLogger("schedule_sms.audit")

HANDOFF_LEAD = MIN_LEAD + timedelta(seconds=30)
"""A send goes with Kaleyra's `time` only while that time is at least this far away: Kaleyra's 15
minutes, plus margin for clocks and the request itself."""
MAX_NOTE_CHARS = 500
_BEGIN_LANES = 8
"""A group's rows begun at once: its request waits for the slowest, and the connection pool is shared."""
ACCESS_REASONS = frozenset({Reason.GUEST, Reason.CHANNEL, Reason.NOT_ALLOWED})


class Access(Protocol):
    """Who may send: answered by the Slack adapter (allow-lists, user groups, guests, channels)."""

    async def refusal(self, user_id: str, channel_id: str) -> Refusal | None: ...


class Step(StrEnum):
    SCHEDULE = "schedule"  # hand to Kaleyra with time = T
    WAIT = "wait"  # too close for Kaleyra's scheduler: send it ourselves at T
    SEND_LATE = "send_late"  # T has just passed: send now, a little late
    MISSED = "missed"  # T passed too long ago: ask the owner


def decide(send_at: datetime, now: datetime, late: timedelta) -> Step:
    """What a hand-off does at `now` for an SMS due at `send_at` (normally: schedule it with Kaleyra)."""
    if send_at - now >= HANDOFF_LEAD:
        return Step.SCHEDULE
    if now < send_at:
        return Step.WAIT
    return Step.SEND_LATE if now - send_at <= late else Step.MISSED


_FROM: dict[Act, frozenset[State]] = {
    Act.HANDOFF: frozenset({State.HELD}),
    Act.SEND_NOW: NOT_SENT,
    Act.RETRY: NOT_SENT,
    Act.SEND_AGAIN: frozenset({State.UNCERTAIN}),
}


class Dispatcher:
    def __init__(
        self,
        store: Store,
        kaleyra: KaleyraClient,
        quota: Quota,
        quiet_hours: QuietHours,
        access: Access,
        series: SeriesBook,
        batches: BatchBook,
        clock: Clock,
        *,
        lease_seconds: float,
        late_minutes: int,
        first_check_seconds: float,
        errors: KaleyraErrors | None = None,
    ) -> None:
        """`errors` counts Kaleyra's refusals and unknown outcomes for the admins' view."""
        self._store = store
        self._kaleyra = kaleyra
        self._quota = quota
        self._quiet = quiet_hours
        self._access = access
        self._series = series
        self._batches = batches
        self._clock = clock
        self._lease = timedelta(seconds=lease_seconds)
        self._late = timedelta(minutes=late_minutes)
        self._first_check = timedelta(seconds=first_check_seconds)
        self._errors = errors

    @property
    def dry_run(self) -> bool:
        """Whether Kaleyra's answers are a dry run's (KALEYRA_DRY_RUN): what an SMS confirmed now is marked."""
        return self._kaleyra.dry_run

    async def send(
        self, record_id: str, act: Act, by: str = "", *, from_job: bool = False, known: SmsRecord | None = None
    ) -> Outcome:
        """`act` is HANDOFF (the job, or Confirm of a near send), SEND_NOW, RETRY or SEND_AGAIN. With
        `from_job` the queued job that called is the watch over the send (its lease is kept while it runs).
        `known`: the record as the caller has just read it, so it is not read again (every change made from
        it is a compare-and-set, refused if it moved on since)."""
        record = known or await self._store.get(record_id)
        if record is None or record.withdrawn:
            return Outcome(act, Result.GONE)
        if record.phase is State.SENDING:
            if record.attempt is not None and record.attempt.lease_end > self._clock.now():
                return Outcome(act, Result.BUSY, (record,))
            record, _ = await self.abandon(record)
        if record.phase not in _FROM[act] or (request := record.schedule) is None:
            return Outcome(act, Result.TOO_LATE, (record,))
        now = self._clock.now()
        plan = self._plan(act, request.send_at or now, now)
        if isinstance(plan, Step):  # nothing is sent now
            if plan is Step.WAIT:
                return Outcome(act, Result.WAITING, (await self._wait(record),))
            if plan is Step.MISSED:
                note = f"{_minutes(now - record.send_time)} minutes late"
                return await self._settle_without_sending(record, Event.MISS, Outcome(act, Result.DONE), note)
            too_close = window_refusal(request.send_at, now) or _TOO_CLOSE
            return Outcome(act, Result.REFUSED, (record,), refusal=too_close)
        send_at, late = plan
        request = replace(request, send_at=send_at)
        refusal = await self._refusal(record, request, now)
        charged = refusal is None and not record.batch  # a batch's rows were counted at its Confirm
        if charged:
            refusal = await self._quota.refusal(record.user_id, len(request.recipients), record.tz, take=True)
        if refusal is not None:
            if act is not Act.HANDOFF:  # somebody clicked: the SMS stays as it was, and they hear why
                return Outcome(act, Result.REFUSED, (record,), refusal=refusal)
            return await self._refused_at_handoff(record, refusal)
        attempt = new_attempt(record, now + self._lease, scheduled=send_at is not None, by=by)
        try:
            begun = await self._begin(record, act, attempt, watched=not from_job)
        except BaseException:  # nothing was sent (not durable, storage gone): the limits are not charged
            if charged:
                with suppress(RedisError):
                    await self._quota.give_back(record.user_id, len(request.recipients))
            raise
        if begun is None or begun.attempt != attempt:
            if charged:
                await self._quota.give_back(record.user_id, len(request.recipients))
            current = begun or await self._store.get(record_id)
            busy = current is not None and current.phase is State.SENDING
            return Outcome(act, Result.BUSY if busy else Result.TOO_LATE, (current,) if current else ())
        sending = _Sending(self._store, self._kaleyra, self._clock, begun, attempt, self._lease, watched=not from_job)
        return await finish_despite_cancel(self._send_begun(sending, begun, request, act, late))

    async def send_group(self, leader_id: str) -> datetime | None:
        """The `group` job: rows of a batch with the same text and time (named by the group's first row) handed
        to Kaleyra in one request, through the same steps as `send`. Each row is checked as any send is and
        begun by compare-and-set on its own; the numbers that began go in one request; each row is settled
        with its own message id, found by its number, so Kaleyra taking some numbers and not others settles
        each row as it went. Rows cancelled, edited or sent meanwhile are left out, and a row this does not
        send is sent by its own hand-off job, due a little later. When to run again, or None."""
        leader = await self._store.get(leader_id)
        if leader is None or not leader.group:
            return None
        found = await self._store.get_many(leader.group)
        rows = [record for record in found if record.phase is State.HELD and record.request is not None]
        requests = {record.id: request for record in rows if (request := record.schedule) is not None}
        if not requests:
            return None
        first, now = next(iter(requests.values())), self._clock.now()
        plan = self._plan(Act.HANDOFF, first.send_at or now, now)
        if isinstance(plan, Step):
            if plan is not Step.WAIT:
                return None  # missed: each row's own job settles it, and its owner hears it once, for the batch
            for record in rows:
                await self._wait(record, after=self._lease)
            return first.send_at
        send_at, late = plan
        # one batch, so one owner, channel and mode: what refuses one row refuses them all, asked once
        standing = await self._standing_refusal(rows[0])
        if standing is not None and standing.reason is Reason.BATCH_NOT_READY:
            return now + self._lease
        ready: list[tuple[SmsRecord, ScheduleRequest]] = []
        for record in rows:
            request = replace(requests[record.id], send_at=send_at)
            if (refusal := standing or self._request_refusal(request, now)) is None:
                ready.append((record, request))
            else:
                await self._refused_at_handoff(record, refusal)
        attempts = [new_attempt(record, now + self._lease, scheduled=send_at is not None, by="") for record, _ in ready]
        lanes = asyncio.Semaphore(_BEGIN_LANES)

        async def begin(record: SmsRecord, attempt: Attempt) -> SmsRecord | None:
            async with lanes:
                return await self._begin(record, Act.HANDOFF, attempt, watched=True)

        starts = [begin(record, attempt) for (record, _), attempt in zip(ready, attempts, strict=True)]
        begun = await asyncio.gather(*starts, return_exceptions=True)  # a row not begun is left to its own job
        together = [
            (_Sending(self._store, self._kaleyra, self._clock, started, attempt, self._lease, watched=True), request)
            for started, attempt, (_, request) in zip(begun, attempts, ready, strict=True)
            if isinstance(started, SmsRecord) and started.attempt == attempt
        ]
        if together:
            await finish_despite_cancel(self._send_together(together, late))
        return None

    async def _send_together(self, together: list[tuple[_Sending, ScheduleRequest]], late: timedelta) -> None:
        """One request for every begun row's number, each row's lease kept meanwhile; then each row settled."""
        request = together[0][1]
        numbers = [one.recipients[0] for _, one in together]
        message = SmsMessage(
            numbers, request.body, request.route, request.sender, request.send_at, request.template_id,
            request.callback_profile_id,
        )  # fmt: skip

        async def on_wire(value: bool) -> None:
            for sending, _ in together:
                await sending.progress(on_wire=value)

        for sending, one in together:
            audit(sending.record, one, None, "sms_sending")
        result: SendResult
        try:
            result = await _Sending.lease_kept_for(
                self._kaleyra.send(message, on_wire=on_wire), [sending for sending, _ in together]
            )
        except Exception as exc:
            log.exception("sending a group failed unexpectedly; the outcome is unknown")
            result = Uncertain(f"the app failed while sending ({type(exc).__name__})")
        _count(result)
        await self._note_errors(SendReport([(numbers, result)]))
        accepted: dict[str, SendResult] = {}
        if isinstance(result, Scheduled):
            for echoed, message_id in result.message_ids.items():
                accepted[sent_number(numbers, echoed)] = Scheduled(result.batch_id, {echoed: message_id})
        missing = Uncertain("Kaleyra's answer for the request did not name this number")
        for sending, one in together:
            number = one.recipients[0]
            own = accepted.get(number, missing) if isinstance(result, Scheduled) else result
            report = SendReport([(one.recipients, own)])
            audit(sending.record, one, report, "sms_sent")
            try:
                if (settled := await sending.settle(report, self.first_check_at(one.send_at))) is not None:
                    await self._store.index(settled)
            except RedisError:  # its watch settles it as unknown: never sent twice
                log.exception("could not record the outcome of %s", sending.record.id)
        if late:
            log.info("a group of %d rows went %s late", len(together), late)

    def _plan(self, act: Act, send_at: datetime, now: datetime) -> Step | tuple[datetime | None, timedelta]:
        """When to send: with Kaleyra's `time` (a datetime), at once (None, and how late), or not now (a Step)."""
        if act is Act.SEND_NOW:
            return None, timedelta()
        step = decide(send_at, now, self._late)
        if step is Step.SCHEDULE:
            return send_at, timedelta()
        if act is Act.SEND_AGAIN:  # the owner's second send: for its time if it still can be, else now
            return None, timedelta()
        if act is Act.RETRY:
            return step  # Try again is for its time only: too close now, and the owner is told so
        return (None, now - send_at) if step is Step.SEND_LATE else step

    async def _wait(self, record: SmsRecord, *, after: timedelta = timedelta()) -> SmsRecord:
        """Too close for Kaleyra's scheduler: the hand-off moves to the send time, when the app sends it (a
        grouped row's own job `after` it: its group's job sends it first)."""
        send_at = record.send_time

        def at_send_time(commit: Commit, moved: SmsRecord) -> None:
            commit.add_job(HANDOFF, moved.id, send_at + after)

        change = Change(handoff_at=send_at)
        moved, _ = await self._store.move(record.id, Event.RESCHEDULE, change, also=at_send_time, known=record)
        return moved or record

    async def abandon(self, record: SmsRecord) -> tuple[SmsRecord, bool]:
        """Settle an attempt whose owner is gone (its lease ran out): back to where it was when nothing can
        be at Kaleyra, else an unknown outcome. The record as it stands after, and whether this call
        settled it (only one caller does, so the owner is told once)."""
        now = self._clock.now()

        def expired(current: SmsRecord) -> bool:
            return current.attempt is not None and current.attempt.lease_end <= now

        def requeue(commit: Commit, settled: SmsRecord) -> None:
            if settled.phase is State.HELD and settled.handoff_at:
                commit.add_job(HANDOFF, settled.id, datetime.fromisoformat(settled.handoff_at))

        note = "the app stopped while handing this SMS to Kaleyra"
        after, changed = await self._store.move(
            record.id, Event.ABANDON, Change(note=note), when=expired, also=requeue, known=record
        )
        if changed and after is not None:
            log.warning("a send of %s was abandoned by its instance: now %s", after.id, after.phase)
        return after or record, changed

    async def _refused_at_handoff(self, record: SmsRecord, refusal: Refusal) -> Outcome:
        """Nobody clicked: the SMS is marked refused, and its owner told; a row of a cancelled batch is
        cancelled with it; a row of a batch still being confirmed waits for it."""
        outcome = Outcome(Act.HANDOFF, Result.REFUSED, refusal=refusal)
        if refusal.reason is Reason.BATCH_NOT_READY:
            return Outcome(Act.HANDOFF, Result.BUSY, (record,), refusal=refusal)
        if refusal.reason is Reason.BATCH_CANCELLED:
            batch = await self._batches.get(record.batch)
            by = batch.cancelled_by if batch else ""
            return await self._settle_without_sending(record, Event.CANCEL, outcome, refusal.message, by=by)
        return await self._settle_without_sending(record, Event.REFUSE, outcome, refusal.message, refusal)

    async def _refusal(self, record: SmsRecord, request: ScheduleRequest, now: datetime) -> Refusal | None:
        """The checks at the moment of sending, in their one order (the limits come after, charged)."""
        return await self._standing_refusal(record) or self._request_refusal(request, now)

    async def _standing_refusal(self, record: SmsRecord) -> Refusal | None:
        """What refuses the SMS whatever its time and number: its mode, who sends where, its series or batch."""
        if record.dry_run != self.dry_run:
            return _dry_run_changed(record.dry_run)
        if refusal := await self._access.refusal(record.user_id, record.channel_id):
            return refusal
        if record.series and await self._series.stopped(record.series):
            return Refusal(Reason.SERIES_STOPPED, "its series was stopped")
        if record.batch:
            return await self._batches.refusal(record.batch)
        return None

    def _request_refusal(self, request: ScheduleRequest, now: datetime) -> Refusal | None:
        """What refuses this time for this number: Kaleyra's window, the recipient's quiet hours."""
        if request.send_at is not None and (refusal := window_refusal(request.send_at, now)):
            return refusal
        return self._quiet.refusal(request, request.send_at or now)

    async def _settle_without_sending(
        self,
        record: SmsRecord,
        event: Event,
        outcome: Outcome,
        note: str,
        refusal: Refusal | None = None,
        *,
        by: str = "",
    ) -> Outcome:
        """A hand-off that does not send (missed, refused): the record says why and the series goes on, or
        stops when its owner may no longer send."""
        settled, changed = await self._store.move(record.id, event, Change(note=note, by=by), known=record)
        if not changed or settled is None:
            return Outcome(outcome.act, Result.TOO_LATE, (settled,) if settled else ())
        if settled.series:
            if refusal is not None and refusal.reason in ACCESS_REASONS:
                await self._series.stop(settled.series, "")
            else:
                await self._series.continue_after(settled)
        return replace(outcome, records=(settled,))

    async def _begin(self, record: SmsRecord, act: Act, attempt: Attempt, *, watched: bool) -> SmsRecord | None:
        """`sending`, with `attempt`, only if the record is as the checks saw it. A click's send moves the
        hand-off job to the lease's end, to settle the attempt if this instance dies (a job sending is
        itself that watch). The mark must be durable before Kaleyra is called (`Durability`)."""
        event = Event.BEGIN_AGAIN if act is Act.SEND_AGAIN else Event.BEGIN

        def unchanged(current: SmsRecord) -> bool:
            """As the checks saw it: the same state and request, and no attempt begun since. What is written
            beside (the channel post's link, Confirm's answer landing after a hand-off read the record) does
            not stop the send: refused for it, the hand-off would end with the SMS held and no job left."""
            return (current.phase, current.sends, current.request) == (record.phase, record.sends, record.request)

        def watch(commit: Commit, begun: SmsRecord) -> None:
            if watched:
                commit.add_job(HANDOFF, begun.id, attempt.lease_end)

        change = Change(by=attempt.by, attempt=attempt)
        try:
            after, changed = await self._store.move(
                record.id, event, change, when=unchanged, also=watch, durable=True, known=record
            )
        except NotDurable:
            idle = replace(attempt, on_wire=False)  # nothing was sent: the attempt is taken back
            await self._store.move(record.id, Event.PROGRESS, Change(attempt=idle))
            await self._store.move(record.id, Event.ABANDON, when=lambda current: current.attempt == idle)
            raise
        return after if changed else None

    async def _send_begun(
        self, sending: _Sending, record: SmsRecord, request: ScheduleRequest, act: Act, late: timedelta
    ) -> Outcome:
        audit(record, request, None, "sms_sending")
        report = await sending.run(request)
        audit(record, request, report, "sms_sent")
        await self._note_errors(report)
        try:
            settled = await sending.settle(report, self.first_check_at(request.send_at))
            if settled is None:
                return Outcome(act, Result.TOO_LATE, report=report)
            await self._store.index(settled)
            if settled.series and settled.phase is not State.UNCERTAIN:
                await self._series.continue_after(settled)
        except RedisError:  # Kaleyra's answer is known: the user must still hear it, never "nothing was sent"
            log.exception("could not record the outcome of %s", record.id)
            return Outcome(act, Result.DONE, (sending.outcome_of(record, report),), report=report, recorded=False)
        return Outcome(act, Result.DONE, (settled,), report=report, late=late)

    async def _note_errors(self, report: SendReport) -> None:
        """Kaleyra's refusals and unknown outcomes, counted for the admins; storage trouble costs only the count."""
        if self._errors is None:
            return
        for _, result in report.parts:
            if isinstance(result, Scheduled):
                continue
            try:
                await self._errors.note(result)
            except RedisError as exc:
                log.warning("could not count a Kaleyra error: %s", type(exc).__name__)

    def first_check_at(self, send_at: datetime | None) -> datetime:
        now = self._clock.now()
        return max(now, send_at or now) + self._first_check


class _Sending:
    """One attempt's life: its requests to Kaleyra, its lease renewed while it runs, its settling."""

    def __init__(
        self,
        store: Store,
        kaleyra: KaleyraClient,
        clock: Clock,
        record: SmsRecord,
        attempt: Attempt,
        lease: timedelta,
        *,
        watched: bool,
    ) -> None:
        self._store = store
        self._kaleyra = kaleyra
        self._clock = clock
        self._record_id = record.id
        self._record = record  # as this attempt last wrote it: the next change starts from it
        self._attempt = attempt
        self._lease = lease
        self._watched = watched
        self._accepted: list[tuple[Sequence[str], Scheduled]] = []

    @property
    def record(self) -> SmsRecord:
        return self._record

    async def run(self, request: ScheduleRequest) -> SendReport:
        """Send, renewing the lease meanwhile; a failure the client does not foresee is an unknown outcome
        (part of it may have been sent), never raised."""
        try:
            return await self.lease_kept_for(self._send(request), [self])
        except Exception as exc:
            log.exception("sending failed unexpectedly; the outcome is unknown")
            return SendReport([(request.recipients, Uncertain(f"the app failed while sending ({type(exc).__name__})"))])

    @staticmethod
    async def lease_kept_for(work: Awaitable[T], sendings: Sequence[_Sending]) -> T:
        """`work` (requests to Kaleyra), with the lease of every attempt in `sendings` renewed meanwhile (one
        after the other: a group's rows share the connection pool with everything else)."""
        renewing = asyncio.create_task(_renew_all(sendings))
        try:
            return await work
        finally:
            renewing.cancel()
            with suppress(asyncio.CancelledError):
                await renewing

    async def _send(self, request: ScheduleRequest) -> SendReport:
        """In requests of at most 100 recipients; stop at the first that is not scheduled. With more than
        one request, each answer is kept on the record as it comes, so a crash later loses none."""
        parts: list[tuple[Sequence[str], SendResult]] = []
        batches = chunked(request.recipients)
        for index, batch in enumerate(batches):
            message = SmsMessage(
                batch, request.body, request.route, request.sender, request.send_at,
                request.template_id, request.callback_profile_id,
            )  # fmt: skip
            if index:
                await self.progress(on_wire=True)
            result = await self._kaleyra.send(message, on_wire=self._progress_wire)
            _count(result)
            parts.append((batch, result))
            if not isinstance(result, Scheduled):
                return SendReport(parts, skipped=sum(len(rest) for rest in batches[index + 1 :]))
            self._accepted.append((batch, result))
            if len(batches) > 1:
                await self.progress(on_wire=False)
        return SendReport(parts)

    async def _progress_wire(self, on_wire: bool) -> None:
        """Kaleyra said "not now" and a retry waits (False: nothing is at Kaleyra), or the retry goes (True)."""
        await self.progress(on_wire=on_wire)

    @property
    def lease(self) -> timedelta:
        return self._lease

    @property
    def on_wire(self) -> bool:
        return self._attempt.on_wire

    async def progress(self, *, on_wire: bool) -> None:
        lease_end = self._clock.now() + self._lease
        attempt = replace(self._attempt, lease_until=lease_end.isoformat(), on_wire=on_wire)

        def also(commit: Commit, moved: SmsRecord) -> None:
            _with_parts(moved, self._accepted)
            if self._watched:
                commit.add_job(HANDOFF, moved.id, lease_end)

        moved, changed = await self._store.move(
            self._record_id, Event.PROGRESS, Change(attempt=attempt), also=also, known=self._record
        )
        if changed and moved is not None:
            self._attempt, self._record = attempt, moved

    def _answer(self, report: SendReport) -> tuple[Event, Change]:
        """The event Kaleyra's answer is, with the owner's token."""
        self._accepted = [(batch, result) for batch, result in report.parts if isinstance(result, Scheduled)]
        errors = report.errors()[:MAX_NOTE_CHARS]  # Kaleyra's words, stored on the record: bounded
        if self._accepted:
            to = State.HANDED_OFF if self._attempt.scheduled else State.SENT
            return Event.ACCEPTED, Change(to=to, note=errors, attempt=self._attempt)
        return Event.UNKNOWN if report.unclear else Event.REJECTED, Change(note=errors, attempt=self._attempt)

    def outcome_of(self, begun: SmsRecord, report: SendReport) -> SmsRecord:
        """The record as the answer makes it, for words when it could not be stored."""
        settled = transition(begun, *self._answer(report))
        _with_parts(settled, self._accepted)
        return settled

    async def settle(self, report: SendReport, first_check_at: datetime) -> SmsRecord | None:
        """The attempt's outcome on the record, by its owner's token (so also after it was taken for
        abandoned); the delivery check queued for what Kaleyra took."""
        event, change = self._answer(report)

        def also(commit: Commit, settled: SmsRecord) -> None:
            _with_parts(settled, self._accepted)
            if self._watched:
                commit.drop_job(HANDOFF, settled.id)
            if self._accepted:
                commit.add_job(CHECK, settled.id, first_check_at)

        settled, changed = await self._store.move(self._record_id, event, change, also=also, known=self._record)
        if not changed:
            log.error("the outcome of %s could not be recorded: the record moved on", self._record_id)
        return settled if changed else None


async def _renew_all(sendings: Sequence[_Sending]) -> None:
    """Every third of the lease, each attempt's lease renewed, one after the other."""
    while True:
        await asyncio.sleep(sendings[0].lease.total_seconds() / 3)
        for sending in sendings:
            await sending.progress(on_wire=sending.on_wire)


def _count(result: SendResult) -> None:
    if isinstance(result, Scheduled):
        metrics.send("accepted")
    elif isinstance(result, Uncertain):
        metrics.send("unknown")
    else:
        metrics.send("rejected", result.code)


def _with_parts(record: SmsRecord, accepted: list[tuple[Sequence[str], Scheduled]]) -> None:
    """Kaleyra's ids for the parts it took, with the numbers the app sent."""
    record.batch_ids = [result.batch_id for _, result in accepted]
    record.messages = {
        message_id: record.messages.get(message_id) or MessageState(sent_number(batch, echoed))
        for batch, result in accepted
        for echoed, message_id in result.message_ids.items()
    }


def sent_number(batch: Sequence[str], echoed: str) -> str:
    """The E.164 number the app sent that Kaleyra's echo stands for: Kaleyra may drop the `+` or the
    country code, and a number that cannot be masked must never reach a notification."""
    if echoed in batch:
        return echoed
    digits = "".join(char for char in echoed if char.isdigit())
    matches = [number for number in batch if len(digits) >= 6 and number.lstrip("+").endswith(digits)]
    return matches[0] if len(matches) == 1 else echoed


def audit(record: SmsRecord, request: ScheduleRequest, report: SendReport | None, event: str) -> None:
    """An audit line before each send to Kaleyra (`report` None) and one after it, so a crash in between
    still leaves a trace: who, where, masked recipients, time; after, Kaleyra's ids and the outcome."""
    fields: dict[str, object] = {
        "sms": record.id,
        "user": record.user_id,
        "channel": record.channel_id,
        "recipients": [phones.mask(number) for number in request.recipients],
        "send_at": request.send_at.isoformat() if request.send_at else "now",
    }
    if report is not None:
        fields |= {
            "kaleyra_ids": [result.batch_id for result in report.scheduled],
            "outcome": report.outcome,
            "errors": report.errors(),
        }
    audit_log.info("%s %s", event, json.dumps(fields), extra={"audit": fields})


def _dry_run_changed(confirmed_in_dry_run: bool) -> Refusal:
    """An SMS is sent only as it was confirmed: a dry run's never for real, a real one never as a dry run."""
    if confirmed_in_dry_run:
        return Refusal(
            Reason.DRY_RUN,
            "it was confirmed in a dry run (KALEYRA_DRY_RUN), and the app now sends for real. Edit it, and confirm "
            "the edit, to send it for real.",
        )
    return Refusal(
        Reason.DRY_RUN,
        "the app is in a dry run now (KALEYRA_DRY_RUN) and does not call Kaleyra, so this SMS, confirmed for "
        "real, is not sent. Send it now once the dry run is over.",
    )


_TOO_CLOSE = Refusal(
    Reason.TOO_SOON, "It is now too close to its time for Kaleyra to schedule it; send it now or edit it."
)


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))
