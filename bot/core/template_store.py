"""Where templates live: TEMPLATES_FILE (configuration, read-only in Slack) and Redis (added by admins).

The added ones are one Redis hash, name → JSON, under one key: a store for another workspace is the same
class with a key of its own (`key("templates", team_id)`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.core.errors import InputError
from bot.core.keys import key
from bot.core.redis_client import RedisClient
from bot.core.templates import InvalidTemplate, Template

log = logging.getLogger(__name__)


class TemplateFileError(InputError):
    """TEMPLATES_FILE cannot be used; the message names the template and the field."""


class TemplateReadOnly(InputError):
    """A template from TEMPLATES_FILE cannot be changed in Slack."""


@cache
def configured(path: str) -> tuple[Template, ...]:
    """TEMPLATES_FILE's templates, read once (the settings read it at start, so a bad file stops the app)."""
    return load_file(path)


def load_file(path: str) -> tuple[Template, ...]:
    """Templates from a YAML or JSON file (JSON is YAML too): a list of templates, or `templates:` holding
    one. Each has name, template_id, text, and optionally variables, sender and route."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise TemplateFileError(f"cannot read {path} ({exc.strerror})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TemplateFileError(f"{path} is not YAML or JSON ({str(exc).splitlines()[0]})") from None
    if isinstance(data, dict):
        data = data.get("templates")
    if not isinstance(data, list):
        raise TemplateFileError(f"{path} must hold a list of templates (or `templates:` with one)")
    templates: list[Template] = []
    for number, entry in enumerate(data, 1):
        template = _entry(entry, f"{path}: template {number}")
        if any(known.name == template.name for known in templates):
            raise TemplateFileError(f"{path}: template {number}: the name “{template.name}” is used twice")
        templates.append(template)
    return tuple(templates)


def _entry(entry: Any, where: str) -> Template:
    if not isinstance(entry, dict):
        raise TemplateFileError(f"{where} must be a mapping with name, template_id and text")
    if unknown := sorted(set(map(str, entry)) - {"name", "template_id", "text", "variables", "sender", "route"}):
        raise TemplateFileError(f"{where}: unknown field {unknown[0]}")
    variables = entry.get("variables") or ()
    try:
        return Template.create(
            name=str(entry.get("name") or ""),
            template_id=str(entry.get("template_id") or ""),
            text=str(entry.get("text") or ""),
            variables=variables if isinstance(variables, str) else tuple(map(str, variables)),
            sender=str(entry.get("sender") or ""),
            route=str(entry.get("route") or ""),
        )
    except InvalidTemplate as exc:
        named = f" (“{entry.get('name')}”)" if entry.get("name") else ""
        problems = "; ".join(f"{field}: {message}" for field, message in exc.errors.items())
        raise TemplateFileError(f"{where}{named}: {problems}") from None


class TemplateStore:
    """Every template a user may pick: the configured ones first, then those admins added in Slack."""

    def __init__(
        self, redis: RedisClient, configured: Sequence[Template] = (), redis_key: str = key("templates")
    ) -> None:
        self._redis = redis
        self.configured = tuple(configured)
        self._key = redis_key

    def is_configured(self, name: str) -> bool:
        return any(template.name == name.strip().lower() for template in self.configured)

    async def added(self) -> list[Template]:
        """The templates admins added, by name."""
        stored = await self._redis.hgetall(self._key)
        templates = [template for name, raw in sorted(stored.items()) if (template := self._read(str(name), raw))]
        return [template for template in templates if not self.is_configured(template.name)]

    async def all(self) -> list[Template]:
        return [*self.configured, *await self.added()]

    async def get(self, name: str) -> Template | None:
        wanted = name.strip().lower()
        if found := next((template for template in self.configured if template.name == wanted), None):
            return found
        raw = await self._redis.hget(self._key, wanted)
        return self._read(wanted, raw) if raw is not None else None

    async def with_template_id(self, template_id: str) -> Template | None:
        """The template registered under a DLT id (a request edited from a templated SMS carries only that)."""
        return next((template for template in await self.all() if template.template_id == template_id.strip()), None)

    async def add(self, template: Template) -> None:
        """A new template; refused when the name is taken (in the file, or by an admin)."""
        taken = InvalidTemplate({"name": f"There is already a template named “{template.name}”; pick another name."})
        if self.is_configured(template.name):
            raise taken
        if not await self._redis.hsetnx(self._key, template.name, template.to_json()):
            raise taken

    async def update(self, template: Template) -> None:
        """Replace an added template of the same name (an edit keeps the name)."""
        self._editable(template.name)
        await self._redis.hset(self._key, template.name, template.to_json())

    async def remove(self, name: str) -> bool:
        """False when there was no such template (removed meanwhile)."""
        self._editable(name)
        return bool(await self._redis.hdel(self._key, name.strip().lower()))

    def _editable(self, name: str) -> None:
        if self.is_configured(name):
            raise TemplateReadOnly(f"“{name}” comes from TEMPLATES_FILE, so it is read-only here: change the file.")

    def _read(self, name: str, raw: bytes | str) -> Template | None:
        try:
            return Template.from_json(raw.decode() if isinstance(raw, bytes) else raw)
        except (ValueError, TypeError):  # InvalidTemplate is a ValueError too
            log.warning("template %s in %s is not valid and is skipped", name, self._key)
            return None
