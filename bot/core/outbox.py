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
from bot.core.pending import Pending, PendingStore
from bot.core.quota import Quota
from bot.core.refusals import Refusal
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
    def outcome(self) -> Outcome:
        if all(isinstance(result, Scheduled) for _, result in self.parts) and not self.skipped:
            return "scheduled"
        if self.scheduled:
            return "partial"
        if any(isinstance(result, Uncertain) for _, result in self.parts):
            return "uncertain"
        return "failed"


@dataclass(frozen=True)
class Confirmation:
    outcome: Outcome
    pending: Pending | None = None
    report: SendReport | None = None
    detail: str = ""  # for `handled`: the claim's state ("cancelled", "sent:<ids>", "sending")
    refusal: Refusal | None = None


class Holder(Protocol):
    """Holds SMS whose send time is far enough away, until their hand-off (`bot.core.holding`)."""

    async def intercept(self, pending_id: str, pending: Pending) -> Confirmation | None:
        """A Confirmation when the request is held (or refused as an edit); None to send it now."""


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
            state = await self._store.claim_state(pending_id)
            return Confirmation("handled", detail=state) if state else Confirmation("unknown")
        if pending.user_id != user_id:
            return Confirmation("not_yours", pending)
        if not await self._store.claim(pending_id):
            return Confirmation("handled", pending, detail=await self._store.claim_state(pending_id) or "")
        try:  # holding is idempotent per pending id, so a storage failure in it can be retried safely
            held = await self._holder.intercept(pending_id, pending) if self._holder is not None else None
        except Exception:
            with suppress(RedisError):
                await self._store.release(pending_id)
            raise
        if held is not None:
            if held.outcome == "held":
                await self._store.finish(pending_id, "held")
            else:
                await self._store.release(pending_id)
            return held
        try:
            refusal = await self._refusal(pending)
        except Exception:
            with suppress(RedisError):  # nothing was sent: let Confirm be clicked again if storage allows
                await self._store.release(pending_id)
            raise
        if refusal is not None:
            await self._store.release(pending_id)
            return refusal
        report = await send_request(self._kaleyra, pending.request)
        if report.outcome == "failed":
            await self._store.release(pending_id)
        else:
            await self._close_claim(pending_id, report)
            await self._remember(pending_id, pending, report)
        audit(pending, report)
        return Confirmation(report.outcome, pending, report)

    async def _refusal(self, pending: Pending) -> Confirmation | None:
        """Checked again at the moment of sending: Kaleyra's window, then the sender's limits."""
        refusal = window_refusal(pending.request.send_at, self._clock())
        if refusal is None:
            recipients = len(pending.request.recipients)
            refusal = await self._quota.refusal(pending.user_id, recipients, pending.tz, take=True)
        return Confirmation("refused", pending, refusal=refusal) if refusal is not None else None

    async def cancel(self, pending_id: str, user_id: str) -> Confirmation:
        """Cancel wins only if Confirm has not claimed the request first."""
        pending = await self._store.get(pending_id)
        if pending is not None and pending.user_id != user_id:
            return Confirmation("not_yours", pending)
        if pending is None or not await self._store.claim(pending_id):
            state = await self._store.claim_state(pending_id)
            return Confirmation("handled", pending, detail=state) if state else Confirmation("unknown")
        await self._store.finish(pending_id, "cancelled")
        return Confirmation("handled", pending, detail="cancelled")

    async def _close_claim(self, pending_id: str, report: SendReport) -> None:
        """Something may have gone out: never confirmable again. A storage failure here is logged,
        not raised, because the user must still hear that Kaleyra accepted the request."""
        summary = (
            "sent:" + ",".join(result.batch_id for result in report.scheduled) if report.scheduled else "uncertain"
        )
        try:
            await self._store.finish(pending_id, summary)
        except Exception:
            log.exception("could not record the outcome of %s; its claim stays until it expires", pending_id)

    async def _remember(self, pending_id: str, pending: Pending, report: SendReport) -> None:
        """Keep the history and queue the first status check; a storage failure here is logged only."""
        request = pending.request
        messages = {
            message_id: MessageState(recipient)
            for result in report.scheduled
            for recipient, message_id in result.message_ids.items()
        }
        now = self._clock()
        record = SmsRecord(
            id=pending_id,
            user_id=pending.user_id,
            channel_id=pending.channel_id,
            tz=pending.tz,
            route=request.route,
            send_at=request.send_at.isoformat() if request.send_at else None,
            created_at=now.isoformat(),
            body_digest=digest(request.body),
            batch_ids=[result.batch_id for result in report.scheduled],
            messages=messages,
            body=request.body if self._keep_body else None,
        )
        try:
            await self._history.record(record, max(now, request.send_at or now) + self._first_check)
        except Exception:
            log.exception("could not record the history of %s", pending_id)


def audit(pending: Pending, report: SendReport, event: str = "sms_confirmed") -> None:
    """One audit line per send to Kaleyra: who, where, masked recipients, time, ids, outcome."""
    request = pending.request
    fields = {
        "user": pending.user_id,
        "channel": pending.channel_id,
        "recipients": [phones.mask(number) for number in request.recipients],
        "send_at": request.send_at.isoformat() if request.send_at else "now",
        "kaleyra_ids": [result.batch_id for result in report.scheduled],
        "outcome": report.outcome,
        "errors": [result.describe() for _, result in report.parts if isinstance(result, Rejected | Uncertain)],
    }
    audit_log.info("%s %s", event, json.dumps(fields), extra={"audit": fields})
