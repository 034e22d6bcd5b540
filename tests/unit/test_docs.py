"""What the operator reads agrees with what the app does."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
MANIFEST = (ROOT / "manifest.yml").read_text()


def test_every_setting_is_in_the_readme_table() -> None:
    rows = re.findall(r"^\| ((?:`[A-Z_]+`(?: / )?)+) \|", README, re.MULTILINE)
    documented = {name for row in rows for name in re.findall(r"`([A-Z_]+)`", row)}
    assert {name.upper() for name in Settings.model_fields} <= documented


def test_the_messages_tab_shows_the_apps_direct_messages_read_only() -> None:
    assert re.search(r"^\s+messages_tab_enabled: true", MANIFEST, re.MULTILINE)
    assert re.search(r"^\s+messages_tab_read_only_enabled: true", MANIFEST, re.MULTILINE)


def test_readme_and_manifest_agree_on_socket_mode_and_group_scope() -> None:
    url_lines = re.findall(r"^\s+(?:url|request_url|message_menu_options_url): ", MANIFEST, re.MULTILINE)
    assert len(url_lines) == 4
    assert "delete the four URL lines" in MANIFEST and "delete the\n   four URL lines" in README
    assert re.search(r"usergroups:read\s+# needed only with ALLOWED_USERGROUPS", MANIFEST)
    assert "`usergroups:read` is needed only with `ALLOWED_USERGROUPS`" in README
