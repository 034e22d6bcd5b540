"""What the aiohttp application carries for its handlers."""

from __future__ import annotations

from aiohttp import web

from bot.services import Services

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
