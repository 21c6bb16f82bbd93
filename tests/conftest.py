"""Shared fixtures: no network, a private HOME, and one knowledge index built for the session.

- Every connection that is not to loopback or a unix socket is refused, in this process and in
  the CLI subprocesses (through a ``sitecustomize`` on their PYTHONPATH): a Chroma model
  download or a telemetry call fails loudly instead of quietly reaching the internet; an
  attempt that a library catches and hides still fails the session at its end.
- HOME and XDG_CACHE_HOME point at a temporary directory from the start of the session (before
  chromadb is imported: it fixes its model cache path at import time), so a Chroma default
  model cached in the real ``~/.cache/chroma/onnx_models`` cannot be reused; at the end the
  session asserts that no ``onnx_models`` directory was created there.
- POLICYBOT_* variables of the developer's shell are cleared, and settings are built without a
  ``.env`` file, so the suite runs the same everywhere.
- ``services`` is built once (the index takes about ten seconds) and shared by every test.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
KNOWLEDGE = REPO / "knowledge"
OWN_QUESTIONS = REPO / "tests" / "eval" / "questions.yaml"
DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.yaml"
TODAY = date(2026, 11, 21)  # the Jiading opinions expired on 2025-12-31; the Shanghai plan is in force
JIADING = "jiading-livestream-2024"
SHANGHAI = "shanghai-livestream-plan-2024"

_ENV_KEYS = ("HOME", "XDG_CACHE_HOME")
_saved_env: dict[str, str | None] = {}
_private_home: Path | None = None


# ------------------------------------------------------------------------------ network guard


class NetworkBlocked(OSError):
    """Raised for any connection the test suite does not allow."""


def is_local_address(address: Any) -> bool:
    """Loopback (127.0.0.0/8, ::1, localhost) or a unix socket path."""
    if isinstance(address, str | bytes | bytearray):
        return True  # AF_UNIX: a path or an abstract name
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if isinstance(host, bytes | bytearray):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%", 1)[0].lower()
    if host in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


# Documentation addresses (RFC 5737): tests aim at these on purpose to see the guard work.
_TEST_NETS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
# Every other refused attempt, so that one swallowed by a library still fails the session.
refused_attempts: list[str] = []


def _is_test_net(address: Any) -> bool:
    try:
        ip = ipaddress.ip_address(str(address[0]))
    except (ValueError, TypeError, IndexError, KeyError):
        return False
    return any(ip in net for net in _TEST_NETS)


def _refuse(address: Any) -> None:
    if not is_local_address(address):
        if not _is_test_net(address):
            refused_attempts.append(repr(address))
        raise NetworkBlocked(f"test suite: network access refused (connect to {address!r})")


def install_network_guard(patch: Callable[[Any, str, Any], None] = setattr) -> None:
    """Refuse connections to anything but loopback; ``patch`` is setattr or monkeypatch.setattr."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def connect(self: socket.socket, address: Any) -> None:
        _refuse(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _refuse(address)
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _refuse(address)
        return real_create_connection(address, *args, **kwargs)

    patch(socket.socket, "connect", connect)
    patch(socket.socket, "connect_ex", connect_ex)
    patch(socket, "create_connection", create_connection)


# Fixtures that load the real embedding model and Chroma (directly or through another).
_SLOW_FIXTURES = frozenset({"services", "svc", "ask", "cli_env", "run_cli", "chat_env"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that uses the real services, so ``-m "not slow"`` is quick."""
    for item in items:
        if _SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# ------------------------------------------------------------------------- session environment


def pytest_configure(config: pytest.Config) -> None:
    """Private HOME and no POLICYBOT_* settings, before any test module imports chromadb."""
    global _private_home
    _private_home = Path(tempfile.mkdtemp(prefix="policybot-test-home-"))
    for key in _ENV_KEYS:
        _saved_env[key] = os.environ.get(key)
    os.environ["HOME"] = str(_private_home)
    os.environ["XDG_CACHE_HOME"] = str(_private_home / ".cache")
    for key in [k for k in os.environ if k.upper().startswith("POLICYBOT_")]:
        _saved_env[key] = os.environ.pop(key)


def pytest_unconfigure(config: pytest.Config) -> None:
    for key, value in _saved_env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    if _private_home is not None:
        shutil.rmtree(_private_home, ignore_errors=True)


def private_home() -> Path:
    assert _private_home is not None, "pytest_configure has not run"
    return _private_home


@pytest.fixture(scope="session", autouse=True)
def no_network() -> Iterator[None]:
    """No connection leaves the machine; no Chroma default model ever lands in the cache."""
    home = private_home()
    with pytest.MonkeyPatch.context() as mp:
        install_network_guard(mp.setattr)
        yield
    downloaded = [str(p) for p in home.rglob("onnx_models")]
    assert not downloaded, f"Chroma fetched its default embedding model: {downloaded}"
    assert not refused_attempts, f"something tried to reach the network: {refused_attempts}"


# -------------------------------------------------------------------------- the shared index


@pytest.fixture(scope="session")
def built_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def settings(built_data_dir: Path) -> Any:
    from bot.config import Settings

    return Settings(_env_file=None, data_dir=built_data_dir)


@pytest.fixture(scope="session")
def services(settings: Any) -> Any:
    """The real services (Chroma on disk, e5, BM25, jieba) built once for the whole session."""
    from bot.services import build_services

    return build_services(settings)


CITY_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "shanghai-regulations"
# a test that reads the city's regulations of ../shared is skipped where they are not
NEEDS_CITY_CORPUS = pytest.mark.skipif(
    not CITY_CORPUS.is_dir(), reason="the shared corpus is not beside this worktree"
)


def city_services(work: Path, *regulations: str) -> Any:
    """Lexical stand-in services (``fakes.services``: no e5, no Chroma) over these regulations
    of the city's corpus alone, built in ``work``."""
    from fakes.services import fake_services

    documents = work / "documents"
    documents.mkdir()
    for name in regulations:
        shutil.copy(CITY_CORPUS / name, documents / name)
    return fake_services(work / "data", documents=documents)


def office(work: Path, settings: Any, *documents: Path, **more: Any) -> Any:
    """Settings of an office in ``work``: the project's knowledge folder with ``documents``
    added, and a data dir starting from the session's embedding cache (the seeds' vectors)."""
    from bot.config import Settings

    knowledge = work / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    for path in documents:
        shutil.copy(path, knowledge / "documents" / path.name)
    data = work / "data"
    data.mkdir()
    shutil.copy(Path(settings.data_dir) / "embeddings.sqlite3", data / "embeddings.sqlite3")
    return Settings(_env_file=None, data_dir=data, knowledge_dir=knowledge, **more)


def seeds_with(regulations: Iterable[str], work: Path, settings: Any) -> Any:
    """Services over the seeds and these regulations of the city's corpus, built in ``work``
    with real e5 vectors (the seeds' from the session's embedding cache); their passages are
    built by the tests that want them (``run_passages``)."""
    from bot.services import build_services

    paths = [CITY_CORPUS / name for name in regulations]
    return build_services(office(work, settings, *paths, passages_at_once=0))


@pytest.fixture(scope="session")
def ask(services: Any) -> Callable[..., Any]:
    """``ask(question, today=TODAY) -> AskResult``, memoised: the evaluation and the answer
    checks ask the same questions."""
    cache: dict[tuple[str, date], Any] = {}

    def ask_(question: str, today: date = TODAY) -> Any:
        key = (question, today)
        if key not in cache:
            cache[key] = services.qa.ask(question, today)
        return cache[key]

    return ask_


# ------------------------------------------------------------------------------- the CLI


_SITECUSTOMIZE = """\
import importlib.util

_spec = importlib.util.spec_from_file_location("policybot_test_conftest", {conftest!r})
_guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_guard)
_guard.install_network_guard()
"""


@pytest.fixture(scope="session")
def guard_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a sitecustomize that installs the network guard in subprocesses."""
    folder = tmp_path_factory.mktemp("guard")
    (folder / "sitecustomize.py").write_text(
        _SITECUSTOMIZE.format(conftest=str(Path(__file__).resolve())), encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="session")
def cli_env(built_data_dir: Path, guard_path: Path, services: Any) -> dict[str, str]:
    """Environment for CLI subprocesses: the session's data dir (already built) and the guard."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("POLICYBOT_")}
    env["POLICYBOT_DATA_DIR"] = str(built_data_dir)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(guard_path), env.get("PYTHONPATH", "")) if p
    )
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONWARNINGS", None)
    return env


@pytest.fixture(scope="session")
def run_cli(cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Any]:
    """``run_cli(*args, input=bytes|str|None) -> CompletedProcess`` (bytes out, bytes err)."""
    cwd = tmp_path_factory.mktemp("cli-cwd")  # no stray .env from the repo root

    def run(*args: str, input: bytes | str | None = None, timeout: float = 120) -> Any:
        data = input.encode("utf-8") if isinstance(input, str) else input
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            input=data,
            capture_output=True,
            env=cli_env,
            cwd=cwd,
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture()
def svc(services: Any, tmp_path: Path) -> Iterator[Any]:
    """The shared services with a fresh SQLite store of this test's own."""
    from bot.store import Store

    store = Store(tmp_path / "db.sqlite3")
    yield dataclasses.replace(services, store=store)
    store.close()


@pytest.fixture(scope="session")
def chat_env(cli_env: dict[str, str]) -> dict[str, str]:
    """The subprocess environment (with the network guard) without any POLICYBOT_ setting,
    for chat subprocesses that are given their own --data-dir."""
    env = {k: v for k, v in cli_env.items() if not k.upper().startswith("POLICYBOT_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONWARNINGS", None)
    return env


# ------------------------------------------------------------- PostgreSQL (``tests/pg.py``)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """One real PostgreSQL server for the session (stopped at its end). Without the server
    binaries: a failure in CI (``.ci/run`` installs them), a skip with the reason elsewhere."""
    from pg import PgServer

    try:
        server = PgServer.start()
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        reason = f"no PostgreSQL server for the tests: {exc} {detail.decode(errors='replace')}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each store test runs on both backends."""
    return str(request.param)


@pytest.fixture()
def db_location(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Where this test's stores live: a SQLite file of its own, or a fresh PostgreSQL
    database (dropped afterwards, with whatever the test left open on it)."""
    if backend == "sqlite":
        yield tmp_path / "policybot.sqlite3"
        return
    from bot.store.base import Database

    server = request.getfixturevalue("pg_server")
    url = server.fresh_database()
    yield url
    for key, database in list(Database._open.items()):
        if key == url:
            del Database._open[key]
            database._close()
    server.drop(url)
