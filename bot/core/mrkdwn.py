"""Outside text made safe inside the app's own mrkdwn: the core writes some user-facing lines itself
(hand-off news), and anything in them that did not come from the app must not format, link or ping."""

from __future__ import annotations

import re


def escape(text: str) -> str:
    """Escape mrkdwn control characters and defuse @here/@channel/@everyone."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"@(?=(here|channel|everyone)\b)", "@\u2060", escaped, flags=re.IGNORECASE)
