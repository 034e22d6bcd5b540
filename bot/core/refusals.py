"""Why the app will not send: typed values, so callers branch on the reason and show the words."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    GUEST = "guest"
    CHANNEL = "channel"
    NOT_ALLOWED = "not_allowed"
    OVER_LIMIT = "over_limit"  # one request is larger than a whole limit
    LIMIT_REACHED = "limit_reached"
    PAST = "past"
    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"
    QUIET_HOURS = "quiet_hours"  # promotional SMS outside the allowed hours
    SERIES_STOPPED = "series_stopped"  # a send of a series that was stopped meanwhile
    ORIGINAL_GONE = "original_gone"  # an edit whose original is no longer the app's to replace
    NOT_DURABLE = "not_durable"  # the hold could not be made to survive a failover in time
    DRY_RUN = "dry_run"  # confirmed in a dry run and sent for real, or the other way round


@dataclass(frozen=True)
class Refusal:
    """A reason and a message for the person asking.

    `mrkdwn` messages are the app's own words with Slack mentions (`<#C123>`) that must stay
    live; every other message is escaped before it reaches Slack.
    """

    reason: Reason
    message: str
    mrkdwn: bool = False

    def __str__(self) -> str:
        return self.message
