"""`python -m bot` without REDIS_URL: a private, durable redis-server that lives and dies with the app, and
the in-memory store only where there is no redis-server, with a loud warning."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from tests.e2e.fakes import FakeKaleyra, FakeSlack, wait_for
from tests.e2e.harness import free_port
from tests.e2e.test_flow import NUMBER, button_value, confirmation_for, replies_to, text_of
from tests.e2e.test_process import BotProcess, app_env, run_bot
from tests.e2e.test_workers import alive, workers_of


def redis_servers_of(pid: int) -> list[int]:
    children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [child for child in children if b"redis-server" in Path(f"/proc/{child}/cmdline").read_bytes()]


def test_held_state_survives_a_restart_of_the_app_on_its_private_redis(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    first = BotProcess(app_env(slack, kaleyra), tmp_path)
    [server] = redis_servers_of(first.process.pid)
    socket = tmp_path / ".data" / "redis" / "redis.sock"
    assert socket.is_socket() and socket.stat().st_mode & 0o777 == 0o700  # this user's processes only
    url = slack.response_url("before")
    first.command(f'{NUMBER} "Kept by the private Redis" in 2 hours', response_url=url)
    confirm = button_value(confirmation_for(slack, url), "confirm_sms")
    output = first.stop()
    assert first.process.returncode == 0, output
    assert "running a private redis-server" in output and str(tmp_path / ".data" / "redis") in output
    assert " WARNING " not in output
    assert not alive(server), "stopped with the app"
    assert list((tmp_path / ".data" / "redis" / "appendonlydir").iterdir()), "its data is on disk"
    assert not socket.exists()

    second = BotProcess(app_env(slack, kaleyra), tmp_path)
    try:
        click = slack.response_url("after")
        second.click("confirm_sms", confirm, response_url=click)
        assert "Scheduled" in wait_for(lambda: replies_to(slack, click))[0]["text"]
    finally:
        second.stop()
    assert [request.body["body"] for request in kaleyra.requests] == ["Kept by the private Redis"]


def test_a_data_folder_too_deep_for_a_socket_path_gets_its_socket_in_a_private_temporary_one(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    deep = tmp_path / ("deep-" * 12) / "redis"
    # a temporary folder of its own, short as /tmp is (tmp_path, a level deeper in a worker process of
    # pytest-xdist, can itself be too deep for a socket path)
    temporary = Path(tempfile.mkdtemp())
    try:
        app = BotProcess(app_env(slack, kaleyra, REDIS_DATA_DIR=str(deep), TMPDIR=str(temporary)), tmp_path)
        [socket_dir] = list(temporary.iterdir())
        assert (socket_dir / "redis.sock").is_socket() and socket_dir.stat().st_mode & 0o777 == 0o700
        output = app.stop()
        assert app.process.returncode == 0, output
        assert list((deep / "appendonlydir").iterdir()) and list(temporary.iterdir()) == []
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def test_workers_share_one_private_redis_started_by_their_parent(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    app = BotProcess(app_env(slack, kaleyra, WEB_CONCURRENCY="2"), tmp_path)
    try:
        workers = [pid for pid in workers_of(app) if pid not in redis_servers_of(app.process.pid)]
        assert len(workers) == 2 and len(redis_servers_of(app.process.pid)) == 1
        for index in range(4):  # new connections, accepted by either worker: one store behind both
            url, click = slack.response_url(f"cmd{index}"), slack.response_url(f"click{index}")
            app.command(f'{NUMBER} "Hello {index}" in 2 hours', response_url=url)
            app.click("confirm_sms", button_value(confirmation_for(slack, url), "confirm_sms"), response_url=click)
            assert "Scheduled" in wait_for(lambda click=click: replies_to(slack, click))[0]["text"]
    finally:
        output = app.stop()
    assert app.process.returncode == 0, output
    assert "2 workers serving" in output and "needs a shared Redis" not in output


def test_workers_stop_when_their_private_redis_dies_for_the_platform_to_restart_the_set(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    app = BotProcess(app_env(slack, kaleyra, WEB_CONCURRENCY="2"), tmp_path)
    [server] = redis_servers_of(app.process.pid)
    workers = [pid for pid in workers_of(app) if pid != server]
    os.kill(server, signal.SIGKILL)
    app.process.wait(60)
    output = app.stop()
    assert app.process.returncode == 1
    assert f"the private redis-server (pid {server}) exited with -9: stopping the workers" in output
    assert not any(alive(pid) for pid in workers)


def test_the_private_redis_stops_when_the_app_is_killed_and_a_restart_finds_its_folder_free(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    app = BotProcess(app_env(slack, kaleyra), tmp_path)
    [server] = redis_servers_of(app.process.pid)
    app.process.send_signal(signal.SIGKILL)
    app.process.wait(10)
    app.log.close()
    wait_for(lambda: not alive(server))
    again = BotProcess(app_env(slack, kaleyra), tmp_path)
    assert again.http.get("/healthz").status_code == 200
    again.stop()
    assert again.process.returncode == 0


def test_a_second_app_on_the_same_data_folder_refuses_to_start_naming_it(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    first = BotProcess(app_env(slack, kaleyra), tmp_path)
    try:
        [server] = redis_servers_of(first.process.pid)
        second = run_bot(app_env(slack, kaleyra, PORT=str(free_port())), tmp_path)
        output, _ = second.communicate(timeout=60)
    finally:
        first.stop()
    assert second.returncode == 1
    last = output.strip().splitlines()[-1]
    data = tmp_path / ".data" / "redis"
    assert last.endswith(
        f"ERROR schedule_sms: another redis-server (pid {server}) uses {data}: stop it, or set REDIS_DATA_DIR to "
        "another folder"
    )


def test_a_private_redis_that_cannot_start_on_its_data_stops_the_app_with_its_reason(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    damaged = tmp_path / ".data" / "redis" / "appendonlydir"
    damaged.mkdir(parents=True)
    (damaged / "appendonly.aof.manifest").write_text("not a manifest\n")
    process = run_bot(app_env(slack, kaleyra, PORT=str(free_port())), tmp_path)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    last = output.strip().splitlines()[-1]
    assert "ERROR schedule_sms: the private redis-server stopped at start: " in last and "manifest" in last


def test_a_data_folder_that_cannot_be_made_stops_the_app_naming_it(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("")
    env = app_env(slack, kaleyra, PORT=str(free_port()), REDIS_DATA_DIR=str(tmp_path / "a-file" / "redis"))
    process = run_bot(env, tmp_path)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    assert (
        output.strip()
        .splitlines()[-1]
        .endswith(
            f"ERROR schedule_sms: cannot keep the private redis-server's data in {tmp_path / 'a-file' / 'redis'}: "
            "Not a directory (set REDIS_DATA_DIR)"
        )
    )


def test_without_redis_server_the_app_runs_in_memory_and_says_so_loudly(
    slack: FakeSlack, kaleyra: FakeKaleyra, tmp_path: Path
) -> None:
    bin_without_redis = tmp_path / "bin"
    bin_without_redis.mkdir()
    os.symlink(sys.executable, bin_without_redis / "python")
    assert shutil.which("redis-server", path=str(bin_without_redis)) is None
    env = app_env(slack, kaleyra, PATH=str(bin_without_redis), WEB_CONCURRENCY="2")
    app = BotProcess(env, tmp_path)
    try:
        url = slack.response_url("memory")
        app.command(f'{NUMBER} "Hello" in 2 hours', response_url=url)
        assert "Check and confirm" in text_of(confirmation_for(slack, url))
    finally:
        output = app.stop()
    [warning] = [line for line in output.splitlines() if "NO DURABLE STORAGE" in line]
    assert " WARNING " in warning and "LOST on restart" in warning
    assert "WEB_CONCURRENCY=2 needs a shared Redis" in output
    assert not (tmp_path / ".data").exists()
