"""What stops the app at start: a failure the operator must fix, said in one line."""

from __future__ import annotations


class StartupError(Exception):
    """The app cannot serve as configured; the message says why in one line."""
