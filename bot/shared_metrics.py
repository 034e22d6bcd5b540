"""One set of metrics for all the worker processes of one start (`WEB_CONCURRENCY` > 1).

prometheus_client's multiprocess mode: each process writes its values to files in a directory, and
`/metrics` adds them up. The directory is new and private to each start (a leftover one would add a
previous run's counts), and removed at exit. The mode is chosen when prometheus_client is imported,
so `prepare` must run before anything imports it (`python -m bot` imports the app only after it).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def prepare(workers: int) -> Path | None:
    """The directory the workers will share, or None for one process (values kept in memory)."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before the metrics' mode was chosen")
    os.environ.pop(DIRECTORY_VARIABLE, None)  # never one inherited from elsewhere: its counts are not ours
    if workers <= 1:
        return None
    directory = Path(tempfile.mkdtemp(prefix="schedule-sms-metrics-"))
    os.environ[DIRECTORY_VARIABLE] = str(directory)
    return directory


def remove(directory: Path | None) -> None:
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
