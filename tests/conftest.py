"""What every test shares: the garbage collector set for a test run."""

from __future__ import annotations

import gc

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Fewer collections of the youngest objects: a run allocates in bursts and frees most of it at once."""
    gc.set_threshold(50_000, 20, 20)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (modules, the parsers' tables, every test item) lives to the end of the run:
    kept out of the collector's full passes, which otherwise walk it again and again."""
    gc.collect()
    gc.freeze()
