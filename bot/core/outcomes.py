"""What an action on an SMS came to, as a value: the Slack adapter alone turns it into words.

The records carried are read after the action, so the words always follow where the SMS really stands:
a click that comes too late is answered from the state that made it too late, never from a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from bot.core.kaleyra import Rejected, Scheduled, SendResult, Uncertain
from bot.core.pending import Pending
from bot.core.records import SmsRecord
from bot.core.refusals import Refusal


class Act(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"  # a held SMS, or a request before Confirm
    WITHDRAW_FOR_EDIT = "withdraw_for_edit"  # a request before Confirm, replaced by its edit
    SEND_NOW = "send_now"
    SEND_AGAIN = "send_again"  # after an unknown outcome, by the owner's explicit choice
    RETRY = "retry"  # Try again after a refusal or failure: for its time if it still can be
    STOP = "stop"  # a series
    HANDOFF = "handoff"  # nobody clicked: the SMS's time came
    CLOSE = "close"  # after an unknown outcome: checked in Kaleyra's console, closed


class Result(StrEnum):
    DONE = "done"  # the act happened: the records say what it led to
    REFUSED = "refused"  # a check said no: `refusal` says why (at a hand-off the record is now refused)
    TOO_LATE = "too_late"  # the SMS is no longer where the act applies: the record says where it is
    BUSY = "busy"  # a send of this SMS is under way right now
    NOT_YOURS = "not_yours"
    GONE = "gone"  # unknown, or expired
    WAITING = "waiting"  # too close for Kaleyra's scheduler: the app sends it itself at its time


@dataclass(frozen=True)
class SendReport:
    """One result per request of at most 100 recipients, in order; later ones skipped after a failure."""

    parts: list[tuple[Sequence[str], SendResult]] = field(default_factory=list)
    skipped: int = 0

    @property
    def scheduled(self) -> list[Scheduled]:
        return [result for _, result in self.parts if isinstance(result, Scheduled)]

    @property
    def unclear(self) -> bool:
        return any(isinstance(result, Uncertain) for _, result in self.parts)

    @property
    def outcome(self) -> str:
        """scheduled, partial, uncertain or failed, for the audit log."""
        if self.complete:
            return "scheduled"
        if self.scheduled:
            return "partial"
        return "uncertain" if self.unclear else "failed"

    @property
    def complete(self) -> bool:
        return all(isinstance(result, Scheduled) for _, result in self.parts) and not self.skipped

    def errors(self) -> str:
        """Kaleyra's words for the parts it did not take."""
        return "; ".join(result.describe() for _, result in self.parts if isinstance(result, Rejected | Uncertain))


@dataclass(frozen=True)
class Outcome:
    act: Act
    result: Result
    records: tuple[SmsRecord, ...] = ()
    refusal: Refusal | None = None
    report: SendReport | None = None  # what Kaleyra answered, when this act sent
    late: timedelta = timedelta()  # a hand-off sent after its time, because the app was down at it
    original: SmsRecord | None = None  # an edit's original, as it stands, when the edit could not replace it
    pending: Pending | None = None  # a request not confirmed (refused): the quiet-hours offer uses it
    pending_id: str = ""  # that request's id, for Try again
    stopped: tuple[SmsRecord, ...] = ()  # a series' sends cancelled by Stop
    under_way: tuple[SmsRecord, ...] = ()  # a series' sends being handed to Kaleyra as Stop came
    by: str = ""  # who acted, where the records do not say (Stop)
    recorded: bool = True  # False when Kaleyra's answer could not be stored: delivery tracking may be late

    @property
    def record(self) -> SmsRecord | None:
        return self.records[0] if self.records else None
