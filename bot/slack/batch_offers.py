"""A batch offered for Confirm: rows from an attached file, rows pasted in the form, or a saved list; checked,
then kept with its rows.

In two parts, since Slack waits 3 seconds for an answer and a file of 10,000 rows takes longer to fetch and
read: `check` runs before the ack (who may send, the template, what every row shares: route, sender, DLT
ids; a list's name), so its problems show beside the form's fields; `read_and_keep` runs after it, and its
answer, the confirmation or what makes the file unusable, comes as a message. The rows are read in a worker
thread, so the app goes on answering others meanwhile.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.access import Member
from bot.core.batches import Plan
from bot.core.command import Draft
from bot.core.errors import InputError, InvalidRequest
from bot.core.pending import Pending
from bot.core.recipient_rows import RowRules, Rows, read_rows
from bot.core.refusals import Refusal
from bot.core.saved_lists import TEAM, ListNameError, SavedList, list_name
from bot.core.templates import Template
from bot.core.validation import ScheduleRequest, validate_rows_envelope
from bot.services import Services
from bot.slack import blocks, files, wording
from bot.slack.offers import ACK_BUDGET_SECONDS, find_template
from bot.slack.replies import SLACK_TIMEOUT_BEFORE_FORM


def no_such_list(name: str) -> str:
    return f"There is no saved list named “{name}” (`/schedule-sms lists` shows them)."


@dataclass(frozen=True)
class Checked:
    """What the checks before the ack found: the rows are read with these."""

    draft: Draft  # with the template's and the settings' defaults
    member: Member
    template: Template | None
    envelope: ScheduleRequest  # what every row shares
    saved_list: tuple[SavedList, str] | None = None  # the list named, found with its text: read once


@dataclass(frozen=True)
class Offered:
    """Rows read: kept for Confirm (`pending_id` "" when no row can be sent), and what the user is shown."""

    pending_id: str
    plan: Plan
    envelope: ScheduleRequest
    rows: Rows
    tz: str
    saved: str = ""  # what became of "save these rows as a list"


async def check(services: Services, draft: Draft, user_id: str, channel_id: str) -> Refusal | Checked:
    """Who may send, the template, the fields every row shares, the list named: `InvalidRequest` with the
    fields to fix. Within `ACK_BUDGET_SECONDS` (TimeoutError past it), counted against the background limit."""
    with services.background.before_ack():
        async with asyncio.timeout(ACK_BUDGET_SECONDS):
            return await _check(services, draft, user_id, channel_id)


async def _check(services: Services, draft: Draft, user_id: str, channel_id: str) -> Refusal | Checked:
    settings = services.settings
    if sum(map(bool, (draft.files, draft.rows, draft.saved_list))) > 1:
        raise InvalidRequest({blocks.RECIPIENTS: wording.ONE_SOURCE})
    member, refused = await services.directory.sender(settings, user_id, channel_id, timeout=SLACK_TIMEOUT_BEFORE_FORM)
    if refused is not None:
        return refused
    template = await find_template(services.templates, draft)
    if template is not None:
        draft = draft.with_defaults(template.route, template.sender, None)
    draft = draft.with_defaults(settings.kaleyra_type, settings.kaleyra_sender, settings.kaleyra_callback_profile_id)
    envelope = validate_rows_envelope(draft, settings, template=template)
    errors: dict[str, str] = {}
    if draft.save_as:
        try:
            list_name(draft.save_as)
        except ListNameError as exc:
            errors[blocks.SAVE_FIELD] = str(exc)
        if draft.save_for_team and user_id not in settings.admin_users:
            errors[blocks.TEAM_FIELD] = wording.admins_only("save lists for the team", settings.admin_contact)
    saved_list = await services.lists.find(user_id, draft.saved_list) if draft.saved_list else None
    if draft.saved_list and saved_list is None:
        errors[blocks.LIST_FIELD] = no_such_list(draft.saved_list)
    if errors:
        raise InvalidRequest(errors)
    return Checked(draft, member, template, envelope, saved_list)


async def read_and_keep(
    services: Services, checked: Checked, user_id: str, channel_id: str, now: datetime
) -> Offered | Refusal:
    """The rows read and checked (bad rows named, never holding the good ones back), the limits counted for
    every good row, the rows saved as a list if asked, and the batch kept for Confirm. Raises `InputError`
    (the file as a whole cannot be used: it says why)."""
    draft, member, settings = checked.draft, checked.member, services.settings
    source, text = await _rows_text(services, checked)
    rules = RowRules(
        settings.default_country, settings.max_batch_rows, settings.max_sms_segments, settings.allowed_countries,
        checked.envelope.route, services.outbox.quiet_hours,
    )  # fmt: skip
    rows = await asyncio.to_thread(
        read_rows, text, rules, tz=member.tz, now=now, template=checked.template, message=draft.message,
        when=_when(draft, member.tz), locale=member.locale, values=_values(draft, checked.template),
    )  # fmt: skip
    saved = await _save(services, draft, user_id, source, text, rows, now) if draft.save_as else ""
    plan = _plan(source, rows, draft, checked.template)
    if not rows.good:
        return Offered("", plan, checked.envelope, rows, member.tz, saved)
    limit = await services.quota.refusal(user_id, len(rows.good), member.tz, take=False, burst=False)
    if limit is not None:
        return limit
    pending = Pending(checked.envelope, user_id, channel_id, member.tz, batch=plan.to_dict())
    pending_id = await services.batches.offer(pending, rows.good, services.pending.ttl)
    return Offered(pending_id, plan, checked.envelope, rows, member.tz, saved)


async def _rows_text(services: Services, checked: Checked) -> tuple[str, str]:
    """Where the rows come from (for the user's eyes), and their text."""
    draft = checked.draft
    if draft.files:
        attached = await files.fetch(services.slack, draft.files[0], services.settings.file_timeout_seconds)
        return attached.name, attached.text
    if draft.rows:
        return "the rows pasted", draft.rows
    if checked.saved_list is None:
        raise InputError(no_such_list(draft.saved_list))
    saved, text = checked.saved_list
    return f"list {saved.name}", text


def source_of(draft: Draft) -> str:
    """Where the rows come from, before they are read: "the file", "the rows pasted", "list clinic"."""
    if draft.files:
        return "the file"
    return "the rows pasted" if draft.rows else f"list {draft.saved_list}"


def _when(draft: Draft, tz: str) -> str:
    """The time for every row without its own: typed, picked (an exact instant), or "now"."""
    if draft.send_now:
        return "now"
    if draft.picked_at is not None:
        return datetime.fromtimestamp(draft.picked_at, ZoneInfo(tz)).isoformat()
    return draft.when.strip()


def _values(draft: Draft, template: Template | None) -> dict[str, str]:
    """Variables given for every row (in one line by name or in order, or in the form's boxes)."""
    if template is None:
        return {}
    in_order = dict(zip(template.variables, draft.positional, strict=False))
    return {name: value for name, value in (in_order | dict(draft.variables)).items() if value.strip()}


async def _save(
    services: Services, draft: Draft, user_id: str, source: str, text: str, rows: Rows, now: datetime
) -> str:
    owner = TEAM if draft.save_for_team else user_id
    columns = rows.columns
    named = tuple(name for name in (columns.phone, *columns.variables, columns.when, columns.message) if name)
    saved = await services.lists.save(
        owner, draft.save_as, text, rows=len(rows.good) + len(rows.bad), columns=named, source=source, by=user_id,
        now=now,
    )  # fmt: skip
    whose = "the team's list" if saved.for_team else "your list"
    return f"Saved as {whose} “{saved.name}”: use it again as list:{saved.name}, or pick it in the form."


def _plan(source: str, rows: Rows, draft: Draft, template: Template | None) -> Plan:
    times = sorted({row.send_at for row in rows.good if row.send_at is not None})
    now_rows = any(row.send_at is None for row in rows.good)
    first = None if now_rows or not times else times[0].isoformat()
    return Plan(
        source=source, rows=len(rows.good), send_times=rows.send_times, segments=rows.segments, first_at=first,
        last_at=times[-1].isoformat() if times else None, template=template.name if template else "",
        when=draft.when, message=draft.message if template is None else "", saved_list=draft.saved_list,
    )  # fmt: skip


def edit_draft(pending: Pending) -> tuple[Draft, list[str]]:
    """The form for Edit of a batch's confirmation: every shared field; the file must be attached again."""
    plan = Plan.from_dict(pending.batch or {})
    request = pending.request
    draft = Draft(
        message=plan.message, when=plan.when, route=request.route, sender=request.sender,
        template_id="" if plan.template else request.template_id or "",
        callback_profile_id=request.callback_profile_id or "", template=plan.template, saved_list=plan.saved_list,
    )  # fmt: skip
    again = [] if plan.saved_list else [f"Attach {plan.source} again (a form cannot keep a file)."]
    return draft, again
