"""Who may send: allowed members, user groups and channels, and no guests unless allowed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.config import Settings
from bot.core.refusals import Reason, Refusal


@dataclass(frozen=True)
class Member:
    """What the app needs to know about a Slack user."""

    user_id: str
    tz: str
    is_guest: bool = False
    locale: str | None = None  # Slack's locale ("it-IT"): times are read in its language as well as English


def refusal(settings: Settings, member: Member, channel_id: str, groups_with_member: Collection[str]) -> Refusal | None:
    """Why `member` may not send from `channel_id`; None when they may.

    The words are the app's own and the admin contact may be a mention (`<@U123>`), so they are mrkdwn.
    """
    ask = f"Ask {settings.admin_contact} if you need to send SMS."
    if member.is_guest and not settings.allow_guests:
        return Refusal(Reason.GUEST, f"Guest accounts cannot send SMS from this workspace. {ask}", mrkdwn=True)
    if settings.allowed_channels and channel_id not in settings.allowed_channels:
        channels = ", ".join(f"<#{channel}>" for channel in settings.allowed_channels)
        return Refusal(Reason.CHANNEL, f"SMS can be scheduled only from {channels}. {ask}", mrkdwn=True)
    if not (settings.allowed_users or settings.allowed_usergroups):
        return None
    if member.user_id in settings.allowed_users or any(g in groups_with_member for g in settings.allowed_usergroups):
        return None
    return Refusal(Reason.NOT_ALLOWED, f"You are not on the list of people who may send SMS. {ask}", mrkdwn=True)
