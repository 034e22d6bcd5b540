"""Saved lists: a file's rows kept under a name, to send to again without attaching the file.

A list is the file's text as it was read (so a later use may pick another template or time), with what it
held: its columns and rows. A user's lists are their own; admins also save lists for the whole team. A name
is looked up among the user's own lists first, then the team's. Each owner's lists are one hash of what they
hold (listed without reading any text) beside one key per list's text; they are kept until removed.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime

from bot.core.errors import InputError
from bot.core.keys import key
from bot.core.redis_client import RedisClient

TEAM = "team"
"""The owner of the lists every member may use (admins save and remove them)."""
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_LISTED = 100  # Slack shows at most 100 options in a menu


class ListNameError(InputError):
    """A list name that cannot be used; the message says why."""


@dataclass(frozen=True)
class SavedList:
    name: str
    owner: str  # a user id, or TEAM
    rows: int
    columns: tuple[str, ...]
    source: str  # the file it was saved from
    saved_by: str
    saved_at: str  # ISO 8601

    @property
    def for_team(self) -> bool:
        return self.owner == TEAM


def list_name(text: str) -> str:
    """A list's name as stored: lower case; `ListNameError` when it cannot be one."""
    name = text.strip().lower()
    if not _NAME.fullmatch(name):
        raise ListNameError(
            f"“{text.strip()}” cannot name a list: use up to 40 lower case letters, digits, - and _ "
            "(it is typed as list:NAME)."
        )
    return name


class SavedLists:
    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def save(
        self,
        owner: str,
        name: str,
        text: str,
        *,
        rows: int,
        columns: tuple[str, ...],
        source: str,
        by: str,
        now: datetime,
    ) -> SavedList:
        """Keep `text` as `owner`'s list `name`, replacing one of that name."""
        saved = SavedList(list_name(name), owner, rows, columns, source, by, now.isoformat())
        await self._redis.set(_text_key(owner, saved.name), text)  # the text first: a list is found by its entry
        await self._redis.hset(_index_key(owner), saved.name, json.dumps(asdict(saved)))
        return saved

    async def find(self, user_id: str, name: str) -> tuple[SavedList, str] | None:
        """The user's own list of that name, else the team's; with its text."""
        wanted = name.strip().lower()
        for owner in (user_id, TEAM):
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hget(_index_key(owner), wanted)
                pipe.get(_text_key(owner, wanted))
                found, text = await pipe.execute()
            if isinstance(found, str) and isinstance(text, str):
                return _listed(found), text
        return None

    async def all_for(self, user_id: str, query: str = "") -> list[SavedList]:
        """The user's lists, then the team's, whose name holds `query`; at most 100."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(_index_key(user_id))
            pipe.hgetall(_index_key(TEAM))
            mine, team = await pipe.execute()
        wanted = query.strip().lower()
        found = [
            saved
            for entries in (mine, team)
            for saved in sorted(map(_listed, entries.values()), key=lambda one: one.name)
            if wanted in saved.name
        ]
        return found[:_LISTED]

    async def remove(self, owner: str, name: str) -> bool:
        removed = await self._redis.hdel(_index_key(owner), name)  # the entry first: nobody finds it after
        await self._redis.delete(_text_key(owner, name))
        return bool(removed)


def may_remove(owner: str, user_id: str, *, admin: bool) -> bool:
    """A user removes their own lists; the team's lists are removed by admins only."""
    return owner == user_id or (owner == TEAM and admin)


def _listed(raw: str) -> SavedList:
    data = json.loads(raw)
    data["columns"] = tuple(data.get("columns") or ())
    return SavedList(**data)


def _index_key(owner: str) -> str:
    return key("lists", owner)


def _text_key(owner: str, name: str) -> str:
    return key("list", owner, name)
