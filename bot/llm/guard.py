"""The guard: a model's answer reaches a user only when everything it claims is in the sources.

``check`` runs on every worded answer before it is sent and returns the problems it finds (an
empty list passes). The sources are the clauses the answer cites, the assistant's own extractive
answer (its figures come from the clauses, the rules table or the engine's working), the rules
table's amounts and the user's own words. What is checked:

- every amount, percentage, duration, count, year and date appears in a source;
- every citation is a clause that retrieval returned, and there is at least one;
- no phone number, link, e-mail, street address or office name that no source names;
- each sentence is supported by the cited clauses: for Chinese, the share of the sentence's
  character bigrams found in them or in the extractive answer (``SUPPORT_ZH``); for English,
  the share of its content words found in the extractive answer, which the model was asked to
  word and which carries the documents' English names (``SUPPORT_EN``). e5 similarity was
  tried for English and rejected: supported and unsupported sentences scored alike (0.77-0.87
  against 0.77-0.81). Both thresholds were measured on the sentences of
  ``tests/eval/guard-sentences.yaml`` (figures in the README).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.llm.claims import Claims, claims_of
from bot.text import has_cjk, normalize

SUPPORT_ZH = 0.45
SUPPORT_EN = 0.5
_SENTENCE = re.compile(r"(?<=[。；！？!?;])|(?<=[.])\s+(?=[A-Z0-9\"“(])|\n+")
_NOT_A_CLAIM = re.compile(r"^[\W\d_]*$")


@dataclass(frozen=True)
class Sources:
    """What an answer may rest on."""

    clauses: Sequence[tuple[str, str]]  # (key, full text) of every clause retrieval returned
    extractive: str = ""  # the assistant's own answer for the same question
    user_words: Sequence[str] = ()  # the user's messages of this conversation
    rule_money: frozenset[int] = frozenset()  # every amount the rules table states
    names: Sequence[str] = ()  # document titles, issuers, responsible units (any language)


@dataclass(frozen=True)
class Problem:
    """One reason an answer cannot be sent: a short code and what was found."""

    code: str
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


def check(text: str, cited: Sequence[str], sources: Sources) -> list[Problem]:
    """Problems with the model's ``text`` citing clause keys ``cited``; empty means it passes."""
    retrieved = dict(sources.clauses)
    problems = [Problem("citation", key) for key in cited if key not in retrieved]
    if not cited:
        problems.append(Problem("citation", "none"))
    cited_texts = [retrieved[k] for k in cited if k in retrieved]
    documents = [*cited_texts, sources.extractive, *sources.names]
    said = claims_of(text)
    # A user's own figures may be repeated ("with your 3亿…"); contacts and offices only from
    # the documents: a number a user typed is no office's phone.
    known = claims_of("\n".join([*documents, *sources.user_words]))
    problems += _unbacked(said, known, sources.rule_money)
    problems += [Problem("contact", c) for c in sorted(said.contacts - claims_of("\n".join(documents)).contacts)]
    problems += _offices(said, documents)
    problems += _unsupported(text, [*cited_texts, sources.extractive, *sources.names])
    return problems


def _unbacked(said: Claims, known: Claims, rule_money: frozenset[int]) -> list[Problem]:
    out = [Problem("amount", f"{v:,} yuan") for v in sorted(said.money - known.money - rule_money)]
    known_figures = known.figures | {("count", float(v)) for v in known.money}
    out += [Problem("figure", f"{v:g} {unit}") for unit, v in sorted(said.figures - known_figures)]
    known_months = {(y, m) for y, m, _ in known.dates}
    for y, m, d in sorted(said.dates):
        if (y, m, d) not in known.dates and not (d == 0 and (y, m) in known_months):
            out.append(Problem("date", f"{y}-{m:02d}" + (f"-{d:02d}" if d else "")))
    out += [Problem("date", str(y)) for y in sorted(said.years - known.years)]
    return out


def _offices(said: Claims, basis: Iterable[str]) -> list[Problem]:
    """An office name passes when the sources name it: a Chinese match is read back from its
    suffix ("…向区商务委" -> "区商务委") until a tail of at least four characters is known."""
    haystack = normalize("\n".join(basis)).lower()
    out = []
    for office in sorted(said.offices):
        form = normalize(office).lower()
        if has_cjk(form):
            tails = [form[i:] for i in range(len(form)) if len(form) - i >= min(4, len(form))]
            known = any(t in haystack for t in tails)
        else:
            known = re.sub(r"^the\s+", "", form) in haystack
        if not known:
            out.append(Problem("office", office))
    return out


def sentences(text: str) -> list[str]:
    """The answer's sentences that claim something (bullets and headings included)."""
    parts = (p.strip(" -•*·\t") for p in _SENTENCE.split(text))
    return [p for p in parts if p and not _NOT_A_CLAIM.match(p)]


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fff0-9a-z]", "", normalize(text).lower())
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def zh_support(sentence: str, sources: Sequence[str]) -> float:
    """The share of the sentence's character bigrams that occur in the sources."""
    grams = _bigrams(sentence)
    if not grams:
        return 1.0
    known = _bigrams("\n".join(sources))
    return len(grams & known) / len(grams)


_EN_STOP = frozenset(
    """a an the and or of to in on for with by at from as is are was were be been being it its
    this that these those you your they their them we our can could may might will would shall
    should must not no yes do does did have has had get gets got receive receives received
    give given gives up per each any all also only more most than then there here which who
    whom what when where how if so such one once about into over under after before within
    until out""".split()  # noqa: SIM905 (a word list reads better as text)
)


def _words(text: str) -> set[str]:
    return {
        w.rstrip("s") if len(w) > 4 else w
        for w in re.findall(r"[a-z]+", text.lower())
        if len(w) > 2 and w not in _EN_STOP
    }


def en_support(sentence: str, sources: Sequence[str]) -> float:
    """The share of the sentence's content words found in the sources (the extractive answer
    the model was asked to word is in English, with the documents' English names)."""
    words = _words(sentence)
    if not words:
        return 1.0
    return len(words & _words("\n".join(sources))) / len(words)


def _unsupported(text: str, sources: Sequence[str]) -> list[Problem]:
    out = []
    for sentence in sentences(text):
        if has_cjk(sentence):
            score, threshold = zh_support(sentence, sources), SUPPORT_ZH
        else:
            score, threshold = en_support(sentence, sources), SUPPORT_EN
        if score < threshold:
            out.append(Problem("unsupported", sentence[:60]))
    return out
