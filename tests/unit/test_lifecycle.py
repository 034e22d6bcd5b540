"""The SMS's life as a table: every state × every event, the events that arrive twice, and answers that
come from an attempt that is not the record's own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.records import (
    NOT_SENT,
    TABLE,
    Attempt,
    Change,
    Event,
    NotAllowed,
    SmsRecord,
    State,
    held,
    transition,
)
from bot.core.validation import ScheduleRequest

NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
MINE = Attempt("mine", (NOW + timedelta(seconds=30)).isoformat(), True, State.HELD)
THEIRS = replace(MINE, token="theirs")

EXPECTED: dict[Event, dict[State, State]] = {
    Event.BEGIN: {state: State.SENDING for state in NOT_SENT},
    Event.BEGIN_AGAIN: {State.UNCERTAIN: State.SENDING},
    Event.PROGRESS: {State.SENDING: State.SENDING},
    Event.ACCEPTED: {State.SENDING: State.HANDED_OFF, State.UNCERTAIN: State.HANDED_OFF},
    Event.REJECTED: {State.SENDING: State.FAILED, State.UNCERTAIN: State.FAILED},
    Event.UNKNOWN: {State.SENDING: State.UNCERTAIN},
    Event.ABANDON: {State.SENDING: State.UNCERTAIN},  # with a request on the wire; see the tests below
    Event.REFUSE: {State.HELD: State.REFUSED},
    Event.MISS: {State.HELD: State.MISSED},
    Event.CANCEL: {state: State.CANCELLED for state in NOT_SENT},
    Event.REPLACE: {state: State.REPLACED for state in NOT_SENT},
    Event.GIVE_UP: {State.HELD: State.FAILED},
    Event.RESCHEDULE: {State.HELD: State.HELD},
    Event.CLOSE: {State.UNCERTAIN: State.CLOSED},
}
"""The transition table of ARCHITECTURE.md, written out: from-state -> to-state for each event."""


def record_in(state: State) -> SmsRecord:
    request = ScheduleRequest(("+919876543210",), "Hello", "TXN", "KLRHXA", NOW + timedelta(hours=2))
    new = held("r1", request, user_id="U1", channel_id="C1", tz="Asia/Kolkata", now=NOW,
               handoff_at=NOW + timedelta(hours=1), keep_body=False)  # fmt: skip
    attempt = MINE if state in (State.SENDING, State.UNCERTAIN) else None
    return replace(new, state=state, attempt=attempt)


def change_for(event: Event) -> Change:
    return Change(
        to=State.HANDED_OFF,
        attempt=MINE if event is not Event.BEGIN_AGAIN else replace(MINE, token="again"),
        handoff_at=NOW + timedelta(hours=2),
    )


def test_the_table_names_every_event_once() -> None:
    assert set(TABLE) == set(Event)
    assert set(EXPECTED) | {Event.CONFIRM, Event.WITHDRAW} == set(Event)
    for event, moves in EXPECTED.items():
        assert TABLE[event] == frozenset(moves), event


@pytest.mark.parametrize("event", list(EXPECTED))
@pytest.mark.parametrize("state", list(State))
def test_every_state_and_every_event(state: State, event: Event) -> None:
    record = record_in(state)
    expected = EXPECTED[event].get(state)
    if expected is None:
        with pytest.raises(NotAllowed) as refused:
            transition(record, event, change_for(event))
        assert refused.value.record is record, "a refusal carries the record as it is: the real reason"
        return
    moved = transition(record, event, change_for(event))
    assert moved.phase is expected
    assert record.phase is state, "the record read is never changed in place"
    if expected in (State.HANDED_OFF, State.SENT, State.CANCELLED, State.REPLACED, State.CLOSED):
        assert moved.request is None, "the text is not kept once the app can no longer send it"
    else:
        assert moved.request == record.request


@pytest.mark.parametrize("event", [Event.CONFIRM, Event.WITHDRAW])
def test_a_record_is_created_once(event: Event) -> None:
    new = record_in(State.HELD)
    assert transition(None, event, Change(new=new)) is new
    for state in State:
        with pytest.raises(NotAllowed):
            transition(record_in(state), event, Change(new=new))


@pytest.mark.parametrize("event", [Event.CANCEL, Event.REPLACE, Event.BEGIN, Event.MISS, Event.REFUSE, Event.GIVE_UP])
def test_an_event_that_arrives_twice_is_refused_the_second_time(event: Event) -> None:
    once = transition(record_in(State.HELD), event, change_for(event))
    with pytest.raises(NotAllowed) as twice:
        transition(once, event, change_for(event))
    assert twice.value.record is once


@pytest.mark.parametrize("event", [Event.ACCEPTED, Event.REJECTED, Event.UNKNOWN, Event.PROGRESS])
def test_only_the_attempt_that_owns_the_send_settles_it(event: Event) -> None:
    sending = record_in(State.SENDING)
    with pytest.raises(NotAllowed):
        transition(sending, event, replace(change_for(event), attempt=THEIRS))
    assert transition(sending, event, change_for(event)).phase is EXPECTED[event][State.SENDING]


def test_a_late_answer_settles_an_attempt_taken_for_abandoned() -> None:
    abandoned = transition(record_in(State.SENDING), Event.ABANDON, Change(note="the app stopped"))
    assert abandoned.phase is State.UNCERTAIN and abandoned.attempt == MINE
    assert transition(abandoned, Event.ACCEPTED, change_for(Event.ACCEPTED)).phase is State.HANDED_OFF
    again = transition(abandoned, Event.BEGIN_AGAIN, change_for(Event.BEGIN_AGAIN))
    with pytest.raises(NotAllowed):  # once the owner chose to send again, the old attempt no longer speaks
        transition(again, Event.ACCEPTED, change_for(Event.ACCEPTED))


@pytest.mark.parametrize("previous", sorted(NOT_SENT | {State.UNCERTAIN}))
def test_an_abandoned_attempt_with_nothing_at_kaleyra_goes_back_where_it_was(previous: State) -> None:
    idle = replace(MINE, on_wire=False, previous=previous)
    sending = replace(record_in(State.SENDING), attempt=idle, note="before")
    back = transition(sending, Event.ABANDON, Change(note="the app stopped"))
    assert back.phase is previous and back.attempt is None and back.note == "before"


def test_an_abandoned_attempt_with_parts_accepted_and_nothing_else_at_kaleyra_is_handed_off() -> None:
    idle = replace(MINE, on_wire=False)
    sending = replace(record_in(State.SENDING), attempt=idle, batch_ids=["b1"])
    assert transition(sending, Event.ABANDON).phase is State.HANDED_OFF
    assert transition(replace(sending, attempt=replace(idle, scheduled=False)), Event.ABANDON).phase is State.SENT


def test_accepted_leads_only_to_kaleyra() -> None:
    with pytest.raises(ValueError, match="handed off or sent"):
        transition(record_in(State.SENDING), Event.ACCEPTED, Change(to=State.FAILED, attempt=MINE))


def test_records_of_the_release_before_leases_read_as_abandoned_sends() -> None:
    legacy = record_in(State.HELD).to_json().replace('"state": "held"', '"state": "handing_off"')
    read = SmsRecord.from_json(legacy)
    assert read.phase is State.SENDING and read.attempt is not None and read.attempt.on_wire
    assert read.attempt.lease_end < NOW, "its owner cannot be known: whoever finds it settles it"
