"""The prompt templates in ``prompts/``, filled with data in delimited blocks.

Clauses and user text are data: each goes into a block (``<clause key="…">…</clause>``,
``<question>…</question>``) and any block tag inside the text itself is neutralised (its ``<``
becomes ``＜``), so no document or message can close a block and speak as the instructions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template

from bot.config import PROJECT_ROOT

PROMPTS_DIR = PROJECT_ROOT / "prompts"
ANSWER = "answer.v1"
REWRITE = "rewrite.v1"
_TAG = re.compile(r"<\s*/?\s*(clause|question|planned_answer|previous_question|previous_answer|message)\b", re.I)
_LANGUAGE = {
    "zh-Hans": "Simplified Chinese",
    "zh-Hant": "Traditional Chinese",
    "en": "English",
}


def data(text: str) -> str:
    """User or document text made safe to put inside a block."""
    return _TAG.sub(lambda m: "＜" + m.group(0)[1:], text.strip())


@dataclass(frozen=True)
class Prompts:
    """The templates in use, read once from ``directory``."""

    answer: Template
    rewrite: Template
    answer_name: str = ANSWER
    rewrite_name: str = REWRITE

    @classmethod
    def load(cls, directory: Path = PROMPTS_DIR) -> Prompts:
        return cls(
            answer=Template((directory / f"{ANSWER}.md").read_text(encoding="utf-8")),
            rewrite=Template((directory / f"{REWRITE}.md").read_text(encoding="utf-8")),
        )

    def for_answer(
        self,
        question: str,
        asked: str,
        plan: str,
        clauses: Sequence[tuple[str, str, str]],
        locale: str,
        max_chars: int,
    ) -> str:
        """The answer writer's prompt; ``clauses`` are (key, document title, full text)."""
        blocks = "\n\n".join(
            f'<clause key="{data(key)}" document="{data(title)}">\n{data(text)}\n</clause>'
            for key, title, text in clauses
        )
        return self.answer.substitute(
            question=data(question),
            asked=asked,
            plan=data(plan),
            clauses=blocks,
            language=_LANGUAGE.get(locale, "Simplified Chinese"),
            max_chars=max_chars,
        )

    def for_rewrite(self, previous_question: str, previous_answer: str, message: str) -> str:
        """The follow-up rewriter's prompt."""
        return self.rewrite.substitute(
            previous_question=data(previous_question),
            previous_answer=data(previous_answer),
            message=data(message),
        )
