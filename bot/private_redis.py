"""With `REDIS_URL` unset: a private redis-server for this app, durable on disk and reachable by it alone.

It is started once, by the first process, before any worker is forked, so a set of `WEB_CONCURRENCY`
workers shares it, and stopped when that process exits, after the workers have finished their work.

- **Data**: in `REDIS_DATA_DIR` (default `.data/redis`), with the append-only file (AOF) on, so held SMS,
  queued hand-offs and pending requests survive a restart of the app or of the machine.
- **fsync every second** (`appendfsync everysec`) rather than on every write (`always`): Redis writes each
  change to the file before it answers (putting it off by up to two seconds only while the disk is slow
  to flush), and flushes it when it stops, so a crash or restart of the app loses nothing; only a crash
  of redis-server itself or of the machine (power, kernel) can lose the last second or two. `always` would put a disk
  flush, milliseconds on many disks, on every write, the one behind every command's confirmation
  included, to cover that case alone; and on Redis 7.2 and later the writes that matter (a hold, the
  hand-off mark) wait for their own flush anyway (WAITAOF, `bot.core.durability`).
- **Reachable by this app alone**: a unix socket with mode 700 in the data folder (or, if that path is too
  long for a socket, in a private temporary directory), and no TCP port, so it needs no password and
  nothing outside this user's processes can reach it.
- **Its own session**: Ctrl-C in a terminal stops the app, which drains its work and only then stops
  redis-server, rather than both at once. If the app is killed outright, Linux's parent-death signal stops
  redis-server too; a redis-server still running on the same data stops a second app from starting on it.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import SecretStr

from bot.config import Settings
from bot.startup import StartupError

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 60.0
"""Loading a large append-only file takes a while; Redis answers LOADING meanwhile."""
STOP_TIMEOUT_SECONDS = 30.0
PIDFILE = "redis-server.pid"
LOGFILE = "redis-server.log"
PR_SET_PDEATHSIG = 1
MAX_SOCKET_PATH = 100
"""Bytes in a unix socket's path: the system's limit is 104 (macOS) to 108 (Linux), with the final NUL."""


@contextlib.contextmanager
def storage_for(settings: Settings) -> Iterator[Settings]:
    """`settings` as they are with `REDIS_URL` set; otherwise pointing at a private redis-server, running
    until the block ends. Without redis-server installed, unchanged: the app falls back to the in-memory
    store (`bot.storage.in_memory_store`), and says so loudly."""
    binary = shutil.which("redis-server")
    if settings.redis_url is not None or binary is None:
        yield settings
        return
    server = PrivateRedis(Path(settings.redis_data_dir), binary)
    try:
        yield settings.model_copy(update={"redis_url": SecretStr(server.url)})
    finally:
        server.stop()


class PrivateRedis:
    """A redis-server child process with its data in `data_dir`; ready (its data loaded) once constructed."""

    def __init__(self, data_dir: Path, binary: str) -> None:
        self.data_dir = data_dir.resolve()
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StartupError(f"cannot keep the private redis-server's data in {self.data_dir}: {exc.strerror} "
                               "(set REDIS_DATA_DIR)") from None  # fmt: skip
        _refuse_if_in_use(self.data_dir)
        self.socket_path = self.data_dir / "redis.sock"
        self._socket_dir: Path | None = None
        if len(os.fsencode(self.socket_path)) > MAX_SOCKET_PATH:  # too deep: a short private directory instead
            self._socket_dir = Path(tempfile.mkdtemp(prefix="schedule-sms-redis-"))
            self.socket_path = self._socket_dir / "redis.sock"
        self.process = subprocess.Popen(
            [
                binary, "--port", "0", "--unixsocket", str(self.socket_path), "--unixsocketperm", "700",
                "--dir", str(self.data_dir), "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                "--pidfile", str(self.data_dir / PIDFILE), "--logfile", str(self.data_dir / LOGFILE),
                "--daemonize", "no",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_dies_with(os.getpid()) if sys.platform == "linux" else None,
        )  # fmt: skip
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        log.info(
            "REDIS_URL is not set: running a private redis-server (pid %d) for this app, with its data in %s "
            "(append-only file, fsync every second); it stops with the app",
            self.process.pid, self.data_dir,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}?db=0"

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StartupError(f"the private redis-server stopped at start: {self._last_log_line()}")
            with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(1)
                sock.connect(str(self.socket_path))
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return  # not -LOADING: the data is in
            time.sleep(0.05)
        raise StartupError(f"the private redis-server did not answer within {START_TIMEOUT_SECONDS:.0f} s")

    def _last_log_line(self) -> str:
        try:
            lines = (self.data_dir / LOGFILE).read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return lines[-1] if lines else f"see {self.data_dir / LOGFILE}"

    def stop(self) -> None:
        """SIGTERM: redis-server flushes the append-only file to disk and exits."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                log.error("the private redis-server did not stop within %.0f s: killed", STOP_TIMEOUT_SECONDS)
                self.process.kill()
                self.process.wait()
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)


def _refuse_if_in_use(data_dir: Path) -> None:
    """Two redis-servers on one append-only file would corrupt it."""
    try:
        pid = int((data_dir / PIDFILE).read_text().strip())
    except (OSError, ValueError):
        return
    if Path("/proc/self").exists():
        try:
            running = b"redis-server" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            running = False  # gone: a pid file left by a server that was killed
    else:
        try:
            os.kill(pid, 0)
            running = True
        except OSError:
            running = False
    if running:
        raise StartupError(
            f"another redis-server (pid {pid}) uses {data_dir}: stop it, or set REDIS_DATA_DIR to another folder"
        )


def _dies_with(app_pid: int) -> Callable[[], None]:
    """Run in the child before redis-server: it is stopped with the app even if the app is killed outright."""

    def arrange() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != app_pid:  # the app died before the line above
            os._exit(1)

    return arrange
