"""The layout is the architecture: the core never reaches for Slack or the web server."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
ADAPTER_LIBRARIES = ("slack_bolt", "slack_sdk", "aiohttp")


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def module_path(name: str) -> Path | None:
    relative = Path(*name.split("."))
    for candidate in (BOT.parent / relative.with_suffix(".py"), BOT.parent / relative / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def reachable_from(package: str) -> tuple[set[str], set[str]]:
    """(project modules, outside modules) that importing `package` can load, followed transitively."""
    seen: set[str] = set()
    outside: set[str] = set()
    todo = [f"{package}.{path.stem}" for path in (BOT / package.split(".", 1)[1]).glob("*.py")]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_path(name)
        assert path is not None, name
        for imported in imports_of(path):
            if imported.startswith("bot."):
                if module_path(imported) is not None:
                    todo.append(imported)
            elif imported != "__future__":
                outside.add(imported.split(".")[0])
    return seen, outside


def test_the_core_imports_no_slack_or_web_module() -> None:
    modules, outside = reachable_from("bot.core")
    assert not {m for m in modules if m.startswith(("bot.slack", "bot.web"))}
    assert not outside & set(ADAPTER_LIBRARIES)
    assert {"dateparser", "httpx", "redis", "phonenumbers"} <= outside, "the check follows real imports"


def test_slack_code_does_not_reach_into_the_web_server() -> None:
    modules, _ = reachable_from("bot.slack")
    assert not {m for m in modules if m.startswith("bot.web")}
