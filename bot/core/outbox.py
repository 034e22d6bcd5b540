"""The outbox: every SMS from Confirm to Kaleyra, as one state machine (`bot.core.records`).

Confirm keeps the request as a *held* record, with its `handoff` job due at T - `handoff` (or at once,
for a near or "now" send, which the clicker's own request then sends). Kaleyra v1 cannot cancel a
scheduled SMS, so until its hand-off the SMS is the app's to cancel, edit or send now. Every send goes
through the one `Dispatcher`; every change is a compare-and-set from named states, so a click, a
hand-off and another instance can never both win, and each is answered from where the SMS really is.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import replace
from datetime import datetime, timedelta

from bot import metrics
from bot.core import keys
from bot.core.batches import BatchBook, Phase
from bot.core.clock import Clock
from bot.core.dispatch import Access, Dispatcher
from bot.core.errors import NotDurable
from bot.core.jobs import HANDOFF
from bot.core.outcomes import Act, Outcome, Result
from bot.core.pending import Pending, PendingStore
from bot.core.quiet_hours import QuietHours
from bot.core.quota import Quota
from bot.core.records import (
    NOT_SENT,
    Change,
    Event,
    SmsRecord,
    State,
    held,
    transition,
)
from bot.core.refusals import Reason, Refusal
from bot.core.series import SeriesBook
from bot.core.store import ABSENT, Commit, Store
from bot.core.validation import ScheduleRequest, window_refusal

log = logging.getLogger(__name__)
_NOT_KEPT = Refusal(
    Reason.NOT_DURABLE,
    "the app's storage could not confirm it kept this SMS safe right now, so nothing is held and nothing was "
    "sent. Confirm again in a moment.",
)
_BATCH_NOT_KEPT = Refusal(
    Reason.NOT_DURABLE,
    "the app could not make sure it kept these SMS safe right now, so none is held and none was sent. "
    "Submit them again in a moment.",
)
Notify = Callable[[Outcome], Awaitable[None]]
"""Tells an SMS's owner what happened to it when nobody clicked (a hand-off, a job given up)."""


class Outbox:
    def __init__(
        self,
        store: Store,
        pending: PendingStore,
        dispatcher: Dispatcher,
        series: SeriesBook,
        batches: BatchBook,
        quota: Quota,
        quiet_hours: QuietHours,
        access: Access,
        clock: Clock,
        notify: Notify,
        *,
        handoff_minutes: int,
        lease_seconds: float,
        keep_body: bool,
        admins: Collection[str],
    ) -> None:
        self._store = store
        self._pending = pending
        self._dispatcher = dispatcher
        self._series = series
        self._batches = batches
        self._quota = quota
        self.quiet_hours = quiet_hours
        self._access = access
        self._clock = clock
        self._notify = notify
        self._handoff = timedelta(minutes=handoff_minutes)
        self._lease = timedelta(seconds=lease_seconds)
        self._keep_body = keep_body
        self._admins = frozenset(admins)

    def may_act(self, record: SmsRecord, user_id: str) -> bool:
        return record.user_id == user_id or user_id in self._admins

    # --- before Confirm ------------------------------------------------------------------------------

    async def confirm(self, pending_id: str, user_id: str) -> Outcome:
        """Keep the request as held records (one per zone, or a series' first send); a near or "now" send
        is then sent by this call. The checks of the send run first, so a refusal keeps the request."""
        for _ in range(5):
            pending = await self._pending.get(pending_id)
            if pending is None:
                return await self.answer(Act.CONFIRM, pending_id)
            if pending.user_id != user_id:
                return Outcome(Act.CONFIRM, Result.NOT_YOURS)
            if pending.batch is not None:
                return await self._confirm_batch(pending_id, pending)
            if refused := await self._refused(pending_id, pending):
                return refused
            original = await self._store.get(pending.replaces) if pending.replaces else None
            if pending.replaces and (
                original is None or original.phase not in NOT_SENT or not self.may_act(original, user_id)
            ):
                refusal = Refusal(Reason.ORIGINAL_GONE, "the SMS you edited is no longer held by the app")
                return Outcome(Act.CONFIRM, Result.REFUSED, refusal=refusal, original=original, pending_id=pending_id)
            commit, created = self._hold(pending_id, pending, original)
            if original is not None:
                replaced = transition(original, Event.REPLACE, Change(by=user_id, note=created[0].id))
                self._store.put_record(commit, replaced, original.version)
                commit.drop_job(HANDOFF, original.id)
            try:
                applied = await self._store.apply(commit, durable=True)
            except NotDurable:  # the user is told "held" only once it is sure to stay held: taken back
                await self._unhold(pending_id, pending, created, original)
                return Outcome(Act.CONFIRM, Result.REFUSED, refusal=_NOT_KEPT, pending=pending, pending_id=pending_id)
            if applied:
                return await self._confirmed(created, original, user_id)
        raise RuntimeError(f"{pending_id} kept changing while it was confirmed")

    async def _refused(self, pending_id: str, pending: Pending) -> Outcome | None:
        """Why the request may not be kept, checked as its send will be: who may send, each send's window,
        quiet hours, the limits (not charged: that is at the send)."""
        request, now = pending.request, self._clock.now()
        refusal = await self._access.refusal(pending.user_id, pending.channel_id)
        for _, send_at, _ in request.parts or (("", request.send_at, ()),):
            refusal = refusal or window_refusal(send_at, now)
        refusal = refusal or self.quiet_hours.refusal(request, request.send_at or now)
        if refusal is None:
            refusal = await self._quota.refusal(pending.user_id, len(request.recipients), pending.tz, take=False)
        if refusal is None:
            return None
        return Outcome(Act.CONFIRM, Result.REFUSED, refusal=refusal, pending=pending, pending_id=pending_id)

    async def _confirm_batch(self, pending_id: str, pending: Pending) -> Outcome:
        """A batch's Confirm: who may send, then the limits, counted for every row now (a batch is charged
        whole at its Confirm, and its rows are not counted again when they go); then its rows are held."""
        assert pending.batch is not None
        rows = int(pending.batch["rows"])
        refusal = await self._access.refusal(pending.user_id, pending.channel_id)
        if refusal is None:
            refusal = await self._quota.refusal(pending.user_id, rows, pending.tz, take=True, burst=False)
        if refusal is not None:
            return Outcome(Act.CONFIRM, Result.REFUSED, refusal=refusal, pending=pending, pending_id=pending_id)
        try:
            batch, opened = await self._batches.create(pending_id, pending, dry_run=self._dispatcher.dry_run)
        except NotDurable:
            await self._quota.give_back(pending.user_id, rows, burst=False)
            return Outcome(Act.CONFIRM, Result.REFUSED, refusal=_BATCH_NOT_KEPT)
        if batch is None or batch.phase == Phase.CANCELLED:  # another click took it first; or it was not kept
            await self._quota.give_back(pending.user_id, rows, burst=False)
            if batch is None:
                return await self.answer(Act.CONFIRM, pending_id)
            return Outcome(Act.CONFIRM, Result.REFUSED, refusal=_BATCH_NOT_KEPT)
        return Outcome(Act.CONFIRM, Result.DONE if opened else Result.WAITING, batch=batch)

    def _hold(
        self, pending_id: str, pending: Pending, original: SmsRecord | None = None
    ) -> tuple[Commit, list[SmsRecord]]:
        """The commit keeping `pending` as held records, taking the request out of reach of any other click
        (an edit of a batch's row stays a row of that batch)."""
        commit = Commit(keys.bucket_of(pending_id))
        commit.check(keys.of(pending_id, "pending"), 0)
        commit.delete(keys.of(pending_id, "pending"))
        request = pending.request
        if request.repeat:
            return commit, [
                self._series.start(commit, pending_id, request, pending.owner(), dry_run=self._dispatcher.dry_run)
            ]
        sends = [(f"{pending_id}-z{n}", zone, replace(request, recipients=numbers, send_at=at, parts=()))
                 for n, (zone, at, numbers) in enumerate(request.parts, 1)] or [(pending_id, "", request)]  # fmt: skip
        created = []
        for record_id, zone, one in sends:
            record = replace(self._held_record(record_id, one, pending), zone=zone)
            if original is not None and original.batch:
                record.batch, record.line = original.batch, original.line
            self._store.put_record(commit, record, ABSENT)
            assert record.handoff_at is not None
            handoff_at = datetime.fromisoformat(record.handoff_at)
            # a send due now is made by the clicker's own request; the job only watches over it
            commit.add_job(
                HANDOFF, record_id, handoff_at + (self._lease if handoff_at <= self._clock.now() else timedelta())
            )
            commit.index_in_team(record, self._store.oldest())
            created.append(record)
        return commit, created

    async def _unhold(
        self, pending_id: str, pending: Pending, created: list[SmsRecord], original: SmsRecord | None
    ) -> None:
        """Undo a hold that could not be made durable: the records and jobs it made go, the edited original
        comes back as it was, and the request waits for Confirm again."""
        commit = Commit(keys.bucket_of(pending_id))
        for record in created:
            commit.check(keys.of(record.id, "sms"), record.version)
            commit.delete(keys.of(record.id, "sms"))
            commit.drop_job(HANDOFF, record.id)
            commit.unindex_in_team(record)
        if pending.request.repeat:
            commit.delete(keys.of(pending_id, "series"))
        if original is not None:
            self._store.put_record(commit, original, original.version + 1)
            assert original.handoff_at is not None
            commit.add_job(HANDOFF, original.id, datetime.fromisoformat(original.handoff_at))
        commit.set(keys.of(pending_id, "pending"), pending.to_json(), self._pending.ttl)
        if not await self._store.apply(commit):
            log.error("a hold of %s that could not be made durable could not be taken back", pending_id)

    def _held_record(self, record_id: str, request: ScheduleRequest, pending: Pending) -> SmsRecord:
        now = self._clock.now()
        handoff_at = max(now, request.send_at - self._handoff) if request.send_at else now
        return held(
            record_id, request, user_id=pending.user_id, channel_id=pending.channel_id, tz=pending.tz, now=now,
            handoff_at=handoff_at, keep_body=self._keep_body, trace=pending.trace, dry_run=self._dispatcher.dry_run,
        )  # fmt: skip

    async def _confirmed(self, created: list[SmsRecord], original: SmsRecord | None, user_id: str) -> Outcome:
        for record in created:
            await self._store.index(record)
        if original is not None and original.batch:
            await self._batches.touch(original.batch)
        if original is not None and original.series:
            replaced = await self._store.get(original.id)
            if replaced is not None:
                await self._series.continue_after(replaced)
        now, records, sends = self._clock.now(), [], []
        for record in created:
            if record.handoff_at and datetime.fromisoformat(record.handoff_at) <= now:
                sent = await self._dispatcher.send(record.id, Act.HANDOFF, user_id, known=record)
                sends.append(sent)
                record = sent.record or record
            records.append(record)
        report = next((sent.report for sent in sends if sent.report), None)
        recorded = all(sent.recorded for sent in sends)
        return Outcome(Act.CONFIRM, Result.DONE, tuple(records), report=report, original=original, recorded=recorded)

    async def withdraw(self, pending_id: str, user_id: str, act: Act) -> Outcome:
        """Cancel (`Act.CANCEL`) or Edit (`Act.WITHDRAW_FOR_EDIT`) before Confirm: loses to a Confirm that came
        first, and is then answered with where the SMS stands."""
        pending = await self._pending.get(pending_id)
        if pending is None:
            return await self.answer(act, pending_id)
        if pending.user_id != user_id:
            return Outcome(act, Result.NOT_YOURS)
        now = self._clock.now()
        record = held(
            pending_id, replace(pending.request, send_at=pending.request.send_at or now, parts=()), user_id=user_id,
            channel_id=pending.channel_id, tz=pending.tz, now=now, handoff_at=now, keep_body=False,
        )  # fmt: skip
        state = State.CANCELLED if act is Act.CANCEL else State.REPLACED
        record = replace(record, state=state, acted_by=user_id, withdrawn=True, request=None)
        commit = Commit(keys.bucket_of(pending_id))
        commit.check(keys.of(pending_id, "pending"), 0)
        commit.delete(keys.of(pending_id, "pending"))
        if pending.batch is not None:
            commit.delete(keys.of(pending_id, "rows"))
        self._store.put_record(commit, record, ABSENT)
        if await self._store.apply(commit):
            return Outcome(act, Result.DONE, (record,))
        return await self.answer(act, pending_id)

    async def answer(self, act: Act, pending_id: str) -> Outcome:
        """For a click on a request that is no longer waiting: what became of it (confirmed, cancelled,
        replaced), or GONE when it expired unconfirmed."""
        records = await self._store.get_many([pending_id, f"{pending_id}-z1", f"{pending_id}-1"])
        if records:
            return Outcome(act, Result.TOO_LATE, tuple(records))
        batch = await self._batches.get(pending_id)
        return Outcome(act, Result.TOO_LATE, batch=batch) if batch else Outcome(act, Result.GONE)

    # --- the owner's buttons on a held SMS ---------------------------------------------------------

    async def cancel(self, record_id: str, user_id: str) -> Outcome:
        record = await self._owned(record_id, user_id, Act.CANCEL)
        if isinstance(record, Outcome):
            return record
        if record.phase is State.SENDING:  # its instance may have died: settle that first
            record, _ = await self._dispatcher.abandon(record)

        after, changed = await self._store.move(record_id, Event.CANCEL, Change(by=user_id), also=_drop_hand_off)
        if not changed or after is None:
            return Outcome(Act.CANCEL, Result.TOO_LATE, (after,) if after else ())
        if after.series:
            await self._series.continue_after(after)
        return Outcome(Act.CANCEL, Result.DONE, (after,))

    async def send_now(self, record_id: str, user_id: str, act: Act = Act.SEND_NOW) -> Outcome:
        """Send now, Send again (after an unknown outcome) or Try again (for its time), by the owner or an admin."""
        record = await self._owned(record_id, user_id, act)
        if isinstance(record, Outcome):
            return record
        return await self._dispatcher.send(record_id, act, user_id)

    async def stop(self, record_id: str, user_id: str) -> Outcome:
        """Stop the series `record_id` belongs to: no send is held after it, every held one is cancelled."""
        record = await self._owned(record_id, user_id, Act.STOP)
        if isinstance(record, Outcome):
            return record
        if not record.series:
            return Outcome(Act.STOP, Result.GONE, (record,))
        stopped = await self._series.stop(record.series, user_id)
        after = await self._store.get(record_id) or record
        result = Result.TOO_LATE if stopped.already else Result.DONE
        return Outcome(Act.STOP, result, (after,), stopped=stopped.cancelled, under_way=stopped.under_way, by=user_id)

    async def cancel_batch(self, batch_id: str, user_id: str) -> Outcome:
        """Every row of a batch the app still holds, by its owner or an admin; rows under way are reported."""
        batch = await self._batches.get(batch_id)
        if batch is None:
            return Outcome(Act.CANCEL_BATCH, Result.GONE)
        if batch.user_id != user_id and user_id not in self._admins:
            return Outcome(Act.CANCEL_BATCH, Result.NOT_YOURS, batch=batch)
        cancelled = await self._batches.cancel(batch_id, user_id)
        result = Result.TOO_LATE if cancelled.already and not cancelled.cancelled else Result.DONE
        return Outcome(Act.CANCEL_BATCH, result, batch=cancelled.batch, cancelled=cancelled, by=user_id)

    async def close(self, record_id: str, user_id: str) -> Outcome:
        """After an unknown outcome, its owner or an admin checked Kaleyra's console: the SMS is closed, never sent
        again, and a series goes on."""
        record = await self._owned(record_id, user_id, Act.CLOSE)
        if isinstance(record, Outcome):
            return record
        after, changed = await self._store.move(record_id, Event.CLOSE, Change(by=user_id))
        if not changed or after is None:
            return Outcome(Act.CLOSE, Result.TOO_LATE, (after,) if after else ())
        if after.series:
            await self._series.continue_after(after)
        return Outcome(Act.CLOSE, Result.DONE, (after,))

    async def _owned(self, record_id: str, user_id: str, act: Act) -> SmsRecord | Outcome:
        """The record, if `user_id` may act on it (its owner, or an admin); else the answer."""
        record = await self._store.get(record_id)
        if record is None or record.withdrawn:
            return Outcome(act, Result.GONE)
        if not self.may_act(record, user_id):
            return Outcome(act, Result.NOT_YOURS, (record,))
        return record

    # --- the queued jobs ---------------------------------------------------------------------------

    async def hand_off(self, record_id: str) -> datetime | None:
        """The `handoff` job: hands a held SMS to Kaleyra, and watches over a send under way (settling it if
        its instance died). Returns when to run again, or None."""
        record = await self._store.get(record_id)
        if record is None:
            return None
        if record.phase is State.SENDING:
            assert record.attempt is not None
            if record.attempt.lease_end > self._clock.now():
                return record.attempt.lease_end  # its owner is alive: look again when its lease ends
            record, abandoned = await self._dispatcher.abandon(record)
            if abandoned and record.phase is not State.HELD and not record.batch:  # a batch's news is its own
                await self._notify(Outcome(Act.HANDOFF, Result.DONE, (record,)))
                if record.series and record.phase is not State.UNCERTAIN:
                    await self._series.continue_after(record)
        if record.phase is not State.HELD:
            return None
        if record.handoff_at and (handoff_at := datetime.fromisoformat(record.handoff_at)) > self._clock.now():
            return handoff_at  # early (a watch over a send that came back to held): wait for its own time
        if record.handoff_at:
            metrics.handoff_lateness((self._clock.now() - datetime.fromisoformat(record.handoff_at)).total_seconds())
        outcome = await self._dispatcher.send(record_id, Act.HANDOFF, from_job=True, known=record)
        if outcome.result is Result.WAITING:
            return record.send_time
        if outcome.result is Result.BUSY:  # a send under way, or a batch still being confirmed
            attempt = outcome.record.attempt if outcome.record else None
            return attempt.lease_end if attempt else self._clock.now() + self._lease
        if outcome.result in (Result.DONE, Result.REFUSED) and not record.batch:  # a batch tells its news itself
            await self._notify(outcome)
        return None

    async def hand_off_group(self, leader_id: str) -> datetime | None:
        """The `group` job: rows of a batch with the same text and time, in one request (`Dispatcher.send_group`)."""
        return await self._dispatcher.send_group(leader_id)

    async def give_up(self, record_id: str, tries: int) -> None:
        """The hand-off failed `tries` times (Slack or storage trouble): the SMS is marked failed, its owner told,
        and its series goes on."""
        note = f"the app could not hand it off ({tries} tries)"
        record, changed = await self._store.move(record_id, Event.GIVE_UP, Change(note=note))
        if changed and record is not None and not record.batch:  # a batch tells its news itself
            await self._notify(Outcome(Act.HANDOFF, Result.DONE, (record,)))
            if record.series:
                await self._series.continue_after(record)


def _drop_hand_off(commit: Commit, cancelled: SmsRecord) -> None:
    commit.drop_job(HANDOFF, cancelled.id)
