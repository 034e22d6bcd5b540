"""Saved lists: a user's own first, then the team's; names as users type them; removed for good."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import fakeredis
import pytest

from bot.core.command import parse_command
from bot.core.saved_lists import TEAM, ListNameError, SavedLists, list_name, may_remove

NOW = datetime(2026, 12, 4, 3, 30, tzinfo=UTC)


def test_a_name_is_looked_up_among_the_users_lists_first_then_the_teams() -> None:
    async def scenario() -> None:
        lists = SavedLists(fakeredis.FakeAsyncRedis(decode_responses=True))
        columns = ("phone", "name")
        await lists.save(TEAM, "clinic", "phone\n+91", rows=1, columns=columns, source="a.csv", by="UADMIN", now=NOW)
        await lists.save("U1", "Clinic", "phone\n+44", rows=1, columns=columns, source="b.csv", by="U1", now=NOW)
        mine = await lists.find("U1", "CLINIC")
        assert mine is not None and mine[0].owner == "U1" and mine[1] == "phone\n+44"
        theirs = await lists.find("U2", "clinic")
        assert theirs is not None and theirs[0].for_team and theirs[1] == "phone\n+91"
        assert [(saved.owner, saved.name) for saved in await lists.all_for("U1")] == [
            ("U1", "clinic"),
            (TEAM, "clinic"),
        ]
        assert await lists.all_for("U2", "nope") == []
        assert await lists.remove("U1", "clinic") and not await lists.remove("U1", "clinic")
        found = await lists.find("U1", "clinic")
        assert found is not None and found[0].for_team, "the team's list of that name is found once the user's is gone"

    asyncio.run(scenario())


@pytest.mark.parametrize("typed", ["", "has space", "x" * 41, "-leading", "naïve"])
def test_a_name_that_cannot_be_typed_as_list_name_is_refused(typed: str) -> None:
    with pytest.raises(ListNameError, match="cannot name a list"):
        list_name(typed)


def test_a_saved_list_is_named_in_one_line_beside_a_template() -> None:
    draft = parse_command('list:clinic template:appointment doctor="Dr. Rao" 2 hours before {time}')
    assert draft.saved_list == "clinic" and draft.template == "appointment" and draft.is_batch
    assert draft.variables == (("doctor", "Dr. Rao"),) and draft.when == "2 hours before {time}"
    plain = parse_command('list:regulars "The clinic is closed on Friday" tomorrow 9am')
    assert (plain.saved_list, plain.message, plain.when, plain.recipients) == (
        "regulars", "The clinic is closed on Friday", "tomorrow 9am", "",
    )  # fmt: skip
    assert not parse_command('+919876543210 "Hi" tomorrow 9am').is_batch


def test_a_list_is_removed_by_its_owner_and_the_teams_by_an_admin_only() -> None:
    assert may_remove("U1", "U1", admin=False)
    assert not may_remove("U1", "U2", admin=True), "not even an admin removes a member's own list"
    assert may_remove(TEAM, "UADMIN", admin=True)
    assert not may_remove(TEAM, "U2", admin=False)
