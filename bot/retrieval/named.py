"""The places and names by which a question names documents (嘉定, 上海, an alias)."""

from __future__ import annotations

import re

from bot.knowledge.coverage import place_forms
from bot.knowledge.index import KnowledgeBase
from bot.retrieval.scope import latin
from bot.retrieval.tokens import Tokenizer, char_bigrams
from bot.text import normalize, whole_word

_PLACE_PART = re.compile(r"[\u4e00-\u9fff]+?(?:特别行政区|自治区|新区|省|市|区|县)")
_SHORT = re.compile(r"[\u4e00-\u9fff]{2,3}")  # a place as named without its suffix


def _names(form: str, query: str) -> bool:
    """Whether the (normalised) question names the place: Chinese anywhere, Latin as a word."""
    return whole_word(form).search(query) is not None if form.isascii() else form in query


class NamedDocuments:
    """Which documents a question names, and the place words that only do that.

    Place names of the documents' regions (上海, 嘉定, Shanghai...) are in nearly every
    question and say nothing about the clause: they steer document preference
    (``preferred``) and are left out of keyword matching (``region_words``).
    """

    def __init__(self, kb: KnowledgeBase, tokenizer: Tokenizer) -> None:
        self._kb = kb
        places = [meta.region for meta in kb.documents.values()] + [
            alias
            for meta in kb.documents.values()
            for alias in meta.aliases
            if normalize(alias) in normalize(meta.region) or (alias.isalpha() and alias.isascii())
        ]
        self.region_words = frozenset(
            t for place in places for t in tokenizer.tokens(place) + char_bigrams(place)
        )
        # The most specific part of each document's region (嘉定 for 上海市嘉定区, 上海 for
        # 上海市), and its pinyin for English questions (jiading, shanghai): a question naming
        # it prefers the document, without any alias being set.
        self._own_place: dict[str, tuple[str, ...]] = {}
        for meta in kb.documents.values():
            parts = _PLACE_PART.findall(meta.region)
            if parts:
                forms = [normalize(f) for f in place_forms(parts[-1])]
                latin_forms = [latin(f) for f in forms if _SHORT.fullmatch(f)]
                self._own_place[meta.id] = tuple(dict.fromkeys(forms + latin_forms))

    def preferred(self, query: str) -> frozenset[str]:
        """Documents the (normalised) question names; the most specific region wins.

        "嘉定" names the Jiading opinions; "上海" alone names the city plan, but "上海嘉定"
        is still about Jiading: of the named documents, those with the longest region stay.
        """
        named = [
            meta
            for meta in self._kb.documents.values()
            if any(normalize(alias) in query for alias in meta.aliases)
            or any(_names(form, query) for form in self._own_place.get(meta.id, ()))
        ]
        if not named:
            return frozenset()
        longest = max(len(m.region) for m in named)
        return frozenset(m.id for m in named if len(m.region) == longest)
