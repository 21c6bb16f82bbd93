"""Curated-answer matching with the real e5 embedder: paraphrases find their entry, questions
the documents answer or that ask for something else do not (table-driven, one store)."""

from __future__ import annotations

import pytest

from bot.retrieval.embeddings import E5Embeddings
from bot.staff.faq import FaqIndex, focus
from bot.staff.store import StaffStore

ENTRIES = {
    1: "申请直播补贴需要准备哪些材料？",
    2: "直播扶持资金去哪个窗口申报？",
    3: "今年的直播产业扶持资金什么时候开始申报？",
    4: "主播申请人才公寓需要满足什么条件？",
}
CASES = [
    ("直播补贴申请材料有哪些？", 1),
    ("申请直播扶持要交什么材料", 1),
    ("直播补贴要准备什么资料", 1),
    ("直播扶持资金在哪里申报", 2),
    ("去哪个窗口申请直播扶持资金？", 2),
    ("直播扶持资金申报时间是什么时候", 3),
    ("什么时候可以申报直播扶持资金", 3),
    ("主播住人才公寓有什么条件", 4),
    ("网红主播能申请人才公寓吗", 4),
    # the documents answer these: a curated answer must not take them over
    ("嘉定直播企业营收首次超过1亿元奖励多少？", None),
    ("上海对直播平台出海有哪些支持？", None),
    ("直播基地有什么补贴", None),
    ("人才公寓租金补贴多少", None),
    ("直播企业上市有什么奖励", None),
    ("特色园区认定给多少钱", None),
    # the same words, asking for something else (conditions, not materials)
    ("申请直播补贴需要什么条件？", None),
    ("今天天气怎么样", None),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    store = StaffStore(tmp_path_factory.mktemp("faq") / "staff.sqlite3")
    for number, question in ENTRIES.items():
        entry = store.add_faq([question], f"答复 {number}", [], "test", status="approved")
        assert entry.id == number
    yield FaqIndex(store, E5Embeddings(num_threads=1))
    store.close()


@pytest.mark.slow  # the real e5 model
@pytest.mark.parametrize(("question", "expected"), CASES)
def test_curated_answer_matching(index, question, expected) -> None:
    match = index.match(question)
    assert (match.entry.id if match else None) == expected, index.search(question, 2)


@pytest.mark.slow
def test_retired_entries_are_not_served(index) -> None:
    store = index._store
    store.set_faq_status(2, "retired", "test")
    try:
        assert index.match("去哪个窗口申请直播扶持资金？") is None
    finally:
        store.set_faq_status(2, "approved", "test")
    assert index.match("去哪个窗口申请直播扶持资金？").entry.id == 2


def test_focus_words() -> None:
    assert focus("申请直播补贴需要哪些材料") == {"materials"}
    assert focus("去哪个窗口申报") == {"place"}
    assert focus("What documents are needed?") == {"materials"}
    # "what support is there" is a question of its own, not "where to apply for it"
    assert focus("直播基地有什么补贴") == {"benefit"}
    assert focus("直播补贴在哪申请") == {"place"}
