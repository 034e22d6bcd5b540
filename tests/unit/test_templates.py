"""DLT templates: the model, rendering, checking a typed message, TEMPLATES_FILE, the Redis store, the
one-line syntax, and validation with a template."""

from __future__ import annotations

import asyncio
from pathlib import Path

import fakeredis
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.command import Draft, parse_command
from bot.core.errors import InvalidRequest
from bot.core.template_store import TemplateFileError, TemplateReadOnly, TemplateStore, load_file
from bot.core.templates import InvalidTemplate, Template, TemplateMismatch, variable_problem
from bot.core.validation import validate
from bot.slack import blocks
from tests.slack_models import validate_blocks, validate_view
from tests.unit.test_validation import NOW, settings

APPOINTMENT = Template.create(
    "Appointment", "1107161234567890123", "Hi {#var#}, your appointment with {#var#} is at {#var#}.",
    "name, doctor, time", route="txn",
)  # fmt: skip


# --- the model ---------------------------------------------------------------------------------


def test_a_template_keeps_dlt_text_and_names_its_variables() -> None:
    assert APPOINTMENT.name == "appointment" and APPOINTMENT.route == "TXN"
    assert APPOINTMENT.variables == ("name", "doctor", "time")
    assert APPOINTMENT.parts == ("Hi ", ", your appointment with ", " is at ", ".")
    unnamed = Template.create("otp", "1", "Your code is {#var#}; valid for {#var#} minutes")
    assert unnamed.variables == ("var1", "var2")


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"name": "has space"}, "name", "1 to 40 letters"),
        ({"template_id": ""}, "template_id", "Give the DLT template id"),
        ({"text": ""}, "text", "each variable written {#var#}"),
        ({"text": "Hi {#var#, bye"}, "text", "A variable is not closed"),
        ({"variables": "a, b"}, "variables", "2 names for the text's 1 variables"),
        ({"variables": "9lives"}, "variables", "“9lives” cannot be a variable name"),
        ({"text": "{#var#} {#var#}", "variables": "a, A"}, "variables", "Each variable needs a name of its own"),
        ({"sender": "TOO-LONG-SENDER-ID"}, "sender", "up to 15 letters"),
        ({"route": "OTP"}, "route", "OTP cannot be scheduled"),
    ],
)
def test_an_invalid_template_names_each_field(fields: dict[str, str], field: str, words: str) -> None:
    values = {"name": "x", "template_id": "1", "text": "Hi {#var#}"} | fields
    with pytest.raises(InvalidTemplate) as raised:
        Template.create(**values)
    assert words in raised.value.errors[field]


def test_json_round_trip_checks_again() -> None:
    assert Template.from_json(APPOINTMENT.to_json()) == APPOINTMENT
    with pytest.raises(InvalidTemplate):
        Template.from_json('{"name": "x", "template_id": "", "text": "t"}')


# --- rendering ---------------------------------------------------------------------------------


def test_render_by_name_in_any_case_or_in_order() -> None:
    body = "Hi Asha, your appointment with Dr. John is at 4.00 PM."
    assert APPOINTMENT.render({"Name": "Asha", "doctor": "Dr. John", "TIME": "4.00 PM"}) == body
    assert APPOINTMENT.render(positional=("Asha", "Dr. John", "4.00 PM")) == body


def test_render_says_what_is_wrong_per_variable() -> None:
    with pytest.raises(TemplateMismatch) as raised:
        APPOINTMENT.render({"name": " ", "time": "x" * 31})
    assert raised.value.errors == {
        "name": "name is empty: every variable of a DLT template needs a value.",
        "doctor": "doctor is empty: every variable of a DLT template needs a value.",
        "time": "time is 31 characters; DLT allows at most 30 per variable.",
    }


@pytest.mark.parametrize(
    ("named", "positional", "words"),
    [
        ({"nmae": "Asha"}, (), "“nmae” is not a variable of “appointment” (did you mean name?)"),
        ({"name": "Asha"}, ("Asha",), "either by name or in order, not both"),
        ({}, ("a", "b", "c", "d"), "4 values were given, but “appointment” has 3 variables (name, doctor, time)"),
    ],
)
def test_values_that_do_not_fit_the_template_as_a_whole(
    named: dict[str, str], positional: tuple[str, ...], words: str
) -> None:
    with pytest.raises(TemplateMismatch) as raised:
        APPOINTMENT.render(named, positional)
    assert words in raised.value.errors["template"]


def test_thirty_characters_is_the_limit() -> None:
    assert variable_problem("v", "x" * 30) is None
    assert variable_problem("v", "x" * 31) is not None


# --- checking a typed message ------------------------------------------------------------------


def test_a_message_that_fits_gives_the_values() -> None:
    body = "Hi Asha, your appointment with Dr. John is at 4.00 PM."
    assert APPOINTMENT.check(body) == ("Asha", "Dr. John", "4.00 PM")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("Hello Asha, your appointment with Dr. John is at 4.00 PM.", "it must begin with “Hi ”"),
        ("Hi Asha, your appt with Dr. John is at 4.00 PM.", "the text “, your appointment with ” after name"),
        ("Hi Asha, your appointment with Dr. John is at 4.00 PM!", "it must end with “.” after time"),
        ("Hi Asha, your appointment with  is at 4.00 PM.", "doctor is empty"),
        ("Hi Asha, your appointment with Dr. John is at " + "4" * 31 + ".", "time is 31 characters"),
    ],
)
def test_a_message_that_does_not_fit_names_the_part(body: str, words: str) -> None:
    with pytest.raises(TemplateMismatch) as raised:
        APPOINTMENT.check(body)
    assert words in raised.value.errors["message"]


def test_repeated_fixed_parts_are_matched_without_backtracking_forever() -> None:
    spaced = Template.create("n", "1", " ".join(["{#var#}"] * 12) + " end")
    body = " ".join(["word"] * 12) + " end"
    assert spaced.check(body) == ("word",) * 12
    with pytest.raises(TemplateMismatch):
        spaced.check(" ".join(["w"] * 200) + " nope")


@given(st.lists(st.text(alphabet="abc ,.", min_size=1, max_size=30).filter(str.strip), min_size=3, max_size=3))
def test_what_is_rendered_checks_back(values: list[str]) -> None:
    body = APPOINTMENT.render(positional=values)
    assert APPOINTMENT.fill(list(APPOINTMENT.check(body))) == body


# --- TEMPLATES_FILE ----------------------------------------------------------------------------


def test_a_yaml_or_json_file_loads(tmp_path: Path) -> None:
    yaml_file = tmp_path / "t.yml"
    yaml_file.write_text(
        "\ufefftemplates:\n  - name: appointment\n    template_id: 1107161234567890123\n"
        "    text: 'Hi {#var#}'\n    variables: name\n    sender: KLRHXA\n",
        encoding="utf-8",
    )
    json_file = tmp_path / "t.json"
    json_file.write_text('[{"name": "otp", "template_id": "9", "text": "Code {#var#}", "variables": ["code"]}]')
    [appointment] = load_file(str(yaml_file))
    assert appointment.template_id == "1107161234567890123" and appointment.variables == ("name",)
    assert appointment.sender == "KLRHXA"
    assert [template.name for template in load_file(str(json_file))] == ["otp"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("templates: [", "is not YAML or JSON"),
        ("name: x", "must hold a list of templates"),
        ("- 3", "template 1 must be a mapping"),
        ("- {name: x, template_id: 1, text: t, colour: red}", "template 1: unknown field colour"),
        ("- {name: x, template_id: '', text: t}", "template 1 (“x”): template_id: Give the DLT template id"),
        ("- {name: x, template_id: 1, text: t}\n- {name: X, template_id: 2, text: u}", "“x” is used twice"),
    ],
)
def test_a_bad_file_names_the_template_and_field(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "t.yml"
    path.write_text(content)
    with pytest.raises(TemplateFileError, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_file(str(path))


def test_a_bad_file_stops_the_app_at_start(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    path.write_text("- {name: x, template_id: 1, text: 'Hi {#var'}")
    with pytest.raises(ValueError, match="A variable is not closed"):
        settings(templates_file=str(path))
    with pytest.raises(ValueError, match="cannot read"):
        settings(templates_file=str(tmp_path / "missing.yml"))


# --- the store ---------------------------------------------------------------------------------


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_the_store_adds_edits_and_removes_but_leaves_the_files_alone() -> None:
    configured = Template.create("otp", "9", "Code {#var#}")
    store = TemplateStore(fakeredis.FakeAsyncRedis(decode_responses=True), [configured])

    async def scenario() -> None:
        await store.add(APPOINTMENT)
        with pytest.raises(InvalidTemplate, match="already a template named “appointment”"):
            await store.add(APPOINTMENT)
        with pytest.raises(InvalidTemplate, match="already a template named “otp”"):
            await store.add(Template.create("OTP", "1", "x"))
        assert [template.name for template in await store.all()] == ["otp", "appointment"]
        edited = Template.create("appointment", "42", APPOINTMENT.text, APPOINTMENT.variables)
        await store.update(edited)
        assert await store.get("APPOINTMENT") == edited
        assert await store.with_template_id("9") == configured
        with pytest.raises(TemplateReadOnly, match="read-only"):
            await store.remove("otp")
        with pytest.raises(TemplateReadOnly):
            await store.update(configured)
        assert await store.remove("appointment") is True and await store.remove("appointment") is False
        assert await store.get("appointment") is None and await store.get("otp") == configured

    run(scenario())


def test_a_corrupt_stored_template_is_skipped_not_fatal() -> None:
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    store = TemplateStore(redis, redis_key="schedule-sms:templates:T1")

    async def scenario() -> None:
        await redis.hset("schedule-sms:templates:T1", mapping={"bad": "{not json", "empty": '{"name": "empty"}'})
        await store.add(APPOINTMENT)
        assert await store.added() == [APPOINTMENT]

    run(scenario())


# --- the one line, and validation --------------------------------------------------------------


def test_one_line_takes_values_by_name_or_in_order() -> None:
    named = parse_command('+919876543210 template:appointment name=Asha doctor=“Dr. John” time="4.00 PM" tomorrow 9am')
    assert named.template == "appointment" and named.recipients == "+919876543210" and named.when == "tomorrow 9am"
    assert named.variables == (("name", "Asha"), ("doctor", "Dr. John"), ("time", "4.00 PM"))
    in_order = parse_command('98765 43210, 91234 56789 tomorrow 9am template:appointment "Asha" "Dr. John" "4 PM"')
    assert in_order.recipients == "98765 43210, 91234 56789" and in_order.when == "tomorrow 9am"
    assert in_order.positional == ("Asha", "Dr. John", "4 PM") and in_order.message == ""
    assert parse_command('+919876543210 "template: not one" tomorrow').template == ""


def templated(**fields: object) -> Draft:
    values: dict[str, object] = {"recipients": "+919876543210", "when": "tomorrow 5pm", "route": "TXN",
                                 "sender": "KLRHXA", "template": "appointment"} | fields  # fmt: skip
    return Draft(**values)  # type: ignore[arg-type]


def test_validation_renders_the_body_and_sends_the_template_id() -> None:
    draft = templated(variables=(("name", "Asha"), ("doctor", "Dr. John"), ("time", "4 PM")))
    request = validate(draft, "Asia/Kolkata", NOW, settings(), template=APPOINTMENT)
    assert request.body == "Hi Asha, your appointment with Dr. John is at 4 PM."
    assert request.template_id == APPOINTMENT.template_id


def test_validation_puts_each_problem_beside_its_field() -> None:
    draft = templated(variables=(("name", ""), ("doctor", "Dr. John"), ("time", "x" * 40)), template_id="77")
    with pytest.raises(InvalidRequest) as raised:
        validate(draft, "Asia/Kolkata", NOW, settings(), template=APPOINTMENT)
    assert set(raised.value.errors) == {"var:name", "var:time", "template_id"}
    typed = templated(message="Hi Asha, your appointment with Dr. John is at 4 PM!")
    with pytest.raises(InvalidRequest) as raised:
        validate(typed, "Asia/Kolkata", NOW, settings(), template=APPOINTMENT)
    assert "it must end with “.” after time" in raised.value.errors["message"]
    long = Template.create("long", "1", "x" * 400 + " {#var#}")
    with pytest.raises(InvalidRequest) as raised:
        validate(templated(positional=("y",)), "Asia/Kolkata", NOW, settings(max_sms_segments=2), template=long)
    assert "the limit is 2 SMS" in raised.value.errors["template"]


# --- Block Kit ---------------------------------------------------------------------------------


def test_the_form_with_a_template_shows_its_variables_and_preview() -> None:
    draft = Draft(template="appointment", variables=(("name", "Asha"), ("doctor", ""), ("time", "")),
                  message=APPOINTMENT.preview({"name": "Asha"}))  # fmt: skip
    view = blocks.modal_view(draft, private_metadata="{}")
    validate_view(view)
    ids = [block.get("block_id") for block in view["blocks"]]
    assert ids.index("template") < ids.index("var:name") < ids.index("var:doctor") < ids.index("preview")
    assert "message" not in ids and "template_id" not in ids
    assert blocks.draft_from_state(
        {"template": {"template_picked": {"selected_option": {"value": "appointment"}}},
         "var:name": {"variable_typed": {"value": " Asha "}}}
    ).variables == (("name", "Asha"),)  # fmt: skip


def test_the_home_lists_templates_and_gives_admins_their_buttons() -> None:
    configured = [Template.create("otp", "9", "Code {#var#}")]
    for admin in (True, False):
        section = blocks.templates_blocks(configured, [APPOINTMENT], admin=admin)
        validate_blocks(section)
        text = str(section)
        assert "otp" in text and "appointment" in text and ("template_add" in text) is admin
    validate_view(blocks.template_form_view(None))
    edit = blocks.template_form_view(APPOINTMENT, editing="appointment")
    validate_view(edit)
    assert "template_remove" in str(edit) and "name, doctor, time" in str(edit)


def test_menu_options_are_searched_and_grouped() -> None:
    configured = Template.create("otp", "9", "Your appointment code {#var#}")
    found = blocks.template_options([configured, APPOINTMENT], "APPOINT", ["otp"])
    assert [group["label"]["text"] for group in found["option_groups"]] == ["From TEMPLATES_FILE", "Added in Slack"]
    only = blocks.template_options([configured, APPOINTMENT], "with", ["otp"])
    assert [option["value"] for option in only["options"]] == ["appointment"]
    many = [Template.create(f"t{index}", "1", "x") for index in range(150)]
    assert len(blocks.template_options(many, "", [])["options"]) == 100
