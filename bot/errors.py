"""The assistant's exceptions; each carries a message that is safe to show a user.

PolicyBotError
├── BadInput        the user's message cannot be used (empty, too long, binary)
├── KnowledgeError  a document or rule file is malformed (an operator's problem)
└── ServiceError    a backing service (vector store, LLM, Telegram) failed
    ├── StoreBusy   a session kept changing under a turn (concurrent writers)
    └── StoreUnavailable  the database cannot be written (disk full, locked by another program)
"""

from __future__ import annotations


class PolicyBotError(Exception):
    """Base class: ``user_message`` may be shown to a user, ``str(exc)`` is for logs."""

    user_message = (
        "抱歉，处理您的请求时出错了，请稍后再试。 / Sorry, something went wrong; please try again."
    )

    def __init__(self, detail: str = "", user_message: str | None = None) -> None:
        super().__init__(detail or self.user_message)
        if user_message is not None:
            self.user_message = user_message


class BadInput(PolicyBotError):
    """The user's message cannot be used as it is."""

    user_message = (
        "抱歉，我没能读懂这条消息，请换个说法再问。 / Sorry, I could not read that message."
    )


class KnowledgeError(PolicyBotError):
    """A document or rule file under knowledge/ is malformed."""

    user_message = "知识库暂时不可用，请稍后再试。 / The knowledge base is unavailable right now."


class ServiceError(PolicyBotError):
    """A backing service failed."""


class StoreBusy(ServiceError):
    """A session was saved by somebody else during every attempt of a turn."""


class StoreUnavailable(ServiceError):
    """The database could not be written: the disk is full, or another program holds a lock."""
