"""The app's words for what happened to an SMS, from the core's typed `Outcome` and the record's state.

The one place outcomes become Slack mrkdwn: every refusal says its real reason, and a click that came
too late is answered from the state that made it too late. Text from outside (Kaleyra's words, a
refusal's message) is escaped here. The listeners' own refusals (not yours, admins only) are worded
here too, so one thing is said one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core import kaleyra
from bot.core.batches import Batch, Cancelled, Phase
from bot.core.dispatch import HANDOFF_LEAD
from bot.core.mrkdwn import escape
from bot.core.outcomes import Act, Outcome, Result, SendReport
from bot.core.records import NOT_SENT, SmsRecord, State
from bot.core.refusals import Reason, Refusal

NOT_YOURS_HELD = "Only the person who scheduled this SMS, or an admin, can change it."
NOT_YOURS_PENDING = "Only the person who asked for this SMS can confirm, edit or cancel it."
UNKNOWN_REQUEST = "This confirmation has expired or is unknown; nothing was sent. Run /schedule-sms again."
GONE = "This SMS is no longer known to the app."
BATCH_GONE = "This batch is no longer known to the app."
NOT_YOURS_BATCH = "Only the person who scheduled this batch, or an admin, can see its rows or cancel it."
ONE_SOURCE = "Attach a file, paste rows, or pick a saved list: one of them."
TEMPLATE_NOT_SAVED = (
    "schedule-sms cannot reach its storage right now, so the template was not saved. Try again in a moment."
)
_TIME_REASONS = (Reason.PAST, Reason.TOO_SOON, Reason.TOO_FAR)
DRY_RUN = (
    ":test_tube: *Dry run:* the app does not call Kaleyra (KALEYRA_DRY_RUN is on), so no SMS reaches anyone; "
    "Kaleyra's ids and delivery statuses here are made up by the app."
)
"""Under every message that speaks of a send in a dry run, and atop the App Home."""
DRY_RUN_MARK = "_dry run_"
"""Beside each SMS of a dry run in a list."""


def admins_only(what: str, contact: str) -> str:
    """A member who is not an admin asked to do `what` ("save lists for the team")."""
    return f"Only admins (ADMIN_USERS) {what}; ask {contact}."


def local_time(at: datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz))
    return f"{local:%a %d %b %H:%M} {local.tzname()}"


def kaleyra_ids(record: SmsRecord) -> str:
    return ", ".join(f"`{escape(batch_id)}`" for batch_id in record.batch_ids)


def headline(outcome: Outcome, now: datetime) -> str:
    """What the person who acted (or the owner, for a hand-off) is told first."""
    record = outcome.record
    if outcome.batch is not None or outcome.act is Act.CANCEL_BATCH:
        return batch_headline(outcome, now)
    if outcome.result is Result.NOT_YOURS:
        return NOT_YOURS_PENDING if outcome.act in _BEFORE_CONFIRM else NOT_YOURS_HELD
    if outcome.result is Result.GONE or (record is None and outcome.result is not Result.REFUSED):
        return UNKNOWN_REQUEST if outcome.act in _BEFORE_CONFIRM else GONE
    if outcome.result is Result.REFUSED:
        return refused(outcome)
    assert record is not None
    if outcome.result is Result.BUSY:
        return ":hourglass_flowing_sand: This SMS is being handed to Kaleyra right now; it will not be sent twice."
    if outcome.act is Act.STOP:
        return stopped(outcome)
    if outcome.result is Result.TOO_LATE:
        return answered(outcome, record) if outcome.act in _BEFORE_CONFIRM else too_late(record)
    if outcome.result is Result.WAITING:
        return waiting(record)
    if outcome.act is Act.CONFIRM and all(one.phase is State.HELD for one in outcome.records):
        return held(outcome)
    return news(outcome, record, now)


_BEFORE_CONFIRM = (Act.CONFIRM, Act.WITHDRAW_FOR_EDIT)


def held(outcome: Outcome) -> str:
    record = outcome.records[0]
    if record.handoff_at and datetime.fromisoformat(record.handoff_at) >= record.send_time:
        return waiting(record)
    text = (
        ":lock: Held by the app until its hand-off to Kaleyra. Until then you can cancel it, edit it or send it now; "
        "after it, Kaleyra has it and it can no longer be cancelled."
    )
    if outcome.original is not None:
        text += " It replaces the SMS you edited, which will not be sent."
    if len(outcome.records) > 1:
        text += "\nOne SMS per zone, each handed off for its own time."
    return text


def waiting(record: SmsRecord) -> str:
    return (
        f":lock: Held by the app: its time is too close for Kaleyra's scheduler, so the app sends it itself at "
        f"{local_time(record.send_time, record.tz)}. Until then you can cancel it, edit it or send it now."
    )


def news(outcome: Outcome, record: SmsRecord, now: datetime) -> str:
    """A send, or a hand-off that did not send: what it came to."""
    report, phase = outcome.report, record.phase
    partial = ""
    if report is not None and not report.complete:
        partial = (
            " Only part of this SMS was accepted; for the rest the outcome is unknown (see below): check Kaleyra's "
            "console before sending it again."
            if report.unclear
            else " Only part of this SMS was accepted; the rest was not sent."
        )
    ids = f" (Kaleyra id {kaleyra_ids(record)})" if len(record.batch_ids) == 1 else ""  # else: one line each
    if phase is State.HANDED_OFF:
        when = local_time(record.send_time, record.tz)
        if outcome.act is not Act.HANDOFF:
            return (
                f":white_check_mark: Scheduled for {when}{ids}. Kaleyra has it now, so it can no longer be "
                f"cancelled.{partial}"
            )
        return f":outbox_tray: Handed to Kaleyra for {when}{ids}; it can no longer be cancelled.{partial}"
    if phase is State.SENT:
        minutes = int(outcome.late.total_seconds() // 60)
        late = f" It went {minutes} minute{'s' if minutes != 1 else ''} late: the app was not running earlier."
        done = {Act.CONFIRM: "Sent", Act.SEND_AGAIN: "Sent again"}.get(outcome.act, "Sent now")
        return f":white_check_mark: {done}{ids}.{partial}{late if minutes else ''}"
    if phase is State.UNCERTAIN:
        if record.note.startswith("the app stopped"):
            return (
                ":grey_question: The outcome is unknown: the app stopped while handing this SMS to Kaleyra, so it "
                "may or may not have been scheduled. It will not be sent again by itself. Check Kaleyra's console; "
                "*Send again* sends it again."
            )
        return (
            f":grey_question: {escape(record.note)} It will not be sent again by itself. *Send again* sends it again."
        )
    if phase is State.FAILED:
        return f":x: Not sent: {escape(record.note)}. Nothing went out; you can send it now, edit it or cancel it."
    if phase is State.REFUSED:
        return (
            f":no_entry: Not sent: {escape(record.note)} Nothing went out; you can send it now, edit it or cancel it."
        )
    if phase is State.MISSED:
        minutes = int((now - record.send_time).total_seconds() // 60)
        return (
            ":alarm_clock: Not sent: the app was not running at its hand-off time, and it is now "
            f"{minutes} minutes past its send time. Send it now, or cancel it."
        )
    if phase is State.CANCELLED:
        return f":wastebasket: Cancelled by <@{record.acted_by}>. Nothing was sent to Kaleyra."
    if phase is State.CLOSED:
        return (
            f":ballot_box_with_check: Closed by <@{record.acted_by}> after checking Kaleyra: its outcome stays "
            "unknown here, and it will not be sent again."
        )
    return f"This SMS is now {state_text(record, record.tz, now)}."


def refused(outcome: Outcome) -> str:
    refusal = outcome.refusal
    assert refusal is not None
    if refusal.reason is Reason.ORIGINAL_GONE:
        where = too_late(outcome.original) if outcome.original else "It is no longer known to the app."
        return f":no_entry: Not scheduled: this edit would replace an SMS that is no longer held. {where}"
    words = refusal.message if refusal.mrkdwn else escape(refusal.message)
    if outcome.pending is not None and outcome.pending.replaces:
        words += " The SMS you edited is unchanged and still held."
    if outcome.act is Act.CONFIRM and refusal.reason in _TIME_REASONS:
        return f":hourglass: Not sent: {words} Edit the time and confirm again."
    record = outcome.record
    if refusal.reason is Reason.DRY_RUN:  # its hand-off will refuse it too: "goes at its time" would be untrue
        return f":no_entry: Not sent: {words}"
    if record is not None and outcome.act is not Act.HANDOFF and record.phase in NOT_SENT:
        still = (
            "It is still held and goes at its time unless you cancel it."
            if record.phase is State.HELD
            else "Nothing went out."
        )
        return f":no_entry: Not sent: {words} {still}"
    return f":no_entry: Not sent: {words}"


def stopped(outcome: Outcome) -> str:
    if outcome.result is Result.TOO_LATE:
        return ":octagonal_sign: This series was already stopped; no more SMS will be sent for it."
    text = f":octagonal_sign: Series stopped by <@{outcome.by}>; no more SMS will be sent for it."
    cancelled = len(outcome.stopped)
    if cancelled == 1:
        text += " Its next SMS was cancelled; nothing was sent to Kaleyra."
    elif cancelled:
        text += f" Its {cancelled} held SMS were cancelled; nothing was sent to Kaleyra."
    if outcome.under_way:
        text += " One send was already being handed to Kaleyra and could not be stopped."
    return text


def too_late(record: SmsRecord) -> str:
    """Why an SMS can no longer be changed: where it is."""
    phase = record.phase
    if phase is State.SENDING:
        return "This SMS is being handed to Kaleyra right now; it can no longer be cancelled or changed."
    if phase in (State.HANDED_OFF, State.SENT):
        return "Too late: this SMS has already gone to Kaleyra, which cannot cancel or change it."
    if phase is State.UNCERTAIN:
        return "This SMS may already be at Kaleyra (its outcome is unknown); it cannot be cancelled here."
    if phase is State.CANCELLED:
        return f"This SMS was already cancelled by <@{record.acted_by}>; nothing was sent."
    if phase is State.REPLACED:
        return "This SMS was replaced by an edit; nothing was sent for it."
    if phase is State.CLOSED:
        return f"This SMS's outcome was unknown, and <@{record.acted_by}> closed it: it will not be sent again."
    return f"This SMS is {state_text(record, record.tz, None)}; that button no longer applies."


def answered(outcome: Outcome, record: SmsRecord) -> str:
    """A click on a request that was already confirmed, cancelled or replaced."""
    if record.withdrawn and record.phase is State.CANCELLED:
        return "This SMS was cancelled; nothing was sent."
    if record.withdrawn:
        return "This request was replaced by your edit; nothing was sent from it. Use the edited one."
    if record.batch_ids:
        return f"This SMS was already scheduled (Kaleyra id {kaleyra_ids(record)}); it was not sent again."
    if record.phase is State.UNCERTAIN:
        return (
            "The outcome of this SMS is unknown: Kaleyra may have scheduled it. It will not be sent twice from "
            "here; check Kaleyra's console before scheduling it again."
        )
    return f"This SMS was already confirmed; it was not sent again. It is {state_text(record, record.tz, None)}."


def report_lines(report: SendReport) -> list[str]:
    """One line per request of at most 100 recipients: accepted with its id, or Kaleyra's words."""
    lines: list[str] = []
    for batch, result in report.parts:
        label = f"{len(batch)} recipient{'s' if len(batch) != 1 else ''}"
        if isinstance(result, kaleyra.Scheduled):
            lines.append(f"• {label}: accepted, Kaleyra id `{escape(result.batch_id)}`")
        else:
            lines.append(f"• {label}: {escape(result.describe())}")
    if report.skipped:
        lines.append(f"• {report.skipped} recipients: not sent, because an earlier request failed.")
    return lines


def state_text(record: SmsRecord, tz: str, now: datetime | None) -> str:
    """Where the SMS is, in words: held (cancellable until HH:MM), handed to Kaleyra, sent, delivered, ..."""
    return _phase_text(record, tz, now) + (f" · send {record.occurrence} of a series" if record.series else "")


def _phase_text(record: SmsRecord, tz: str, now: datetime | None) -> str:
    phase = record.phase
    if phase is State.HELD and record.handoff_at:
        until = datetime.fromisoformat(record.handoff_at).astimezone(ZoneInfo(tz))
        today = now.astimezone(ZoneInfo(tz)).date() if now else None
        day = "" if until.date() == today else f"{until:%a %d %b} "
        return f"held by the app, cancellable until {day}{until:%H:%M} {until.tzname()}"
    delivered = record.messages and all(state.status == "Delivered" for state in record.messages.values())
    if phase in (State.HANDED_OFF, State.SENT) and delivered:
        return "delivered"
    return {
        State.HELD: "held by the app",
        State.SENDING: "being handed to Kaleyra",
        State.HANDED_OFF: "handed to Kaleyra",
        State.SENT: "sent",
        State.CANCELLED: f"cancelled by <@{record.acted_by}>"
        if record.acted_by
        else f"cancelled ({escape(record.note)})",
        State.MISSED: "missed: not sent (the app was down at its hand-off)",
        State.REPLACED: "replaced by an edit",
        State.REFUSED: f"not sent: {escape(record.note)}",
        State.FAILED: f"not sent: {escape(record.note) or 'Kaleyra refused it'}",
        State.UNCERTAIN: "outcome unknown: check Kaleyra",
        State.CLOSED: f"outcome unknown, closed by <@{record.acted_by}>",
    }[phase]


def can_retry(record: SmsRecord, now: datetime) -> bool:
    """Whether Try again can still send it for its time (Kaleyra's 15 minutes, with margin)."""
    return record.phase in NOT_SENT - {State.HELD} and record.send_time - now >= HANDOFF_LEAD


def refusal_words(refusal: Refusal) -> str:
    return refusal.message if refusal.mrkdwn else escape(refusal.message)


def lines_of(outcome: Outcome) -> list[str]:
    """The details under a send's headline: one line per request when it was not a plain success, and
    whether its outcome could be stored."""
    report = outcome.report
    lines = report_lines(report) if report is not None and not (report.complete and len(report.parts) == 1) else []
    if not outcome.recorded:
        lines.append("• The app could not record this SMS (its storage is unavailable): delivery tracking may be late.")
    return lines


# --- batches ------------------------------------------------------------------------------------------

COUNTED = {
    "held": "held",
    "sending": "being handed to Kaleyra",
    "handed_off": "handed to Kaleyra",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "not delivered",
    "refused": "not sent (refused)",
    "failed": "not sent (failed)",
    "missed": "missed",
    "uncertain": "outcome unknown",
    "cancelled": "cancelled",
    "closed": "outcome unknown, closed",
}
"""A batch's rows by what they are counted as (`records.tally_of`), in the order shown. A row replaced by its
edit is not counted: its edit is."""


def counts_text(counts: Mapping[str, int]) -> str:
    """'9,000 held · 480 handed to Kaleyra · 20 cancelled'."""
    shown = [f"{counts[label]:,} {words}" for label, words in COUNTED.items() if counts.get(label)]
    return " · ".join(shown) or "no rows held yet"


def batch_label(batch: Batch) -> str:
    return f"{batch.rows:,} SMS from {escape(batch.source)}"


def batch_headline(outcome: Outcome, now: datetime) -> str:
    """What a batch's Confirm, or its cancelling, came to."""
    batch, cancelled = outcome.batch, outcome.cancelled
    if outcome.result is Result.NOT_YOURS:
        return NOT_YOURS_BATCH
    if batch is None:
        return BATCH_GONE
    if outcome.act is Act.CANCEL_BATCH and cancelled is not None:
        return batch_cancelled(batch, cancelled, outcome.result)
    if outcome.result is Result.WAITING:
        return (
            f":hourglass_flowing_sand: Confirmed: {batch_label(batch)}. The app is still keeping them; you will "
            "get a message once every one is held."
        )
    if outcome.result is Result.TOO_LATE:
        if batch.phase == Phase.CANCELLED:
            return f"This batch was cancelled{_by(batch)}; {_cancel_note(batch)}"
        return "This batch was already confirmed; nothing was sent twice. Its rows are below."
    return (
        f":lock: {batch_label(batch)} held by the app, each handed to Kaleyra shortly before its own time. Until "
        "then each can be cancelled, edited or sent now on its own, and the batch cancelled as a whole."
    )


def batch_cancelled(batch: Batch, cancelled: Cancelled, result: Result) -> str:
    if result is Result.TOO_LATE:
        return f"This batch was already cancelled{_by(batch)}; nothing more was held."
    text = f":wastebasket: Batch cancelled{_by(batch)}: {cancelled.cancelled:,} SMS cancelled, none of them sent."
    if cancelled.under_way:
        text += f" {cancelled.under_way:,} were being handed to Kaleyra at that moment and could not be stopped."
    if cancelled.with_kaleyra:
        text += f" {cancelled.with_kaleyra:,} had already gone to Kaleyra, which cannot cancel them."
    return text


def _by(batch: Batch) -> str:
    return f" by <@{batch.cancelled_by}>" if batch.cancelled_by else " by the app"


def _cancel_note(batch: Batch) -> str:
    return f"{escape(batch.note)}; nothing of it was sent." if batch.note else "nothing more of it is sent."


def batch_news(batch: Batch, problems: Mapping[str, int], *, confirmed_late: bool, gave_up: bool) -> str:
    """The owner's direct message: a batch confirmed by the app after a restart (or that could not be), or
    rows that could not go."""
    lines = []
    if confirmed_late:
        lines.append(
            f":white_check_mark: Your {batch_label(batch)} is held: the app stopped while confirming it, and "
            "another instance finished it."
        )
    if gave_up:
        lines.append(
            f":x: Your {batch_label(batch)} could not be held ({escape(batch.note)}): none of it was sent. "
            "Submit it again."
        )
    if problems:
        lines.append(
            f":warning: In your {batch_label(batch)}, since the last message: {counts_text(problems)}. "
            "*Rows with problems* shows each one with its reason and what you can still do."
        )
    return "\n".join(lines)


def time_range(first: datetime | None, last: datetime | None, tz: str) -> str:
    """'Mon 07 Dec 09:00 – Fri 18 Dec 17:45 IST', or one time, in the user's zone."""
    if first is None:
        return "now"
    start = local_time(first, tz)
    return start if last is None or last == first else f"{start} – {local_time(last, tz)}"
