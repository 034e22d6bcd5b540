"""What the aiohttp application carries for its handlers."""

from __future__ import annotations

from aiohttp import web

from bot.services import Services
from bot.web.inbound import BodyReader

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
BODIES: web.AppKey[BodyReader] = web.AppKey("bodies", BodyReader)
