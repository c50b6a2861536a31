"""Load-test pieces shared by the web benchmarks: gunicorn on loopback, keep-alive clients, timed load."""
from __future__ import annotations

import http.client
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on loopback; the same settings for tracker and the baseline."""

    def __init__(self, app: str, env: dict, cwd: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--threads", "8", "--worker-class", "gthread", "--keep-alive", "30",
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", app],
            env=env, cwd=cwd,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{app} did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


class Client:
    """One user with a keep-alive connection and a session cookie."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.csrf = ""

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        all_headers = {"Cookie": self.cookie, **(headers or {})}
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.csrf:
            all_headers["X-CSRFToken"] = self.csrf
        try:
            self.connection.request(method, path, body=data, headers=all_headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection: reconnect once.
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=data, headers=all_headers)
            response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, text

    def log_in(self, email: str, password: str) -> None:
        _status, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/login", {"email": email, "password": password, "csrf_token": token})
        assert status == 303, f"login failed: {status}"
        status, page = self.request("GET", "/")
        if status in (302, 303):  # contacts go to Mina åtaganden
            status, page = self.request("GET", "/mina-ataganden")
        match = re.search(r'"X-CSRFToken": "([^"]+)"', page)
        self.csrf = match.group(1) if match else ""


def run_load(name: str, clients: list[Client], action, seconds: float) -> list[float]:
    """Each client repeats `action(client, i)` until time is up; return latencies (ms)."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    errors: list[str] = []

    def worker(client: Client, index: int) -> None:
        local, n = [], 0
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            status = action(client, index, n)
            local.append((time.perf_counter() - t0) * 1000)
            if status != 200:  # a redirect would mean a login page or a plain-POST answer: not what is measured
                errors.append(f"{name}: HTTP {status}")
            n += 1
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} errors, first: {errors[0]}")
    return latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]
