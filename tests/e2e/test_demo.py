"""`make demo`: the app with its stand-ins runs to the end with no network, shows each step as the user sees it,
and never reads the environment or a `.env` (whose tokens and REDIS_URL may be a real deployment's)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.fakes import FakeKaleyra, FakeSlack
from tests.e2e.harness import RedisServer
from tests.e2e.test_process import ROOT, app_env

SHOWN = (
    "/schedule-sms +919876543210",
    "Check and confirm this SMS",  # the confirmation
    "Dry run: the app does not call Kaleyra",
    "Held by the app until its hand-off",  # Confirm's outcome
    "@asha scheduled an SMS to 1 recipient: +91•••••43210",  # the channel post
    "Handed to Kaleyra for",  # the hand-off's news, once the clock moved
    "Delivery: 1 Delivered",  # the delivery status
    "Operations (visible to admins)",  # the App Home
    "Done in",
)


def no_network(command: list[str]) -> list[str]:
    """`command` in a network namespace of its own, with only loopback up."""
    wrapped = ["unshare", "-rn", "sh", "-c", f"ip link set lo up && exec {shlex.join(command)}"]
    if not (shutil.which("unshare") and shutil.which("ip")):
        pytest.skip("unshare and ip are needed to run without a network")
    if subprocess.run([*wrapped[:4], "ip link set lo up"], capture_output=True, check=False).returncode != 0:
        pytest.skip("this machine does not let a user make a network namespace")
    return wrapped


def test_make_demo_runs_to_the_end_with_no_network() -> None:
    keep = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    done = subprocess.run(
        no_network(["make", "--no-print-directory", "demo"]), cwd=ROOT, env=keep, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    shown = done.stdout
    for words in SHOWN:
        assert words in shown, words
    positions = [shown.index(words) for words in SHOWN]
    assert positions == sorted(positions), "the steps are shown in the order they happen"
    assert "\033[" not in shown, "no terminal styles in a pipe"
    assert done.stderr == "", "nothing goes wrong on the way"


def test_the_demo_reads_neither_the_environment_nor_a_dotenv(
    slack: FakeSlack, kaleyra: FakeKaleyra, redis_server: RedisServer, tmp_path: Path
) -> None:
    redis_server.flush()
    deployment = app_env(slack, kaleyra, REDIS_URL=redis_server.url, ALLOWED_USERS="USOMEONE", KALEYRA_DRY_RUN="false")
    (tmp_path / ".env").write_text("".join(f"{name}={value}\n" for name, value in deployment.items() if name != "PATH"))
    done = subprocess.run(
        [sys.executable, "-m", "bot.demo"], cwd=tmp_path, env={**deployment, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(words in done.stdout for words in SHOWN)
    assert slack.calls == [] and kaleyra.requests == [], "the deployment's Slack and Kaleyra are never called"
    assert redis_server.client().dbsize() == 0, "nor is its Redis written"
