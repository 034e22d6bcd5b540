"""Block Kit checked by slack_sdk's own models: used by the unit tests and by the fake Slack."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View


def validate_blocks(blocks: Any) -> None:
    """Fail on any block slack_sdk's models reject (unknown types, over-long text, bad fields)."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in Block.parse_all(blocks):
        block.validate_json()


def validate_view(view: Any) -> None:
    if isinstance(view, str):
        view = json.loads(view)
    View(**view).validate_json()
