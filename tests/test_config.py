"""Settings: `.env.example` lists exactly the settings, the environment is read with the
POLICYBOT_ prefix, and secrets are SecretStr."""

from __future__ import annotations

import re
import shutil
import typing
from pathlib import Path

import pytest
from conftest import REPO
from pydantic import SecretStr

from bot.config import PROJECT_ROOT, Settings

ENV_EXAMPLE = REPO / ".env.example"
LINE = re.compile(r"^(POLICYBOT_[A-Z0-9_]+)=(.*)$")
SECRET_WORDS = ("token", "key", "secret", "password")


def example_entries() -> list[tuple[str, str, list[str]]]:
    """(name, value, comment lines just above) for each setting line of .env.example."""
    entries: list[tuple[str, str, list[str]]] = []
    comments: list[str] = []
    for raw in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            comments = []
        elif line.startswith("#"):
            comments.append(line)
        else:
            match = LINE.match(line)
            assert match, f"not a POLICYBOT_NAME=value line: {raw!r}"
            entries.append((match.group(1), match.group(2), comments))
            comments = []
    return entries


def env_name(field: str) -> str:
    return "POLICYBOT_" + field.upper()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No POLICYBOT_* variables and a working directory without .env."""
    import os

    for key in [k for k in os.environ if k.upper().startswith("POLICYBOT_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_env_example_lists_exactly_the_settings() -> None:
    names = [name for name, _, _ in example_entries()]
    assert len(names) == len(set(names)), "a setting is listed twice"
    assert set(names) == {env_name(f) for f in Settings.model_fields}


def test_env_example_has_a_comment_for_each_setting() -> None:
    for name, _, comments in example_entries():
        assert comments, f"{name} has no comment line above it"


def test_env_example_leaves_secrets_empty() -> None:
    values = {name: value for name, value, _ in example_entries()}
    for field in secret_fields():
        assert values[env_name(field)] == "", f"{env_name(field)} must be empty in .env.example"


def test_env_example_values_are_the_defaults(clean_env: Path) -> None:
    # Copying .env.example to .env must give the same settings as no .env at all.
    shutil.copy(ENV_EXAMPLE, clean_env / ".env")
    from_example = Settings()
    defaults = Settings(_env_file=None)
    assert from_example.model_dump() == defaults.model_dump()


def test_settings_read_the_environment(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(clean_env / "somewhere"))
    monkeypatch.setenv("POLICYBOT_TOP_K", "7")
    monkeypatch.setenv("POLICYBOT_STAFF_USER_IDS", "[1, 2]")
    settings = Settings(_env_file=None)
    assert settings.data_dir == clean_env / "somewhere"
    assert settings.chroma_dir == clean_env / "somewhere" / "chroma"
    assert settings.db_path.parent == clean_env / "somewhere"
    assert settings.top_k == 7
    assert settings.staff_user_ids == [1, 2]


def test_settings_read_a_dotenv_file(clean_env: Path) -> None:
    (clean_env / ".env").write_text("POLICYBOT_CHROMA_PORT=9001\nPOLICYBOT_LOG_LEVEL=INFO\n", encoding="utf-8")
    settings = Settings()
    assert settings.chroma_port == 9001
    assert settings.log_level == "INFO"


def test_defaults(clean_env: Path) -> None:
    settings = Settings(_env_file=None)
    assert settings.data_dir == Path("data")
    assert settings.knowledge_dir == PROJECT_ROOT / "knowledge"
    assert settings.documents_dir == PROJECT_ROOT / "knowledge" / "documents"
    assert settings.chroma_host is None
    assert settings.telegram_token is None


def secret_fields() -> list[str]:
    return [f for f in Settings.model_fields if any(w in f for w in SECRET_WORDS)]


def test_token_fields_are_secret() -> None:
    fields = secret_fields()
    assert {"telegram_token", "telegram_webhook_secret"} <= set(fields)
    for field in fields:
        annotation = Settings.model_fields[field].annotation
        assert SecretStr in typing.get_args(annotation) or annotation is SecretStr, field


def test_secrets_are_not_shown(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_TELEGRAM_TOKEN", "123456:very-secret-token")
    monkeypatch.setenv("POLICYBOT_TELEGRAM_WEBHOOK_SECRET", "very-secret-webhook")
    settings = Settings(_env_file=None)
    assert isinstance(settings.telegram_token, SecretStr)
    assert settings.telegram_token.get_secret_value() == "123456:very-secret-token"
    for shown in (repr(settings), str(settings), str(settings.model_dump())):
        assert "very-secret" not in shown
