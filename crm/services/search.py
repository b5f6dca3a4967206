"""Enterprise search: the normalised haystack and its grams, and the SQL that finds matching ids."""

import re
import string

from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy import table as table_clause
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from crm import uscc as credit_code
from crm.models import Enterprise
from crm.services.names import normalise_name

# Joins the parts of search_text and the grams of search_grams: normalised text has no spaces.
SEPARATOR = " "
# The indexes of search_grams, made by the migration alone: schema comparisons skip them.
FTS_TABLE = "enterprise_search"  # SQLite's FTS5 table, with shadow tables enterprise_search_*
GIN_INDEX = "ix_enterprises_search_grams"  # PostgreSQL's, on string_to_array(search_grams, ' ')
# SQLite lists at most this many candidates from FTS5 before looking them up; a term with more
# is common enough (5% of 100,000) that a scan in id order meets a page of matches sooner.
MAX_LISTED = 5000
# Stored credit codes are validated: digits and capitals only, which sort the same way in every
# collation, so a prefix can be a range on the unique index.
CODE_ALPHABET = string.digits + string.ascii_uppercase

# Runs of characters that SQLite's FTS5 tokenizer keeps together: the migration gives it ascii
# with every ASCII punctuation mark as a token character, so only spaces and control characters
# split, and each gram within a run is one token, found as it is.
_RUNS = re.compile(r"[^\x00-\x20\x7f]+")

# The hidden column named after an FTS5 table is the one that takes MATCH.
_fts = table_clause(FTS_TABLE, column("rowid"), column(FTS_TABLE))
# The very expression of the GIN index (a bound ' ' would not match it in a generic plan).
_gram_array = func.string_to_array(
    Enterprise.search_grams, literal_column("' '"), type_=ARRAY(Text)
)


def is_search_index(name: str) -> bool:
    return name in (FTS_TABLE, GIN_INDEX) or name.startswith(FTS_TABLE + "_")


def search_columns(name: str, aliases: list[str], initials: str) -> dict[str, str]:
    """search_text: the normalised name, aliases and initials; search_grams: their grams.

    十堰汉江 with initials syhj → search_text "十堰汉江 syhj", search_grams
    "十 堰 汉 江 十堰 堰汉 汉江 s y h j sy yh hj".
    """
    parts = dict.fromkeys(
        part for part in (normalise_name(name), *map(normalise_name, aliases), initials) if part
    )
    grams: list[str] = []
    for part in parts:
        for run in _RUNS.findall(part):
            grams += run  # each character: a term of one character is looked up by it
            grams += _pairs(run)
    return {
        "search_text": SEPARATOR.join(parts),
        "search_grams": SEPARATOR.join(dict.fromkeys(grams)),
    }


def term_grams(text: str) -> list[str]:
    """Grams that every haystack holding `text` holds: the pairs of its characters, or the one
    character (the term is then checked as a whole, which its pairs alone cannot tell)."""
    return list(dict.fromkeys(_pairs(text) or [text]))


def _pairs(run: str) -> list[str]:
    return list(map(str.__add__, run, run[1:]))


def matching(session: Session, term: str) -> ColumnElement[bool]:
    """The condition on Enterprise for a search term: a part of the normalised name, an alias or
    the pinyin initials, or the beginning of the credit code. A blank term does not filter."""
    if not term.strip():
        return true()
    text = normalise_name(term)
    # Names cannot hold control characters (the service refuses them; PostgreSQL refuses NUL).
    grams = term_grams(text) if _RUNS.fullmatch(text) else []
    code = _code_range(credit_code.normalise(term))
    if not grams and code is None:
        return false()  # such as "_", which normalises to nothing: no haystack holds it

    sqlite = session.get_bind().dialect.name == "sqlite"
    ways = []  # (what an index finds, what decides exactly): by the haystack, by the code
    if grams and sqlite:
        query = " ".join('"' + gram.replace('"', '""') + '"' for gram in grams)  # "ab" "bc": both
        found = select(_fts.c.rowid).where(_fts.c[FTS_TABLE].match(query))
        ways.append((found, func.instr(Enterprise.search_text, text) > 0))
    elif grams:
        ways.append((_gram_array.contains(grams), func.strpos(Enterprise.search_text, text) > 0))
    if code is not None:  # the range is itself what the unique index answers
        ways.append((select(Enterprise.id).where(code) if sqlite else true(), code))

    if not sqlite:
        # The planner weighs the GIN and primary key indexes from statistics: it scans in id
        # order when matches are common (a page is soon full) and asks the index when rare.
        # The exact check comes first: a scan then splits only the grams of rows that match
        # (hj: 1.5 ms instead of 5).
        return or_(*(and_(exact, found) for found, exact in ways))
    # FTS5 gives SQLite's planner no statistics, so count: a few candidates are listed and
    # looked up by id; with many, matches are common enough that a scan in id order checking
    # each row meets a page of them sooner than listing them all (up to every row) would.
    candidates = union_all(*(found for found, _exact in ways))
    exact = or_(*(exact for _found, exact in ways))
    listed = select(func.count()).select_from(candidates.limit(MAX_LISTED).subquery())
    if session.scalar(listed) < MAX_LISTED:
        return Enterprise.id.in_(candidates) & exact
    return exact


def _code_range(code: str | None) -> ColumnElement[bool] | None:
    """Credit codes that begin with `code`, as a range the unique index answers (LIKE would not
    use it under every collation); None when no stored code can begin so."""
    if not code or not set(code) <= set(CODE_ALPHABET):
        return None
    condition = Enterprise.uscc >= code
    kept = code.rstrip(CODE_ALPHABET[-1])  # the first code after them all: 91Z → 92, ZZ: none
    if kept:
        condition &= Enterprise.uscc < kept[:-1] + CODE_ALPHABET[CODE_ALPHABET.index(kept[-1]) + 1]
    return condition
