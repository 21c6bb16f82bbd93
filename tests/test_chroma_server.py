"""The vector store as a Chroma server (HttpClient), the deployment option next to the
embedded default: a real `chroma run` on 127.0.0.1, started by a fixture."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.services import build_services

CHROMA = Path(sys.executable).with_name("chroma")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


pytestmark = pytest.mark.slow  # a Chroma server and the real e5 model

@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not CHROMA.exists() and shutil.which("chroma") is None:
        pytest.skip("the chroma server command is not installed")
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    process = subprocess.Popen(
        [
            str(CHROMA if CHROMA.exists() else "chroma"),
            "run",
            "--path",
            str(tmp_path_factory.mktemp("chroma-server")),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("the chroma server did not start")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_index_and_answers_through_a_chroma_server(chroma_server: int, tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=chroma_server
    )
    services = build_services(settings)
    assert services.ingest_report.added, "a new server gets the whole index"
    assert not (tmp_path / "chroma").exists(), "nothing is stored on local disk"
    answer = services.qa.ask("人才租房补贴每月多少，能补几年", date(2026, 11, 21)).answer
    assert "3000" in answer.text and answer.citations[0].clause == "（十一）"

    again = build_services(settings)
    assert again.ingest_report.unchanged and not again.ingest_report.changed
