"""The keyword side of the index: BM25 over the words and over the character pairs of every
unit, their tokens kept beside the generation, and the bilingual table for English questions."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

from bot.knowledge.index import KnowledgeBase
from bot.retrieval.bm25 import Bm25Index
from bot.retrieval.crosslingual import (
    DICTIONARY_VERSION,
    Bilingual,
    Synonyms,
    Table,
    tables,
)
from bot.retrieval.kept import earlier, earlier_tokens, load, save
from bot.retrieval.tokens import Tokenizer, char_bigrams


class KeywordIndex:
    """Word and bigram BM25 indexes of ``kb``'s units, without the ``region_words``.

    ``token_cache``: where the units' tokens, the BM25 indexes and the bilingual table are
    kept beside the index generation (None: built in memory on every start).
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        tokenizer: Tokenizer,
        region_words: frozenset[str],
        token_cache: Path | None = None,
    ) -> None:
        self._tokenizer = tokenizer
        self._region_words = region_words
        ids = [u.id for u in kb.units]
        words, pairs = self._unit_tokens(kb, token_cache)
        frequency: dict[str, int] = {}
        for unit_words in words:
            for token in set(unit_words):
                frequency[token] = frequency.get(token, 0) + 1
        # Words of two or more characters found in few units: the documents' own vocabulary.
        self.distinctive = frozenset(
            t for t, n in frequency.items() if len(t) >= 2 and n <= 0.15 * len(kb.units)
        )
        kept = token_cache.parent if token_cache is not None else None
        built = self._cache_key("bm25-1", self._units_digest)
        self.words_index = Bm25Index(ids, words, kept and kept / "bm25-words", built)
        self.pairs_index = Bm25Index(ids, pairs, kept and kept / "bm25-pairs", built)
        self._word_vocabulary = self.words_index.vocabulary
        self._pair_vocabulary = self.pairs_index.vocabulary
        stored = self._stored_translations(token_cache)
        self.bilingual = Bilingual(
            self.postings, self.may_hold, *(stored if stored is not None else (None, None, None))
        )

    def words(self, text: str) -> list[str]:
        """Word tokens of ``text`` without place words of the documents' regions."""
        return [t for t in self._tokenizer.tokens(text) if t not in self._region_words]

    def pairs(self, text: str) -> list[str]:
        """Character pairs of ``text`` without place words of the documents' regions."""
        return [t for t in char_bigrams(text) if t not in self._region_words]

    def _cache_key(self, kind: str, *more: str) -> str:
        """What a cached derivative of the index depends on besides the units themselves."""
        return hashlib.sha256(
            "\n".join([kind, self._tokenizer.signature, *sorted(self._region_words), *more]).encode(
                "utf-8"
            )
        ).hexdigest()

    def _unit_tokens(
        self, kb: KnowledgeBase, cache: Path | None
    ) -> tuple[list[list[str]], list[list[str]]]:
        """Word and bigram tokens of every unit; at a city's scale jieba takes most of the
        start-up, so they are kept beside the index generation (``cache``), keyed by the
        tokenizer's dictionary and the region words they leave out, with a digest of each
        unit's text: a new generation tokenises only the units an earlier one did not have
        (an ingest that changed one document, a worker switching to a published one)."""
        key = self._cache_key("tokens-3")
        digests = [
            hashlib.blake2b(u.text.encode("utf-8"), digest_size=16).digest() for u in kb.units
        ]
        self._units_digest = hashlib.sha256(b"".join(digests)).hexdigest()
        stored = load(cache, key)
        if stored is not None and stored["digests"] == digests:
            return stored["words"], stored["pairs"]
        before = earlier_tokens(cache, key)
        words: list[list[str]] = []
        pairs: list[list[str]] = []
        for unit, digest in zip(kb.units, digests, strict=True):
            known = before.get(digest)
            if known is None:
                # Interned: a city's units hold millions of tokens but only some 100,000
                # distinct ones; shared strings keep the lists (and their pickle) small.
                known = (
                    [sys.intern(t) for t in self.words(unit.text)],
                    [sys.intern(t) for t in self.pairs(unit.text)],
                )
            words.append(known[0])
            pairs.append(known[1])
        save(cache, {"key": key, "digests": digests, "words": words, "pairs": pairs})
        return words, pairs

    def _stored_translations(
        self, token_cache: Path | None
    ) -> tuple[Table, Synonyms, frozenset[str]] | None:
        """The bilingual dictionary cut to this index's words, the documents' synonyms for
        Chinese words and the words they say in other words, kept beside the generation
        (reading CC-CEDICT takes seconds) and taken from an earlier generation with the same
        vocabulary; without a place to keep them, they are built on first use."""
        if token_cache is None:
            return None
        cache = token_cache.with_name("bilingual.pickle")
        vocabulary = hashlib.sha256(
            "\n".join([*sorted(self._word_vocabulary), "", *sorted(self._pair_vocabulary)]).encode()
        ).hexdigest()
        key = self._cache_key("bilingual-5", DICTIONARY_VERSION, vocabulary)
        own = load(cache, key)
        if own is not None:
            return own["table"], own["synonyms"], own["expressed"]
        stored = earlier(cache, key)
        kept: tuple[Table, Synonyms, frozenset[str]] = (
            (stored["table"], stored["synonyms"], stored["expressed"])
            if stored is not None
            else tables(self.may_hold)
        )
        save(cache, {"key": key, "table": kept[0], "synonyms": kept[1], "expressed": kept[2]})
        return kept

    def may_hold(self, word: str) -> bool:
        """Whether ``word`` is a keyword of the documents, or all of its character pairs are."""
        if word in self._word_vocabulary:
            return True
        pairs = char_bigrams(word)
        return bool(pairs) and all(p in self._pair_vocabulary for p in pairs)

    def postings(self, word: str) -> np.ndarray:
        """Units holding ``word``: as a keyword token, else by all of its character pairs
        (a word jieba splits in the documents, 法定代表人 as 法定/代表人)."""
        found = self.words_index.postings(word)
        if found.size or len(word) < 2:
            return found
        pairs = char_bigrams(word)
        found = self.pairs_index.postings(pairs[0]) if pairs else found
        for pair in pairs[1:]:
            if not found.size:
                break
            found = np.intersect1d(found, self.pairs_index.postings(pair), assume_unique=True)
        return found
