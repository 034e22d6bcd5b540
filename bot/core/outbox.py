"""The outbox: confirm a pending request once, re-check the window and limits, send it, record the outcome."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from redis.exceptions import RedisError

from bot.core import phones
from bot.core.history import History, MessageState, SmsRecord, digest
from bot.core.kaleyra import (
    KaleyraClient,
    Rejected,
    Scheduled,
    SendResult,
    SmsMessage,
    Uncertain,
    chunked,
)
from bot.core.pending import Claim, Pending, PendingStore
from bot.core.quota import Quota
from bot.core.refusals import Refusal
from bot.core.shutdown import finish_despite_cancel
from bot.core.validation import ScheduleRequest, window_refusal

log = logging.getLogger(__name__)
audit_log = logging.getLogger("schedule_sms.audit")

Outcome = Literal["scheduled", "partial", "failed", "uncertain", "refused", "not_yours", "unknown", "handled", "held"]
"""What a Confirm (or Cancel) came to; `refused` carries a `Refusal` saying why nothing was sent."""


@dataclass(frozen=True)
class SendReport:
    """One result per request of at most 100 recipients, in order; later ones skipped after a failure."""

    parts: list[tuple[Sequence[str], SendResult]] = field(default_factory=list)
    skipped: int = 0

    @property
    def scheduled(self) -> list[Scheduled]:
        return [result for _, result in self.parts if isinstance(result, Scheduled)]

    @property
    def accepted_recipients(self) -> list[str]:
        """The numbers Kaleyra accepted: only these may be reported to the channel as scheduled."""
        return [number for batch, result in self.parts if isinstance(result, Scheduled) for number in batch]

    @property
    def unclear(self) -> bool:
        """Whether some part's outcome is unknown."""
        return any(isinstance(result, Uncertain) for _, result in self.parts)

    @property
    def outcome(self) -> Outcome:
        if all(isinstance(result, Scheduled) for _, result in self.parts) and not self.skipped:
            return "scheduled"
        if self.scheduled:
            return "partial"
        if self.unclear:
            return "uncertain"
        return "failed"


@dataclass(frozen=True)
class Confirmation:
    outcome: Outcome
    pending: Pending | None = None
    report: SendReport | None = None
    claim: Claim | None = None  # for `handled`: where the request already stands
    detail: str = ""  # for `held`: the id of the held SMS's record (space-separated ids: one per zone)
    refusal: Refusal | None = None
    recorded: bool = True  # False when the outcome could not be stored: delivery tracking may be late


class Holder(Protocol):
    """Holds SMS whose send time is far enough away, until their hand-off (`bot.core.holding`)."""

    async def intercept(self, pending_id: str, pending: Pending) -> Confirmation | None:
        """A Confirmation when the request is held (or refused as an edit); None to send it now."""


async def send_audited(kaleyra: KaleyraClient, pending: Pending, events: tuple[str, str]) -> SendReport:
    """The one way a request goes to Kaleyra, at Confirm and at hand-off alike: an audit line before and
    after, and a failure the client does not foresee reported as `Uncertain`, never raised (part of the
    request may have been sent)."""
    audit(pending, None, events[0])
    try:
        report = await send_request(kaleyra, pending.request)
    except Exception as exc:
        log.exception("sending failed unexpectedly; the outcome is unknown")
        failure = Uncertain(f"the app failed while sending ({type(exc).__name__})")
        report = SendReport([(pending.request.recipients, failure)])
    audit(pending, report, events[1])
    return report


async def send_request(kaleyra: KaleyraClient, request: ScheduleRequest) -> SendReport:
    """Send in requests of at most 100 recipients; stop at the first that is not scheduled."""
    parts: list[tuple[Sequence[str], SendResult]] = []
    batches = chunked(request.recipients)
    for index, batch in enumerate(batches):
        message = SmsMessage(
            batch, request.body, request.route, request.sender, request.send_at,
            request.template_id, request.callback_profile_id,
        )  # fmt: skip
        result = await kaleyra.send(message)
        parts.append((batch, result))
        if not isinstance(result, Scheduled):
            return SendReport(parts, skipped=sum(len(rest) for rest in batches[index + 1 :]))
    return SendReport(parts)


class Outbox:
    """Turns a Confirm click into exactly one send, whatever the clicks, instances and retries."""

    def __init__(
        self,
        store: PendingStore,
        kaleyra: KaleyraClient,
        quota: Quota,
        history: History,
        *,
        first_check_seconds: float,
        keep_body: bool,
        holder: Holder | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._holder = holder
        self._kaleyra = kaleyra
        self._quota = quota
        self._history = history
        self._first_check = timedelta(seconds=first_check_seconds)
        self._keep_body = keep_body
        self._clock = clock

    async def confirm(self, pending_id: str, user_id: str) -> Confirmation:
        pending = await self._store.get(pending_id)
        if pending is None:
            return await self._handled(pending_id, None)
        if pending.user_id != user_id:
            return Confirmation("not_yours", pending)
        if not await self._store.claim(pending_id):
            return await self._handled(pending_id, pending)
        try:  # holding is idempotent per pending id, so a storage failure in it can be retried safely
            held = await self._holder.intercept(pending_id, pending) if self._holder is not None else None
        except Exception:
            with suppress(RedisError):
                await self._store.release(pending_id)
            raise
        if held is not None:
            if held.outcome == "held":
                await self._store.finish(pending_id, Claim("held"))
            else:
                await self._store.release(pending_id)
            return held
        return await self.send_claimed(pending_id, pending)

    async def send_claimed(self, pending_id: str, pending: Pending) -> Confirmation:
        """The send path for a request this caller has claimed: refusal checks, "sending" recorded,
        one send, the outcome recorded. Before the send any failure releases the claim (nothing was
        sent); after it, storage failures are logged and reported in `recorded`, never raised."""
        try:
            refusal = await self._refusal(pending)
            if refusal is None:
                await self._store.mark(pending_id, Claim("sending"))
        except BaseException:  # a storage failure or a shutdown: nothing was sent, so Confirm may be clicked again
            with suppress(RedisError):
                await self._store.release(pending_id)
            raise
        if refusal is not None:
            await self._store.release(pending_id)
            return refusal
        return await finish_despite_cancel(self._send_and_record(pending_id, pending))

    async def _send_and_record(self, pending_id: str, pending: Pending) -> Confirmation:
        report = await send_audited(self._kaleyra, pending, ("sms_sending", "sms_confirmed"))
        recorded = await self._record(pending_id, pending, report)
        return Confirmation(report.outcome, pending, report, recorded=recorded)

    async def _refusal(self, pending: Pending) -> Confirmation | None:
        """Checked again at the moment of sending: Kaleyra's window, then the sender's limits."""
        refusal = window_refusal(pending.request.send_at, self._clock())
        if refusal is None:
            recipients = len(pending.request.recipients)
            refusal = await self._quota.refusal(pending.user_id, recipients, pending.tz, take=True)
        return Confirmation("refused", pending, refusal=refusal) if refusal is not None else None

    async def cancel(self, pending_id: str, user_id: str) -> Confirmation:
        """Cancel wins only if Confirm has not claimed the request first."""
        return await self._withdraw(pending_id, user_id, Claim("cancelled"))

    async def replace(self, pending_id: str, user_id: str) -> Confirmation:
        """An edit replaces the request, so the old Confirm can no longer send it; loses to a Confirm
        that came first (then `claim` says what became of it)."""
        return await self._withdraw(pending_id, user_id, Claim("replaced"))

    async def _withdraw(self, pending_id: str, user_id: str, why: Claim) -> Confirmation:
        pending = await self._store.get(pending_id)
        if pending is not None and pending.user_id != user_id:
            return Confirmation("not_yours", pending)
        if pending is None or not await self._store.claim(pending_id, why):
            return await self._handled(pending_id, pending)
        await self._store.finish(pending_id, why)
        return Confirmation("handled", pending, claim=why)

    async def _handled(self, pending_id: str, pending: Pending | None) -> Confirmation:
        claim = await self._store.claim_state(pending_id)
        return Confirmation("handled", pending, claim=claim) if claim else Confirmation("unknown")

    async def _record(self, pending_id: str, pending: Pending, report: SendReport) -> bool:
        """Close the claim and keep the history; a storage failure is logged, not raised, because the
        user must still hear what Kaleyra answered. False when something could not be stored."""
        try:
            if report.outcome == "failed":
                await self._store.release(pending_id)  # nothing was sent: Try again may send it
                return True
            batch_ids = tuple(result.batch_id for result in report.scheduled)
            await self._store.finish(pending_id, Claim("sent", batch_ids) if batch_ids else Claim("uncertain"))
            if batch_ids:
                await self._history.record(
                    self._history_record(pending_id, pending, report), self._first_check_at(pending)
                )
        except RedisError:
            log.exception("could not record the outcome of %s (%s)", pending_id, report.outcome)
            return False
        return True

    def _first_check_at(self, pending: Pending) -> datetime:
        now = self._clock()
        return max(now, pending.request.send_at or now) + self._first_check

    def _history_record(self, pending_id: str, pending: Pending, report: SendReport) -> SmsRecord:
        request = pending.request
        messages = sent_messages(report)
        return SmsRecord(
            id=pending_id,
            user_id=pending.user_id,
            channel_id=pending.channel_id,
            tz=pending.tz,
            route=request.route,
            send_at=request.send_at.isoformat() if request.send_at else None,
            created_at=self._clock().isoformat(),
            body_digest=digest(request.body),
            batch_ids=[result.batch_id for result in report.scheduled],
            messages=messages,
            body=request.body if self._keep_body else None,
        )


def audit(pending: Pending, report: SendReport | None, event: str) -> None:
    """An audit line before each send to Kaleyra (`report` None) and one after it, so a crash in between
    still leaves a trace: who, where, masked recipients, time; after, Kaleyra's ids and the outcome."""
    request = pending.request
    fields: dict[str, object] = {
        "user": pending.user_id,
        "channel": pending.channel_id,
        "recipients": [phones.mask(number) for number in request.recipients],
        "send_at": request.send_at.isoformat() if request.send_at else "now",
    }
    if report is not None:
        fields |= {
            "kaleyra_ids": [result.batch_id for result in report.scheduled],
            "outcome": report.outcome,
            "errors": [r.describe() for _, r in report.parts if isinstance(r, Rejected | Uncertain)],
        }
    audit_log.info("%s %s", event, json.dumps(fields), extra={"audit": fields})


def sent_messages(report: SendReport) -> dict[str, MessageState]:
    """Message id -> state for every recipient Kaleyra accepted, with the number the app sent."""
    return {
        message_id: MessageState(sent_number(batch, echoed))
        for batch, result in report.parts
        if isinstance(result, Scheduled)
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
