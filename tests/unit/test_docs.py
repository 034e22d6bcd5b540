"""What the operator reads agrees with what the app does."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.config import Settings
from bot.slack.listeners.commands import history_page

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
MANIFEST = (ROOT / "manifest.yml").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()


def test_every_setting_is_in_the_readme_table() -> None:
    rows = re.findall(r"^\| ((?:`[A-Z_]+`(?: / )?)+) \|", README, re.MULTILINE)
    documented = {name for row in rows for name in re.findall(r"`([A-Z_]+)`", row)}
    assert {name.upper() for name in Settings.model_fields} <= documented


def test_every_setting_has_a_line_in_the_env_example_and_nothing_else_does() -> None:
    listed = re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, re.MULTILINE)
    assert len(listed) == len(set(listed)), "a setting is listed twice"
    assert set(listed) == {name.upper() for name in Settings.model_fields}


def test_the_usage_hint_names_every_subcommand() -> None:
    [command] = yaml.safe_load(MANIFEST)["features"]["slash_commands"]
    assert command["command"] == "/schedule-sms"
    for word in ("list", "help"):
        assert f'"{word}"' in command["usage_hint"]
    assert history_page("list") == history_page("history") == 0  # the two names the README gives


def test_the_readme_documents_history_beside_list() -> None:
    assert "`/schedule-sms list` (or `history`" in README


def test_the_messages_tab_shows_the_apps_direct_messages_read_only() -> None:
    assert re.search(r"^\s+messages_tab_enabled: true", MANIFEST, re.MULTILINE)
    assert re.search(r"^\s+messages_tab_read_only_enabled: true", MANIFEST, re.MULTILINE)


def test_readme_and_manifest_agree_on_socket_mode_and_group_scope() -> None:
    url_lines = re.findall(r"^\s+(?:url|request_url): ", MANIFEST, re.MULTILINE)
    assert len(url_lines) == 3
    assert "delete the three URL lines" in MANIFEST and "delete the\n   three URL lines" in README
    assert re.search(r"usergroups:read\s+# needed only with ALLOWED_USERGROUPS", MANIFEST)
    assert "`usergroups:read` is needed only with `ALLOWED_USERGROUPS`" in README
