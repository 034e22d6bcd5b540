"""What every test shares: the garbage collector set for a test run, and the order modules are handed out in."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

STARTED_FIRST = (
    "e2e/test_redis_deployments.py", "e2e/test_holding_on_deployments.py", "e2e/test_startup.py",
    "e2e/test_durability.py", "e2e/test_workers.py", "e2e/test_private_redis.py", "e2e/test_process.py",
    "e2e/test_fault_injection.py", "e2e/test_truth.py", "e2e/test_container.py",
)  # fmt: skip
"""The modules whose tests wait longest in real time (Redis's failovers and a Cluster's node timeout, processes
started, killed and stopped, the container's build), longest first. The Makefile hands each worker process
whole modules in collection order (`--dist loadfile`), so these start first and their waiting overlaps the
other workers' computing, instead of ending the run with one worker waiting alone. A module not named here
starts later; nothing else depends on the order."""


def pytest_configure(config: pytest.Config) -> None:
    """Fewer collections of the youngest objects: a run allocates in bursts and frees most of it at once."""
    gc.set_threshold(50_000, 20, 20)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (modules, the parsers' tables, every test item) lives to the end of the run:
    kept out of the collector's full passes, which otherwise walk it again and again."""
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent

    def rank(item: pytest.Item) -> int:
        module = item.path.relative_to(here).as_posix() if item.path.is_relative_to(here) else ""
        return STARTED_FIRST.index(module) if module in STARTED_FIRST else len(STARTED_FIRST)

    items.sort(key=rank)  # stable: each module's tests keep their order
