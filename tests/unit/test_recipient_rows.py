"""Recipients from a file: columns found by name, each row a good SMS or a bad row with its line and reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.quiet_hours import QuietHours, parse_hours
from bot.core.recipient_rows import Problem, RowRules, Rows, RowsError, decode, looks_like_rows, read_rows
from bot.core.templates import Template

NOW = datetime(2026, 12, 4, 3, 30, tzinfo=UTC)  # 09:00 in India
IST = ZoneInfo("Asia/Kolkata")
TEMPLATE = Template.create(
    "appointment", "1107161234567890123", "Hi {#var#}, your appointment with {#var#} is at {#var#}.",
    "name, doctor, time",
)  # fmt: skip
RULES = RowRules("IN", max_rows=10_000, max_segments=2)
HEADER = "phone,name,doctor,time,when"


def rows(text: str, rules: RowRules = RULES, **kwargs: object) -> Rows:
    options: dict[str, object] = {"tz": "Asia/Kolkata", "now": NOW, "template": TEMPLATE} | kwargs
    return read_rows(text, rules, **options)  # type: ignore[arg-type]


def problems(result: Rows) -> list[tuple[int, Problem]]:
    return [(row.line, row.problem) for row in result.bad]


def test_good_rows_are_rendered_with_their_own_times() -> None:
    result = rows(
        f"{HEADER}\n"
        "+919876543210,Asha,Dr. John,4.00 PM,tomorrow 9am\n"
        "98765 43211,Ravi,Dr. Rao,5.30 PM,2026-12-07T10:15\n"
    )
    first, second = result.good
    assert (first.line, first.number, first.segments) == (2, "+919876543210", 1)
    assert first.body == "Hi Asha, your appointment with Dr. John is at 4.00 PM."
    assert first.send_at == datetime(2026, 12, 5, 9, 0, tzinfo=IST)
    assert (second.number, second.send_at) == ("+919876543211", datetime(2026, 12, 7, 10, 15, tzinfo=IST))
    assert result.bad == () and result.send_times == 2 and result.segments == 2
    assert result.columns.variables == ("name", "doctor", "time") and result.columns.when == "when"


def test_each_bad_row_has_its_line_and_reason_and_the_good_rows_go_on() -> None:
    long = "x" * 31
    result = rows(
        f"{HEADER}\n"
        "+919876543210,Asha,Dr. John,4 PM,tomorrow 9am\n"  # 2: good
        "12345,Asha,Dr. John,4 PM,tomorrow 9am\n"  # 3
        "+919876543211,,Dr. John,4 PM,tomorrow 9am\n"  # 4
        f"+919876543212,Asha,{long},4 PM,tomorrow 9am\n"  # 5
        "+919876543213,Asha,Dr. John,4 PM,yesterday-ish\n"  # 6
        "+919876543214,Asha,Dr. John,4 PM,in 5 minutes\n"  # 7
        "+919876543215,Asha,Dr. John,4 PM,in 4 months\n"  # 8
        "+919876543210,Asha,Dr. John,4 PM,tomorrow 9am\n"  # 9: the same as line 2
        "+919876543216,Asha,Dr. John,4 PM,\n"  # 10: no time
        "+919876543217,Asha,Dr. John,4 PM,now\n"  # 11: good, sent at once
    )
    assert [row.line for row in result.good] == [2, 11] and result.good[1].send_at is None
    assert problems(result) == [
        (3, Problem.BAD_NUMBER),
        (4, Problem.MISSING_VARIABLE),
        (5, Problem.TOO_LONG),
        (6, Problem.BAD_TIME),
        (7, Problem.OUTSIDE_WINDOW),
        (8, Problem.OUTSIDE_WINDOW),
        (9, Problem.DUPLICATE),
        (10, Problem.BAD_TIME),
    ]
    reasons = {row.line: row.reason for row in result.bad}
    assert "“12345” has the wrong number of digits" in reasons[3]
    assert reasons[4] == "name is empty: every variable of a DLT template needs a value."
    assert reasons[5] == "doctor is 31 characters; DLT allows at most 30 per variable."
    assert "at least 15 minutes' notice" in reasons[7] and "at most 3 months ahead" in reasons[8]
    assert reasons[9] == "The same number, message and time as line 2."
    assert "No send time" in reasons[10]


def test_a_message_over_the_segment_limit_is_too_long() -> None:
    text = Template.create("long", "1", "x" * 320 + " {#var#}", "name")
    result = rows("phone,name\n+919876543210,Asha\n", template=text, when="tomorrow 9am")
    assert problems(result) == [(2, Problem.TOO_LONG)] and "the limit is 2 SMS" in result.bad[0].reason


def test_a_control_character_in_a_value_is_refused() -> None:
    result = rows('phone\tname\tdoctor\ttime\n+919876543210\t"As\x1bha"\tDr. John\t4 PM\n', when="tomorrow 9am")
    assert problems(result) == [(2, Problem.CONTROL_CHARACTER)] and "U+001B escape" in result.bad[0].reason


def test_tsv_quotes_bom_crlf_and_empty_lines() -> None:
    text = (
        "\ufeff\r\n"
        "Mobile No.\tName\tDoctor\tTime\r\n"
        "\r\n"
        '+919876543210\t"Asha\r\nK"\t"Dr. ""JJ"" John"\t4 PM\r\n'
        "\t\t\t\r\n"
        "+919876543211\tRavi\tDr. Rao\t5 PM\r\n"
    )
    result = rows(text, when="tomorrow 9am")
    assert [row.line for row in result.good] == [4, 7]  # the record on line 4 spans two lines
    assert result.good[0].body == 'Hi Asha\r\nK, your appointment with Dr. "JJ" John is at 4 PM.'
    assert result.columns.phone == "Mobile No."


def test_variables_in_order_when_no_column_is_named_after_one() -> None:
    result = rows("Contact Number,Patient,Physician,Slot\n+919876543210,Asha,Dr. John,4 PM\n", when="tomorrow 9am")
    assert result.columns.variables == ("Patient", "Physician", "Slot")
    assert result.good[0].body == "Hi Asha, your appointment with Dr. John is at 4 PM."


def test_a_time_relative_to_a_column() -> None:
    result = rows(
        "phone,name,doctor,time\n+919876543210,Asha,Dr. John,2026-12-07 16:00\n+919876543211,Ravi,Dr. Rao,\n",
        when="2 hours before {time}",
    )
    assert result.good[0].send_at == datetime(2026, 12, 7, 14, 0, tzinfo=IST)
    assert problems(result) == [(3, Problem.MISSING_VARIABLE)]  # its time is empty, as a variable first


def test_a_relative_time_per_row_and_a_column_used_only_for_the_time() -> None:
    header = "phone,name,doctor,time,appointment,when"
    result = rows(
        f"{header}\n"
        "+919876543210,Asha,Dr. John,4 PM,2026-12-07 16:00,1 day before {appointment}\n"
        "+919876543211,Ravi,Dr. Rao,5 PM,2026-12-07 17:00,30 minutes after {appointment}\n"
        "+919876543212,Mira,Dr. Rao,5 PM,2026-12-07 17:00,soon before {appointment}\n"
        "+919876543213,Mira,Dr. Rao,5 PM,2026-12-07 17:00,2 hours before {nowhere}\n"
    )
    assert [row.send_at for row in result.good] == [
        datetime(2026, 12, 6, 16, 0, tzinfo=IST),
        datetime(2026, 12, 7, 17, 30, tzinfo=IST),
    ]
    assert "say how long before" in result.bad[0].reason and "no column named nowhere" in result.bad[1].reason


def test_their_time_reads_each_row_in_its_recipients_zone() -> None:
    result = rows(
        "phone,name,doctor,time\n+919876543210,Asha,Dr. John,4 PM\n+16502530000,Bob,Dr. Rao,5 PM\n"
        "+18005550199,Tom,Dr. Rao,5 PM\n",
        when="tomorrow 9am their time",
    )
    assert [(row.line, row.send_at) for row in result.good] == [
        (2, datetime(2026, 12, 5, 9, 0, tzinfo=IST)),
        (3, datetime(2026, 12, 4, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))),  # its tomorrow
    ]
    assert problems(result) == [(4, Problem.BAD_TIME)] and "may be in any of" in result.bad[0].reason


def test_quiet_hours_apply_per_row_to_promotional_sms() -> None:
    start, end = parse_hours("09:00-21:00")
    promotional = RowRules("IN", 100, 2, route="MKT", quiet_hours=QuietHours(start, end, ("IN",)))
    result = rows(
        "phone,name,doctor,time,when\n+919876543210,Asha,Dr. John,4 PM,tomorrow 10am\n"
        "+919876543211,Ravi,Dr. Rao,5 PM,tomorrow 11pm\n+16502530000,Bob,Dr. Rao,5 PM,tomorrow 11pm\n",
        promotional,
    )
    assert [row.line for row in result.good] == [2, 4]
    assert problems(result) == [(3, Problem.QUIET_HOURS)] and "next allowed time" in result.bad[0].reason


def test_countries_not_allowed_are_bad_numbers() -> None:
    allowed = RowRules("IN", 100, 2, allowed_countries=("IN",))
    result = rows("phone,name,doctor,time\n+16502530000,Bob,Dr. Rao,5 PM\n", allowed, when="tomorrow 9am")
    assert problems(result) == [(2, Problem.BAD_NUMBER)] and "where sending is not allowed" in result.bad[0].reason


def test_without_a_template_a_message_column_or_one_message_for_all() -> None:
    per_row = rows("to,message\n+919876543210,Your order shipped\n+919876543211,\n", template=None, when="now")
    assert per_row.good[0].body == "Your order shipped" and problems(per_row) == [(3, Problem.MISSING_MESSAGE)]
    for_all = rows("phone\n+919876543210\n", template=None, message="Store opens at 9", when="now")
    assert for_all.good[0].body == "Store opens at 9"


@pytest.mark.parametrize(
    ("text", "kwargs", "words"),
    [
        ("", {}, "The file is empty"),
        ("\n\n", {}, "The file is empty"),
        ("name,doctor,time\nAsha,Dr. John,4 PM\n", {}, "No column for the phone number"),
        ("+919876543210,Asha\n", {}, "it looks like data"),
        ("phone,mobile,name,doctor,time\n", {}, "Both phone and mobile could be the phone number"),
        ("phone,name,Name,doctor,time\n", {}, "Two columns are named name"),
        ("phone,name,time\n", {}, "No column for doctor"),
        ("phone,a,b\n", {}, "has 3 variables (name, doctor, time), but besides the phone"),
        ("phone,name,doctor,time\n", {"when": "2 hours before {slot}"}, "no column is named slot"),
        ("phone\n", {"template": None}, "Give the message, or a message column"),
        ('phone,name,doctor,time\n"+91\n', {"when": "now"}, "Line 2 cannot be read"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_whole(text: str, kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(RowsError, match=words.replace("(", r"\(").replace(")", r"\)")):
        rows(text, **kwargs)


def test_files_past_max_batch_rows_are_refused() -> None:
    small = RowRules("IN", max_rows=3, max_segments=2)
    line = "+919876543210,Asha,Dr. John,4 PM,now\n"
    assert len(rows(HEADER + "\n" + line * 3 + "\n\n", small).bad) == 2  # three rows: read (two are duplicates)
    with pytest.raises(RowsError, match="more than 3 rows: at most 3 can be sent at once"):
        rows(HEADER + "\n" + line * 4, small)


def test_decode_reads_utf8_with_or_without_bom_and_utf16_and_refuses_the_rest() -> None:
    assert decode("\ufeffphone,नाम\n".encode()) == "phone,नाम\n"
    assert decode("phone\tname\n".encode("utf-16")) == "phone\tname\n"
    with pytest.raises(RowsError, match="not UTF-8"):
        decode("phone,Zoë\n".encode("cp1252"))


def test_times_are_read_once_per_phrase_and_never_across_files() -> None:
    text = f"{HEADER}\n+919876543210,Asha,Dr. John,4 PM,in 2 hours\n"
    first = rows(text).good[0].send_at
    later = rows(text, now=NOW + timedelta(hours=1)).good[0].send_at
    assert first is not None and later is not None and later - first == timedelta(hours=1)


def test_a_variable_given_for_every_row_needs_no_column() -> None:
    result = rows("phone,name,time,when\n+919876543210,Asha,4.00 PM,tomorrow 9am\n", values={"doctor": "Dr. Rao"})
    [row] = result.good
    assert row.body == "Hi Asha, your appointment with Dr. Rao is at 4.00 PM."
    with pytest.raises(RowsError, match="“nurse” is not a variable of template “appointment”"):
        rows("phone,name,doctor,time,when\n", values={"nurse": "Ann"})
    in_order = rows("phone,a,b,when\n+919876543210,Asha,4 PM,tomorrow 9am\n", values={"doctor": "Dr. Rao"})
    assert in_order.good[0].body == "Hi Asha, your appointment with Dr. Rao is at 4 PM.", "the others in order"


@pytest.mark.parametrize(
    ("pasted", "is_rows"),
    [
        ("phone\tname\n+919876543210\tAsha", True),
        ('"Mobile No.",name\n98765 43210,Asha', True),
        ("+919876543210, +919876543211", False),
        ("+919876543210\n+919876543211", False),
        ("phone,name", False),
    ],
)
def test_rows_pasted_where_numbers_go_are_told_from_numbers(pasted: str, is_rows: bool) -> None:
    assert looks_like_rows(pasted) is is_rows
