"""Every Redis key the app writes starts with one prefix, so a shared Redis can be told apart and cleaned."""

from __future__ import annotations

PREFIX = "schedule-sms"


def key(*parts: str) -> str:
    """`key("pending", id)` -> 'schedule-sms:pending:<id>'."""
    return ":".join((PREFIX, *parts))
