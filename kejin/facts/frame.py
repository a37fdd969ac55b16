"""The facts frame over every source: rows from the enterprises, each source joined in.

``iter_frames`` reads the rows in chunks (``kejin.facts.sources.ROWS``) and, for each chunk,
asks every other source that has a wanted fact for the chunk's id range, joining its frame
on ``enterprise_id`` (an enterprise a source knows nothing of gets missing values). Memory
stays bounded by the chunk; each source costs its own queries per chunk.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

import polars as pl

from kejin.facts.sources import registered_sources, rows_reader


def iter_frames(
    *,
    year: int,
    as_of: datetime.date | None = None,
    county_id: int | None = None,
    chunk_size: int = 50_000,
    enterprise_id: int | None = None,
    facts: Iterable[str] | None = None,
) -> Iterator[pl.DataFrame]:
    """Frames of at most ``chunk_size`` enterprises with every source's facts (or only the
    sources that have one of ``facts``)."""
    as_of = as_of or datetime.date(year, 12, 31)
    wanted = None if facts is None else set(facts)
    rows_source, *others = registered_sources()
    joined = [s for s in others if wanted is None or wanted & {f.name for f in s.facts}]
    for chunk in rows_reader()(
        year=year,
        as_of=as_of,
        county_id=county_id,
        chunk_size=chunk_size,
        enterprise_id=enterprise_id,
    ):
        yield join_sources(chunk, joined, as_of=as_of, year=year)


def build_frame(**kwargs) -> pl.DataFrame:
    """All of :func:`iter_frames` in one frame (with every column even when empty)."""
    frames = list(iter_frames(**kwargs))
    if frames:
        return pl.concat(frames, how="vertical")
    rows_source, *others = registered_sources()
    empty = pl.DataFrame(schema=rows_source.schema)
    wanted = kwargs.get("facts")
    joined = [s for s in others if wanted is None or set(wanted) & {f.name for f in s.facts}]
    return join_sources(empty, joined, as_of=datetime.date.today(), year=kwargs["year"])


def join_sources(chunk: pl.DataFrame, sources, *, as_of: datetime.date, year: int) -> pl.DataFrame:
    """``chunk`` with each source's facts for its id range joined on ``enterprise_id``."""
    if chunk.height:
        first, last = chunk["enterprise_id"].min(), chunk["enterprise_id"].max()
    for source in sources:
        if chunk.height:
            part = source.fetch(first_id=first, last_id=last, as_of=as_of, year=year)
            part = part.select(pl.col(name).cast(dtype) for name, dtype in source.schema.items())
        else:
            part = pl.DataFrame(schema=source.schema)
        chunk = chunk.join(part, on="enterprise_id", how="left", maintain_order="left")
    return chunk
