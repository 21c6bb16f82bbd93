"""Pure text helpers, one definition each (``from bot.text import normalize`` keeps working):

normalize  NFKC, OpenCC (Traditional <-> Simplified), language and script, spaces, book()
numbers    Chinese numerals: read_number, chinese_number, chinese_ordinal, say_number
money      amounts a user states (find_amounts), figures a text quotes (quoted_amounts),
           format_yuan
dates      dates in documents (DATE, dates_in), typed dates (read_date), say_date
"""

from bot.text.dates import DATE, dates_in, read_date, say_date, to_date
from bot.text.money import Amount, find_amounts, format_yuan, quoted_amounts
from bot.text.normalize import (
    book,
    cjk_ratio,
    clean,
    detect_lang,
    has_cjk,
    in_book,
    is_traditional,
    normalize,
    sentences,
    strip_spaces,
    to_simplified,
    to_traditional,
    whole_word,
)
from bot.text.numbers import chinese_number, chinese_ordinal, read_number, say_number

__all__ = [
    "DATE",
    "Amount",
    "book",
    "chinese_number",
    "chinese_ordinal",
    "cjk_ratio",
    "clean",
    "dates_in",
    "detect_lang",
    "find_amounts",
    "format_yuan",
    "has_cjk",
    "in_book",
    "is_traditional",
    "normalize",
    "quoted_amounts",
    "read_date",
    "read_number",
    "say_date",
    "say_number",
    "sentences",
    "strip_spaces",
    "to_date",
    "to_simplified",
    "to_traditional",
    "whole_word",
]
