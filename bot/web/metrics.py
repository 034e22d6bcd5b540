"""`/metrics` for Prometheus: on `PORT`, or on `METRICS_PORT` alone so that it is not public.

With several workers (`bot.shared_metrics`) every answer adds up the values all of them wrote, so
it does not matter which worker a scrape reaches.
"""

from __future__ import annotations

import os

from aiohttp import web
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.aiohttp import make_aiohttp_handler
from prometheus_client.registry import Collector

from bot import metrics
from bot.shared_metrics import DIRECTORY_VARIABLE

PATH = "/metrics"


def registry() -> Collector:
    """This process's metrics, or, with workers, the sum of every worker's."""
    if os.environ.get(DIRECTORY_VARIABLE):
        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)  # type: ignore[no-untyped-call]
        return shared
    return REGISTRY


def add_route(app: web.Application) -> None:
    metrics.families()  # every family, and every known outcome at 0, from the first scrape on
    app.router.add_get(PATH, make_aiohttp_handler(registry()))


def metrics_only_app() -> web.Application:
    """The app on `METRICS_PORT`: `/metrics` and nothing else."""
    app = web.Application()
    add_route(app)
    return app
