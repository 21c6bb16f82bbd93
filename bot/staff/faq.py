"""Curated answers: approved staff answers found by meaning and by words, before documents.

A question is compared with every variant of every approved entry two ways: the e5 vectors
(cosine, rescaled from e5's narrow band of ``DENSE_FLOOR``..1 to 0..1) and the character
bigrams of the normalised texts (Dice overlap: the same policy words). The combined score
``DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * keywords`` must reach the threshold
(``POLICYBOT_FAQ_THRESHOLD``); e5 alone rates "直播基地有什么补贴" close to "直播基地补贴去
哪申请", the shared words tell them apart. BM25 is not used here: its scores have no fixed
scale to hold a threshold against.

Questions that share their words but ask for different things ("申请直播补贴需要什么条件"
against "…需要哪些材料") score close on both measures; ``FOCUS`` names what a question asks
for (materials, conditions, time, place, procedure, amount, contact), and a question and a
variant that both name one, and no common one, do not match (score halved).

The amount check: every money amount in a staff answer must appear in a linked clause or in
another approved staff answer; the ones that do not are shown to the approver.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from bot.domain import Citation, Clause, Lang, Option, Reply
from bot.messages import text
from bot.retrieval.tokens import char_bigrams
from bot.staff.store import FaqEntry, StaffStore
from bot.text import normalize, quoted_amounts

DENSE_FLOOR = 0.85
DENSE_WEIGHT = 0.6
DEFAULT_THRESHOLD = 0.55


FOCUS: dict[str, tuple[str, ...]] = {
    "materials": ("材料", "资料", "证明", "documents", "paperwork"),
    "conditions": ("条件", "要求", "资格", "门槛", "eligib", "requirement", "condition"),
    "time": ("什么时候", "时间", "截止", "期限", "哪天", "何时", "when", "deadline"),
    "place": ("窗口", "哪里", "地点", "地址", "在哪", "去哪", "where"),
    "procedure": (
        "流程",
        "步骤",
        "程序",
        "怎么申请",
        "如何申请",
        "怎么办理",
        "how to apply",
        "process",
    ),
    "amount": ("多少钱", "金额", "多少万", "上限", "how much"),
    "contact": ("电话", "联系方式", "联系人", "phone", "contact"),
}


def focus(text: str) -> frozenset[str]:
    """What the question asks for, by cue words (may be several, may be none)."""
    norm = normalize(text)
    return frozenset(name for name, cues in FOCUS.items() if any(c in norm for c in cues))


@dataclass(frozen=True)
class FaqMatch:
    entry: FaqEntry
    score: float
    variant: str


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def similarity(dense_cosine: float, question_bigrams: set[str], variant_bigrams: set[str]) -> float:
    """The combined score of a question against one variant, 0..1."""
    dense = min(1.0, max(0.0, (dense_cosine - DENSE_FLOOR) / (1 - DENSE_FLOOR)))
    return DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * _dice(question_bigrams, variant_bigrams)


class FaqIndex:
    """The approved entries of a ``StaffStore``, searchable; rebuilt when they change."""

    def __init__(
        self, store: StaffStore, embeddings: Embeddings, threshold: float = DEFAULT_THRESHOLD
    ) -> None:
        self._store = store
        self._embeddings = embeddings
        self.threshold = threshold
        self._lock = threading.Lock()
        self._signature: tuple[tuple[int, str], ...] | None = None
        self._rows: list[tuple[FaqEntry, str, list[float], set[str], frozenset[str]]] = []

    def refresh(self) -> list[tuple[FaqEntry, str, list[float], set[str], frozenset[str]]]:
        """Read the approved entries (the turn owner does, before the turn's stage runs)."""
        entries = self._store.faqs("approved")
        signature = tuple((e.id, e.updated_at) for e in entries)
        with self._lock:
            if signature != self._signature:
                rows = []
                for entry in entries:
                    for variant in entry.variants:
                        # e5's "query:" side for both: question against question is symmetric
                        vector = self._embeddings.embed_query(normalize(variant))
                        rows.append(
                            (entry, variant, vector, set(char_bigrams(variant)), focus(variant))
                        )
                self._rows, self._signature = rows, signature
            else:  # the same entries; take the fresh rows for their hit counts
                by_id = {e.id: e for e in entries}
                self._rows = [(by_id[r[0].id], *r[1:]) for r in self._rows]
            return self._rows

    def search(self, question: str, k: int = 3, read: bool = True) -> list[FaqMatch]:
        """The best approved entries for ``question``, best first, whatever their score;
        ``read=False`` searches the entries of the last ``refresh`` (no I/O)."""
        rows = self.refresh() if read else self._rows
        if not rows or not question.strip():
            return []
        vector = self._embeddings.embed_query(normalize(question))
        grams = set(char_bigrams(question))
        asks = focus(question)
        best: dict[int, FaqMatch] = {}
        for entry, variant, vec, variant_grams, variant_asks in rows:
            score = similarity(_cosine(vector, vec), grams, variant_grams)
            if asks and variant_asks and not asks & variant_asks:
                score /= 2
            if entry.id not in best or score > best[entry.id].score:
                best[entry.id] = FaqMatch(entry, score, variant)
        return sorted(best.values(), key=lambda m: -m.score)[:k]

    def match(self, question: str, read: bool = True) -> FaqMatch | None:
        """The approved entry that answers ``question``, when one scores above the threshold."""
        found = self.search(question, 1, read)
        return found[0] if found and found[0].score >= self.threshold else None


# ------------------------------------------------------------------------- the answer


def citation(clause: Clause) -> Citation:
    return Citation.of(clause)


def faq_reply(
    entry: FaqEntry, clauses: Mapping[str, Clause], lang: Lang, options: tuple[Option, ...] = ()
) -> Reply:
    """The curated answer as a reply: marked as a staff answer with its date, then the clauses
    it rests on (quoted in full as citations)."""
    linked = [clauses[k] for k in entry.clause_keys if k in clauses]
    on = entry.answered_on
    lines = [text("staff.curated", lang, date=on), entry.answer]
    if linked:
        named = (
            "；".join(f"《{c.doc_title}》{c.clause}" for c in linked)
            if lang == "zh"
            else "; ".join(f"{c.doc_title} {c.clause}" for c in linked)
        )
        lines.append(text("staff.based_on", lang, clauses=named))
    return Reply(
        "\n".join(lines),
        options=options,
        citations=tuple(citation(c) for c in linked),
        data={"staff_answer": {"faq_id": entry.id, "date": on}},
    )


# ------------------------------------------------------------------------- amounts


def unverified_amounts(answer: str, sources: Iterable[str]) -> list[str]:
    """The amounts of ``answer`` that none of ``sources`` (clause texts, approved answers) has."""
    known = {value for source in sources for _, value in quoted_amounts(source)}
    out: list[str] = []
    for written, value in quoted_amounts(answer):
        if value not in known and written not in out:
            out.append(written)
    return out


def amount_sources(
    clause_keys: Iterable[str], clauses: Mapping[str, Clause], store: StaffStore, skip: int = 0
) -> list[str]:
    """What an answer's amounts may come from: its linked clauses and the approved answers
    whose amounts were checked (every one found in its clauses, or confirmed by staff)."""
    texts = [clauses[k].text for k in clause_keys if k in clauses]
    for entry in store.faqs("approved"):
        if entry.id != skip and (entry.amounts_confirmed or not entry.unverified_amounts):
            texts.append(entry.answer)
    return texts
