"""Held SMS: the app keeps an SMS until its hand-off, so it can be cancelled, edited or sent now.

Kaleyra v1 cannot cancel a scheduled SMS. So after Confirm, an SMS whose send time T is more than
`handoff` away is *held* in Redis, and handed to Kaleyra's Schedule API at T - `handoff`, still with
`time` = T, by a `handoff` job on the shared queue (`bot.core.jobs`). Until then it is the app's to
cancel, replace or send at once.

Exactly once: the record moves `held` -> `handing_off` (compare-and-set) *before* the Kaleyra call and
to its outcome after it. A hand-off found in `handing_off` was interrupted by a crash mid-call: it is
never repeated automatically; it becomes `uncertain` and the user is told and chooses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from bot.core import recurrence
from bot.core.history import (
    CANCELLED,
    FAILED,
    HANDED_OFF,
    HANDING_OFF,
    HELD,
    MISSED,
    REFUSED,
    REPLACED,
    SENT,
    UNCERTAIN,
    History,
    SmsRecord,
    digest,
)
from bot.core.jobs import CHECK, HANDOFF, JobQueue
from bot.core.kaleyra import KaleyraClient, Rejected, Uncertain
from bot.core.keys import key
from bot.core.mrkdwn import escape
from bot.core.outbox import Confirmation, SendReport, send_audited, sent_messages
from bot.core.pending import Pending
from bot.core.quiet_hours import QuietHours
from bot.core.quota import Quota
from bot.core.refusals import Reason, Refusal
from bot.core.validation import MIN_LEAD, window_refusal

log = logging.getLogger(__name__)

HANDOFF_LEAD = MIN_LEAD + timedelta(seconds=30)
"""A hand-off schedules with `time` only while T is at least this far away: Kaleyra's 15 minutes, plus
margin for clocks and the request itself."""

CANCELLABLE = frozenset({HELD, MISSED, FAILED, REFUSED})  # the app still has it, and nothing went out
SENDABLE = CANCELLABLE | {UNCERTAIN}  # Send now: also after an unknown outcome, since the user chooses
Notify = Callable[[SmsRecord, str], Awaitable[None]]
"""Tells the SMS's owner what happened to it (a hand-off nobody clicked for): the record and a headline."""


class Step(StrEnum):
    SCHEDULE = "schedule"  # hand to Kaleyra with time = T
    WAIT = "wait"  # too close for Kaleyra's scheduler: send it ourselves at T
    SEND_NOW = "send_now"  # T has just passed: send now, a little late
    MISSED = "missed"  # T passed too long ago: ask the user


def decide(send_at: datetime, now: datetime, late: timedelta) -> Step:
    """What a hand-off does at `now` for an SMS due at `send_at` (normally: schedule it with Kaleyra)."""
    if send_at - now >= HANDOFF_LEAD:
        return Step.SCHEDULE
    if now < send_at:
        return Step.WAIT
    return Step.SEND_NOW if now - send_at <= late else Step.MISSED


@dataclass(frozen=True)
class Acted:
    """What a Cancel / Send now click came to: the record as it is now, and words for the user."""

    ok: bool
    headline: str
    record: SmsRecord | None = None


def cancellable_until(record: SmsRecord) -> datetime | None:
    return datetime.fromisoformat(record.handoff_at) if record.handoff_at and record.phase == HELD else None


class Holding:
    def __init__(
        self,
        redis: Redis,
        history: History,
        jobs: JobQueue,
        kaleyra: KaleyraClient,
        quota: Quota,
        notify: Notify,
        *,
        handoff_minutes: int,
        late_minutes: int,
        quiet_hours: QuietHours,
        admins: Collection[str],
        first_check_seconds: float,
        keep_body: bool,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._redis = redis
        self._history = history
        self._jobs = jobs
        self._kaleyra = kaleyra
        self._quota = quota
        self._notify = notify
        self._handoff = timedelta(minutes=handoff_minutes)
        self._late = timedelta(minutes=late_minutes)
        self.quiet_hours = quiet_hours
        self._admins = frozenset(admins)
        self._first_check = timedelta(seconds=first_check_seconds)
        self._keep_body = keep_body
        self._clock = clock

    def holds(self, send_at: datetime | None, now: datetime) -> bool:
        return send_at is not None and send_at - now > self._handoff

    def may_act(self, record: SmsRecord, user_id: str) -> bool:
        return record.user_id == user_id or user_id in self._admins

    async def held_request(self, record_id: str) -> Pending | None:
        raw = await self._redis.get(key("held", record_id))
        return Pending.from_json(raw) if isinstance(raw, str) else None

    # --- Confirm: hold, or replace a held SMS -----------------------------------------------------

    async def intercept(self, pending_id: str, pending: Pending) -> Confirmation | None:
        if pending.replaces and not await self._retire(pending.replaces, pending_id, pending.user_id):
            message = "The SMS you edited has already gone to Kaleyra, so this edit was not sent."
            return Confirmation("refused", pending, refusal=Refusal(Reason.ALREADY_HANDED_OFF, message))
        repeat, parts = pending.request.repeat, pending.request.parts
        if not repeat and not parts and not self.holds(pending.request.send_at, self._clock()):
            return None
        for _, send_at, _ in parts:  # every zone's own time meets Kaleyra's window
            if refusal := window_refusal(send_at, self._clock()):
                return Confirmation("refused", pending, refusal=refusal)
        recipients = len(pending.request.recipients)
        if refusal := await self._quota.refusal(pending.user_id, recipients, pending.tz, take=False):
            return Confirmation("refused", pending, refusal=refusal)
        if parts:
            return Confirmation("held", pending, detail=" ".join(await self._hold_parts(pending_id, pending)))
        if not repeat:
            await self._hold(pending_id, pending)
            return Confirmation("held", pending, detail=pending_id)
        # a series: every send is held and handed off in turn; the series itself is the template
        keep = recurrence.last(repeat, pending.tz) - self._clock() + timedelta(days=7)
        await self._redis.set(key("series", pending_id), pending.to_json(), ex=int(keep.total_seconds()))
        await self._hold(f"{pending_id}-1", pending, series=pending_id, occurrence=1)
        return Confirmation("held", pending, detail=f"{pending_id}-1")

    async def _hold_parts(self, pending_id: str, pending: Pending) -> list[str]:
        """Each zone's send held as its own SMS (`<id>-z1`, ...), handed off at its own time; one already
        held by an earlier try of this Confirm is not held again (only its hand-off job is put back if that
        try failed before it), so no zone is ever sent twice."""
        record_ids = []
        for index, (_, send_at, numbers) in enumerate(pending.request.parts, 1):
            record_id = f"{pending_id}-z{index}"
            record = await self._history.get(record_id)
            if record is None:
                request = replace(pending.request, recipients=numbers, send_at=send_at, parts=())
                await self._hold(record_id, replace(pending, request=request))
            elif record.phase == HELD and record.handoff_at and await self._jobs.due_at(HANDOFF, record_id) is None:
                await self._jobs.put(HANDOFF, record_id, datetime.fromisoformat(record.handoff_at))
            record_ids.append(record_id)
        return record_ids

    async def _continue(self, record: SmsRecord) -> None:
        """Once a send of a series has left the app's hands (sent, skipped, missed...), hold the next one."""
        if not record.series:
            return
        raw = await self._redis.get(key("series", record.series))
        if not isinstance(raw, str):
            return  # stopped, or over
        template = Pending.from_json(raw)
        upcoming = recurrence.occurrences(template.request.repeat, template.tz, record.send_time, 1)
        next_id = f"{record.series}-{record.occurrence + 1}"
        if not upcoming or await self._history.get(next_id) is not None:
            return
        following = replace(template, request=replace(template.request, send_at=upcoming[0]))
        await self._hold(next_id, following, series=record.series, occurrence=record.occurrence + 1)

    async def _hold(self, record_id: str, pending: Pending, *, series: str = "", occurrence: int = 0) -> None:
        request, now = pending.request, self._clock()
        assert request.send_at is not None
        handoff_at = max(now, request.send_at - self._handoff)  # a zone's send may be due sooner than that
        record = SmsRecord(
            id=record_id, user_id=pending.user_id, channel_id=pending.channel_id, tz=pending.tz,
            route=request.route, send_at=request.send_at.isoformat(), created_at=now.isoformat(),
            body_digest=digest(request.body), batch_ids=[], messages={},
            body=request.body if self._keep_body else None,
            state=HELD, to=list(request.recipients), handoff_at=handoff_at.isoformat(),
            series=series, occurrence=occurrence,
        )  # fmt: skip
        keep = int((request.send_at - now + self._late + timedelta(days=7)).total_seconds())
        await self._redis.set(key("held", record_id), pending.to_json(), ex=keep)
        await self._history.record(record, None)
        await self._jobs.put(HANDOFF, record_id, handoff_at)

    async def _retire(self, record_id: str, replacement: str, user_id: str) -> bool:
        """Take a held SMS out for its edited version; True also when this replacement already did."""
        record = await self._history.get(record_id)
        if record is None or not self.may_act(record, user_id):
            return False
        if record.phase == REPLACED:
            return record.note == replacement
        retired = await self._history.move(record_id, CANCELLABLE, _set(REPLACED, user_id, replacement))
        if retired is None:
            return False
        await self._jobs.discard(HANDOFF, record_id)
        await self._redis.delete(key("held", record_id))
        await self._continue(retired)
        return True

    # --- the owner's buttons --------------------------------------------------------------------

    async def cancel(self, record_id: str, user_id: str) -> Acted:
        record = await self._history.get(record_id)
        if record is None:
            return Acted(False, "This SMS is no longer known to the app.")
        if not self.may_act(record, user_id):
            return Acted(False, _NOT_YOURS)
        cancelled = await self._history.move(record_id, CANCELLABLE, _set(CANCELLED, user_id))
        if cancelled is None:
            return Acted(False, _too_late(await self._history.get(record_id) or record), record)
        await self._jobs.discard(HANDOFF, record_id)
        await self._redis.delete(key("held", record_id))
        await self._continue(cancelled)
        return Acted(True, f":wastebasket: Cancelled by <@{user_id}>. Nothing was sent to Kaleyra.", cancelled)

    async def stop(self, record_id: str, user_id: str) -> Acted:
        """Stop a series: no more sends are held; the one held now is cancelled."""
        record = await self._history.get(record_id)
        if record is None or not record.series:
            return Acted(False, "This SMS is not part of a series the app knows.")
        if not self.may_act(record, user_id):
            return Acted(False, _NOT_YOURS)
        await self._redis.delete(key("series", record.series))
        cancelled = record.phase in CANCELLABLE and (await self.cancel(record_id, user_id)).ok
        headline = f":octagonal_sign: Series stopped by <@{user_id}>; no more SMS will be sent for it." + (
            " Its next SMS was cancelled; nothing was sent to Kaleyra." if cancelled else ""
        )
        return Acted(True, headline, await self._history.get(record_id))

    async def send_now(self, record_id: str, user_id: str) -> Acted:
        record = await self._history.get(record_id)
        if record is None:
            return Acted(False, "This SMS is no longer known to the app.")
        if not self.may_act(record, user_id):
            return Acted(False, _NOT_YOURS)
        pending = await self.held_request(record_id)
        if pending is None:
            return Acted(False, _too_late(record), record)
        sent, headline = await self._send(record_id, pending, None, SENDABLE, user_id)
        if sent is None:
            return Acted(False, _too_late(await self._history.get(record_id) or record), record)
        await self._jobs.discard(HANDOFF, record_id)
        await self._continue(sent)
        return Acted(sent.phase in (HANDED_OFF, SENT), headline, sent)

    # --- the hand-off (a job on the shared queue) -------------------------------------------------

    async def hand_off(self, record_id: str) -> datetime | None:
        """The `handoff` job: returns when to run again (an SMS too close to schedule waits for T), or None."""
        record, pending = await asyncio.gather(self._history.get(record_id), self.held_request(record_id))
        if record is None or pending is None or pending.request.send_at is None:
            return None
        if record.phase == HANDING_OFF:  # its instance died during the Kaleyra call: never repeat it
            note = "the app stopped while handing it to Kaleyra"
            if stuck := await self._history.move(record_id, {HANDING_OFF}, _set(UNCERTAIN, "", note)):
                await self._notify(stuck, _UNKNOWN)
                await self._continue(stuck)
            return None
        if record.phase != HELD:
            return None
        send_at, now = pending.request.send_at, self._clock()
        step = decide(send_at, now, self._late)
        if step is Step.WAIT:
            return send_at
        if step is Step.MISSED:
            late = _minutes(now - send_at)
            if missed := await self._history.move(record_id, {HELD}, _set(MISSED, "", f"{late} minutes late")):
                await self._notify(
                    missed,
                    f":alarm_clock: Not sent: the app was not running at its hand-off time, and it is now "
                    f"{late} minutes past its send time. Send it now, or cancel it.",
                )
                await self._continue(missed)
            return None
        sent, headline = await self._send(record_id, pending, send_at if step is Step.SCHEDULE else None, {HELD}, "")
        if sent is not None:
            if step is Step.SEND_NOW and sent.phase == SENT and (late := _minutes(now - send_at)):
                headline += f" It went {late} minute{'s' if late != 1 else ''} late: the app was not running earlier."
            await self._notify(sent, headline)
            await self._continue(sent)
        return None

    async def _send(
        self, record_id: str, pending: Pending, send_at: datetime | None, from_states: Collection[str], by: str
    ) -> tuple[SmsRecord | None, str]:
        """Send (with `time`, or now), recording `handing_off` before the call and the outcome after it."""
        started = await self._history.move(record_id, from_states, _set(HANDING_OFF, by))
        if started is None:
            return None, ""
        request = replace(pending.request, send_at=send_at)
        now = self._clock()
        refusal = self.quiet_hours.refusal(request, send_at or now) or await self._quota.refusal(
            pending.user_id, len(request.recipients), pending.tz, take=True
        )
        if refusal is not None:
            refused = await self._history.move(record_id, {HANDING_OFF}, _set(REFUSED, by, refusal.message))
            return refused, f":no_entry: Not sent: {refusal.message}"
        sending = replace(pending, request=request)
        report = await send_audited(self._kaleyra, sending, ("sms_handing_off", "sms_handed_off"))
        state = {"scheduled": HANDED_OFF if send_at else SENT, "failed": FAILED, "uncertain": UNCERTAIN}.get(
            report.outcome, HANDED_OFF if send_at else SENT
        )
        errors = "; ".join(result.describe() for _, result in report.parts if isinstance(result, Rejected | Uncertain))
        errors = errors[:MAX_NOTE_CHARS]  # Kaleyra's words, stored on the record: bounded
        settled = await self._history.move(record_id, {HANDING_OFF, UNCERTAIN}, _settle(state, report, errors))
        if settled is not None:
            await self._history.index_ids(settled)  # so Kaleyra's callbacks find it by message or batch id
        if report.scheduled:
            await self._jobs.put(CHECK, record_id, max(now, send_at or now) + self._first_check)
        return settled, _headline(state, report, send_at, pending.tz, escape(errors))


MAX_NOTE_CHARS = 500
_NOT_YOURS = "Only the person who scheduled this SMS, or an admin, can change it."
_UNKNOWN = (
    ":grey_question: The outcome is unknown: the app stopped while handing this SMS to Kaleyra, so it may or "
    "may not have been scheduled. It will not be sent again by itself. Check Kaleyra's console; "
    "*Send now* sends it again."
)


def _too_late(record: SmsRecord) -> str:
    if record.phase in (HANDING_OFF, HANDED_OFF, SENT):
        return "Too late: this SMS has already gone to Kaleyra, which cannot cancel or change it."
    if record.phase == UNCERTAIN:
        return "This SMS may already be at Kaleyra (its outcome is unknown); it cannot be cancelled here."
    if record.phase == CANCELLED:
        return f"This SMS was already cancelled by <@{record.acted_by}>; nothing was sent."
    return "This SMS was replaced by an edit; nothing was sent for it."


def _set(state: str, by: str, note: str = "") -> Callable[[SmsRecord], None]:
    def change(record: SmsRecord) -> None:
        record.state, record.note = state, note
        if by:
            record.acted_by = by

    return change


def _settle(state: str, report: SendReport, errors: str) -> Callable[[SmsRecord], None]:
    def change(record: SmsRecord) -> None:
        record.state, record.note = state, errors
        record.batch_ids = [result.batch_id for result in report.scheduled]
        record.messages = sent_messages(report)

    return change


def _headline(state: str, report: SendReport, send_at: datetime | None, tz: str, errors: str) -> str:
    ids = ", ".join(f"`{escape(result.batch_id)}`" for result in report.scheduled)
    if state == HANDED_OFF:
        local = send_at.astimezone(ZoneInfo(tz)) if send_at else None
        when = f" for {local:%a %d %b %H:%M} {local.tzname()}" if local else ""
        partial = " Only part of it was accepted; the rest was not sent." if report.outcome == "partial" else ""
        return f":outbox_tray: Handed to Kaleyra{when} (Kaleyra id {ids}); it can no longer be cancelled.{partial}"
    if state == SENT:
        partial = " Only part of it was accepted; the rest was not sent." if report.outcome == "partial" else ""
        return f":white_check_mark: Sent now (Kaleyra id {ids}).{partial}"
    if state == UNCERTAIN:
        return f":grey_question: {errors} It will not be sent again by itself."
    return f":x: Not sent: {errors} Nothing went out; you can send it now or cancel it."


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))
