"""The kept analyses: each server process keeps the last analysis of each chain, with the data
version (chainmap.facts.data_version) it was computed at. A request reads the version (one
indexed row) and reuses the kept analysis when it matches; only a request that finds the data
changed rebuilds, and other threads wanting the same chain wait for that one rebuild instead of
repeating it. Processes agree because the version lives in the database, not in a process."""

import threading
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chainmap.analysis import Analysis, analyse
from chainmap.definition import ChainDefinition
from chainmap.facts import data_version, gather
from chainmap.segments import stored_definition
from chainmap.settings import ChainSettings


@dataclass
class _Kept:
    token: str = ""
    analysis: Analysis | None = None
    definition: ChainDefinition | None = None
    # Anything derived from the analysis (its JSON per language), dropped with it.
    derived: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_kept: dict[tuple, _Kept] = {}
_kept_lock = threading.Lock()


def _slot(session: Session, key: str, settings: ChainSettings) -> _Kept:
    # The database's address keeps two apps of one process (tests) apart.
    ident = (session.get_bind().engine.url.render_as_string(), key, settings)
    with _kept_lock:
        return _kept.setdefault(ident, _Kept())


def current(session: Session, key: str, settings: ChainSettings) -> "_Kept | None":
    """The kept analysis of chain `key` at the data's current version (`.analysis`, the
    `.definition` it was made from, and `.derived`, a dict for what callers derive from it,
    dropped with it); None when no such chain is loaded."""
    slot = _slot(session, key, settings)
    version, token = data_version(session)
    if slot.token == token and slot.analysis is not None:
        return slot
    with slot.lock:
        if slot.token == token and slot.analysis is not None:  # another thread just built it
            return slot
        # The version is read before the data: a change committed in between makes the next
        # request rebuild again, never keeps old data under a new version.
        definition = stored_definition(session, key)
        if definition is None:
            return None
        analysis = analyse(definition, gather(session, definition, settings), settings, version)
        slot.token, slot.analysis, slot.definition, slot.derived = token, analysis, definition, {}
        return slot


def forget() -> None:
    """Drop every kept analysis (benchmarks measure a cold start with it)."""
    with _kept_lock:
        _kept.clear()
