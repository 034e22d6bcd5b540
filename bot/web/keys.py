"""What the aiohttp application carries for its handlers."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.services import Services

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
TRACKING_TASK: web.AppKey[asyncio.Task[None]] = web.AppKey("tracking_task", asyncio.Task)
