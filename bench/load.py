"""Load generators: a small keep-alive HTTP client in Python (the default), or wrk when asked for.

Both hold a fixed number of connections open to 127.0.0.1 for a fixed time and report requests
per second, the median and the 99th percentile latency, and how many answers were not 2xx/3xx.

The Python client reopens each connection after a number of requests or a fraction of a second.
A crowd following a link does the same (every visitor comes on connections of their own), and it
keeps the load spread over gunicorn's workers: a worker keeps every keep-alive connection it
accepted, and wrk's eight connections, opened at once, can all land on one of the two workers
(8/0 or 7/1 splits measured), which then measures one worker rather than the server.
"""
from __future__ import annotations

import re
import selectors
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

# A request as wrk sends it: the Host header and nothing else (no cookie, no Accept-Language).
REQUEST = "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
TIMEOUT = 10.0  # seconds an answer may take before it counts as an error, as wrk's --timeout 10s


@dataclass
class Result:
    requests: int  # answers with a 2xx or 3xx status (a refusal, e.g. a 503 under overload, is no page)
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # answers of another status, and connections that failed or timed out
    connections: int = 0  # connections opened (0: not known)
    client_cpu: float = 0.0  # CPU seconds the load generator itself used (0: not known)
    outcomes: dict[str, int] | None = None  # answers by their X-Cache header (HIT, STALE, MISS)
    failures: dict[str, int] | None = None  # errors by kind: the status, "closed" or "timeout"

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class LoadGenerator:
    name = "?"

    def run(self, port: int, path: str, seconds: float, connections: int, *, warmup: float = 0.0,
            at_start=None, at_end=None) -> Result:
        """Load `path` for `warmup` seconds, then measure for `seconds`, calling `at_start()` and
        `at_end()` as the measured window opens and closes (to read the server's CPU)."""
        raise NotImplementedError


class Wrk(LoadGenerator):
    """wrk with one thread: it is fast enough for one thread to saturate this shop, and every CPU
    cycle it leaves alone is one the server under test can use. Its connections stay open for the
    whole run (see the module's note on the worker split)."""

    def __init__(self, executable: str):
        self.executable = executable
        version = subprocess.run([executable, "--version"], capture_output=True, text=True).stdout
        match = re.search(r"wrk (?:\S*/)?([\d.]+)", version)
        self.name = f"wrk {match.group(1) if match else ''} (1 thread, keep-alive for the whole run)".replace("  ", " ")

    def run(self, port: int, path: str, seconds: float, connections: int, *, warmup: float = 0.0,
            at_start=None, at_end=None) -> Result:
        if warmup > 0:
            self._run(port, path, warmup, connections)
        if at_start:
            at_start()
        result = self._run(port, path, seconds, connections)
        if at_end:
            at_end()
        return result

    def _run(self, port: int, path: str, seconds: float, connections: int) -> Result:
        command = [self.executable, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
                   "--timeout", f"{TIMEOUT:.0f}s", f"http://127.0.0.1:{port}{path}"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            output, _ = process.communicate(timeout=seconds + 30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        return parse_wrk(output)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Result:
    """Read wrk's summary. :raise RuntimeError: if wrk printed no summary (it failed)."""
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if total is None:
        raise RuntimeError(f"wrk failed:\n{output}")
    percentiles = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    refused = int(non_2xx.group(1)) if non_2xx else 0
    errors = refused + (sum(map(int, sockets.groups())) if sockets else 0)
    return Result(requests=int(total.group(1)) - refused, seconds=_ms(total.group(2) + total.group(3)) / 1000,
                  p50_ms=_ms(percentiles["50"]), p99_ms=_ms(percentiles["99"]), errors=errors)


class _Connection:
    """One client connection and the answer being read on it (one request in flight at most)."""

    __slots__ = ("sock", "buffer", "sent_at", "served", "opened_at", "body_start", "needed", "chunk_at",
                 "status", "close", "cache")

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray()
        self.opened_at = time.perf_counter()
        self.served = 0
        self.sent_at = 0.0
        self._reset()

    def _reset(self) -> None:
        self.body_start = -1  # where the body begins once the head is read
        self.needed = -1  # bytes the whole answer takes (Content-Length), -1 while not known
        self.chunk_at = -1  # a chunked body: where the next chunk's size line begins
        self.status = 0
        self.close = False
        self.cache: str | None = None  # the page cache's X-Cache header, if any

    def send(self, request: bytes) -> None:
        self.sent_at = time.perf_counter()
        self.sock.sendall(request)

    def answer_complete(self) -> bool:
        """Whether the buffer holds the whole answer; reads its head the first time it can."""
        buffer = self.buffer
        if self.body_start < 0:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return False
            head = bytes(buffer[:end]).lower()
            self.status = int(head[9:12])
            self.body_start = end + 4
            self.close = b"\r\nconnection: close" in head
            cache = head.find(b"\r\nx-cache:")
            if cache >= 0:
                line_end = head.find(b"\r\n", cache + 2)
                self.cache = head[cache + 10:line_end if line_end >= 0 else None].strip().decode("ascii", "replace").upper()
            length = re.search(rb"\r\ncontent-length:\s*(\d+)", head)
            if length:
                self.needed = self.body_start + int(length.group(1))
            elif b"\r\ntransfer-encoding: chunked" in head:
                self.chunk_at = self.body_start
            elif self.status in (204, 304) or 100 <= self.status < 200:
                self.needed = self.body_start
            else:  # the body runs until the server closes the connection
                self.close = True
                return False
        if self.needed >= 0:
            return len(buffer) >= self.needed
        if self.chunk_at >= 0:
            while True:
                line_end = buffer.find(b"\r\n", self.chunk_at)
                if line_end < 0:
                    return False
                size = int(bytes(buffer[self.chunk_at:line_end]).split(b";")[0], 16)
                if size == 0:  # no trailers: the last chunk is followed by an empty line
                    if len(buffer) >= line_end + 4:
                        self.needed = line_end + 4
                        return True
                    return False
                following = line_end + 2 + size + 2
                if len(buffer) < following:
                    return False
                self.chunk_at = following
        return False

    def finish(self) -> None:
        """Forget the answer just read, ready for the next one."""
        del self.buffer[:]
        self.served += 1
        self._reset()


class PythonClient(LoadGenerator):
    """Keep-alive connections on plain sockets, all in one thread (a selector), each sending its
    next request as soon as its answer is read. It parses no more of an answer than it must
    (status, length), so it needs a fraction of the CPU the server spends on even the hello
    world; it still shares the machine's CPUs with the server, as wrk would."""

    def __init__(self, requests_per_connection: int = 100, connection_seconds: float = 0.5):
        self.requests_per_connection = requests_per_connection
        self.connection_seconds = connection_seconds
        self.name = (f"Python socket client (one thread; keep-alive connections, each reopened after "
                     f"{requests_per_connection} requests or {connection_seconds:g} s)")

    def run(self, port: int, path: str, seconds: float, connections: int, *, warmup: float = 0.0,
            at_start=None, at_end=None) -> Result:
        """Warm-up and measurement run on the same connections, so the measured window starts with
        the server already busy; afterwards the answers still on their way are awaited (and not
        counted), so the server is idle again before whatever is measured next."""
        request = REQUEST.format(path=path, port=port).encode("ascii")
        selector = selectors.DefaultSelector()
        latencies: list[float] = []
        outcomes: dict[str, int] = {}
        failures: dict[str, int] = {}
        opened = 0
        measuring = False

        def failed(kind: str) -> None:
            if measuring:
                failures[kind] = failures.get(kind, 0) + 1

        def open_connection() -> _Connection:
            nonlocal opened
            connection = _Connection(port)
            opened += 1
            selector.register(connection.sock, selectors.EVENT_READ, connection)
            return connection

        def drop(connection: _Connection) -> None:
            selector.unregister(connection.sock)
            connection.sock.close()

        def replace(connection: _Connection) -> None:
            drop(connection)
            if not draining:
                open_connection().send(request)

        open_now = [open_connection() for _ in range(connections)]
        began = time.perf_counter()
        window_opens = began + warmup
        deadline = window_opens + seconds
        draining = False
        for connection in open_now:
            connection.send(request)
        next_timeout_check = began + 0.5
        cpu_before = time.process_time()
        now = began
        while True:
            if not measuring and not draining and now >= window_opens:
                if at_start:
                    at_start()
                latencies.clear()
                outcomes.clear()
                failures.clear()
                opened = 0
                cpu_before = time.process_time()
                window_opens = time.perf_counter()
                deadline = window_opens + seconds
                measuring = True
            if measuring and now >= deadline:
                if at_end:
                    at_end()
                elapsed = time.perf_counter() - window_opens
                client_cpu = time.process_time() - cpu_before
                measuring, draining = False, True
                counted = len(latencies)
            if draining and not selector.get_map():
                break
            stop_at = deadline + TIMEOUT if draining else (deadline if measuring else window_opens)
            for key, _ in selector.select(timeout=max(0.0, min(stop_at - now, 0.5))):
                connection: _Connection = key.data
                try:
                    data = connection.sock.recv(262_144)
                except OSError:
                    data = b""
                if not data:  # the server closed it (or reset it) with our request unanswered
                    failed("closed")
                    replace(connection)
                    continue
                connection.buffer += data
                if not connection.answer_complete():
                    continue
                answered = time.perf_counter()
                if 200 <= connection.status < 400:
                    latencies.append((answered - connection.sent_at) * 1000)
                else:
                    failed(str(connection.status))
                if measuring and connection.cache is not None:
                    outcomes[connection.cache] = outcomes.get(connection.cache, 0) + 1
                reopen = (connection.close or connection.served + 1 >= self.requests_per_connection
                          or answered - connection.opened_at >= self.connection_seconds)
                connection.finish()
                if draining:
                    drop(connection)
                elif reopen:
                    replace(connection)
                else:
                    try:
                        connection.send(request)
                    except OSError:
                        failed("closed")
                        replace(connection)
            now = time.perf_counter()
            if draining and now >= stop_at:
                for key in list(selector.get_map().values()):
                    drop(key.data)
                break
            if now >= next_timeout_check:
                next_timeout_check = now + 0.5
                for key in list(selector.get_map().values()):
                    if now - key.data.sent_at > TIMEOUT:
                        failed("timeout")
                        replace(key.data)
        selector.close()
        measured = sorted(latencies[:counted])
        return Result(requests=counted, seconds=elapsed, p50_ms=percentile(measured, 50),
                      p99_ms=percentile(measured, 99), errors=sum(failures.values()), connections=opened,
                      client_cpu=client_cpu, outcomes=dict(outcomes), failures=dict(failures))


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def pick(use_wrk: bool = False) -> LoadGenerator:
    """The Python client, or wrk if asked for and installed. :raise RuntimeError: wrk asked for, absent."""
    if not use_wrk:
        return PythonClient()
    executable = shutil.which("wrk")
    if executable is None:
        raise RuntimeError("--wrk: wrk is not installed (apt-get install wrk)")
    return Wrk(executable)
