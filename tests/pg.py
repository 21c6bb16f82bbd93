"""A real PostgreSQL server for the tests: Debian's server binaries on a temporary directory.

``PgServer.start()`` runs ``initdb`` and ``pg_ctl`` (as the ``postgres`` user when the tests
run as root: PostgreSQL refuses to run as root) on a free loopback port, with password
authentication, and ``fresh_database()`` gives each test an empty database of its own.
``POLICYBOT_TEST_DATABASE_URL`` (a server you run yourself; its user may create databases)
is used instead when set.

Without the binaries the server cannot start: outside CI the tests that need it are skipped
with the reason; in CI (``CI`` set) they fail, and ``.ci/run`` installs ``postgresql``.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

PASSWORD = "test-" + secrets.token_hex(8)


def binaries() -> Path | None:
    """The directory of Debian's PostgreSQL server binaries (the newest), if installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


@dataclass
class PgServer:
    """One server for the test session, or the server of ``POLICYBOT_TEST_DATABASE_URL``."""

    url: str  # the maintenance database (postgres), with the password
    directory: Path | None = None
    owner: str | None = None
    bin_dir: Path | None = None
    _count: int = field(default=0)

    @classmethod
    def start(cls) -> PgServer:
        given = os.environ.get("POLICYBOT_TEST_DATABASE_URL")
        if given:
            return cls(url=given)
        bin_dir = binaries()
        if bin_dir is None:
            raise FileNotFoundError(
                "PostgreSQL's server binaries are missing (/usr/lib/postgresql/*/bin/initdb): "
                "apt-get install postgresql, or set POLICYBOT_TEST_DATABASE_URL"
            )
        owner = "postgres" if os.geteuid() == 0 else None
        directory = Path(tempfile.mkdtemp(prefix="policybot-pg-"))
        if owner:
            shutil.chown(directory, owner)
        pwfile = directory / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if owner:
            shutil.chown(pwfile, owner)
        data = directory / "data"
        subprocess.run(
            _as_owner(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8",
                 "--locale=C", "--auth=scram-sha-256", f"--pwfile={pwfile}", "--no-sync"],
                owner,
            ),
            check=True, capture_output=True,
        )  # fmt: skip
        port = free_port()
        options = (
            f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            _as_owner(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "30",
                 "-l", str(directory / "log"), "start"],
                owner,
            ),
            check=True, capture_output=True,
        )  # fmt: skip
        url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/postgres"
        return cls(url=url, directory=directory, owner=owner, bin_dir=bin_dir)

    def url_for(self, name: str) -> str:
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def fresh_database(self, prefix: str = "t") -> str:
        """A new, empty database; its URL."""
        self._count += 1
        name = f"{prefix}_{os.getpid()}_{self._count}_{secrets.token_hex(3)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url_for(name)

    def drop(self, url: str) -> None:
        """Drop a database made by ``fresh_database`` (its connections are ended first)."""
        name = urllib.parse.urlsplit(url).path.lstrip("/")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.directory is None or self.bin_dir is None:
            return
        subprocess.run(
            _as_owner(
                [str(self.bin_dir / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast",
                 "-w", "stop"],
                self.owner,
            ),
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.directory, ignore_errors=True)
