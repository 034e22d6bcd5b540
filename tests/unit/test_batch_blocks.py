"""A batch's Block Kit: every payload valid for Slack's models, bounded by Slack's limits, and nothing of a long
list of bad rows cut: what does not fit the confirmation follows in messages of their own."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.core.batches import Batch, Phase, Plan
from bot.core.command import Draft
from bot.core.recipient_rows import BadRow, Columns, GoodRow, Problem, Rows
from bot.core.records import State, held
from bot.core.saved_lists import TEAM, SavedList
from bot.core.validation import ScheduleRequest
from bot.slack import blocks
from tests.slack_models import validate_blocks, validate_view

NOW = datetime(2026, 12, 4, 3, 30, tzinfo=UTC)
ENVELOPE = ScheduleRequest((), "", "TXN", "KLRHXA", None, "1107161234567890123")


def text_of(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False)


def bad_rows(count: int) -> tuple[BadRow, ...]:
    reason = "+91 12345 is not a valid number: it is too short for India, which has 10-digit mobile numbers."
    return tuple(BadRow(line, Problem.BAD_NUMBER, reason) for line in range(3, count + 3))


def test_every_bad_row_is_listed_on_the_confirmation_or_in_the_messages_after_it() -> None:
    good = tuple(GoodRow(2, "+919876543210", "Hi Asha, see you at 4 PM.", NOW + timedelta(hours=3), 1) for _ in (1,))
    rows = Rows(good, bad_rows(4_000), Columns("phone"))
    plan = Plan("clinic.csv", 1, 1, 1, good[0].send_at.isoformat(), good[0].send_at.isoformat(), "appointment")
    confirmation = blocks.batch_confirmation_blocks("p" * 20, plan, ENVELOPE, rows, "Asia/Kolkata", NOW)
    validate_blocks(confirmation)
    assert len(confirmation) <= blocks.MESSAGE_BLOCKS
    follow_ups = blocks.bad_rows_messages(rows.bad)
    shown = text_of([confirmation, follow_ups])
    for row in rows.bad:
        assert f"Line {row.line}: bad number" in shown, f"line {row.line} is listed"
    for message in follow_ups:
        validate_blocks(message)
        assert len(message) <= blocks.MESSAGE_BLOCKS
        assert all(len(block["text"]["text"]) <= blocks.TEXT_LIMIT for block in message)
    assert "… and 3,980 more, each listed in the messages below." in shown


def test_the_form_reads_a_file_a_saved_list_a_name_to_save_and_pasted_rows() -> None:
    view = blocks.modal_view(Draft(saved_list="clinic", save_as="regulars", save_for_team=True),
                             private_metadata="{}", max_recipients=300)  # fmt: skip
    validate_view(view)
    values = {
        "recipients": {"value": {"type": "plain_text_input", "value": "phone\tname\n+919876543210\tAsha"}},
        "rows_file": {"value": {"type": "file_input", "files": [{"id": "F123", "name": "a.csv"}]}},
        "saved_list": {"list_picked": {"type": "external_select", "selected_option": {"value": "clinic"}}},
        "save_as": {"value": {"type": "plain_text_input", "value": " regulars "}},
        "save_for_team": {"value": {"type": "checkboxes", "selected_options": [{"value": "x"}]}},
    }
    draft = blocks.draft_from_state(values)
    assert draft.files == ("F123",) and draft.saved_list == "clinic" and draft.save_as == "regulars"
    assert draft.save_for_team and draft.rows.startswith("phone\tname") and draft.recipients == ""
    numbers = blocks.draft_from_state({"recipients": {"value": {"type": "plain_text_input", "value": "+919876543210"}}})
    assert numbers.recipients == "+919876543210" and not numbers.is_batch


def batch(**fields: object) -> Batch:
    made = Batch("b" * 20, "U1", "C1", "Asia/Kolkata", NOW.isoformat(), 9_500, "clinic.csv", "appointment", "TXN",
                 "KLRHXA", (NOW + timedelta(hours=3)).isoformat(), (NOW + timedelta(days=9)).isoformat(), 320, 9_500,
                 phase=Phase.OPEN)  # fmt: skip
    return Batch.from_dict(vars(made) | fields)


def test_a_batch_is_one_post_and_one_line_with_its_rows_counted() -> None:
    counts = Counter({"held": 9_000, "handed_off": 480, "undelivered": 20})
    post = blocks.batch_post_blocks(batch(), counts)
    validate_blocks(post)
    text = text_of(post)
    assert "9,000 held · 480 handed to Kaleyra · 20 not delivered" in text and "Rows with problems" in text
    assert "batch_cancel" in text
    cancelled = text_of(blocks.batch_post_blocks(batch(phase=Phase.CANCELLED, cancelled_by="U1"), {"cancelled": 9_500}))
    assert "cancelled by <@U1>" in cancelled and "batch_cancel" not in cancelled
    line = blocks.history_lines(
        [batch()], "Asia/Kolkata", NOW, masked=True, with_author=False, counts={"b" * 20: counts}
    )
    validate_blocks(line)
    assert "batch of 9,500 SMS from clinic.csv" in text_of(line)


def test_one_send_time_is_said_in_the_singular() -> None:
    assert "*When:* 320 send times," in text_of(blocks.batch_post_blocks(batch(), {"held": 9_500}))
    assert "*When:* 1 send time," in text_of(blocks.batch_post_blocks(batch(send_times=1), {"held": 9_500}))


def test_a_page_of_rows_fits_a_message_with_each_rows_buttons() -> None:
    request = ScheduleRequest(("+919876543210",), "Hi", "TXN", "KLRHXA", NOW + timedelta(hours=3))
    rows = [
        held(f"{'b' * 20}r{n}", request, user_id="U1", channel_id="C1", tz="Asia/Kolkata", now=NOW,
             handoff_at=NOW + timedelta(hours=2), keep_body=False)
        for n in range(1, blocks.ROWS_PAGE + 1)
    ]  # fmt: skip
    page = blocks.batch_rows_blocks(batch(), rows, 2, 475, "Asia/Kolkata", NOW, problems_only=False)
    validate_blocks(page)
    assert len(page) <= blocks.MESSAGE_BLOCKS and text_of(page).count("held_cancel") == blocks.ROWS_PAGE
    assert blocks.rows_wanted(f"{'b' * 20}:3:problems") == ("b" * 20, 3, True)
    assert blocks.rows_wanted("x:0") is None and blocks.rows_wanted("x:1:other") is None
    assert rows[0].phase is State.HELD


def test_saved_lists_are_listed_and_removable_by_whoever_may() -> None:
    lists = [
        SavedList("clinic", "U1", 120, ("phone", "name"), "a.csv", "U1", NOW.isoformat()),
        SavedList("all-staff", TEAM, 40, ("phone",), "b.csv", "UADMIN", NOW.isoformat()),
    ]
    mine = blocks.saved_lists_blocks(lists, "U1", admin=False)
    validate_blocks(mine)
    assert text_of(mine).count("list_remove") == 1, "the team's list is removed by admins only"
    assert text_of(blocks.saved_lists_blocks(lists, "UADMIN", admin=True)).count("list_remove") == 1
    options = blocks.list_options(lists)
    assert [group["label"]["text"] for group in options["option_groups"]] == ["Yours", "The team's"]
