"""Delivery statuses: what Kaleyra's words mean, which are final, and how reports merge.

Reports arrive from polling and from callbacks, late, twice, or out of order; a status never moves
backwards (Delivered then a late Sent stays Delivered), nor sideways (two unknown words alternating
leave the first in place). Every field of a report comes from outside and is bounded in length.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SCHEDULED = "Scheduled"
DELIVERED = "Delivered"
_RANKS = {"scheduled": 0, "awaited": 1, "pending": 1, "submitted": 1, "sent": 2}
_FINAL = {
    "delivered": "Delivered",
    "undelivered": "UnDelivered",
    "notsent": "NotSent",
    "failed": "Failed",
    "rejected": "Rejected",
    "expired": "Expired",
}
FAILED_STATUSES = frozenset({"UnDelivered", "NotSent", "Failed", "Rejected", "Expired"})
MAX_ID_CHARS = 200
MAX_STATUS_CHARS = 40
MAX_DETAIL_CHARS = 300
MAX_RECIPIENT_CHARS = 40

TRACE_EXPLANATIONS = {
    "NOT-ALLOWED": "sending to this number is not allowed for the account",
    "NO-CREDITS": "the Kaleyra account has no credits left",
    "SERIES-BLOCK": "the number's series is blocked",
    "SERIES-BLK": "the number's series is blocked",
    "KLR-INV-NUMBER": "the number is invalid",
    "INV-NUMBER": "the number is invalid",
    "INV-MOB-PATTRN": "the number does not look like a mobile number",
    "SPAM": "the message was flagged as spam",
    "BLACKLIST": "the number is blacklisted",
    "CON-DND": "the recipient is on the Do-Not-Disturb list",
    "DND-NUMB": "the recipient is on the Do-Not-Disturb list",
    "TEMPLATE-NOT-FOUND": "no approved DLT template was found for this message",
    "INV-TEMPLATE-MATCH": "the message does not match its DLT template",
    "SENDER-ID-NOT-FOUND": "the sender id is not registered",
    "SNDRID-NOT-ALLOTED": "the sender id is not allotted to this account",
    "NOT-OPTIN": "the recipient has not opted in",
    "OPT-OUT": "the recipient has opted out",
    "OUTPUT-REJ": "the operator rejected the message",
    "REJECTED": "the operator rejected the message",
    "REJECTED-MULTIPART": "long (multi-part) messages are not allowed on this route",
    "SERVER-ERR": "the operator's server failed",
    "INVALID-SUB": "the subscriber is invalid",
    "ABSENT-SUB": "the phone was unreachable",
    "HANDSET-ERR": "the phone reported an error",
    "HANDSET-BUSY": "the phone was busy",
    "MOB-OFF": "the phone was switched off",
    "BARRED": "the number is barred",
    "NET-ERR": "a network error occurred",
    "MEM-EXEC": "the phone's memory is full",
    "FAILED": "delivery failed",
    "EXPIRED": "the message expired before it could be delivered",
}


def normalise_status(status: str) -> str:
    """Kaleyra's status in its usual spelling ('UnDelivered', 'NotSent'), whatever the case or spacing."""
    key = status.replace(" ", "").replace("-", "").replace("_", "").lower()
    if key in _FINAL:
        return _FINAL[key]
    words = _printable(status, MAX_STATUS_CHARS)
    return words.title() if words else SCHEDULED


_WORD = re.compile(r"\S+")


def _printable(text: str, limit: int) -> str:
    """`text` on one line, without control or format characters, cut to `limit` characters. It reads no
    further than that needs: a field from outside can be as long as the request that brought it."""
    words: list[str] = []
    length = -1
    for match in _WORD.finditer(text):
        if word := "".join(char for char in match[0][:limit] if unicodedata.category(char) not in ("Cc", "Cf")):
            words.append(word)
            length += 1 + len(word)
            if length >= limit:
                break
    return " ".join(words)[:limit]


def is_final(status: str) -> bool:
    return status in _FINAL.values()


def rank(status: str) -> int:
    return 3 if is_final(status) else _RANKS.get(status.lower(), 1)


def explain(trace: str) -> str:
    """Plain words for a status trace code, keeping the code itself."""
    code = trace.strip().upper()
    if not code:
        return "no reason was given"
    words = TRACE_EXPLANATIONS.get(code)
    return f"{words} ({code})" if words else code


@dataclass(frozen=True)
class Report:
    """One delivery report for one message, from polling or a callback."""

    message_id: str
    status: str
    detail: str = ""
    recipient: str = ""


def report(message_id: str, status: str, detail: str = "", recipient: str = "") -> Report | None:
    """A report from outside (Kaleyra's answers, callbacks), every field bounded; None without a usable id."""
    message_id = message_id.strip()
    if not message_id or len(message_id) > MAX_ID_CHARS:
        return None
    return Report(
        message_id,
        normalise_status(status),
        _printable(detail, MAX_DETAIL_CHARS),
        _printable(recipient, MAX_RECIPIENT_CHARS),
    )


def newer(current: str, incoming: str) -> bool:
    """Whether `incoming` should replace `current`: only a step forward. The first final status stays,
    and a status of the same rank (two unknown words, say) never replaces another, so nothing flaps."""
    if is_final(current):
        return False
    return rank(incoming) > rank(current)


def report_from_fields(fields: dict[str, object]) -> Report | None:
    """A callback's fields (query, form or JSON, names chosen in Kaleyra's console) as a Report."""

    def text(*names: str) -> str:
        return next((str(fields[name]).strip() for name in names if fields.get(name) not in (None, "")), "")

    status = text("status")
    if not status:
        return None
    return report(text("message_id", "id", "campaign_id"), status,
                  text("status_trace", "description", "status_details"), text("recipient", "to", "mobile"))  # fmt: skip
