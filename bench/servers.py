"""Gunicorn servers started for a measurement and always stopped afterwards.

Each server runs in its own process group, so stopping it also stops its workers, and only them.
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
# The settings `make run` serves the shop with (minus the access log, which both apps go without).
WORKERS = 2
THREADS = 4


class ServerFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """`gunicorn --workers 2 --threads 4 --bind 127.0.0.1:PORT APP`, as a context manager."""

    def __init__(self, app: str, *, env: dict[str, str] | None = None, ready_path: str = "/",
                 log: Path):
        self.app, self.ready_path, self.log_path = app, ready_path, log
        self.port = free_port()
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--threads", str(THREADS),
                "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", self.app]

    def __enter__(self) -> Gunicorn:
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(self.command, cwd=PROJECT_ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_until_ready(self, timeout: float = 60) -> None:
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

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop gunicorn and its workers: a graceful TERM first, KILL if they hang."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                try:
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
