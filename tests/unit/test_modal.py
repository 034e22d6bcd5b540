"""The schedule modal: Block Kit that Slack accepts, and its state read back into a Draft."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.command import Draft
from bot.slack.blocks import draft_from_state, modal_view
from tests.slack_models import validate_view


def picker(view: dict[str, Any]) -> dict[str, Any]:
    [block] = [block for block in view["blocks"] if block.get("block_id") == "picked_at"]
    return block


@pytest.mark.parametrize("picked_at", [None, 1_800_000_000])
def test_the_modal_has_an_optional_date_and_time_picker(picked_at: int | None) -> None:
    view = modal_view(Draft(when="tomorrow 5pm", picked_at=picked_at), private_metadata="{}")
    validate_view(view)
    element = picker(view)["element"]
    assert element["type"] == "datetimepicker" and picker(view)["optional"] is True
    assert element.get("initial_date_time") == picked_at


def test_a_picked_value_is_read_back_with_the_typed_words() -> None:
    values = {
        "when": {"value": {"type": "plain_text_input", "value": "in 2 hours"}},
        "picked_at": {"value": {"type": "datetimepicker", "selected_date_time": 1_800_000_000}},
    }
    draft = draft_from_state(values)
    assert draft.picked_at == 1_800_000_000 and draft.when == "in 2 hours"


@pytest.mark.parametrize("selected", [None, "1800000000", True, 1.5])
def test_no_or_malformed_picked_value_is_no_pick(selected: object) -> None:
    values = {"picked_at": {"value": {"type": "datetimepicker", "selected_date_time": selected}}}
    assert draft_from_state(values).picked_at is None
