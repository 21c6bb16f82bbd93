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

An English question and a Chinese entry share no characters, and e5 puts them in a lower
band of cosines (about 0.76..0.87 for these pairs): the question is bridged into the
documents' words through the glossary's English section (``knowledge/glossary.yaml``) and
the Chinese cue of what it asks; the share of those terms found in the variant stands for
the keyword measure, and the cosine is rescaled from ``CROSS_FLOOR``. ``SPECIFIC`` kinds of
time (a deadline, a payout) tell "什么时候截止" from "什么时候发放", and ``benefit`` ("有什么
补贴") from the entry that says where to apply for it.

The amount check: every money amount in a staff answer must appear in a linked clause or in
another approved staff answer; the ones that do not are shown to the approver.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from bot.config import PROJECT_ROOT
from bot.domain import Citation, Clause, Lang, Option, Reply
from bot.messages import text
from bot.retrieval.tokens import char_bigrams
from bot.staff.store import FaqEntry, StaffStore
from bot.text import book, detect_lang, normalize, quoted_amounts, whole_word

DENSE_FLOOR = 0.85
CROSS_FLOOR = 0.78  # an English question against a Chinese variant
DENSE_WEIGHT = 0.6
DEFAULT_THRESHOLD = 0.55
GLOSSARY = PROJECT_ROOT / "knowledge" / "glossary.yaml"


FOCUS: dict[str, tuple[str, ...]] = {
    "materials": ("材料", "资料", "证明", "documents", "paperwork", "materials"),
    "conditions": ("条件", "要求", "资格", "门槛", "eligib", "requirement", "condition"),
    "time": ("什么时候", "时间", "截止", "期限", "哪天", "何时", "多久", "啥时候", "when", "deadline"),
    "deadline": ("截止", "期限", "到期", "有效期", "deadline", "expire"),
    "payout": ("发放", "到账", "拨付", "发下来", "兑现", "paid", "pay out", "disburse"),
    "place": ("窗口", "哪里", "地点", "地址", "在哪", "去哪", "哪儿", "where"),
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
    "amount": ("多少钱", "金额", "多少万", "上限", "最高", "how much", "maximum"),
    "contact": ("电话", "联系方式", "联系人", "phone", "contact"),
    "benefit": (
        "什么补贴",
        "哪些补贴",
        "什么奖励",
        "哪些奖励",
        "什么扶持",
        "哪些扶持",
        "什么支持",
        "what support",
        "what subsidies",
        "what benefits",
    ),
}
# Kinds of one broader question ("when"): both named and different means another question.
SPECIFIC = frozenset({"deadline", "payout"})
# The Chinese words of what an English question asks, for the bridge.
FOCUS_ZH = {
    "materials": "材料",
    "conditions": "条件",
    "time": "什么时候",
    "deadline": "截止",
    "payout": "发放",
    "place": "哪里",
    "procedure": "流程",
    "amount": "多少",
    "contact": "电话",
    "benefit": "补贴",
}


def focus(text: str) -> frozenset[str]:
    """What the question asks for, by cue words (may be several, may be none)."""
    norm = normalize(text)
    return frozenset(name for name, cues in FOCUS.items() if any(c in norm for c in cues))


def conflict(asks: frozenset[str], variant_asks: frozenset[str]) -> bool:
    """Whether a question and a variant ask for different things (see ``FOCUS``)."""
    if not asks or not variant_asks:
        return False
    if not asks & variant_asks:
        return True
    mine, theirs = asks & SPECIFIC, variant_asks & SPECIFIC
    return bool(mine and theirs and not mine & theirs)


_glossary_cache: dict[str, tuple[str, ...]] | None = None
_glossary_lock = threading.Lock()


def english_glossary() -> dict[str, tuple[str, ...]]:
    """The glossary's English terms -> document terms (read once; empty when missing)."""
    global _glossary_cache
    with _glossary_lock:
        if _glossary_cache is None:
            import yaml

            try:
                data = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError):
                data = {}
            english = data.get("en") or {}
            _glossary_cache = {
                str(k).lower(): tuple(str(v) for v in values)
                for k, values in english.items()
                if isinstance(values, list)
            }
        return _glossary_cache


def bridge(question: str) -> list[tuple[str, ...]]:
    """An English question as groups of Chinese terms (one group per glossary phrase or
    asked-for kind); a group counts as found when any of its terms is."""
    text = question.lower()
    groups: list[tuple[str, ...]] = []
    taken: list[str] = []
    for phrase in sorted(english_glossary(), key=len, reverse=True):
        if any(phrase in longer for longer in taken) or not whole_word(phrase).search(text):
            continue
        taken.append(phrase)
        groups.append(english_glossary()[phrase])
    groups.extend((FOCUS_ZH[name],) for name in sorted(focus(question)))
    return groups


def _found(term: str, variant: str) -> float:
    """The share of ``term``'s character pairs that occur in ``variant``."""
    grams = char_bigrams(term)
    return sum(g in variant for g in grams) / len(grams) if grams else 0.0


def bridged_overlap(groups: Sequence[tuple[str, ...]], variant: str) -> float:
    """The mean over groups of the best-found term: the keyword measure across languages."""
    if not groups:
        return 0.0
    norm = normalize(variant)
    return sum(max(_found(t, norm) for t in group) for group in groups) / len(groups)


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
        english = detect_lang(question) == "en"
        groups = bridge(question) if english else []
        best: dict[int, FaqMatch] = {}
        for entry, variant, vec, variant_grams, variant_asks in rows:
            cosine = _cosine(vector, vec)
            if english and detect_lang(variant) != "en":
                dense = min(1.0, max(0.0, (cosine - CROSS_FLOOR) / (1 - CROSS_FLOOR)))
                overlap = bridged_overlap(groups, variant)
                score = DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * overlap
            else:
                score = similarity(cosine, grams, variant_grams)
            if conflict(asks, variant_asks):
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
            "；".join(f"{book(c.doc_title)}{c.clause}" for c in linked)
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
