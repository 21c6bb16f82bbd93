"""The optional language model: words a planned answer, rewrites a follow-up, never decides.

Off unless ``POLICYBOT_LLM_BASE_URL`` and ``POLICYBOT_LLM_MODEL`` are set: ``writer_from_settings``
then returns ``None`` and no model code is imported or run. With a model, ``AnswerWriter.word``
returns a ``Worded`` answer only when the guard finds nothing wrong with it; every other outcome
(a failed check, a timeout, a rate limit, a server error, malformed output) is a ``Fallback``
with its reason, and the caller keeps the assistant's own extractive answer.

The model is reached through ``langchain-openai``'s ``ChatOpenAI`` with a base URL, so any
OpenAI-compatible server serves (DeepSeek, Qwen through DashScope, vLLM, Ollama). Its own
retries are off: one try within ``llm_timeout`` seconds, bounded again by a wall clock here,
so that a channel with a deadline (WeChat waits 5 s) still gets its answer in time.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from bot.llm.guard import Sources, check
from bot.llm.prompts import Prompts

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from bot.config import Settings

_log = logging.getLogger(__name__)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
MAX_CHARS = {"en": 420, "zh-Hans": 180, "zh-Hant": 180}


class _AnswerOut(BaseModel):
    answer: str
    citations: list[str]


class _RewriteOut(BaseModel):
    question: str


@dataclass(frozen=True)
class Draft:
    """What the answer writer is given: the question and the assistant's own plan."""

    question: str
    locale: str  # zh-Hans | zh-Hant | en
    asked: str  # what the question asks: amount, date, who, yes_no, ...
    plan: str  # the extractive answer's lead lines
    clauses: Sequence[tuple[str, str, str]]  # (key, document title, full text), as retrieved
    sources: Sources


@dataclass(frozen=True)
class Worded:
    """A model's wording that passed the guard."""

    text: str
    cited: tuple[str, ...]
    prompt: str  # the template version, for the log


@dataclass(frozen=True)
class Fallback:
    """Why the extractive answer is used: timeout, rate_limited, error, malformed, guard."""

    reason: str
    detail: str = ""


class AnswerWriter:
    """Words answers and rewrites follow-ups with a chat model, behind the guard."""

    def __init__(
        self,
        chat: BaseChatModel,
        timeout: float,
        prompts: Prompts | None = None,
    ) -> None:
        self.chat = chat
        self.timeout = timeout
        self.prompts = prompts or Prompts.load()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="llm")
        self._lock = threading.Lock()
        # What became of each answer this process asked the model to word ("model",
        # "fallback:<reason>"), for `policybot eval`; the question log keeps them for `stats`.
        self.outcomes: Counter[str] = Counter()

    def summary(self) -> str:
        """One line: how many answers the model worded and why the others fell back."""
        with self._lock:
            worded = self.outcomes["model"]
            fallbacks = {k.split(":", 1)[1]: v for k, v in self.outcomes.items() if k != "model"}
        why = ", ".join(f"{k} {v}" for k, v in sorted(fallbacks.items()))
        return (
            f"language model: {worded} worded, {sum(fallbacks.values())} fell back"
            + (f" ({why})" if why else "")
        )

    def _count(self, outcome: Worded | Fallback) -> Worded | Fallback:
        key = "model" if isinstance(outcome, Worded) else f"fallback:{outcome.reason}"
        with self._lock:
            self.outcomes[key] += 1
        if isinstance(outcome, Fallback):
            _log.info("language model not used (%s): %s", outcome.reason, outcome.detail)
        return outcome

    def word(self, draft: Draft) -> Worded | Fallback:
        """The model's wording of ``draft``, or why the extractive answer stays."""
        return self._count(self._word(draft))

    def _word(self, draft: Draft) -> Worded | Fallback:
        prompt = self.prompts.for_answer(
            draft.question,
            draft.asked,
            draft.plan,
            draft.clauses,
            draft.locale,
            MAX_CHARS.get(draft.locale, 180),
        )
        raw = self._complete(prompt)
        if isinstance(raw, Fallback):
            return raw
        try:
            out = _AnswerOut.model_validate(_json(raw))
        except (ValueError, ValidationError) as exc:
            return Fallback("malformed", str(exc)[:120])
        text = out.answer.strip()
        if not text:
            return Fallback("malformed", "empty answer")
        problems = check(text, out.citations, draft.sources)
        if problems:
            return Fallback("guard", "; ".join(str(p) for p in problems)[:300])
        return Worded(text, tuple(dict.fromkeys(out.citations)), self.prompts.answer_name)

    def rewrite(self, previous_question: str, previous_answer: str, message: str) -> str | Fallback:
        """``message`` as a standalone question, or why it cannot be had."""
        raw = self._complete(self.prompts.for_rewrite(previous_question, previous_answer, message))
        if isinstance(raw, Fallback):
            return raw
        try:
            question = _RewriteOut.model_validate(_json(raw)).question.strip()
        except (ValueError, ValidationError) as exc:
            return Fallback("malformed", str(exc)[:120])
        if not question or len(question) > 4 * max(len(message), 60):
            return Fallback("malformed", "rewrite empty or too long")
        return question

    def _complete(self, prompt: str) -> str | Fallback:
        future = self._pool.submit(self.chat.invoke, prompt)
        try:
            message = future.result(timeout=self.timeout + 0.5)
        except FutureTimeout:
            return Fallback("timeout", f"no answer within {self.timeout:g} s")
        except Exception as exc:  # the client's errors, mapped to a reason for the log
            return _failure(exc)
        content = message.content
        return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _json(raw: str) -> Any:
    return json.loads(_FENCE.sub("", raw.strip()))


def _failure(exc: Exception) -> Fallback:
    name = type(exc).__name__
    if "Timeout" in name:
        return Fallback("timeout", name)
    if "RateLimit" in name or getattr(exc, "status_code", None) == 429:
        return Fallback("rate_limited", name)
    if isinstance(exc, ValueError | json.JSONDecodeError):
        return Fallback("malformed", name)
    return Fallback("error", f"{name}: {str(exc)[:120]}")


def writer_from_settings(settings: Settings) -> AnswerWriter | None:
    """The writer the settings ask for, or ``None`` (no model code imported) when unset."""
    if not settings.llm_base_url or not settings.llm_model:
        return None
    from langchain_openai import ChatOpenAI  # deferred: only a configured model loads it

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "none"
    chat = ChatOpenAI(
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        api_key=key,  # type: ignore[arg-type]
        timeout=settings.llm_timeout,
        max_retries=0,
        temperature=0,
    )
    _log.info("language model on: %s at %s", settings.llm_model, settings.llm_base_url)
    return AnswerWriter(chat, settings.llm_timeout)
