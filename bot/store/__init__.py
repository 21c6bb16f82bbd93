"""Persistence: one machinery (``database``) for every SQLite file, the conversation store
(``conversations``: sessions, channel tables) and the one question log (``questions``).

``from bot.store import Store, StoreTx`` is what channels and the turn use.
"""

from bot.store import questions
from bot.store.conversations import SCHEMA_VERSION, Store, StoreTx, session_from_raw
from bot.store.database import BUSY_TIMEOUT_S, Database, Step, private_dir
from bot.store.questions import LoggedQuestion, LogRow

__all__ = [
    "BUSY_TIMEOUT_S",
    "SCHEMA_VERSION",
    "Database",
    "LogRow",
    "LoggedQuestion",
    "Step",
    "Store",
    "StoreTx",
    "private_dir",
    "questions",
    "session_from_raw",
]
