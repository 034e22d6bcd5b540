"""Every metric the app exposes at `/metrics`, and the functions that move them.

Slack-free, so the core records its own (prometheus_client only). Label values are fixed sets, or
cut to a short safe word, so no outside input can grow the number of series. The enumerated series
exist from the start at 0, so a dashboard sees "none yet" rather than "no data".

With `WEB_CONCURRENCY` > 1 the values live in files in a private directory (prometheus_client's
multiprocess mode, chosen by `bot.shared_metrics` before the first metric is made), so whichever
worker answers `/metrics` reports the sum over all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram

CommandOutcome = Literal[
    "confirmation",  # checked, and the confirmation shown
    "form",  # bare command: the form opened
    "fix_in_form",  # incomplete or partly wrong: the form opened with what to fix
    "refused",  # not allowed, or over a limit
    "quiet_hours",  # promotional SMS outside the allowed hours: the next allowed time offered
    "failed",  # could not be checked (Slack, Redis, time budget)
    "busy",  # too much work in progress: asked to retry
    "help",
    "list",
    "misspelt",  # a lone word close to a subcommand
]
FormOutcome = Literal["confirmation", "invalid", "refused", "quiet_hours", "failed"]
ConfirmationOutcome = Literal[
    "held",  # kept by the app until its hand-off
    "sent",  # handed to Kaleyra at Confirm
    "not_sent",  # refused by a re-check or by Kaleyra
    "unknown",  # Kaleyra's outcome is unknown
    "already_handled",  # a second click, or a request already cancelled or replaced
    "expired",
    "failed",
]
SendOutcome = Literal["accepted", "rejected", "unknown"]
JobKind = Literal["handoff", "check"]
KaleyraOperation = Literal["send", "status"]

JOB_KINDS: tuple[JobKind, ...] = get_args(JobKind)
DELIVERY_STATUSES = (
    "Scheduled", "Awaited", "Pending", "Submitted", "Sent",
    "Delivered", "UnDelivered", "NotSent", "Failed", "Rejected", "Expired",
)  # fmt: skip
"""Kaleyra's statuses as the app spells them (`bot.core.delivery`); any other word counts as "other"."""

_WORD = re.compile(r"[A-Za-z0-9_.-]{1,40}")
OTHER = "other"
NONE = "none"


@dataclass(frozen=True)
class Families:
    commands: Counter
    form_submissions: Counter
    confirmations: Counter
    sends: Counter
    handoff_lateness: Histogram
    jobs_due: Gauge
    jobs_in_flight: Gauge
    kaleyra_request_seconds: Histogram
    kaleyra_retries: Counter
    slack_api_errors: Counter
    delivery_statuses: Counter


@cache
def families() -> Families:
    """Made (and registered) on first use, and prometheus_client imported only then: it picks where values
    live when it is imported, and importing this module (the settings' checks load the core) comes
    before `python -m bot` knows how many workers it runs."""
    from prometheus_client import Counter, Gauge, Histogram

    made = Families(
        commands=Counter("schedule_sms_commands", "/schedule-sms commands, by what the user was shown", ["outcome"]),
        form_submissions=Counter("schedule_sms_form_submissions", "Form submissions, by outcome", ["outcome"]),
        confirmations=Counter("schedule_sms_confirmations", "Confirm clicks, by outcome", ["outcome"]),
        sends=Counter(
            "schedule_sms_sends",
            "SMS requests to Kaleyra (at Confirm, at hand-off, Send now), by outcome and Kaleyra's error code",
            ["outcome", "code"],
        ),
        handoff_lateness=Histogram(
            "schedule_sms_handoff_lateness_seconds",
            "How long after its hand-off time a held SMS was handed to Kaleyra",
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600),
        ),
        jobs_due=Gauge(
            "schedule_sms_jobs_due",
            "Jobs on the shared queue whose time has come and that no instance has claimed yet",
            ["kind"],
            multiprocess_mode="mostrecent",  # every worker reads the same Redis: the latest reading is the answer
        ),
        jobs_in_flight=Gauge(
            "schedule_sms_jobs_in_flight", "Jobs running now, in all workers", ["kind"], multiprocess_mode="livesum"
        ),
        kaleyra_request_seconds=Histogram(
            "schedule_sms_kaleyra_request_seconds",
            "Kaleyra HTTP requests, one attempt each, by operation and result (HTTP status class, timeout, error)",
            ["operation", "result"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20),
        ),
        kaleyra_retries=Counter("schedule_sms_kaleyra_retries", "Kaleyra requests tried again, by reason", ["reason"]),
        slack_api_errors=Counter(
            "schedule_sms_slack_api_errors",
            "Slack Web API calls that failed (after the client's own retries), by method and Slack's error",
            ["method", "error"],
        ),
        delivery_statuses=Counter(
            "schedule_sms_delivery_statuses",
            "Delivery statuses recorded for sent SMS, by status and where they came from",
            ["status", "source"],
        ),
    )
    _start_at_zero(made)
    return made


def _start_at_zero(made: Families) -> None:
    for family, outcomes in (
        (made.commands, CommandOutcome),
        (made.form_submissions, FormOutcome),
        (made.confirmations, ConfirmationOutcome),
    ):
        for outcome in get_args(outcomes):
            family.labels(outcome)
    for kind in JOB_KINDS:
        made.jobs_due.labels(kind)
        made.jobs_in_flight.labels(kind)
    for outcome in ("accepted", "unknown"):
        made.sends.labels(outcome, NONE)


def safe_word(value: object) -> str:
    """A label value from outside (a Slack error, a Kaleyra code): kept if short and plain, else "other"."""
    text = str(value or "")
    return text if _WORD.fullmatch(text) else (NONE if not text else OTHER)


def command(outcome: CommandOutcome) -> None:
    families().commands.labels(outcome).inc()


def form_submission(outcome: FormOutcome) -> None:
    families().form_submissions.labels(outcome).inc()


def confirmation(outcome: ConfirmationOutcome) -> None:
    """A Confirm click's outcome (the core's Confirm)."""
    families().confirmations.labels(outcome).inc()


def send(outcome: SendOutcome, code: str | None = None) -> None:
    """One request to Kaleyra's send API: `accepted`, `rejected` with Kaleyra's code (E401, ...; "none"
    when it gave none), or `unknown` (timed out or broken after it was sent)."""
    families().sends.labels(outcome, safe_word(code)).inc()


def handoff_lateness(seconds: float) -> None:
    """A held SMS handed to Kaleyra `seconds` after its hand-off time (0 when on time)."""
    families().handoff_lateness.observe(max(0.0, seconds))


def jobs_due(kind: JobKind, count: int) -> None:
    """How many jobs of `kind` are due and unclaimed, as the queue's last poll saw them."""
    families().jobs_due.labels(kind).set(count)


@contextmanager
def job_in_flight(kind: JobKind) -> Iterator[None]:
    """Counts a job while it runs: `with metrics.job_in_flight("handoff"): ...`."""
    gauge = families().jobs_in_flight.labels(kind)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


def delivery_status(status: str, source: Literal["poll", "callback"]) -> None:
    """A status recorded for a message (after merging: one that moved it forward)."""
    families().delivery_statuses.labels(status if status in DELIVERY_STATUSES else OTHER, source).inc()


def kaleyra_request(operation: KaleyraOperation, result: str, seconds: float) -> None:
    """`result`: the HTTP status class (`2xx`, `4xx`, ...), `timeout` or `error`."""
    families().kaleyra_request_seconds.labels(operation, result).observe(seconds)


def kaleyra_retry(reason: str) -> None:
    """`reason`: the HTTP status that asked for it (`429`, `503`) or `connect`."""
    families().kaleyra_retries.labels(safe_word(reason)).inc()


def slack_api_error(method: str, error: str) -> None:
    families().slack_api_errors.labels(safe_word(method), safe_word(error)).inc()
