"""Settings at start: every problem named at once, in one line, never with a secret's value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]

BASE = {
    "SLACK_BOT_TOKEN": "xoxb-unit-test-token-0123",
    "SLACK_SIGNING_SECRET": "unit-test-signing-secret",
    "KALEYRA_SID": "HXAP16TEST97IN",
    "KALEYRA_API_KEY": "Aunittestkaleyrakey0123",
    "KALEYRA_SENDER": "KLRHXA",
}
SETTING_NAMES = [name.upper() for name in Settings.model_fields]


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> pytest.MonkeyPatch:
    """Only the variables a test sets, and no .env file."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))
    return monkeypatch


def problems(monkeypatch: pytest.MonkeyPatch, **env: str | None) -> str:
    for name, value in (BASE | env).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_every_missing_setting_is_named_in_one_message(environment: pytest.MonkeyPatch) -> None:
    message = problems(environment, SLACK_BOT_TOKEN=None, KALEYRA_SID=None, KALEYRA_SENDER=None)
    assert message == "SLACK_BOT_TOKEN, KALEYRA_SID, KALEYRA_SENDER are not set (see .env.example)"


def test_an_empty_setting_counts_as_not_set(environment: pytest.MonkeyPatch) -> None:
    assert problems(environment, SLACK_BOT_TOKEN="", SLACK_APP_TOKEN="", KALEYRA_SID="") == (
        "SLACK_BOT_TOKEN, KALEYRA_SID are not set (see .env.example)"
    )


def test_missing_and_invalid_settings_are_reported_together(environment: pytest.MonkeyPatch) -> None:
    message = problems(environment, KALEYRA_API_KEY=None, LOG_LEVEL="verbose", KALEYRA_TYPE="OTP")
    assert message.startswith("KALEYRA_API_KEY is not set; ")
    assert "LOG_LEVEL is invalid: Input should be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'" in message
    assert "KALEYRA_TYPE is invalid: must be one of MKT, TXN, TXND" in message


@pytest.mark.parametrize(
    "domain", ["https://api.in.kaleyra.io", "api.in.kaleyra.io/v1", "http://x", "api.in.kaleyra.io:443", " "]
)
def test_kaleyra_domain_must_be_a_bare_host(environment: pytest.MonkeyPatch, domain: str) -> None:
    message = problems(environment, KALEYRA_API_DOMAIN=domain)
    assert message.startswith("KALEYRA_API_DOMAIN is invalid: must be a host name such as api.in.kaleyra.io")
    assert "KALEYRA_BASE_URL" in message


def test_bot_token_must_be_a_bot_token_and_is_never_echoed(environment: pytest.MonkeyPatch) -> None:
    message = problems(environment, SLACK_BOT_TOKEN="xoxp-user-token-secret-0123")
    assert message.startswith("SLACK_BOT_TOKEN is invalid: must be the bot token starting with xoxb-")
    assert "xoxp-user-token-secret-0123" not in message
    message = problems(environment, SLACK_APP_TOKEN="xoxb-in-the-wrong-place-0123")
    assert message.startswith("SLACK_APP_TOKEN is invalid: must be an app-level token starting with xapp-")
    assert "xoxb-in-the-wrong-place-0123" not in message


def test_signing_secret_is_needed_in_http_mode_only_and_the_message_says_so(environment: pytest.MonkeyPatch) -> None:
    message = problems(environment, SLACK_SIGNING_SECRET=None, KALEYRA_SID=None)
    assert message == (
        "SLACK_SIGNING_SECRET (needed in HTTP mode, when SLACK_APP_TOKEN is unset), KALEYRA_SID are not set "
        "(see .env.example)"
    )
    for name, value in BASE.items():
        environment.setenv(name, value)
    environment.delenv("SLACK_SIGNING_SECRET")
    environment.setenv("SLACK_APP_TOKEN", "xapp-1-A1-unit-test-0123")
    settings = load_settings()
    assert settings.socket_mode and settings.slack_signing_secret is None


def test_log_levels_are_read_in_any_case(environment: pytest.MonkeyPatch) -> None:
    for name, value in BASE.items():
        environment.setenv(name, value)
    environment.setenv("LOG_LEVEL", " debug ")
    settings = load_settings()
    assert (settings.log_level, settings.log_level_libraries) == ("DEBUG", "WARNING")
    assert settings.kaleyra_url == "https://api.in.kaleyra.io/v1/HXAP16TEST97IN"


def test_the_unedited_example_is_refused_naming_every_placeholder(environment: pytest.MonkeyPatch) -> None:
    (Path.cwd() / ".env").write_text((ROOT / ".env.example").read_text())
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == (
        "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, KALEYRA_SID, KALEYRA_API_KEY, KALEYRA_SENDER still hold the "
        "placeholders from .env.example: set the real values (see .env.example)"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-..."),
        ("SLACK_BOT_TOKEN", "xoxb-…"),
        ("SLACK_APP_TOKEN", "xapp-..."),
        ("KALEYRA_SID", "HXAP16XXXXXX97IN"),
        ("KALEYRA_API_KEY", "<your key>"),
        ("REDIS_URL", "redis://:...@redis:6379/0"),
        ("SENTRY_DSN", "https://...@o0.ingest.sentry.io/0"),
    ],
)
def test_a_placeholder_left_in_is_refused_one_at_a_time(environment: pytest.MonkeyPatch, name: str, value: str) -> None:
    message = problems(environment, **{name: value})
    assert message == f"{name} still holds the placeholder from .env.example: set the real value (see .env.example)"
    assert value not in message


def test_a_placeholder_and_a_missing_and_an_invalid_setting_are_all_named(environment: pytest.MonkeyPatch) -> None:
    message = problems(environment, KALEYRA_API_KEY="...", KALEYRA_SID=None, KALEYRA_TYPE="OTP")
    assert message == (
        "KALEYRA_SID is not set; KALEYRA_API_KEY still holds the placeholder from .env.example: set the real value; "
        "KALEYRA_TYPE is invalid: must be one of MKT, TXN, TXND (see .env.example)"
    )


def test_metrics_need_a_port_of_their_own(environment: pytest.MonkeyPatch) -> None:
    message = problems(environment, PORT="9100", METRICS_PORT="9100")
    assert (
        message
        == "METRICS_PORT is invalid: must differ from PORT (unset it to serve /metrics on PORT) (see .env.example)"
    )
