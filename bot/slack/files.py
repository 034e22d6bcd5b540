"""A file attached in the form (`file_input`), fetched as Slack serves it: `files.info` for what and where it
is, then its private URL with the bot token (the `files:read` scope).

The token goes only to Slack's own hosts (the Web API's, or a host under its domain, as `files.slack.com` is
under `slack.com`), never to a URL that merely claims to be the file. A file larger than Slack lets the form
take, or that is not text, is refused with the reason, and nothing is read from it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import InputError
from bot.core.recipient_rows import decode

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 10 * 1024 * 1024
"""Slack's limit for a file in a form's `file_input`."""


class FileUnavailable(InputError):
    """The attached file cannot be read; the message says why, for the user."""


@dataclass(frozen=True)
class AttachedFile:
    name: str
    text: str


async def fetch(client: AsyncWebClient, file_id: str, timeout: float) -> AttachedFile:
    """The file's name and text, downloaded within `timeout` seconds; `FileUnavailable` (or `RowsError` for
    text that is not UTF-8) otherwise."""
    try:
        info = await client.files_info(file=file_id)
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("files.info failed: %s", error)
        scope = " (the app needs the files:read scope: reinstall it from manifest.yml)"
        hint = scope if error == "missing_scope" else ""
        raise FileUnavailable(f"Slack did not give the app the file ({error}){hint}; attach it again.") from None
    found = info.get("file") or {}
    name = str(found.get("name") or found.get("title") or "the file")
    size = int(found.get("size") or 0)
    if size > MAX_FILE_BYTES:
        raise FileUnavailable(f"{name} is {size / 1e6:.1f} MB; the largest file the form takes is 10 MB.")
    url = str(found.get("url_private_download") or found.get("url_private") or "")
    if not _slacks_own(url, client.base_url):
        raise FileUnavailable(f"Slack gave no address the app may fetch {name} from; attach it again.")
    return AttachedFile(name, decode(await _download(client, url, name, timeout)))


def _slacks_own(url: str, api_url: str) -> bool:
    """Whether the bot token may be sent to `url`: the Web API's host, or one under its domain."""
    target, api = urlsplit(url), urlsplit(api_url)
    host, api_host = (target.hostname or "").lower(), (api.hostname or "").lower()
    if not host or target.scheme != api.scheme:
        return False
    return host == api_host or host.endswith("." + api_host.removeprefix("www."))


async def _download(client: AsyncWebClient, url: str, name: str, timeout: float) -> bytes:
    headers = {"Authorization": f"Bearer {client.token}"}
    session = client.session or aiohttp.ClientSession()
    limits = aiohttp.ClientTimeout(total=timeout, connect=5)
    try:
        async with session.get(url, headers=headers, timeout=limits, allow_redirects=False) as response:
            if response.status != 200:
                raise FileUnavailable(f"Slack answered HTTP {response.status} for {name}; attach it again.")
            if response.content_type == "text/html":  # Slack's sign-in page: the token may not read files
                raise FileUnavailable(
                    f"Slack answered with a web page instead of {name}: the app needs the files:read scope."
                )
            data = bytearray()
            async for chunk in response.content.iter_chunked(1 << 16):
                data += chunk
                if len(data) > MAX_FILE_BYTES:
                    break
    except TimeoutError:  # the total timeout, or the connect timeout (a ClientError too, so caught here first)
        raise FileUnavailable(f"Slack took too long to send {name}; attach it again.") from None
    except aiohttp.ClientError as exc:
        log.info("a file download from Slack failed: %s", type(exc).__name__)
        raise FileUnavailable(f"The connection to Slack failed while fetching {name}; attach it again.") from None
    finally:
        if client.session is None:
            await session.close()
    if len(data) > MAX_FILE_BYTES:
        raise FileUnavailable(f"{name} is larger than 10 MB, the largest file the form takes.")
    return bytes(data)
