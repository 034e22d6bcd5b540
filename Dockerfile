# syntax=docker/dockerfile:1
# The app's image: `docker build -t schedule-sms .`, then `docker run --env-file .env -p 3000:3000 schedule-sms`
# (or `docker compose up --build`, with Redis). Installs exactly what uv.lock pins, each file checked against
# its hash, with uv pinned by hash in uv-bootstrap.txt, as `make` does; runs as a user without rights.
# tests/e2e/test_container.py runs the builder's steps in a virtual environment, where Docker is not available.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
# uv never downloads a Python of its own; the libraries are byte-compiled here, not at the first start
ENV UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY uv-bootstrap.txt ./
# uv into a folder of its own with the image's pip (no virtual environment needed just to hold it)
RUN --mount=type=cache,target=/root/.cache/pip \
    python3 -m pip install --quiet --root-user-action=ignore --no-deps --require-hashes --target .tools \
    -r uv-bootstrap.txt
COPY pyproject.toml uv.lock ./
# the locked dependencies with the sentry extra (imported only when SENTRY_DSN is set), never the dev ones;
# the app itself is not installed: it runs from /app/bot
RUN --mount=type=cache,target=/root/.cache/uv \
    .tools/bin/uv sync --locked --no-install-project --extra sentry --python python3 --quiet

FROM ${PYTHON_IMAGE}
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=3000
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-create-home app
WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY bot ./bot
RUN python -m compileall -q bot
USER 10001:10001
EXPOSE 3000
# /healthz on $PORT: 200 once the app is ready (storage reachable, and in Socket Mode connected to Slack)
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["python", "-m", "bot.healthcheck"]
# SIGTERM: accepted work finishes (up to 20 s) before the exit; give the container at least 30 s to stop
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
