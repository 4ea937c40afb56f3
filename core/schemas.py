"""Shapes every request body shares: a base that refuses unknown fields, and bounded text and lists.

Every string and list a client sends has a bound. Text may not be blank or carry control characters
(a title becomes an e-mail subject: CR/LF there would forge headers); a paragraph may hold line breaks.
Services store text stripped (``clean``). Dates a person enters fall between 1949 and 2100.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic, Literal, TypeVar

from msgspec import Meta, Struct

# ``$`` would let one trailing line break through; ``(?![\s\S])`` is the very end of the text.
_END = r"(?![\s\S])"
# Not blank, no control characters at all.
_LINE = rf"^(?!\s*{_END})[^\x00-\x1f\x7f]*{_END}"
# Not blank; line breaks and tabs allowed, other control characters not.
_PARAGRAPH = rf"^(?!\s*{_END})[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*{_END}"

_LINE_OR_EMPTY = rf"^[^\x00-\x1f\x7f]*{_END}"

Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=_LINE, description="one line, 1-200 characters")]
Title = Annotated[str, Meta(min_length=1, max_length=300, pattern=_LINE, description="one line, 1-300 characters")]
Code = Annotated[str, Meta(min_length=1, max_length=64, pattern=_LINE)]
Note = Annotated[str, Meta(max_length=2000, pattern=rf"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*{_END}",
                           description="free text, may be empty, up to 2000 characters")]
ShortName = Annotated[str, Meta(min_length=1, max_length=100, pattern=_LINE, description="one line, 1-100 characters")]
PersonName = Annotated[str, Meta(min_length=1, max_length=64, pattern=_LINE, description="one line, 1-64 characters")]
Version = Annotated[str, Meta(min_length=1, max_length=32, pattern=_LINE, description="one line, 1-32 characters")]
ShortLine = Annotated[str, Meta(max_length=64, pattern=_LINE_OR_EMPTY, description="one line, up to 64 characters")]
Position = Annotated[str, Meta(max_length=100, pattern=_LINE_OR_EMPTY, description="one line, up to 100 characters")]
Explanation = Annotated[str, Meta(min_length=1, max_length=2000, pattern=_PARAGRAPH,
                                  description="1-2000 characters, line breaks allowed")]
Facts = Annotated[str, Meta(min_length=1, max_length=4000, pattern=_PARAGRAPH,
                            description="1-4000 characters, line breaks allowed")]
Paragraph = Annotated[str, Meta(min_length=2, max_length=4000, pattern=_PARAGRAPH,
                                description="2-4000 characters, line breaks allowed")]
_ADDRESS_PART = r"[^@\s\x00-\x1f\x7f<>,;]+"
Email = Annotated[str, Meta(max_length=254, pattern=rf"^{_END}|^{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}{_END}",
                            description="an e-mail address (or empty)")]

# Yes or no, and nothing else: Litestar decodes bodies leniently (0, 1 and "true" would pass as a bool).
Flag = Literal[True, False]

MAX_LIST = 500  # ids, codes and rows in one body
MAX_MAP = 100  # keys of a mapping in one body (quotas per specialty, per region)

EARLIEST_DAY = date(1949, 10, 1)
LATEST_DAY = date(2100, 12, 31)


class Input(Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body."""


def clean(text: str) -> str:
    """Text as stored: without surrounding white space."""
    return text.strip()


def day_problem(value: date | None) -> str | None:
    """A date a person entered is within the People's Republic's lifetime and this century."""
    if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
        return f"日期须在 {EARLIEST_DAY} 至 {LATEST_DAY} 之间"
    return None


T = TypeVar("T")


class Page(Struct, Generic[T]):
    """The one shape of every list answer (issue 13): the items of this page, how many match in all, and the
    window asked for. ``GET /experts?offset=20&limit=20`` → ``{"items": [...], "total": 137, "offset": 20,
    "limit": 20}``."""

    items: list[T]
    total: int
    offset: int
    limit: int
