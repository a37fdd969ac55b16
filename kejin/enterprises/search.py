"""Search enterprises by any part of their name: indexed where the engine can, exact everywhere.

The result is always the rows of ``queryset.filter(name__icontains=text)``: the name contains
``text``, Latin letters A-Z in either case (on SQLite that is also what ``name__contains``
does; using ``icontains`` makes PostgreSQL agree). Only the way there differs. An index finds
*candidate* ids, a superset of the matches, and the same ``LIKE`` as the scan re-checks them:

- 1–2 characters, either engine: the posting list ``enterprises_enterprise_name_gram``
  (migration 0012: every character and every pair of adjacent characters of each name,
  folded as the engine's ``icontains`` folds, kept in step by triggers): one primary-key range.
- SQLite, 3 or more characters: the FTS5 trigram index ``enterprises_enterprise_name_fts``
  (migration 0006; its Unicode case folding is wider than ``LIKE``'s ASCII-only one, hence the
  re-check). Without the trigram tokenizer (SQLite older than 3.34): a scan.
- PostgreSQL, 3 or more characters: the same posting list, for the text's rarest pair of
  adjacent characters. Every name containing the text contains each of its pairs. Unlike the
  pg_trgm index, which drops punctuation (``信（嘉`` gave it two weak trigrams and ~1 s of
  re-checks), a pair is any two characters. The pairs' posting lists are first counted up to
  ``PAIR_FIRST_BOUND`` in one query; when every pair is that common, one by one, each up to
  the smallest count so far (``有限`` or ``公司`` is in nearly every name: counting each
  common pair to the routing bound read 150,000 index entries for ``鑫电器有限公``). When
  every pair is that common and the text is one word (no punctuation, which pg_trgm drops),
  the candidates are the names the pg_trgm index finds, exactly the matches: ``兴信息技``
  matches 265 names, its rarest pair 4,785, each candidate a primary-key lookup.

A page and its count plan the same text milliseconds apart (``CappedCountPaginator``), so
the index counts behind a plan are remembered for ``ROUTE_MEMO_SECONDS``: a choice of plan
only, every route returns the same rows, so a count a moment old can cost time, never rows.

How the page is read depends on how many candidates there are, counted first with a bound
(``PAGE_ROUTE_ROWS`` + 1, from the index alone: under a millisecond to a few):

- up to ``PAGE_ROUTE_ROWS``: ``id IN (candidates)``: the engine runs the index query once,
  looks the ids up by primary key (or by (county_id, id) under a county scope) and sorts them;
- more: the plain ``LIKE``, so that "first 25 by name" walks the ``name`` index and stops at
  the 25th match, instead of fetching and sorting every candidate. On SQLite the walk checks
  the name in the index itself (~0.1 µs a row), so the bound is low; on PostgreSQL every row
  walked is a heap fetch, so the bound is higher. Texts of 3 characters or more use the higher
  bound on both engines (``LONG_TEXT_PAGE_ROUTE_ROWS``): their matches often share a prefix
  and sit together far down the name index.

A *count* is planned differently on SQLite (``for_count=True``, for the list page's count
capped at 10,001 — ``kejin.core.ui.lists.CappedCountPaginator``): always through the
candidates, joined (see ``_joined``), which a bounded count stops reading at the bound, where a
``LIKE`` scan would read every name that does not match until it found that many that do. On
PostgreSQL the candidates of a broad query would first be fetched whole into the array below,
so a broad count takes the plain ``LIKE`` (a sequential or trigram-index scan that stops at
the bound), as the page does.

On PostgreSQL the candidates go in as ``unnest(ARRAY(…))``: an array the planner cannot see
into, so it looks the ids up by primary key. Given the plain subquery it may hash a scan of
every name for a count, or walk the ``name`` b-tree for "first 25 by name" expecting matches
spread evenly, where matches that share a prefix ("嘉兴华…") sit together far down it.

Known difference between the engines: PostgreSQL upper-cases every script (full-width "Ａ"
matches "ａ"); SQLite's ``LIKE`` only folds ASCII letters.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

FTS_TABLE = "enterprises_enterprise_name_fts"
GRAM_TABLE = "enterprises_enterprise_name_gram"
# A trigram index needs at least one trigram in the query; shorter ones are grams.
MIN_INDEXED_LENGTH = 3
MAX_GRAM_LENGTH = 2
# Above this many candidates a page in name order is read faster by walking the name index
# than by fetching and sorting every candidate (docs/performance.md, "Name search").
PAGE_ROUTE_ROWS = {"sqlite": 3_000, "postgresql": 30_000}
# The same for texts of 3 characters or more, either engine: their matches often share a
# prefix (浙江中…, 嘉兴华…) and sit together far down the name index, so walking it costs up to
# the whole index (浙江中, 3,002 rows: 128 ms CPU walking on SQLite, ~6 ms sorting).
LONG_TEXT_PAGE_ROUTE_ROWS = 30_000
# PostgreSQL, 3 characters or more: each pair's posting list is first counted up to this.
PAIR_FIRST_BOUND = 1_000
# How long the index counts behind a plan are reused (a page and its count: one request).
ROUTE_MEMO_SECONDS = 0.5
#: A plan's candidates: their SQL, its parameters, their number counted up to the bound + 1.
Route = tuple[str, list[str], int]
_route_memo: dict[tuple[str, str, str, int], tuple[float, Route | None]] = {}
_route_memo_lock = threading.Lock()


def enterprise_name_search(queryset: QuerySet, text: str, *, for_count: bool = False) -> QuerySet:
    """``queryset`` narrowed to enterprises whose name contains ``text`` (any case for A-Z).

    Keeps everything the caller did to ``queryset`` (the ``visible_to`` scoping, joins,
    ordering): it only adds conditions. An empty ``text`` narrows nothing.

    The rows are the same either way; ``for_count`` only changes the plan. By default the
    result is planned for reading a page in name order (a query with more than
    ``PAGE_ROUTE_ROWS`` candidates walks the ``name`` index); ``for_count=True`` plans it for
    a *bounded* ``count()`` (``qs[:limit].count()``): through the index however broad. On
    SQLite that queryset joins the index table: narrow it further with ``filter()``, but do
    not OR it with another queryset (``|``).
    """
    if not text:
        return queryset
    scan = queryset.filter(name__icontains=text)
    alias = queryset.db
    vendor = connections[alias].vendor
    if "\x00" in text or vendor not in PAGE_ROUTE_ROWS:
        # NUL would end the query string inside SQLite's C code; let the scan handle it.
        return scan
    bound = PAGE_ROUTE_ROWS[vendor]
    if len(text) > MAX_GRAM_LENGTH:
        bound = max(bound, LONG_TEXT_PAGE_ROUTE_ROWS)
    if for_count and vendor == "sqlite":
        # SQLite counts through the candidates however many: a rowid lookup each, where a
        # scan would read past every non-matching name.
        if len(text) > MAX_GRAM_LENGTH and not sqlite_has_trigram():
            return scan
        return _joined(scan, text)
    route = _route(alias, queryset.model._meta.db_table, text, bound)
    if route is None:
        return scan
    candidates_sql, params, counted = route
    # PostgreSQL must fetch broad candidates into an array first (see above), so there a
    # broad count scans as a broad page does: it stops at the bound.
    if counted > bound:
        return scan
    if for_count and len(text) > MAX_GRAM_LENGTH and counted > PAIR_FIRST_BOUND:
        # No rare pair: the pg_trgm index on UPPER(name) counts it faster (a bitmap scan in
        # heap order, stopping at the bound), measured ~2x on "嘉兴华" (11,217 rows).
        return scan
    if vendor == "postgresql":
        candidates_sql = f"SELECT unnest(ARRAY({candidates_sql}))"
    return scan.filter(pk__in=RawSQL(candidates_sql, params))


def _route(alias: str, table: str, text: str, bound: int) -> Route | None:
    """The candidates' SQL and parameters with their number counted up to ``bound`` + 1
    (None: no index can answer), remembered for ``ROUTE_MEMO_SECONDS``."""
    key = (alias, table, text, bound)
    now = time.monotonic()
    with _route_memo_lock:
        remembered = _route_memo.get(key)
    if remembered is not None and now - remembered[0] < ROUTE_MEMO_SECONDS:
        return remembered[1]
    candidates = _candidates(alias, table, text, bound)
    route: Route | None = None
    if candidates is not None:
        candidates_sql, params, counted = candidates
        if counted is None:
            counted = _candidate_count(alias, candidates_sql, params, bound)
        route = (candidates_sql, params, counted)
    with _route_memo_lock:
        for stale in [k for k, (at, _) in _route_memo.items() if now - at >= ROUTE_MEMO_SECONDS]:
            del _route_memo[stale]
        _route_memo[key] = (now, route)
    return route


def route_memo_clear() -> None:
    """Forget every remembered plan (tests and benchmarks that time one request each)."""
    with _route_memo_lock:
        _route_memo.clear()


def _joined(scan: QuerySet, text: str) -> QuerySet:
    """SQLite, for a bounded count: ``scan`` joined to its index, which the engine reads first
    and stops reading at the count's bound (each candidate a rowid lookup). ``id IN (index
    query)`` would first copy every candidate into a temporary index: 320,000 of them for
    ``兴``, ~100 ms before the first row is counted. Each index holds an enterprise at most
    once per key (the gram table's primary key, the FTS rowid), so the join adds no rows."""
    table = scan.model._meta.db_table
    if len(text) <= MAX_GRAM_LENGTH:
        where = [f"{GRAM_TABLE}.enterprise_id = {table}.id", f"{GRAM_TABLE}.gram = lower(%s)"]
        return scan.extra(tables=[GRAM_TABLE], where=where, params=[text])
    where = [f"{FTS_TABLE}.rowid = {table}.id", f"{FTS_TABLE} MATCH %s"]
    return scan.extra(tables=[FTS_TABLE], where=where, params=[fts_phrase(text)])


def _candidates(
    alias: str, table: str, text: str, bound: int
) -> tuple[str, list[str], int | None] | None:
    """The SQL and parameters of the ids an index finds for ``text`` (a superset of the
    matches), with their number if already counted up to ``bound`` + 1; None where no index
    can answer (then the caller scans)."""
    vendor = connections[alias].vendor
    fold = "lower" if vendor == "sqlite" else "upper"  # what icontains compares on the engine
    gram_sql = f"SELECT enterprise_id FROM {GRAM_TABLE} WHERE gram = {fold}(%s)"
    if len(text) <= MAX_GRAM_LENGTH:
        return gram_sql, [text], None
    if vendor == "sqlite":
        if not sqlite_has_trigram():
            return None
        fts_sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        return fts_sql, [fts_phrase(text)], None
    pairs = list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))
    # Most texts have a rare pair: find it reading few index entries, then, only if every
    # pair is common, count them one by one, each only up to the smallest count so far.
    counts = _pair_counts(alias, gram_sql, pairs, min(bound, PAIR_FIRST_BOUND))
    rarest = min(range(len(pairs)), key=counts.__getitem__)
    if counts[rarest] <= PAIR_FIRST_BOUND or bound <= PAIR_FIRST_BOUND:
        return gram_sql, [pairs[rarest]], counts[rarest]
    best = bound + 1
    for index, pair in enumerate(pairs):
        count = _candidate_count(alias, gram_sql, [pair], best - 1)
        if count < best:
            rarest, best = index, count
    if best <= bound and text.isalnum() and postgresql_trigrams_see_letters(alias):
        # Every pair is common but the text is one word: its trigrams (pg_trgm) find exactly
        # the matching names, often a small part of the rarest pair's list ("兴信息技": 265
        # names against 4,785 for "兴信"), and each candidate costs a primary-key lookup.
        return (
            f"SELECT id FROM {table} WHERE UPPER({table}.name::text) LIKE UPPER(%s)",
            [f"%{text}%"],
            best,
        )
    return gram_sql, [pairs[rarest]], best


@functools.cache
def postgresql_trigrams_see_letters(alias: str) -> bool:
    """Whether pg_trgm reads Chinese characters as letters in this database: its character
    classification (``LC_CTYPE``) is not ``C``/``POSIX``, where only ASCII is a letter and a
    Chinese text has no trigrams (see docs/performance.md, "Name search")."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
        ctype = cursor.fetchone()[0]
    return ctype not in ("C", "POSIX")


def _bounded_count_sql(candidates_sql: str) -> str:
    return f"SELECT count(*) FROM ({candidates_sql} LIMIT %s) AS candidates"


def _candidate_count(alias: str, candidates_sql: str, params: list[str], bound: int) -> int:
    """How many candidates the index finds, counted up to ``bound + 1`` only."""
    with connections[alias].cursor() as cursor:
        cursor.execute(_bounded_count_sql(candidates_sql), [*params, bound + 1])
        return cursor.fetchone()[0]


def _pair_counts(alias: str, gram_sql: str, pairs: list[str], bound: int) -> list[int]:
    """Each pair's posting list counted up to ``bound + 1``, in one query."""
    counts = ", ".join(f"({_bounded_count_sql(gram_sql)})" for _ in pairs)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT {counts}", [v for pair in pairs for v in (pair, bound + 1)])
        return list(cursor.fetchone())


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
