"""Settings: the only place that reads the environment and `.env` (prefix ``POLICYBOT_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting of the assistant; `.env.example` lists exactly these."""

    model_config = SettingsConfigDict(
        env_prefix="POLICYBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,  # "POLICYBOT_STAFF_CHAT_ID=" as in .env.example means the default
    )

    # Where the vector index, jieba's cache and the SQLite database live.
    data_dir: Path = Path("./data")
    # Every store (conversations, inbox and outbox, staff desk, console accounts) in one
    # PostgreSQL database, shared by several workers: postgresql://user:password@host/db.
    # Empty: SQLite files in the data directory.
    database_url: SecretStr | None = None
    # Where the policy documents and the eligibility rules are kept.
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    # Chroma: embedded on disk unless a server host is given.
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_collection: str = "policy_clauses"
    # Retrieval tuning.
    top_k: int = 5
    # Threads for the embedder: one keeps a question's embedding fast when several chats are
    # answered at once (more threads mostly wait on each other on a small machine).
    embed_threads: int = 1
    # Characters of passages of long articles (``bot.knowledge.passages``) a command embeds
    # before its first answer when the index in service has none yet (the provinces' 43
    # documents: 214,000, about two minutes on two cores); more are embedded in a thread by a
    # serving channel, else left to `policybot ingest`. 0: never wait for them.
    passages_at_once: int = 400_000
    # Telegram.
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    staff_chat_id: int | None = None
    staff_user_ids: list[int] = []
    # Staff triage: office hours (Asia/Shanghai, working days per China's holiday schedule),
    # the score a curated answer needs to be used, and how long the question log is kept.
    staff_office_hours: str = "09:00-17:30"
    faq_threshold: float = 0.55
    log_retention_days: int = 180
    # Long enough for a slow Telegram: a reply whose request timed out may have been
    # delivered, so it is sent again at most once.
    telegram_read_timeout: float = 30.0
    # How long an undelivered reply is retried (outages, 5xx) before it is given up.
    telegram_retry_hours: float = 6.0
    # Pacing of sent messages (0 switches a limit off): all chats together (per second), one
    # private chat (per second, in bursts of up to 3), one group (per minute).
    telegram_rate_overall: float = 30.0
    telegram_rate_chat: float = 1.0
    telegram_rate_group: float = 20.0
    # Per-user flood limit: at most this many messages in the window.
    flood_max_messages: int = 8
    flood_window_seconds: float = 10.0
    # WeChat Official Account (服务号): the account's AppID and AppSecret (for the access token
    # of the customer-service API and the menu), the server configuration's Token and
    # EncodingAESKey (empty: plaintext mode), the API root, where the message server listens,
    # and whether late and extra messages may go out through the customer-service API.
    wechat_app_id: str | None = None
    wechat_app_secret: SecretStr | None = None
    wechat_token: SecretStr | None = None
    wechat_aes_key: SecretStr | None = None
    wechat_api_url: str = "https://api.weixin.qq.com"
    wechat_listen: str = "127.0.0.1"
    wechat_port: int = 8080
    wechat_path: str = "/wechat"
    wechat_customer_service: bool = False
    log_level: str = "WARNING"
    # "json": one JSON object a line (time, level, logger, message; chats and personal
    # numbers masked), for a log collector; "text" (default): lines for people.
    log_format: Literal["text", "json"] = "text"
    # The ops endpoints of a long-running command (/healthz, /readyz, /metrics): off unless a
    # port is given; bind 0.0.0.0 only where the network in front is private (a container).
    ops_port: int | None = None
    ops_listen: str = "127.0.0.1"
    # The staff web console (`policybot console`): where it listens (behind an HTTPS reverse
    # proxy for anything but this machine), whether its cookie is marked Secure (set it when
    # the proxy serves HTTPS), how long a login lasts, the lockout after wrong passwords, and
    # the largest document upload.
    console_listen: str = "127.0.0.1"
    console_port: int = 8780
    console_https: bool = False
    console_session_hours: float = 12.0
    console_lockout_failures: int = 5
    console_lockout_minutes: float = 15.0
    console_upload_mb: int = 20
    # The optional language model (any OpenAI-compatible server): it words answers and
    # rewrites follow-ups, behind the guard; unset base URL or model means no model at all.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    # Seconds the model may take before the assistant answers without it (WeChat waits 5 s).
    llm_timeout: float = 3.0
    max_document_mb: float = 20.0

    @field_validator("database_url")
    @classmethod
    def _postgresql_url(cls, value: SecretStr | None) -> SecretStr | None:
        url = value.get_secret_value().strip() if value else ""
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("empty (SQLite files) or a postgresql://user:password@host/db URL")
        return value

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "policybot.sqlite3"

    @property
    def db_location(self) -> Path | str:
        """Where the stores live: the PostgreSQL URL when one is set, else the SQLite file."""
        url = self.database_url.get_secret_value().strip() if self.database_url else ""
        return url or self.db_path

    def store_location(self, file_name: str) -> Path | str:
        """A store of its own file under SQLite (``console.sqlite3``), the one database
        under PostgreSQL."""
        url = self.db_location
        return url if isinstance(url, str) else self.data_dir / file_name

    @property
    def staff_db_path(self) -> Path:
        """Staff data (tickets, curated answers): tables of the conversation database, so
        that a turn's staff writes share its transaction (``staff.sqlite3`` is taken over)."""
        return self.db_path

    @property
    def documents_dir(self) -> Path:
        return self.knowledge_dir / "documents"
