"""The core's exceptions, in one hierarchy, so an adapter can catch "the user's input was wrong" in one place.

    ScheduleSmsError
    ├── InputError            what a person typed cannot be used; the message says why, in their words
    │   ├── TimeParseError    the time phrase names no valid future instant
    │   ├── PhoneError        a recipient is not a number that can receive SMS
    │   └── InvalidRequest    one message per form field that is wrong
    └── StatusUnavailable     Kaleyra's status API could not answer; the check is tried again later

Storage failures are redis-py's own `RedisError`, raised unchanged: the adapters word them by phase.
"""

from __future__ import annotations


class ScheduleSmsError(Exception):
    """Base of every error the core raises on purpose."""


class InputError(ScheduleSmsError, ValueError):
    """Input that cannot be used; `str(error)` is a message for the person who typed it."""


class TimeParseError(InputError):
    """The phrase names no valid time; the message says what was not understood."""


class PhoneError(InputError):
    """A recipient is not a phone number that can receive SMS; the message says which and why."""


class InvalidRequest(InputError):
    """One plain-language message per field that is wrong, keyed by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class StatusUnavailable(ScheduleSmsError):
    """Kaleyra's status API could not answer; the check is tried again later."""


class StatusRefused(StatusUnavailable):
    """Kaleyra answered the status request with a refusal of it (HTTP 4xx other than 429): something in the
    request itself, such as an id it does not take, rather than Kaleyra out of reach or busy."""


class NotDurable(ScheduleSmsError):
    """A critical write (a hold, the "handing off" mark) could not be made to survive a failover in time
    (`bot.core.durability`): the app does not act on it."""
