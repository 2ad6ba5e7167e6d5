"""Real server processes for deployment tests: gunicorn from ``gunicorn.conf.py`` and a Celery worker.

Each runs in its own session, so that stopping or killing it reaches its children too.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.deploy.runtime_modules import BASE_DIR


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(interval)


class Process:
    def __init__(self, args: list[str], *, env: dict[str, str], log: Path):
        self.args, self.env, self.log = args, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> "Process":
        with self.log.open("a") as out:
            self.popen = subprocess.Popen(
                self.args, cwd=BASE_DIR, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Send ``sig`` to the process alone (a SIGKILL to a gunicorn worker, say, leaves its arbiter)."""
        os.kill(self.popen.pid, sig)

    def stop(self, *, timeout: float = 30) -> None:
        if not self.running():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()


class Gunicorn(Process):
    """gunicorn serving the project from ``gunicorn.conf.py``, as deployed, on a free loopback port."""

    def __init__(self, *, env: dict[str, str], log: Path, workers: int = 3, threads: int = 4, extra: tuple = ()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}"]
        super().__init__([*args, "--workers", str(workers), "--threads", str(threads), *extra], env=env, log=log)

    def start(self) -> "Gunicorn":
        super().start()

        def answers() -> bool:
            if not self.running():
                raise AssertionError(f"gunicorn exited:\n{self.output()}")
            try:
                return requests.get(f"{self.base}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        try:
            wait_for(answers, timeout=60, what="gunicorn serving /healthz")
        except BaseException:
            self.stop()  # the caller never got the server to stop
            raise
        return self

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children").read_text().split()
        return [int(pid) for pid in children]


def app_env(**overrides: str) -> dict[str, str]:
    """The caller's environment less its Django and Celery settings, plus ``overrides``."""
    prefixes = ("DJANGO_", "CELERY_", "DATABASE_", "REDIS_", "IMPORT_", "GUNICORN_", "WEB_CONCURRENCY")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    return env | overrides
