"""Gunicorn servers started for a measurement and always stopped afterwards.

Each server runs in its own process group, so stopping it also stops its workers, and only them.
Every server is started with the same settings (`bench/gunicorn_conf.py`: the shop's own), which
also let it say how many requests each worker answered and how much CPU its processes used.
"""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Path(__file__).resolve().with_name("gunicorn_conf.py")
# What `make run` passed before the shop had a settings file (bench/gunicorn_conf.py's fallback).
WORKERS = 2
THREADS = 4
_TICKS = os.sysconf("SC_CLK_TCK")


class ServerFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings_source() -> str:
    """Which settings the servers run with, as bench/gunicorn_conf.py found them."""
    import runpy

    found = runpy.run_path(str(SETTINGS))
    described = [f"{found.get('workers', 1)} workers × {found.get('threads', 1)} threads"]
    described += [f"{name} {found[name]}" for name in ("worker_class", "worker_connections", "keepalive", "backlog")
                  if name in found]
    return f"{found['SOURCE']}: {', '.join(described)}"


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def local_postgres_cpu_seconds() -> float | None:
    """CPU (user + system) the PostgreSQL server processes on this machine have used so far, or
    None when none runs here (SQLite, or a server elsewhere). Processes that ended meanwhile (a
    backend per connection) are not counted: a difference undercounts, never overcounts."""
    total, found = 0, False
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as file:
                text = file.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if text[text.find("(") + 1:text.rfind(")")].startswith("postgres"):
            fields = text.rsplit(")", 1)[1].split()
            total, found = total + int(fields[11]) + int(fields[12]), True
    return total / _TICKS if found else None


class Gunicorn:
    """`gunicorn -c bench/gunicorn_conf.py --bind 127.0.0.1:PORT APP`, as a context manager.

    `python` and `cwd` serve an app from another virtualenv (django-oscar's)."""

    def __init__(self, app: str, *, env: dict[str, str] | None = None, ready_path: str = "/",
                 log: Path, python: str | Path = sys.executable, cwd: Path = PROJECT_ROOT):
        self.app, self.ready_path, self.log_path = app, ready_path, log
        self.python, self.cwd = str(python), cwd
        self.port = free_port()
        self.counts_dir = log.with_name(log.stem + ".workers")
        self.env = {**os.environ, **(env or {}), "BENCH_COUNT_DIR": str(self.counts_dir)}
        self.process: subprocess.Popen | None = None
        self.terminated = False

    @property
    def command(self) -> list[str]:
        # No control socket: every gunicorn of a user shares one default path for it, and the bench
        # runs several side by side.
        return [self.python, "-m", "gunicorn", "-c", str(SETTINGS), "--bind", f"127.0.0.1:{self.port}",
                "--no-control-socket", self.app]

    def __enter__(self) -> Gunicorn:
        self.start()
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def start(self) -> None:
        """Start gunicorn without waiting for it (`wait_until_ready`), to start several at once."""
        self.counts_dir.mkdir(parents=True, exist_ok=True)
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def __exit__(self, *exc) -> None:
        self.stop()

    def wait_until_ready(self, timeout: float = 90) -> None:
        """Poll `ready_path` until it answers 200. :raise ServerFailed: if it exits or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"gunicorn {self.app} exited ({self.process.returncode}); "
                                   f"see {self.log_path}:\n{self.log_path.read_text()[-2000:]}")
            try:
                if self.get(self.ready_path)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise ServerFailed(f"gunicorn {self.app} did not answer {self.ready_path} within {timeout:.0f} s")

    def request(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """GET `path` on a connection of its own: status, headers (lower-case names), body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, bytes]:
        status, _, body = self.request(path)
        return status, body

    def processes(self) -> list[int]:
        """The master and its workers (their pids now)."""
        if self.process is None:
            return []
        master = self.process.pid
        found = [master]
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                fields = _stat(int(entry.name))
                if fields is not None and fields[1] == str(master):
                    found.append(int(entry.name))
        return found

    def cpu_seconds(self, processes: list[int] | None = None) -> float:
        """CPU (user + system) the master and its live workers (or `processes`) have used so far."""
        total = 0
        for pid in self.processes() if processes is None else processes:
            fields = _stat(pid)
            if fields is not None:
                total += int(fields[11]) + int(fields[12])
        return total / _TICKS

    def worker_counts(self) -> dict[int, int]:
        """Requests each worker (by pid) has answered so far, from bench/gunicorn_conf.py's hook."""
        counts = {}
        for path in self.counts_dir.iterdir() if self.counts_dir.exists() else ():
            data = path.read_bytes()
            if path.name.isdigit() and len(data) >= 8:
                counts[int(path.name)] = int.from_bytes(data[:8], "little")
        return counts

    def terminate(self) -> None:
        """Ask gunicorn to stop (TERM) without waiting, so several stop at once; `stop` then waits."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.terminated = True
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        """Stop gunicorn and its workers: a graceful TERM first, KILL if they hang."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                try:
                    if not (sig == signal.SIGTERM and self.terminated):
                        os.killpg(process.pid, sig)  # the group this server's Popen created
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
            try:
                # Any worker the master failed to take down with it.
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if getattr(self, "log", None) is not None:
            self.log.close()
            self.log = None
