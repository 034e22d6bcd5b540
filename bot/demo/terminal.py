"""Block Kit as a terminal shows it: sections and context as lines, a typed message in a box, buttons in
brackets, mentions by name, Slack's emoji codes as emoji; bold only where the terminal can show it."""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Mapping
from typing import Any

WIDTH = 100
EMOJI = {
    "alarm_clock": "⏰", "ballot_box_with_check": "☑️", "calendar": "📅", "card_index_dividers": "🗂️",
    "crescent_moon": "🌙", "grey_question": "❔", "hourglass": "⌛", "hourglass_flowing_sand": "⏳",
    "information_source": "ℹ️", "lock": "🔒", "no_entry": "⛔", "octagonal_sign": "🛑", "outbox_tray": "📤",
    "pencil2": "✏️", "test_tube": "🧪", "warning": "⚠️", "wastebasket": "🗑️", "white_check_mark": "✅", "x": "❌",
}  # fmt: skip
_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(https?://[^>|]+)(?:\|([^>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")


class Terminal:
    def __init__(self, names: Mapping[str, str], *, styled: bool) -> None:
        """`names`: user and channel ids as people know them; `styled`: bold and dim shown (a real terminal)."""
        self._names = names
        self._styled = styled

    def blocks(self, blocks: list[dict[str, Any]]) -> str:
        """Every block, each line behind a bar, as the message would read in Slack."""
        lines: list[str] = []
        for block in blocks:
            lines += self._block(block)
        return "\n".join(f"  │ {line}".rstrip() for line in lines)

    def _block(self, block: dict[str, Any]) -> list[str]:
        kind = block.get("type")
        if kind == "header":
            return [self._bold(block["text"]["text"])]
        if kind == "divider":
            return ["─" * 40]
        if kind == "context":
            return [self._dim(line) for element in block["elements"] for line in self._text(element)]
        if kind == "actions":
            return ["  ".join(self._control(element) for element in block["elements"])]
        if kind == "section" and block["text"]["type"] == "plain_text":
            return _boxed(block["text"]["text"])
        if kind == "section":
            return self._text(block["text"])
        return []

    def _text(self, text: dict[str, Any]) -> list[str]:
        words = text["text"] if text["type"] == "plain_text" else self.mrkdwn(text["text"])
        return _wrapped(words, WIDTH)

    def mrkdwn(self, text: str) -> str:
        text = _MENTION.sub(self._mention, text)
        text = _LINK.sub(lambda found: found.group(2) or found.group(1), text)
        text = _BOLD.sub(lambda found: self._bold(found.group(1)), text)
        text = _ITALIC.sub(lambda found: found.group(1), text)
        text = _EMOJI.sub(lambda found: EMOJI.get(found.group(1), found.group(0)), text)
        return html.unescape(text)

    def _mention(self, found: re.Match[str]) -> str:
        sign, target, label = found.groups()
        if sign == "!":
            return f"@{label or target.split('^')[0]}"
        return f"{sign}{label or self._names.get(target, target)}"

    def _control(self, element: dict[str, Any]) -> str:
        label = element.get("text", element.get("placeholder", {})).get("text", "")
        return f"[ {label} ▾ ]" if element.get("type", "").endswith("select") else f"[ {label} ]"

    def _bold(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self._styled else text

    def _dim(self, text: str) -> str:
        return f"\033[2m{text}\033[0m" if self._styled else text


def _boxed(text: str) -> list[str]:
    """A message people typed, in a box, as the README pictures it."""
    lines = _wrapped(text, WIDTH - 6)
    width = max(len(line) for line in lines)
    return [
        "┌" + "─" * (width + 2) + "┐",
        *(f"│ {line.ljust(width)} │" for line in lines),
        "└" + "─" * (width + 2) + "┘",
    ]


def _wrapped(text: str, width: int) -> list[str]:
    """Each line cut at spaces to `width`, ids with hyphens kept whole, empty lines kept."""
    return [piece for line in text.split("\n") for piece in textwrap.wrap(line, width, break_on_hyphens=False) or [""]]
