"""Enterprise search: the normalised haystack and its grams, and the SQL that finds matching ids."""

import re

from crm.services.names import normalise_name

# Joins the parts of search_text and the grams of search_grams: normalised text has no spaces.
SEPARATOR = " "
# The indexes of search_grams, made by the migration alone: schema comparisons skip them.
FTS_TABLE = "enterprise_search"  # SQLite's FTS5 table, with shadow tables enterprise_search_*
GIN_INDEX = "ix_enterprises_search_grams"  # PostgreSQL's, on string_to_array(search_grams, ' ')
# Runs of characters that SQLite's FTS5 tokenizer keeps together: the migration gives it ascii
# with every ASCII punctuation mark as a token character, so only spaces and control characters
# split, and each gram within a run is one token, found as it is.
_RUNS = re.compile(r"[^\x00-\x20\x7f]+")


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


def _pairs(run: str) -> list[str]:
    return list(map(str.__add__, run, run[1:]))
