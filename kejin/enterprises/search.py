"""Search enterprises by any part of their name: indexed where the engine can, exact everywhere.

The result is always the rows of ``queryset.filter(name__icontains=text)``: the name contains
``text``, Latin letters A-Z in either case (on SQLite that is also what ``name__contains``
does; using ``icontains`` makes PostgreSQL agree). Only the way there differs:

- 1–2 characters, either engine: the posting list ``enterprises_enterprise_name_gram``
  (migration 0012: every character and every pair of adjacent characters of each name,
  folded as the engine's ``icontains`` folds, kept in step by triggers) gives the exact
  candidate ids from one primary-key range; the ``LIKE`` re-checks them.
- SQLite, 3 or more characters: the FTS5 trigram index ``enterprises_enterprise_name_fts``
  (migration 0006) finds the candidate ids, and the same ``LIKE`` as the scan re-checks those
  rows, so the index only has to find a superset (its Unicode case folding is wider than
  ``LIKE``'s ASCII-only one). Without the trigram tokenizer (SQLite older than 3.34): a scan.
- PostgreSQL, 3 or more characters: ``UPPER(name) LIKE UPPER(%text%)`` (Django's
  ``icontains``), which the pg_trgm GIN index on ``UPPER(name)`` serves, run first as the
  candidate subquery; on PostgreSQL candidates are passed as ``unnest(ARRAY(…))`` so that the
  planner sorts the few rows found instead of walking the ``name`` index (see below).
- Very broad queries (more than ``BROAD_QUERY_ROWS`` candidates, counted quickly and with a
  bound from the index before the real query) take the plain ``LIKE``: nearly every name
  matches, so the list page's "first 20 by name" stops after a few rows of the ``name``
  index, while going through the index would fetch and sort every candidate.

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
GRAM_TABLE = "enterprises_enterprise_name_gram"
# A trigram index needs at least one trigram in the query; shorter ones are grams.
MIN_INDEXED_LENGTH = 3
MAX_GRAM_LENGTH = 2
# Above this many candidates the index costs more than it saves (docs/performance.md).
BROAD_QUERY_ROWS = 30_000


def enterprise_name_search(queryset: QuerySet, text: str) -> QuerySet:
    """``queryset`` narrowed to enterprises whose name contains ``text`` (any case for A-Z).

    Keeps everything the caller did to ``queryset`` (the ``visible_to`` scoping, joins,
    ordering): it only adds conditions. An empty ``text`` narrows nothing.
    """
    if not text:
        return queryset
    scan = queryset.filter(name__icontains=text)
    vendor = connections[queryset.db].vendor
    if "\x00" in text or vendor not in ("sqlite", "postgresql"):
        # NUL would end the query string inside SQLite's C code; let the scan handle it.
        return scan
    fold = "lower" if vendor == "sqlite" else "upper"  # what icontains compares on the engine
    if len(text) <= MAX_GRAM_LENGTH:
        candidates_sql = f"SELECT enterprise_id FROM {GRAM_TABLE} WHERE gram = {fold}(%s)"
        params = [text]
    elif vendor == "sqlite" and sqlite_has_trigram():
        candidates_sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        params = [fts_phrase(text)]
    elif vendor == "postgresql":
        # The pg_trgm GIN index on UPPER(name) serves exactly this condition.
        candidates_sql = (
            "SELECT id FROM enterprises_enterprise WHERE UPPER(name::text) LIKE UPPER(%s)"
        )
        params = [f"%{connections[queryset.db].ops.prep_for_like_query(text)}%"]
    else:
        return scan
    if _candidate_count(queryset.db, candidates_sql, params) > BROAD_QUERY_ROWS:
        return scan
    if vendor == "postgresql":
        # Fetch the candidates first (an ARRAY the planner cannot see into): otherwise, for
        # "first 20 by name", PostgreSQL walks the name b-tree expecting matches spread evenly,
        # and matches that share a prefix ("嘉兴华…") sit together far down it (~1.7 s).
        candidates_sql = f"SELECT unnest(ARRAY({candidates_sql}))"
    # "id IN (subquery)": the engine runs the index query once and looks the ids up by primary
    # key (or by (county_id, id) under a county scope), then sorts the few rows it found.
    return scan.filter(pk__in=RawSQL(candidates_sql, params))


def _candidate_count(alias: str, candidates_sql: str, params: list[str]) -> int:
    """How many candidates the index finds, counted up to ``BROAD_QUERY_ROWS + 1`` only."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM ({candidates_sql} LIMIT %s) AS candidates",
            [*params, BROAD_QUERY_ROWS + 1],
        )
        return cursor.fetchone()[0]


def fts_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase: in double quotes, inner quotes doubled, nothing else special."""
    return '"' + text.replace('"', '""') + '"'


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
