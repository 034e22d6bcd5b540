"""A file attached in the form is fetched with the bot token: only ever from Slack's own hosts."""

from __future__ import annotations

import pytest

from bot.slack.files import _slacks_own


@pytest.mark.parametrize(
    ("url", "api", "allowed"),
    [
        ("https://files.slack.com/files-pri/T1-F1/clinic.csv", "https://slack.com/api/", True),
        ("https://slack.com/files-pri/T1-F1/clinic.csv", "https://slack.com/api/", True),
        ("https://files.slack-gov.com/files-pri/T1-F1/a.csv", "https://slack-gov.com/api/", True),
        ("http://127.0.0.1:8080/files-pri/T1-F1/a.csv", "http://127.0.0.1:8080/api/", True),
        ("https://slack.com.example.net/files-pri/a.csv", "https://slack.com/api/", False),
        ("https://notslack.com/files-pri/a.csv", "https://slack.com/api/", False),
        ("http://files.slack.com/files-pri/a.csv", "https://slack.com/api/", False),
        ("", "https://slack.com/api/", False),
    ],
)
def test_the_bot_token_goes_only_to_slacks_own_hosts(url: str, api: str, allowed: bool) -> None:
    assert _slacks_own(url, api) is allowed
