"""The Slack-free core: reading times, checking requests, the Kaleyra client, and the Redis-backed
outbox, history and delivery tracking. Nothing here imports slack_bolt, slack_sdk or aiohttp.

The names below are the core's public surface; adapters (`bot.slack`, `bot.web`) use only these.
"""

from __future__ import annotations

from bot.core.access import Member
from bot.core.command import Draft, parse_command
from bot.core.errors import (
    InputError,
    InvalidRequest,
    PhoneError,
    ScheduleSmsError,
    StatusUnavailable,
    TimeParseError,
)
from bot.core.kaleyra import KaleyraClient, Rejected, Scheduled, SendResult, SmsMessage, Uncertain
from bot.core.outbox import Outbox
from bot.core.outcomes import Act, Outcome, Result
from bot.core.pending import Pending, PendingStore
from bot.core.quota import Quota
from bot.core.records import SmsRecord, State
from bot.core.refusals import Reason, Refusal
from bot.core.store import Store
from bot.core.timeparse import ParsedTime, interpret, means_now, parse_when
from bot.core.tracking import DeliveryTracker
from bot.core.validation import ScheduleRequest, validate, window_refusal

__all__ = [
    "Act",
    "DeliveryTracker",
    "Draft",
    "InputError",
    "InvalidRequest",
    "KaleyraClient",
    "Member",
    "Outbox",
    "Outcome",
    "ParsedTime",
    "Pending",
    "PendingStore",
    "PhoneError",
    "Quota",
    "Reason",
    "Refusal",
    "Rejected",
    "Result",
    "ScheduleRequest",
    "ScheduleSmsError",
    "Scheduled",
    "SendResult",
    "SmsMessage",
    "SmsRecord",
    "State",
    "StatusUnavailable",
    "Store",
    "TimeParseError",
    "Uncertain",
    "interpret",
    "means_now",
    "parse_command",
    "parse_when",
    "validate",
    "window_refusal",
]
