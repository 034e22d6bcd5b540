"""The SMS record: one per confirmed SMS, from Confirm until its delivery is known, and its life as a table.

Kaleyra v1 can neither list nor cancel a scheduled SMS, so this record is the only account of it. Every
change of `state` is an *event* from the table below, applied by `transition` to a record in one of the
event's from-states; anything else is refused with the record as it is, so the caller answers with the
real reason. `bot.core.store` then writes the change only if nobody else changed the record since it
was read (a compare-and-set on `version`): two events can never both win.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core import delivery
from bot.core.validation import ScheduleRequest


class State(StrEnum):
    HELD = "held"  # the app keeps it; its hand-off job is queued
    SENDING = "sending"  # one attempt is under way (`attempt`: its owner and lease)
    HANDED_OFF = "handed_off"  # Kaleyra has it, to send at its time
    SENT = "sent"  # Kaleyra has it, sent at once
    FAILED = "failed"  # Kaleyra refused it: nothing went out
    UNCERTAIN = "uncertain"  # Kaleyra may or may not have it: never sent again without the owner's say
    REFUSED = "refused"  # a check at its hand-off refused it (limits, quiet hours, access, window)
    MISSED = "missed"  # its hand-off came too late to send it without asking
    CANCELLED = "cancelled"
    REPLACED = "replaced"  # an edit took its place
    CLOSED = "closed"  # its outcome was unknown; its owner or an admin checked Kaleyra and closed it


class Event(StrEnum):
    CONFIRM = "confirm"  # Confirm keeps the request as a record
    WITHDRAW = "withdraw"  # Cancel or Edit before Confirm: the request can never be confirmed
    BEGIN = "begin"  # a send starts: the hand-off, Send now, Try again
    BEGIN_AGAIN = "begin_again"  # the owner's explicit second send after an unknown outcome
    PROGRESS = "progress"  # the attempt's lease renewed, a part of it answered
    ACCEPTED = "accepted"  # Kaleyra took it (all or part)
    REJECTED = "rejected"  # Kaleyra refused it
    UNKNOWN = "unknown"  # Kaleyra's answer was lost
    ABANDON = "abandon"  # the attempt's owner stopped (its lease ran out)
    REFUSE = "refuse"  # a check at hand-off refused it
    MISS = "miss"  # the hand-off came too late
    CANCEL = "cancel"
    REPLACE = "replace"
    GIVE_UP = "give_up"  # its hand-off kept failing (Slack or storage trouble): nothing went out
    RESCHEDULE = "reschedule"  # too close for Kaleyra's scheduler: the app itself sends it at its time
    CLOSE = "close"  # after an unknown outcome, checked in Kaleyra's console: never sent again


NOT_SENT = frozenset({State.HELD, State.FAILED, State.REFUSED, State.MISSED})
"""Nothing went out, and the app still has it: it can be cancelled, edited, sent now."""
WITH_KALEYRA = frozenset({State.HANDED_OFF, State.SENT})

TABLE: Mapping[Event, frozenset[State | None]] = {
    Event.CONFIRM: frozenset({None}),
    Event.WITHDRAW: frozenset({None}),
    Event.BEGIN: NOT_SENT,
    Event.BEGIN_AGAIN: frozenset({State.UNCERTAIN}),
    Event.PROGRESS: frozenset({State.SENDING}),
    # a late answer for the attempt that was given up as unknown still tells the truth
    Event.ACCEPTED: frozenset({State.SENDING, State.UNCERTAIN}),
    Event.REJECTED: frozenset({State.SENDING, State.UNCERTAIN}),
    Event.UNKNOWN: frozenset({State.SENDING}),
    Event.ABANDON: frozenset({State.SENDING}),
    Event.REFUSE: frozenset({State.HELD}),
    Event.MISS: frozenset({State.HELD}),
    Event.CANCEL: NOT_SENT,
    Event.REPLACE: NOT_SENT,
    Event.GIVE_UP: frozenset({State.HELD}),
    Event.RESCHEDULE: frozenset({State.HELD}),
    Event.CLOSE: frozenset({State.UNCERTAIN}),
}
"""Each event's from-states (None: no record yet). Where it leads is `transition`'s to say."""


@dataclass
class MessageState:
    recipient: str
    status: str = delivery.SCHEDULED
    detail: str = ""


@dataclass
class Attempt:
    """A send under way: whose it is, until when its owner is known to be alive, and whether a request
    may be at Kaleyra unanswered (only then is a dead owner's attempt an unknown outcome)."""

    token: str
    lease_until: str  # ISO 8601
    scheduled: bool  # with Kaleyra's `time` (a hand-off), else sent at once
    previous: str  # the state it began from: where it goes back when nothing reached Kaleyra
    by: str = ""  # who clicked; "" for the hand-off
    on_wire: bool = True

    @property
    def lease_end(self) -> datetime:
        return datetime.fromisoformat(self.lease_until)


@dataclass
class SmsRecord:
    """One confirmed SMS: who, where, to whom, when, where it stands, each message's delivery status."""

    id: str
    user_id: str
    channel_id: str
    tz: str
    route: str
    send_at: str | None  # ISO 8601, or None for "sent now"
    created_at: str
    body_digest: str
    batch_ids: list[str]
    messages: dict[str, MessageState]  # message id -> state
    body: str | None = None  # kept only when the channel may see it anyway
    post_channel: str | None = None
    post_ts: str | None = None
    checks: int = 0
    state: str = ""  # a `State`; empty in records of releases before holding (see `phase`)
    to: list[str] = field(default_factory=list)  # recipients, kept before Kaleyra gives message ids
    handoff_at: str | None = None  # ISO 8601: when it goes to Kaleyra
    acted_by: str = ""  # who cancelled, edited or sent it now
    note: str = ""  # why it was not sent (a refusal's words, Kaleyra's words), or what replaced it
    series: str = ""  # the recurring series this send belongs to
    occurrence: int = 0  # its place in the series, from 1
    version: int = 0  # raised by every write: the compare-and-set of `bot.core.store`
    commit: str = ""  # the write that made this version, to recognise our own after a lost reply
    request: dict[str, Any] | None = None  # what to send, while the app may still send it
    attempt: Attempt | None = None  # while `sending`
    sends: int = 0  # attempts that began
    withdrawn: bool = False  # Cancel or Edit came before Confirm: no SMS, only the answer to later clicks
    trace: str = ""  # the request id of the Slack request that confirmed it, for the logs
    zone: str = ""  # "9am their time" across zones: the recipients' zone this send is timed for
    dry_run: bool = False  # confirmed while KALEYRA_DRY_RUN was on: only ever sent in a dry run

    @property
    def phase(self) -> State:
        if self.state:
            return State(self.state)
        return State.SENT if self.send_at is None else State.HANDED_OFF

    @property
    def recipients(self) -> list[str]:
        return [state.recipient for state in self.messages.values()] or list(self.to)

    @property
    def send_time(self) -> datetime:
        return datetime.fromisoformat(self.send_at or self.created_at)

    @property
    def schedule(self) -> ScheduleRequest | None:
        return ScheduleRequest.from_dict(self.request) if self.request is not None else None

    def summary(self) -> str:
        """'2 Delivered · 1 UnDelivered', in a stable order."""
        counts: dict[str, int] = {}
        for state in self.messages.values():
            counts[state.status] = counts.get(state.status, 0) + 1
        return " · ".join(f"{count} {status}" for status, count in sorted(counts.items()))

    def all_final(self) -> bool:
        return all(delivery.is_final(state.status) for state in self.messages.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SmsRecord:
        data = json.loads(text)
        data["messages"] = {mid: MessageState(**state) for mid, state in data["messages"].items()}
        if data.get("attempt"):
            data["attempt"] = Attempt(**data["attempt"])
        if data.get("state") == "handing_off":  # a release before leases: its owner cannot be known
            data["state"], data["attempt"] = State.SENDING, Attempt("", "1970-01-01T00:00:00+00:00", True, "held")
        return cls(**data)


def digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:16]


class NotAllowed(Exception):
    """The event cannot happen to the record as it is; `record` says where it stands."""

    def __init__(self, event: Event, record: SmsRecord | None) -> None:
        super().__init__(f"{event} is not allowed from {record.phase if record else 'no record'}")
        self.event = event
        self.record = record


@dataclass(frozen=True)
class Change:
    """What goes with an event: the new record (CONFIRM, WITHDRAW), where ACCEPTED leads (handed off or
    sent), who acted, a note, and the attempt (BEGIN) or the owner's own attempt (PROGRESS, answers)."""

    new: SmsRecord | None = None
    to: State | None = None
    by: str = ""
    note: str = ""
    attempt: Attempt | None = None
    handoff_at: datetime | None = None  # RESCHEDULE's new hand-off


_OWNER_EVENTS = frozenset({Event.PROGRESS, Event.ACCEPTED, Event.REJECTED, Event.UNKNOWN})
_SETTLES = {
    Event.REJECTED: State.FAILED,
    Event.UNKNOWN: State.UNCERTAIN,
    Event.REFUSE: State.REFUSED,
    Event.MISS: State.MISSED,
    Event.CANCEL: State.CANCELLED,
    Event.REPLACE: State.REPLACED,
    Event.GIVE_UP: State.FAILED,
    Event.CLOSE: State.CLOSED,
}


def transition(record: SmsRecord | None, event: Event, change: Change | None = None) -> SmsRecord:
    """The record after `event`, or `NotAllowed` (with the record as it is) when its state does not allow
    it, or when an answer comes from an attempt that is not the record's own."""
    change = change or Change()
    state = record.phase if record is not None else None
    if state not in TABLE[event]:
        raise NotAllowed(event, record)
    if record is None:
        assert change.new is not None, "a new record comes with its event"
        return change.new
    attempt = record.attempt
    if event in _OWNER_EVENTS and (attempt is None or change.attempt is None or attempt.token != change.attempt.token):
        raise NotAllowed(event, record)
    updated = replace(record, messages=dict(record.messages), batch_ids=list(record.batch_ids))
    updated.note = change.note
    if change.by:
        updated.acted_by = change.by
    if event in (Event.BEGIN, Event.BEGIN_AGAIN):
        updated.state, updated.attempt, updated.sends = State.SENDING, change.attempt, record.sends + 1
    elif event is Event.PROGRESS:
        updated.attempt, updated.note = change.attempt, record.note
    elif event is Event.RESCHEDULE:
        assert change.handoff_at is not None
        updated.handoff_at, updated.note = change.handoff_at.isoformat(), record.note
    elif event is Event.ACCEPTED:
        if change.to not in WITH_KALEYRA:
            raise ValueError("an accepted send is handed off or sent")
        updated.state, updated.attempt = change.to, None
    elif event is Event.ABANDON:
        assert attempt is not None
        if attempt.on_wire:  # its last request may be at Kaleyra: kept, for a late answer to settle it
            updated.state = State.UNCERTAIN
        elif record.batch_ids:  # some parts were accepted, and nothing else is at Kaleyra
            updated.state, updated.attempt = (State.HANDED_OFF if attempt.scheduled else State.SENT), None
        else:
            updated.state, updated.attempt, updated.note = State(attempt.previous), None, record.note
    else:
        updated.state = _SETTLES[event]
        if event is not Event.UNKNOWN:  # an unknown outcome keeps its attempt, for a late answer
            updated.attempt = None
    if updated.phase in WITH_KALEYRA | {State.CANCELLED, State.REPLACED, State.CLOSED}:
        updated.request = None  # no longer the app's to send: the text is not kept longer than needed
    return updated


def new_attempt(record: SmsRecord, lease_until: datetime, *, scheduled: bool, by: str) -> Attempt:
    return Attempt(secrets.token_hex(8), lease_until.isoformat(), scheduled, record.phase, by)


def held(
    record_id: str,
    request: ScheduleRequest,
    *,
    user_id: str,
    channel_id: str,
    tz: str,
    now: datetime,
    handoff_at: datetime,
    keep_body: bool,
    series: str = "",
    occurrence: int = 0,
    trace: str = "",
    dry_run: bool = False,
) -> SmsRecord:
    """A new record, held until `handoff_at`, keeping `request` (one send: no zones, no rule) to send then;
    `dry_run` when it is confirmed in a dry run (KALEYRA_DRY_RUN), which alone may send it."""
    assert request.send_at is not None or handoff_at <= now, "a send with no time is handed off at once"
    one = replace(request, parts=(), repeat="", notes=())
    return SmsRecord(
        id=record_id, user_id=user_id, channel_id=channel_id, tz=tz, route=request.route,
        send_at=request.send_at.isoformat() if request.send_at else None, created_at=now.isoformat(),
        body_digest=digest(request.body), batch_ids=[], messages={},
        body=request.body if keep_body else None, state=State.HELD, to=list(request.recipients),
        handoff_at=handoff_at.isoformat(), series=series, occurrence=occurrence, request=one.to_dict(), trace=trace,
        dry_run=dry_run,
    )  # fmt: skip
