"""Load generators: wrk when it is installed, else a small keep-alive HTTP client in Python.

Both hold a fixed number of connections open to 127.0.0.1 for a fixed time and report requests
per second, the median and the 99th percentile latency, and how many answers were not 2xx/3xx.
"""
from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class LoadGenerator:
    name = "?"

    def run(self, port: int, path: str, seconds: float, connections: int) -> Result:
        raise NotImplementedError


class Wrk(LoadGenerator):
    """wrk with one thread: it is fast enough for one thread to saturate this shop, and every CPU
    cycle it leaves alone is one the server under test can use."""

    def __init__(self, executable: str):
        self.executable = executable
        version = subprocess.run([executable, "--version"], capture_output=True, text=True).stdout
        match = re.search(r"wrk (?:\S*/)?([\d.]+)", version)
        self.name = f"wrk {match.group(1) if match else ''} (1 thread)".replace("  ", " ")
        self.process: subprocess.Popen | None = None

    def run(self, port: int, path: str, seconds: float, connections: int) -> Result:
        command = [self.executable, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
                   "--timeout", "10s", f"http://127.0.0.1:{port}{path}"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            output, _ = self.process.communicate(timeout=seconds + 30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.process = None
        return parse_wrk(output)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()


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
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return Result(requests=int(total.group(1)), seconds=_ms(total.group(2) + total.group(3)) / 1000,
                  p50_ms=_ms(percentiles["50"]), p99_ms=_ms(percentiles["99"]), errors=errors)


class PythonClient(LoadGenerator):
    """Threads, each with one keep-alive connection (http.client), requesting as fast as answers
    come. The client shares the GIL and the two CPUs with nothing else, but it is slower than
    wrk: compare its figures within one run only."""

    name = "Python http.client threads (wrk not found)"

    def run(self, port: int, path: str, seconds: float, connections: int) -> Result:
        deadline = time.perf_counter() + seconds
        latencies: list[list[float]] = [[] for _ in range(connections)]
        errors = [0] * connections
        start = threading.Barrier(connections + 1)

        def worker(index: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            start.wait()
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    connection.request("GET", path, headers={"Connection": "keep-alive"})
                    response = connection.getresponse()
                    response.read()
                    if response.status >= 400:
                        errors[index] += 1
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                except (OSError, http.client.HTTPException):
                    errors[index] += 1
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    continue
                latencies[index].append((time.perf_counter() - began) * 1000)
            connection.close()

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        every = sorted(latency for per_thread in latencies for latency in per_thread)
        return Result(requests=len(every), seconds=elapsed, p50_ms=percentile(every, 50),
                      p99_ms=percentile(every, 99), errors=sum(errors))


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def pick(force_python: bool = False) -> LoadGenerator:
    executable = None if force_python else shutil.which("wrk")
    return Wrk(executable) if executable else PythonClient()
