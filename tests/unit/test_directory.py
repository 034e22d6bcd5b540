"""Who a user is: one users.info call in flight per user, however many of their commands arrive at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.core.access import Member
from bot.core.clock import SystemClock
from bot.slack.directory import DirectoryUnavailable, SlackDirectory


class Slack(AsyncWebClient):
    """users.info answering only when told to, counting the calls."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__(token="xoxb-unit")
        self.calls: list[str] = []
        self.answer = asyncio.Event()
        self.error = error

    async def users_info(self, *, user: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        self.calls.append(user)
        await self.answer.wait()
        data = {"ok": self.error is None, "error": self.error, "user": {"id": user, "tz": "Asia/Kolkata"}}
        response = AsyncSlackResponse(
            client=self, http_verb="GET", api_url="users.info", req_args={}, data=data, headers={}, status_code=200
        )
        if self.error:
            raise SlackApiError(self.error, response)
        return response


def test_commands_arriving_together_share_one_lookup_per_user() -> None:
    async def main() -> None:
        slack = Slack()
        directory = SlackDirectory(slack, SystemClock())
        asking = [asyncio.create_task(directory.member(user)) for user in ["U1"] * 100 + ["U2"] * 50]
        await asyncio.sleep(0)
        slack.answer.set()
        members = await asyncio.gather(*asking)
        assert sorted(slack.calls) == ["U1", "U2"]
        assert set(members) == {Member("U1", "Asia/Kolkata"), Member("U2", "Asia/Kolkata")}
        await directory.member("U1")
        assert len(slack.calls) == 2  # cached now

    asyncio.run(main())


def test_a_failed_lookup_is_shared_and_not_remembered() -> None:
    async def main() -> None:
        slack = Slack(error="ratelimited")
        directory = SlackDirectory(slack, SystemClock())
        asking = [asyncio.create_task(directory.member("U1")) for _ in range(10)]
        await asyncio.sleep(0)
        slack.answer.set()
        outcomes = await asyncio.gather(*asking, return_exceptions=True)
        assert all(isinstance(outcome, DirectoryUnavailable) for outcome in outcomes), "never a guess such as UTC"
        with pytest.raises(DirectoryUnavailable):
            await directory.member("U1")
        assert slack.calls == ["U1", "U1"]

    asyncio.run(main())


def test_one_caller_giving_up_leaves_the_lookup_to_the_others() -> None:
    async def main() -> None:
        slack = Slack()
        directory = SlackDirectory(slack, SystemClock())
        impatient = asyncio.create_task(directory.member("U1"))
        patient = asyncio.create_task(directory.member("U1"))
        await asyncio.sleep(0)
        impatient.cancel()
        await asyncio.sleep(0)
        slack.answer.set()
        assert (await patient).tz == "Asia/Kolkata"
        assert slack.calls == ["U1"]

    asyncio.run(main())
