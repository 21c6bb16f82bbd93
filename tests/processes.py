"""`policybot` commands in processes of their own, for tests of what runs as a service."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx
from fakes.wechat import FakeWeChatAPI
from test_wechat import APP_ID, SECRET, TOKEN


def wechat_env(env: dict[str, str], api: FakeWeChatAPI, port: int, ops_port: int) -> dict[str, str]:
    """``env`` with the settings of `policybot wechat` against the fake WeChat ``api``."""
    return {
        **env,
        "POLICYBOT_WECHAT_APP_ID": APP_ID,
        "POLICYBOT_WECHAT_APP_SECRET": SECRET,
        "POLICYBOT_WECHAT_TOKEN": TOKEN,
        "POLICYBOT_WECHAT_API_URL": api.url,
        "POLICYBOT_WECHAT_PORT": str(port),
        "POLICYBOT_OPS_PORT": str(ops_port),
    }


@contextlib.contextmanager
def policybot(
    args: Sequence[str],
    env: dict[str, str],
    cwd: Path,
    ready: Callable[[], bool],
    timeout: float = 120.0,
) -> Iterator[Path]:
    """`policybot ARGS` until the block ends; yields its log once ``ready()`` is true (a
    connection refused counts as not yet). Fails with the log's tail if the process exits."""
    log = cwd / f"{args[0]}.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args], env=env, cwd=cwd, stdout=handle, stderr=handle
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, f"policybot {args[0]} did not start"
            with contextlib.suppress(httpx.TransportError):
                if ready():
                    break
            time.sleep(0.2)
        yield log
    finally:
        process.terminate()
        process.wait(30)
