"""Settings, read once from the environment (and `.env` for local work).

Secrets are `SecretStr` so they never show up in a repr, a log line or a traceback.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROUTE_TYPES = ("MKT", "TXN", "TXND")
"""Kaleyra route types a scheduled SMS may use (OTP is refused by Kaleyra for scheduling)."""


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.replace(";", ",").split(",") if item.strip()]
    return value


CommaList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_split_list)]
"""A setting written as `A,B,C` in the environment."""

LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
    BeforeValidator(lambda value: value.strip().upper() if isinstance(value, str) else value),
]
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
DurabilityMode = Annotated[
    Literal["auto", "none", "replicas", "aof", "both"],
    BeforeValidator(lambda value: value.strip().lower() if isinstance(value, str) else value),
]
"""What a critical write waits for (bot.core.durability.Mode)."""
PLACEHOLDER = re.compile(r"\.\.\.|…|XXXX|<[^>]*>")
"""How `.env.example` marks a value to fill in (`xoxb-...`, `HXAP16XXXXXX97IN`): never a real value."""
FILLED_IN = (
    "slack_bot_token", "slack_signing_secret", "slack_app_token", "kaleyra_sid", "kaleyra_api_key",
    "kaleyra_sender", "kaleyra_callback_profile_id", "kaleyra_callback_token", "redis_url", "sentry_dsn",
)  # fmt: skip
"""Settings `.env.example` shows with a placeholder: refused while they still hold one."""
DRY_RUN_ACCOUNT = "dry-run"
"""The Kaleyra account SID of a dry run started without one: never sent anywhere."""
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True)

    slack_bot_token: SecretStr
    slack_app_token: SecretStr | None = None  # before the signing secret: it decides whether one is needed
    slack_signing_secret: SecretStr | None = Field(default=None, validate_default=True)
    slack_api_url: str = "https://slack.com/api/"

    kaleyra_dry_run: bool = False  # before the account: a dry run needs none
    kaleyra_sid: str = Field(default="", validate_default=True)
    kaleyra_api_key: SecretStr = Field(default=SecretStr(""), validate_default=True)
    kaleyra_api_domain: str = "api.in.kaleyra.io"
    kaleyra_base_url: str | None = None
    kaleyra_sender: str
    kaleyra_type: str = "TXN"
    kaleyra_callback_profile_id: str | None = None
    kaleyra_timeout_seconds: float = Field(default=10.0, gt=0)
    kaleyra_max_retries: int = Field(default=3, ge=0, le=10)
    kaleyra_max_concurrent: int = Field(default=20, ge=1, le=500)

    default_country: str = "IN"
    max_recipients: int = Field(default=300, ge=1)
    max_sms_segments: int = Field(default=6, ge=1, le=20)
    pending_ttl_seconds: int = Field(default=3600, ge=60)
    show_full_numbers: bool = False
    show_message_in_channel: bool = False

    allowed_users: CommaList = ()
    allowed_usergroups: CommaList = ()
    allowed_channels: CommaList = ()
    allow_guests: bool = False
    allowed_senders: CommaList = ()
    allowed_countries: CommaList = ()
    admin_contact: str = "your Slack admin"
    admin_users: CommaList = ()
    history_days: int = Field(default=90, ge=1, le=3650)
    kaleyra_callback_token: SecretStr | None = None
    status_first_check_seconds: float = Field(default=120, gt=0)
    status_max_checks: int = Field(default=10, ge=1)
    # the names these had before the queue also ran hand-offs are still read
    queue_poll_seconds: float = Field(
        default=1, gt=0, validation_alias=AliasChoices("queue_poll_seconds", "status_poll_seconds")
    )
    queue_lease_seconds: float = Field(
        default=30, gt=0, validation_alias=AliasChoices("queue_lease_seconds", "status_claim_seconds")
    )
    queue_max_attempts: int = Field(default=8, ge=1, le=100)
    handoff_minutes: int = Field(default=60, ge=16)
    late_send_minutes: int = Field(default=10, ge=0)
    mkt_send_hours: str = "09:00-21:00"
    mkt_send_hours_countries: CommaList = ("IN",)
    series_max_days: int = Field(default=365, ge=1, le=3650)
    templates_file: str | None = None
    max_batch_rows: int = Field(default=10_000, ge=1, le=1_000_000)
    file_timeout_seconds: float = Field(default=30, gt=0, le=300)
    batch_update_seconds: float = Field(default=10, gt=0, le=3600)
    rate_limit_per_minute: int = Field(default=300, ge=0)
    daily_sms_limit: int = Field(default=1000, ge=0)

    redis_url: SecretStr | None = None
    redis_data_dir: str = ".data/redis"
    redis_durability: DurabilityMode = "auto"
    redis_min_replicas_acked: int = Field(default=1, ge=1, le=16)
    redis_durability_timeout_ms: int = Field(default=500, ge=1, le=1500)
    port: int = Field(default=3000, ge=1, le=65535)
    web_concurrency: int = Field(default=1, ge=1, le=64)
    max_background_jobs: int = Field(default=200, ge=1)
    background_workers: int = Field(default=8, ge=1, le=1000)
    body_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    redis_max_connections: int = Field(default=50, ge=2, le=10_000)
    redis_pool_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    log_level: LogLevel = "INFO"
    log_level_libraries: LogLevel = "WARNING"
    log_format: Literal["text", "json"] = "text"
    clock_offset_seconds: float = 0.0  # tests only: refused unless Slack and Kaleyra are stand-ins on loopback
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    sentry_dsn: SecretStr | None = None
    sentry_environment: str = "production"

    @field_validator(*FILLED_IN, mode="before")
    @classmethod
    def _filled_in(cls, value: object) -> object:
        """The unedited `.env.example` would otherwise pass: a token of the right shape, `...` as secrets."""
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(text, str) and PLACEHOLDER.search(text):
            raise PydanticCustomError("placeholder", "still the placeholder from .env.example")
        return value

    @field_validator("kaleyra_sid", "kaleyra_api_key")
    @classmethod
    def _account_unless_dry_run(cls, value: str | SecretStr, info: ValidationInfo) -> str | SecretStr:
        """A dry run never calls Kaleyra: trying the app in a workspace needs no Kaleyra account."""
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text:
            return value
        if not info.data.get("kaleyra_dry_run"):
            raise PydanticCustomError("missing", "Field required")
        # a key of no account, found in no other text: keys are scrubbed from every log line
        return SecretStr(secrets.token_hex(16)) if isinstance(value, SecretStr) else DRY_RUN_ACCOUNT

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be the bot token starting with xoxb- (OAuth & Permissions in the app's settings)")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp- (Basic Information in the app's settings)")
        return value

    @field_validator("slack_signing_secret")
    @classmethod
    def _signing_secret_in_http_mode(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """Slack signs HTTP requests only: Socket Mode envelopes come over a connection the app opened."""
        if value is None and "slack_app_token" in info.data and info.data["slack_app_token"] is None:
            raise PydanticCustomError("missing", "needed in HTTP mode, when SLACK_APP_TOKEN is unset")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        from bot.storage import parse_redis_url

        if value is not None:
            parse_redis_url(value.get_secret_value())
        return value

    @field_validator("kaleyra_api_domain")
    @classmethod
    def _bare_host(cls, value: str) -> str:
        host = value.strip()
        if not _HOST.fullmatch(host):
            raise ValueError(
                "must be a host name such as api.in.kaleyra.io, without https:// or a path "
                "(KALEYRA_BASE_URL takes a full URL)"
            )
        return host

    @field_validator("kaleyra_type")
    @classmethod
    def _known_route(cls, value: str) -> str:
        route = value.strip().upper()
        if route not in ROUTE_TYPES:
            raise ValueError(f"must be one of {', '.join(ROUTE_TYPES)}")
        return route

    @field_validator("default_country")
    @classmethod
    def _known_region(cls, value: str) -> str:
        import phonenumbers

        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError("must be a two-letter region code such as IN or US")
        return region

    @field_validator("mkt_send_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        from bot.core.quiet_hours import parse_hours

        parse_hours(value)
        return value

    @field_validator("templates_file")
    @classmethod
    def _templates(cls, value: str | None) -> str | None:
        """Read at start, so a file that cannot be used stops the app with the template and field named."""
        from bot.core.template_store import configured

        if value is not None:
            configured(value)
        return value

    @field_validator("allowed_countries", "mkt_send_hours_countries")
    @classmethod
    def _known_regions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(cls._known_region(region) for region in value)

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _clock_moves_only_in_tests(self) -> Settings:
        """A moved clock would send at the wrong time: it is for tests whose Slack and Kaleyra are stand-ins."""
        stand_ins = all(urlsplit(url).hostname in _LOOPBACK for url in (self.slack_api_url, self.kaleyra_url))
        if self.clock_offset_seconds and not stand_ins:
            raise PydanticCustomError(
                "test_only", "CLOCK_OFFSET_SECONDS is for tests only: refused unless Slack and Kaleyra are on loopback"
            )
        return self

    @field_validator("metrics_port")
    @classmethod
    def _metrics_on_a_port_of_its_own(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and value == info.data.get("port"):
            raise ValueError("must differ from PORT (unset it to serve /metrics on PORT)")
        return value

    @property
    def kaleyra_url(self) -> str:
        """Base URL of the Kaleyra account: the override if given, else the pod's."""
        base = self.kaleyra_base_url or f"https://{self.kaleyra_api_domain}"
        return f"{base.rstrip('/')}/v1/{self.kaleyra_sid}"

    @property
    def restricts_members(self) -> bool:
        return bool(self.allowed_users or self.allowed_usergroups or self.allowed_channels)

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None


class SettingsError(Exception):
    """Settings are missing or invalid; the message names every one of them in one line."""


def load_settings() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """Every missing setting, then every one still holding the example's placeholder, then every invalid
    one (never their values), and where to look."""
    missing: list[str] = []
    placeholders: list[str] = []
    invalid: list[str] = []
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        if error["type"] == "missing":
            hint = error["msg"] if error["msg"] != "Field required" else ""
            missing.append(f"{name} ({hint})" if hint else name)
        elif error["type"] == "placeholder":
            placeholders.append(name)
        else:
            invalid.append(f"{name} is invalid: {error['msg'].removeprefix('Value error, ')}")
    parts = invalid
    if placeholders:
        several = len(placeholders) > 1
        parts = [
            f"{', '.join(placeholders)} still {'hold the placeholders' if several else 'holds the placeholder'} "
            f"from .env.example: set the real {'values' if several else 'value'}",
            *parts,
        ]
    if missing:
        parts = [f"{', '.join(missing)} {'are' if len(missing) > 1 else 'is'} not set", *parts]
    return "; ".join(parts) + " (see .env.example)"
