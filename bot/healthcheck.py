"""`python -m bot.healthcheck`: the container's HEALTHCHECK. Asks `/healthz` on `PORT` and exits 0 when
the app answers 200, 1 otherwise (with why on stderr). Standard library only: it starts in milliseconds
and reads no settings, so a broken setting never hides behind a failing health check."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 4


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT') or 3000}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:
            return 0 if answer.status == 200 else 1
    except urllib.error.HTTPError as exc:  # 503: the body says what is not ready
        print(f"not ready: {exc.read().decode(errors='replace')[:200]}", file=sys.stderr)
    except OSError as exc:
        print(f"no answer from {url}: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
