"""Batches through the real app: a file of rows fetched from Slack's file API, checked row by row, confirmed
as one batch whose rows are each an SMS of its own; per-row times (in the recipients' zones), cancelling the
batch or one row, limits counted per recipient, saved lists, and the rows that go to Kaleyra together (and
have their statuses read together).

The app runs on a clock the test moves (`RunningApp.advance`): hand-offs are reached at once, and "nothing
was sent" is shown by moving past every row's time and running what is due then.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.fakes import FakeKaleyra, FakeSlack, wait_for
from tests.e2e.harness import RunningApp, modal_values
from tests.e2e.test_flow import button_value, clicked, confirmation_for, replies_to, text_of
from tests.e2e.test_holding import HOLDING
from tests.e2e.test_templates import open_home

DLT_ID = "1107161234567890123"
TEMPLATES = f"""
templates:
  - name: appointment
    template_id: "{DLT_ID}"
    text: "Hi {{#var#}}, your appointment with Dr. Rao is at {{#var#}}. Reply C to cancel."
    variables: [name, time]
    route: TXN
"""
IST = ZoneInfo("Asia/Kolkata")
HANDOFF = timedelta(minutes=16)
PICKED = {"value": "appointment", "text": {"type": "plain_text", "text": "appointment"}}


UPDATE_SECONDS = 5


@pytest.fixture
def batch_app(start_app: Any, tmp_path: Path) -> RunningApp:
    path = tmp_path / "templates.yml"
    path.write_text(TEMPLATES)
    app: RunningApp = start_app(
        **HOLDING, templates_file=str(path), admin_users="UADMIN", batch_update_seconds=UPDATE_SECONDS
    )
    return app


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def at(app: RunningApp, minutes: float) -> datetime:
    """A send time `minutes` from now by the app's clock, in India's time, whole seconds."""
    return (app.clock.now() + timedelta(minutes=minutes)).astimezone(IST).replace(microsecond=0)


def submit_form(app: RunningApp, slack: FakeSlack, *, template: bool = True, **fields: Any) -> tuple[str, Any]:
    """`/schedule-sms` alone, then the form submitted with `fields`: the command's response_url, and the
    submission's answer (its ack)."""
    url = slack.response_url("cmd")
    before = len(slack.of("views.open"))
    app.command("", response_url=url)
    form = wait_for(lambda: slack.of("views.open")[before:])[0]["view"]
    values = modal_values(route="TXN", sender="KLRHXA", **fields)
    if template:
        values["template"] = {"template_picked": {"type": "external_select", "selected_option": PICKED}}
    answer = app.submit(form, values)
    return url, answer.json() if answer.content else {}


def confirm(app: RunningApp, slack: FakeSlack, confirmation: dict[str, Any]) -> dict[str, Any]:
    return clicked(app, slack, "confirm_sms", button_value(confirmation, "confirm_sms"))


def batch_post(slack: FakeSlack) -> dict[str, Any]:
    """The batch's channel post (made after Confirm's answer)."""
    posts = wait_for(lambda: [post for post in slack.of("chat.postMessage") if post.get("channel") == "C1"])
    assert len(posts) == 1, "one post for the whole batch"
    return posts[0]


def through_handoffs(app: RunningApp, times: Sequence[datetime]) -> None:
    """The app's clock moved to just past each hand-off in turn, and then past every send time."""
    for send_at in sorted(times):
        if (step := send_at - HANDOFF + timedelta(seconds=1) - app.clock.now()) > timedelta():
            app.advance(step)
    app.advance(max(times) - app.clock.now() + timedelta(minutes=5))


def post_shows(app: RunningApp, slack: FakeSlack, words: str) -> None:
    """The batch's channel post updated to show `words`: its update comes `batch_update_seconds` after a
    change, so the clock is moved past that."""
    app.advance(timedelta(seconds=UPDATE_SECONDS + 1))
    wait_for(lambda: any(words in text_of(update["blocks"]) for update in slack.of("chat.update")))


def test_a_file_from_slack_with_good_and_bad_rows_confirms_the_good_ones(
    batch_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    times = [at(batch_app, 120 + 15 * n) for n in range(4)]
    rows = [
        ["+919876500001", "Asha", "4.00 PM", times[0].isoformat()],
        ["12345", "Ravi", "4.15 PM", times[1].isoformat()],  # line 3: bad number
        ["+919876500003", "Meera", "4.30 PM", times[2].isoformat()],
        ["+919876500004", "", "4.45 PM", times[3].isoformat()],  # line 5: missing variable
        ["+919876500005", "Arjun", "5.00 PM", (times[0] + timedelta(days=120)).isoformat()],  # line 6: too far
        ["+919876500006", "Priya", "5.15 PM", times[3].isoformat()],
    ]
    file_id = slack.add_file("clinic.csv", csv_text(["phone", "name", "time", "when"], rows))
    url, answer = submit_form(batch_app, slack, rows_file=file_id)
    assert answer["response_action"] == "update" and "Reading the file" in text_of(answer["view"])

    confirmation = confirmation_for(slack, url)
    shown = text_of(confirmation["blocks"])
    assert "*3 SMS* from clinic.csv" in shown and "*3 rows cannot be sent*" in shown
    assert "Line 3: bad number" in shown and "Line 5: missing variable" in shown
    assert "Line 6: outside Kaleyra's window" in shown
    assert "Hi Asha, your appointment with Dr. Rao is at 4.00 PM. Reply C to cancel." in shown
    assert "3 send times" in shown and f"*DLT template:* {DLT_ID}" in shown
    [info] = slack.of("files.info")
    assert info["file"] == file_id
    assert [call["authorised"] for call in slack.of("files.download")] == [True], "fetched with the bot token"
    form_now = wait_for(lambda: slack.of("views.update"))[-1]["view"]
    assert "3 SMS read" in text_of(form_now)

    outcome = confirm(batch_app, slack, confirmation)
    assert "3 SMS from clinic.csv held by the app" in text_of(outcome["blocks"])
    post = text_of(batch_post(slack)["blocks"])
    assert "scheduled a batch of 3 SMS from clinic.csv" in post and "3 held" in post
    assert kaleyra.requests == []
    listed = slack.response_url("list")
    batch_app.command("list", response_url=listed)
    line = text_of(wait_for(lambda: replies_to(slack, listed))[0]["blocks"])
    assert "batch of 3 SMS from clinic.csv · 3 held" in line and "batch_rows" in line, "one line, opening to its rows"
    home = text_of(open_home(batch_app, slack, "U1"))
    assert "batch of 3 SMS from clinic.csv · 3 held" in home and line.count("+9198765") == 0

    through_handoffs(batch_app, times)
    bodies = sorted(request.body["body"] for request in kaleyra.requests)
    assert bodies == [
        f"Hi {name}, your appointment with Dr. Rao is at {time}. Reply C to cancel."
        for name, time in (("Asha", "4.00 PM"), ("Meera", "4.30 PM"), ("Priya", "5.15 PM"))
    ]
    assert {request.body["template_id"] for request in kaleyra.requests} == {DLT_ID}
    assert sorted(request.body["to"] for request in kaleyra.requests) == [
        "+919876500001",
        "+919876500003",
        "+919876500006",
    ]
    assert sorted(request.body["time"] for request in kaleyra.requests) == sorted(
        t.isoformat() for t in (times[0], times[2], times[3])
    )
    post_shows(batch_app, slack, "3 handed to Kaleyra")


def batch_of(outcome: dict[str, Any]) -> str:
    """The batch id its Confirm answered with (its Show rows button)."""
    return button_value(outcome, "batch_rows").split(":")[0]


def rows_view(app: RunningApp, slack: FakeSlack, batch_id: str, page: int = 1, suffix: str = "") -> dict[str, Any]:
    return clicked(app, slack, "batch_rows", f"{batch_id}:{page}{suffix}")


def personal_rows(app: RunningApp, count: int, minutes: float = 120) -> tuple[str, list[datetime]]:
    """A file of `count` good rows with the template's variables, each at its own time."""
    times = [at(app, minutes + 20 * n) for n in range(count)]
    rows = [[f"+91987650{n:04d}", f"Name{n}", f"{n + 1}.00 PM", times[n].isoformat()] for n in range(count)]
    return csv_text(["phone", "name", "time", "when"], rows), times


def test_per_row_times_read_in_each_recipients_zone(
    batch_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    numbers = {"+919876500001": "Asia/Kolkata", "+16502530001": "America/Los_Angeles", "+447400123456": "Europe/London"}
    text = csv_text(["phone", "message"], [[number, "Your parcel arrives today"] for number in numbers])
    url, _ = submit_form(batch_app, slack, template=False, rows_file=slack.add_file("parcels.csv", text),
                         when="tomorrow 9am their time")  # fmt: skip
    confirmation = confirmation_for(slack, url)
    assert "*3 SMS* from parcels.csv" in text_of(confirmation["blocks"])
    assert "3 send times" in text_of(confirmation["blocks"])
    confirm(batch_app, slack, confirmation)

    now = batch_app.clock.now()
    expected = {
        number: datetime.combine((now.astimezone(ZoneInfo(zone)) + timedelta(days=1)).date(), datetime.min.time(),
                                 ZoneInfo(zone)).replace(hour=9)
        for number, zone in numbers.items()
    }  # fmt: skip
    through_handoffs(batch_app, list(expected.values()))
    sent = {request.body["to"]: datetime.fromisoformat(request.body["time"]) for request in kaleyra.requests}
    assert sent == expected, "each at 09:00 in its recipient's own zone"
    for number, zone in numbers.items():
        assert sent[number].astimezone(ZoneInfo(zone)).hour == 9


def test_one_row_cancelled_alone_is_never_sent_and_the_others_are(
    batch_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    text, times = personal_rows(batch_app, 3)
    url, _ = submit_form(batch_app, slack, rows_file=slack.add_file("clinic.csv", text))
    batch_id = batch_of(confirm(batch_app, slack, confirmation_for(slack, url)))

    page = rows_view(batch_app, slack, batch_id)
    shown = text_of(page["blocks"])
    assert "Line 2" in shown and "Line 4" in shown and shown.count("held_cancel") == 3
    second = button_value({"blocks": [b for b in page["blocks"] if b.get("block_id") == f"held-{batch_id}r2"]},
                          "held_cancel")  # fmt: skip
    cancelled = clicked(batch_app, slack, "held_cancel", second)
    assert "Cancelled by <@U1>" in text_of(cancelled["blocks"])

    through_handoffs(batch_app, times)
    assert sorted(request.body["to"] for request in kaleyra.requests) == ["+919876500000", "+919876500002"]
    after = text_of(rows_view(batch_app, slack, batch_id)["blocks"])
    assert after.count("handed to Kaleyra") == 2 and "cancelled by <@U1>" in after


def test_a_batch_cancelled_as_a_whole_sends_none_of_its_rows(
    batch_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    text, times = personal_rows(batch_app, 4)
    url, _ = submit_form(batch_app, slack, rows_file=slack.add_file("clinic.csv", text))
    outcome = confirm(batch_app, slack, confirmation_for(slack, url))
    batch_id = batch_of(outcome)
    clicked(batch_app, slack, "held_cancel", f"{batch_id}r1")  # one alone first

    refused = clicked(batch_app, slack, "batch_cancel", batch_id, user="U2")
    assert "Only the person who scheduled this batch, or an admin" in text_of(refused["blocks"])
    done = clicked(batch_app, slack, "batch_cancel", batch_id)
    assert "Batch cancelled by <@U1>: 3 SMS cancelled, none of them sent" in text_of(done["blocks"])
    assert "4 cancelled" in text_of(done["blocks"])
    post_shows(batch_app, slack, "4 cancelled")

    through_handoffs(batch_app, times)
    assert kaleyra.requests == [], "nothing of a cancelled batch is sent when the clock passes its times"
    again = clicked(batch_app, slack, "batch_cancel", batch_id)
    assert "already cancelled" in text_of(again["blocks"])


def test_limits_count_every_recipient_before_confirm(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(**HOLDING, daily_sms_limit=3)
    times = [at(app, 120 + n) for n in range(5)]
    text = csv_text(
        ["phone", "message", "when"], [[f"+91987650{n:04d}", "Hello", times[n].isoformat()] for n in range(5)]
    )
    url, _ = submit_form(app, slack, template=False, rows_file=slack.add_file("five.csv", text))
    told = wait_for(lambda: [r for r in replies_to(slack, url) if "Not scheduled" in text_of(r)])
    assert "You can send at most 3 SMS a day; this one has 5 recipients." in text_of(told[0])
    assert "Not scheduled" in text_of(wait_for(lambda: slack.of("views.update"))[-1]["view"])
    assert not any("Check and confirm" in reply.get("text", "") for reply in replies_to(slack, url))

    three = csv_text(
        ["phone", "message", "when"], [[f"+91987650{n:04d}", "Hello", times[n].isoformat()] for n in range(3)]
    )
    url, _ = submit_form(app, slack, template=False, rows_file=slack.add_file("three.csv", three))
    outcome = confirm(app, slack, confirmation_for(slack, url))
    assert "3 SMS from three.csv held" in text_of(outcome["blocks"])

    one = slack.response_url("one")
    app.command(f'+919876543210 "One more" {times[0].isoformat()}', response_url=one)
    refused = wait_for(lambda: replies_to(slack, one))[0]
    assert "reached your limit of 3 SMS a day" in text_of(refused), "every row of the batch was counted"


def test_a_saved_list_is_used_again_by_name_in_one_line(
    batch_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    text = csv_text(["phone", "name", "time"], [["+919876500001", "Asha", "4 PM"], ["+919876500002", "Ravi", "5 PM"]])
    url, _ = submit_form(batch_app, slack, rows_file=slack.add_file("regulars.csv", text), when="in 3 hours",
                         save_as="Regulars")  # fmt: skip
    first = confirmation_for(slack, url)
    assert "Saved as your list “regulars”" in text_of(first["blocks"])

    lists = slack.response_url("lists")
    batch_app.command("lists", response_url=lists)
    listed = text_of(wait_for(lambda: replies_to(slack, lists))[0]["blocks"])
    assert "*regulars* (yours) · 2 rows" in listed

    again = slack.response_url("again")
    batch_app.command("list:regulars template:appointment in 5 hours", response_url=again)
    confirmation = confirmation_for(slack, again)
    shown = text_of(confirmation["blocks"])
    assert "*2 SMS* from list regulars" in shown and "Hi Ravi, your appointment with Dr. Rao is at 5 PM" in shown
    confirm(batch_app, slack, confirmation)
    through_handoffs(batch_app, [batch_app.clock.now() + timedelta(hours=5)])
    assert sorted(request.body["to"] for request in kaleyra.requests) == ["+919876500001", "+919876500002"]

    before = len(slack.of("views.open"))
    batch_app.command("list:regulars template:appointment in 5 hours", response_url=slack.response_url(), user="U2")
    form = wait_for(lambda: slack.of("views.open")[before:])[0]["view"]
    assert "There is no saved list named “regulars”" in text_of(form), "a user's list is their own"


def test_identical_rows_go_together_up_to_100_a_request_and_personal_rows_one_each(
    batch_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    send_at = at(batch_app, 120)
    same = csv_text(["phone"], [[f"+91987651{n:04d}"] for n in range(150)])
    url, _ = submit_form(batch_app, slack, template=False, rows_file=slack.add_file("all.csv", same),
                         message="The clinic is closed on Friday", when=send_at.isoformat())  # fmt: skip
    grouped = batch_of(confirm(batch_app, slack, confirmation_for(slack, url)))
    text, times = personal_rows(batch_app, 3, minutes=120)
    url, _ = submit_form(batch_app, slack, rows_file=slack.add_file("clinic.csv", text))
    confirm(batch_app, slack, confirmation_for(slack, url))

    through_handoffs(batch_app, [send_at, *times])
    together = [request for request in kaleyra.requests if request.body["body"].startswith("The clinic")]
    assert sorted(len(request.body["to"].split(",")) for request in together) == [50, 100]
    assert len({number for request in together for number in request.body["to"].split(",")}) == 150, "each once"
    personal = [request for request in kaleyra.requests if request.body["body"].startswith("Hi ")]
    assert sorted(request.body["to"] for request in personal) == [f"+91987650{n:04d}" for n in range(3)]

    kaleyra.set_status("Delivered")
    batch_app.advance(timedelta(hours=1))
    page = text_of(rows_view(batch_app, slack, grouped)["blocks"])
    assert page.count("delivered") == blocks_rows_page(), "each row settled with its own message id"
    post_shows(batch_app, slack, "150 delivered")


def test_rows_sent_together_have_their_statuses_read_together(
    batch_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    send_at, rows = at(batch_app, 120), 150
    same = csv_text(["phone"], [[f"+91987651{n:04d}"] for n in range(rows)])
    url, _ = submit_form(batch_app, slack, template=False, rows_file=slack.add_file("all.csv", same),
                         message="The clinic is closed on Friday", when=send_at.isoformat())  # fmt: skip
    confirm(batch_app, slack, confirmation_for(slack, url))
    batch_app.advance(send_at - HANDOFF + timedelta(seconds=1) - batch_app.clock.now())
    sent = kaleyra.message_ids()
    assert len(sent) == rows and kaleyra.status_requests == []
    kaleyra.set_status("Delivered")
    kaleyra.set_status("NotSent", "CON-DND", only=":7")  # the 7th number of each of the two requests

    batch_app.advance(send_at + timedelta(minutes=5) - batch_app.clock.now())  # every row's first check
    asked = [message_id for request in kaleyra.status_requests for message_id in request]
    assert sorted(asked) == sorted(sent), "every row's status asked for once"
    assert max(len(request) for request in kaleyra.status_requests) <= 100
    # the queue runs 50 jobs at once, so 3 requests at best; far from one per row
    assert len(kaleyra.status_requests) <= rows // 10, kaleyra.status_requests
    post_shows(batch_app, slack, "148 delivered · 2 not delivered")
    wait_for(lambda: [message for message in slack.of("chat.postMessage")  # and its owner told of them
                      if message["channel"] == "U1" and "not delivered" in text_of(message["blocks"])])  # fmt: skip


def blocks_rows_page() -> int:
    from bot.slack.blocks import ROWS_PAGE

    return ROWS_PAGE


def test_every_bad_row_is_named_and_a_long_list_follows_in_messages(
    batch_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    good = at(batch_app, 120).isoformat()
    rows = [["+919876500001", "Asha", "4 PM", good]] + [[f"12{n}", "Ravi", "5 PM", good] for n in range(60)]
    url, _ = submit_form(
        batch_app, slack, rows_file=slack.add_file("typos.csv", csv_text(["phone", "name", "time", "when"], rows))
    )
    confirmation = confirmation_for(slack, url)
    shown = text_of(confirmation["blocks"])
    assert "*60 rows cannot be sent*" in shown and "… and 40 more, each listed in the messages below." in shown
    rest = wait_for(lambda: [r for r in replies_to(slack, url) if "continued" in text_of(r)])
    listed = "".join(text_of(message["blocks"]) for message in [confirmation, *rest])
    for line in range(3, 63):
        assert f"Line {line}: bad number" in listed, f"line {line} is named"
    assert button_value(confirmation, "confirm_sms"), "the good row can still be confirmed"


def test_a_file_that_cannot_be_used_brings_the_form_back_with_the_reason(
    batch_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    text = csv_text(["name", "time"], [["Asha", "4 PM"]])
    submit_form(batch_app, slack, rows_file=slack.add_file("names.csv", text), when="in 3 hours")
    form = wait_for(lambda: [u["view"] for u in slack.of("views.update") if u["view"].get("callback_id")])[-1]
    shown = text_of(form)
    assert "No column for the phone number" in shown and "Attach the file again" in shown
    assert kaleyra.requests == []


@pytest.mark.parametrize(
    ("fault", "told"),
    [
        ("slow", "Slack took too long to send clinic.csv; attach it again."),
        ("cut off", "The connection to Slack failed while fetching clinic.csv; attach it again."),
    ],
    ids=["slow", "cut-off"],
)
def test_a_file_slack_fails_to_send_brings_the_form_back_asking_for_it_again(
    start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra, fault: str, told: str
) -> None:
    app = start_app(**HOLDING, file_timeout_seconds=0.5)
    if fault == "slow":
        slack.gates["files.download"] = threading.Event()  # not sent before the app stops waiting for it
    else:
        slack.cut_downloads = True
    text = csv_text(["phone", "message"], [["+919876500001", "Your slot is at 10:00."]])
    submit_form(app, slack, template=False, rows_file=slack.add_file("clinic.csv", text), when="in 3 hours")
    form = wait_for(lambda: [u["view"] for u in slack.of("views.update") if u["view"].get("callback_id")])[-1]
    assert told in text_of(form)
    assert slack.of("files.download") and kaleyra.requests == []


def test_pasted_rows_too_long_to_show_again_are_answered_with_what_to_fix(
    batch_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    """Rows that cannot be used, and too long for the form to hold again: the user hears both reasons."""
    rows = "\n".join(f"+9198765{n:05d}\tPatient number {n}\tPatient {n}\t4 PM" for n in range(300))
    pasted = "phone\tname\tname\ttime\n" + rows  # two columns of one name: the rows as a whole are refused
    url, _ = submit_form(batch_app, slack, recipients=pasted, when="in 3 hours")
    told = wait_for(lambda: [r for r in replies_to(slack, url) if "Nothing was scheduled" in text_of(r)])
    said = text_of(told[0])
    assert "Two columns are named name" in said and "too long for the form" in said and "as a file" in said
    assert kaleyra.requests == []


def test_rows_pasted_in_the_recipients_box_are_rows(
    batch_app: RunningApp, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    pasted = "phone\tname\ttime\n+919876500001\tAsha\t4 PM\n+919876500002\tRavi\t5 PM"
    url, _ = submit_form(batch_app, slack, recipients=pasted, when="in 3 hours")
    confirmation = confirmation_for(slack, url)
    assert "*2 SMS* from the rows pasted" in text_of(confirmation["blocks"])
    assert "Hi Ravi, your appointment with Dr. Rao is at 5 PM" in text_of(confirmation["blocks"])


def test_a_large_file_is_read_whole(start_app: Any, slack: FakeSlack, kaleyra: FakeKaleyra) -> None:
    app = start_app(**HOLDING, daily_sms_limit=0)
    rows = [[f"+9198{10_000_000 + n:08d}", f"Reminder number {n}: your slot is at 10:00."] for n in range(3_000)]
    url, _ = submit_form(app, slack, template=False, when="in 3 hours",
                         rows_file=slack.add_file("big.csv", csv_text(["phone", "message"], rows)))  # fmt: skip
    shown = text_of(confirmation_for(slack, url)["blocks"])
    assert "*3,000 SMS* from big.csv" in shown and "cannot be sent" not in shown
