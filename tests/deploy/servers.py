"""Throwaway PostgreSQL and Redis servers of a test's own, on free loopback ports, to stop and start at will.

The shared servers the suite runs against are never touched. PostgreSQL
refuses to run as root: as root, its programs run as the ``postgres`` OS user.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg

from tests.deploy.processes import free_port, wait_for

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_OS_USER = "postgres"


def available() -> str | None:
    """Why these servers cannot run here, or ``None``."""
    if not (PG_BIN / "initdb").exists():
        return f"no PostgreSQL programs in {PG_BIN}"
    if shutil.which("redis-server") is None:
        return "no redis-server"
    return None


class ThrowawayPostgres:
    def __init__(self, directory: Path):
        self.directory = directory
        self.data = directory / "data"
        self.socket_dir = directory / "socket"
        self.port = free_port()

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", PG_OS_USER, "--", *command]
        subprocess.run(command, check=True, cwd="/", capture_output=True, timeout=120)

    def init(self) -> "ThrowawayPostgres":
        self.socket_dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, user=PG_OS_USER)
            shutil.chown(self.socket_dir, user=PG_OS_USER)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-E", "UTF8", "--locale=C", "--auth=trust", "-N")
        (self.data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        return self

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} -c fsync=off"
        options += " -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.directory / "postgres.log"), "-w", "-o", options, "start"
        )

    def stop(self) -> None:
        """A fast shutdown: every session is ended, open transactions roll back."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str, **kwargs) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, **kwargs)

    def create_database(self, name: str) -> None:
        with self.connect("postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')


class ThrowawayRedis:
    """redis-server saving to its own directory on shutdown, so a restart finds what it held."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "ThrowawayRedis":
        self.directory.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.directory)]
        args += ["--save", "3600 1", "--appendonly", "no", "--logfile", str(self.directory / "redis.log")]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, timeout=30, what="redis-server answering")
        return self

    def answers(self) -> bool:
        result = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
        return result.stdout.strip() == "PONG"

    def stop(self) -> None:
        """SIGTERM: Redis saves its data set and exits."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


def wait_until_refused(port: int, *, timeout: float = 30) -> None:
    import socket

    def refused() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) != 0

    wait_for(refused, timeout=timeout, what=f"port {port} closing")
    time.sleep(0.1)
