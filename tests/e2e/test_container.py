"""The container and the deployments built on it.

Docker's engine is not available where the tests run, so the Dockerfile's builder stage is run here with
the same commands, in a directory standing for the image's root: its RUN lines in a shell, with its ENV
and WORKDIR, from files COPY'd past .dockerignore, with the interpreter the image's `python3` would be
(uv and pip reuse their caches, as the Dockerfile's cache mounts do). The environment it builds then
runs the app as the image would, and answers the image's HEALTHCHECK. compose.yaml is checked by
`docker compose config` (or docker-compose) when one is installed, and by its content in any case.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings
from tests.e2e.fakes import FakeKaleyra, FakeSlack, wait_for
from tests.e2e.harness import free_port
from tests.e2e.test_process import ROOT, app_env

DEV_ONLY = ("pytest", "mypy", "ruff", "hypothesis")


@dataclass
class Stage:
    name: str
    base: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (instruction, its arguments)

    def all(self, instruction: str) -> list[str]:
        return [arguments for keyword, arguments in self.lines if keyword == instruction]

    def one(self, instruction: str) -> str:
        [arguments] = self.all(instruction)
        return arguments


def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    """The Dockerfile's ARGs before the first FROM, and its stages, with continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keyword, _, arguments = line.strip().partition(" ")
        keyword, arguments = keyword.upper(), " ".join(arguments.split())
        if keyword == "ARG" and not stages:
            name, _, default = arguments.partition("=")
            args[name] = default
        elif keyword == "FROM":
            base, _, name = arguments.partition(" AS ")
            stages.append(Stage(name.strip() or f"stage{len(stages)}", base.strip()))
        else:
            stages[-1].lines.append((keyword, arguments))
    return args, stages


def env_pairs(arguments: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in shlex.split(arguments))


def context_files() -> set[str]:
    """What .dockerignore lets into the build: it excludes everything, then names what is let in."""
    rules = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    rules = [rule for rule in rules if rule and not rule.startswith("#")]
    assert rules[0] == "*", "the build context is an allowlist"
    return {rule.removeprefix("!").rstrip("/") for rule in rules[1:] if rule.startswith("!")}


def python3_bin(directory: Path) -> Path:
    """A directory whose `python3` is the interpreter itself (not this test's virtual environment), as
    `python3` is in the image."""
    directory.mkdir()
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    (directory / "python3").symlink_to(base)
    (directory / "python").symlink_to(base)
    return directory


def build(stage: Stage, root: Path, path: str) -> Path:
    """Run `stage` into `root` (standing for the image's /); returns the stage's working directory."""
    env = {"PATH": path, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    workdir = root
    for keyword, arguments in stage.lines:
        if keyword == "ENV":
            env |= env_pairs(arguments)
        elif keyword == "WORKDIR":
            workdir = root / arguments.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *sources, destination = arguments.split()
            assert not any(source.startswith("--") for source in sources), "the builder copies from the context"
            for source in sources:
                assert source.rstrip("/") in context_files(), f"{source} is kept out of the context by .dockerignore"
                target = workdir / destination
                if (ROOT / source).is_dir():
                    shutil.copytree(ROOT / source, target / source, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(ROOT / source, target / Path(source).name if destination.endswith("/") else target)
        elif keyword == "RUN":
            command = re.sub(r"^(--\S+\s+)+", "", arguments)  # cache mounts: the caches are this machine's
            done = subprocess.run(command, shell=True, cwd=workdir, env=env, capture_output=True, text=True)
            assert done.returncode == 0, f"RUN {command}\n{done.stdout}\n{done.stderr}"
        else:
            raise AssertionError(f"the builder stage has {keyword}, which this test does not know how to run")
    return workdir


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The builder stage, run: the image's /app as the final stage copies it (its environment, and bot/)."""
    _, stages = dockerfile()
    builder = next(stage for stage in stages if stage.name == "builder")
    root = tmp_path_factory.mktemp("image")
    path = f"{python3_bin(root / 'python-bin')}:/usr/bin:/bin"
    workdir = build(builder, root, path)
    final = stages[-1]
    app = root / "final" / final.one("WORKDIR").lstrip("/")
    app.mkdir(parents=True)
    for arguments in final.all("COPY"):
        source, destination = arguments.split()[-2:]
        if arguments.startswith("--from=builder"):
            assert source.startswith(builder.one("WORKDIR"))
            # moved, symbolic links and all, as COPY keeps them: the builder's stage is not used again
            shutil.move(workdir / Path(source).relative_to(builder.one("WORKDIR")), app / Path(destination).name)
        else:
            shutil.copytree(ROOT / source, app / Path(destination).name, ignore=shutil.ignore_patterns("__pycache__"))
    yield app
    shutil.rmtree(root)  # about 14,000 files: gone with the module rather than left for a later run to delete


def test_the_builder_installs_every_locked_runtime_dependency_at_its_locked_version_and_nothing_for_development(
    built: Path,
) -> None:
    locked: dict[str, set[str]] = {}
    for package in tomllib.loads((ROOT / "uv.lock").read_text())["package"]:
        locked.setdefault(package["name"], set()).add(package["version"])  # some differ by Python version
    script = "import importlib.metadata as m\nfor d in m.distributions(): print(d.metadata['Name'], d.version)"
    done = subprocess.run(
        [built / ".venv/bin/python", "-c", script], cwd=built, capture_output=True, text=True, check=True
    )
    installed = {
        re.sub(r"[-_.]+", "-", name).lower(): version  # as uv.lock spells names
        for name, version in (line.split() for line in done.stdout.splitlines())
    }
    for name in (
        "slack-bolt",
        "aiohttp",
        "redis",
        "prometheus-client",
        "python-json-logger",
        "sentry-sdk",
        "dateparser",
    ):
        assert installed[name] in locked[name], name
    assert [name for name, version in installed.items() if version not in locked.get(name, ())] == []
    assert not set(DEV_ONLY) & set(installed)
    assert "schedule-sms" not in installed  # the app runs from /app/bot, not as an installed package
    assert list((built / ".venv").rglob("dateparser/__pycache__/*.pyc")), "byte-compiled at build"
    files = [path for path in built.rglob("*") if path.is_file() and not path.is_symlink()]
    assert sum(path.stat().st_size for path in files) < 150_000_000, "the app's layers (about 120 MB) grew"


def test_the_image_runs_the_app_and_answers_its_healthcheck(
    built: Path, slack: FakeSlack, kaleyra: FakeKaleyra
) -> None:
    _, stages = dockerfile()
    final = stages[-1]
    image_env = env_pairs(" ".join(final.all("ENV")))
    port = free_port()
    env = app_env(slack, kaleyra) | {
        "PATH": image_env["PATH"].replace("/app", str(built)).replace("$PATH", os.environ["PATH"]),
        "PORT": str(port),
    }
    command = ["python", "-m", "bot"]
    assert final.one("CMD") == str(command).replace("'", '"')
    healthcheck = shlex.split(final.one("HEALTHCHECK"))
    probe = [word.strip('[",]') for word in healthcheck[healthcheck.index("CMD") + 1 :]]
    assert probe == ["python", "-m", "bot.healthcheck"]

    def probed() -> subprocess.CompletedProcess[str]:
        return subprocess.run(probe, cwd=built, env=env, capture_output=True, text=True, timeout=30)

    unanswered = probed()
    assert unanswered.returncode == 1 and "no answer from" in unanswered.stderr
    process = subprocess.Popen(command, cwd=built, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_for(lambda: probed().returncode == 0, timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "signed in to Slack" in output


def test_the_image_runs_unprivileged_from_the_same_base_and_honours_port() -> None:
    args, stages = dockerfile()
    assert len(stages) == 2 and stages[0].name == "builder"
    assert {stage.base for stage in stages} == {"${PYTHON_IMAGE}"} and args["PYTHON_IMAGE"].startswith("python:3.11-")
    final = stages[-1]
    user = final.one("USER")
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", user), "a numeric user and group, never root"
    [creates_user] = [command for command in final.all("RUN") if "useradd" in command]
    assert f"--uid {user.split(':')[0]}" in creates_user
    image_env = env_pairs(" ".join(final.all("ENV")))
    assert final.one("EXPOSE") == image_env["PORT"] == str(Settings.model_fields["port"].default)
    assert [copy for copy in final.all("COPY") if copy.startswith("--from=")] == [
        "--from=builder /app/.venv /app/.venv"
    ]


def test_only_what_the_image_is_built_from_reaches_the_build() -> None:
    _, stages = dockerfile()
    copied = {
        source.rstrip("/")
        for stage in stages
        for arguments in stage.all("COPY")
        if not arguments.startswith("--from=")
        for source in arguments.split()[:-1]
    }
    assert context_files() == copied
    assert ".env" not in context_files()


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_compose_starts_the_app_with_a_persistent_redis() -> None:
    services = compose()["services"]
    assert set(services) == {"app", "redis"}
    app, redis = services["app"], services["redis"]
    assert app["build"] == "." and app["env_file"] == ".env"
    assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert app["ports"] == ["${APP_PORT:-3000}:" + app["environment"]["PORT"]]
    assert app["depends_on"] == {"redis": {"condition": "service_healthy"}}
    assert int(app["stop_grace_period"].removesuffix("s")) >= 25  # the app drains for up to 20 s
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert redis["volumes"] == ["redis-data:/data"] and "redis-data" in compose()["volumes"]
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "ports" not in redis  # only the app reaches it


def test_compose_config_accepts_the_file(tmp_path: Path) -> None:
    tools = [["docker", "compose"], ["docker-compose"]]
    usable = [
        tool
        for tool in tools
        if shutil.which(tool[0]) and subprocess.run([*tool, "version"], capture_output=True).returncode == 0
    ]
    if not usable:
        pytest.skip("neither `docker compose` nor docker-compose is installed (apt-get install docker-compose)")
    shutil.copy(ROOT / "compose.yaml", tmp_path)
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    done = subprocess.run([*usable[0], "config", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_render_blueprint_builds_the_image_and_keeps_redis_on_disk() -> None:
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    web, keyvalue = blueprint["services"]
    assert (web["type"], web["runtime"], web["dockerfilePath"]) == ("web", "docker", "./Dockerfile")
    assert web["healthCheckPath"] == "/healthz" and web["numInstances"] >= 2
    assert web["plan"] != "free" and keyvalue["plan"] != "free"  # no sleeping instance, Redis on disk
    assert web["maxShutdownDelaySeconds"] >= 25
    variables = {variable["key"]: variable for variable in web["envVars"]}
    required = {name.upper() for name, field_info in Settings.model_fields.items() if field_info.is_required()}
    assert required | {"SLACK_SIGNING_SECRET"} <= set(variables)
    for secret in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "KALEYRA_API_KEY"):
        assert variables[secret] == {"key": secret, "sync": False}, "secrets are asked for, never committed"
    source = variables["REDIS_URL"]["fromService"]
    assert (source["type"], source["name"], source["property"]) == ("keyvalue", keyvalue["name"], "connectionString")
    assert keyvalue["type"] == "keyvalue" and keyvalue["maxmemoryPolicy"] == "noeviction"
    assert keyvalue["ipAllowList"] == []
    assert variables["METRICS_PORT"]["value"] != str(Settings.model_fields["port"].default)
