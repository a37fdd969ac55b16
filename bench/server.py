"""A gunicorn server for a benchmark: started on a free loopback port, always stopped."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN = BASE_DIR / ".venv" / "bin" / "gunicorn"


def free_port() -> int:
    """A TCP port nobody listens on right now on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, *, token: str | None = None, timeout: float = 10) -> tuple[int, bytes]:
    """GET ``url``; (status, body), also for error statuses."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def http_get_json(url: str, *, token: str | None = None) -> tuple[int, object]:
    status, body = http_get(url, token=token)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body[:200].decode("utf-8", "replace")


class GunicornServer:
    """``gunicorn config.wsgi`` with ``workers`` sync workers, as a context manager.

    It runs in its own process group, which is killed on exit whatever happened.
    ``environment`` is added to this process's environment (DATABASE_URL, settings…).
    """

    def __init__(self, *, workers: int, environment: dict[str, str], log_path: Path):
        self.workers = workers
        self.environment = environment
        self.log_path = log_path
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    @property
    def pgid(self) -> int:
        """gunicorn leads its own session, so its process group id is its pid."""
        return self.process.pid

    def __enter__(self) -> GunicornServer:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(GUNICORN),
            "config.wsgi:application",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--chdir",
            str(BASE_DIR),
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log_path),
            "--no-control-socket",
        ]
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env={**os.environ, **self.environment},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait_until_serving(self, path: str, *, token: str, timeout: float = 30) -> None:
        """Wait until ``path`` answers (any HTTP status); fail with the server log otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with status {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                http_get(self.base_url + path, token=token, timeout=5)
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __exit__(self, *exc_info) -> None:
        if self.process is None:
            return
        pgid = self.pgid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # Any worker that outlived its master goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
