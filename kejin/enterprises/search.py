"""Search enterprises by any part of their name: indexed where the engine can, exact everywhere.

The result is always the rows of ``queryset.filter(name__icontains=text)``: the name contains
``text``, Latin letters A-Z in either case (on SQLite that is also what ``name__contains``
does; using ``icontains`` makes PostgreSQL agree). Only the way there differs:

- SQLite, ``text`` of 3 or more characters: the FTS5 trigram index
  ``enterprises_enterprise_name_fts`` (migration 0006) finds the candidate ids, and the same
  ``LIKE`` as the scan re-checks those rows, so the index only has to find a superset (its
  Unicode case folding is wider than ``LIKE``'s ASCII-only one).
- SQLite, 1–2 characters: a scan. A trigram index cannot answer them, and SQLite 3.40's
  FTS5 silently returns no rows for them instead of failing.
- SQLite without the trigram tokenizer (older than 3.34): a scan.
- PostgreSQL: ``UPPER(name) LIKE UPPER(%text%)`` (Django's ``icontains``), which the pg_trgm GIN
  index on ``UPPER(name)`` serves for 3+ characters; the planner scans for shorter queries.

Known difference between the engines: PostgreSQL upper-cases every script (full-width "Ａ"
matches "ａ"); SQLite's ``LIKE`` only folds ASCII letters.
"""

from __future__ import annotations

import functools
import sqlite3

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

FTS_TABLE = "enterprises_enterprise_name_fts"
# A trigram index needs at least one trigram in the query.
MIN_INDEXED_LENGTH = 3


def enterprise_name_search(queryset: QuerySet, text: str) -> QuerySet:
    """``queryset`` narrowed to enterprises whose name contains ``text`` (any case for A-Z).

    Keeps everything the caller did to ``queryset`` (the ``visible_to`` scoping, joins,
    ordering): it only adds conditions. An empty ``text`` narrows nothing.
    """
    if not text:
        return queryset
    if connections[queryset.db].vendor == "sqlite" and _fts_can_serve(text):
        # "id IN (subquery)": SQLite runs the FTS query once and looks the ids up by primary
        # key (or by (county_id, id) under a county scope), then sorts the few rows it found.
        candidates = RawSQL(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts_phrase(text)]
        )
        return queryset.filter(name__icontains=text, pk__in=candidates)
    return queryset.filter(name__icontains=text)


def fts_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase: in double quotes, inner quotes doubled, nothing else special."""
    return '"' + text.replace('"', '""') + '"'


def _fts_can_serve(text: str) -> bool:
    # NUL would end the query string inside SQLite's C code; let the scan handle it.
    return len(text) >= MIN_INDEXED_LENGTH and "\x00" not in text and sqlite_has_trigram()


@functools.cache
def sqlite_has_trigram() -> bool:
    """Whether the SQLite library Django uses has FTS5 with the trigram tokenizer (3.34+).

    Migration 0006 creates the index exactly when this is true, so it also says whether the
    index exists.
    """
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()
    return True
