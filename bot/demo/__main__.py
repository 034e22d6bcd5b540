"""`python -m bot.demo`: the tour, then exit (status 1 if a step did not show what it should)."""

from __future__ import annotations

import asyncio
import sys

from bot.demo.tour import TourFailed, tour


def main() -> None:
    try:
        asyncio.run(tour())
    except (TourFailed, TimeoutError) as exc:
        print(f"\nThe demo stopped: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
