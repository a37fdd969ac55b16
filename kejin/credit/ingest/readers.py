"""A batch pushed as JSON, read as a :class:`kejin.ingest.readers.Table` like a file.

The stored payload is ``{"category": code, "records": [{field code: value}, ...]}``; its
columns are the keys used by any record (checked by the category's ``match_header``) and a
record's row number is its position in the list (1 = the first).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _

from kejin.ingest.readers import HeaderMatcher, IngestFileError, Table


@contextmanager
def json_table_open(fileobj, *, match_header: HeaderMatcher) -> Iterator[Table]:
    try:
        payload = json.loads(fileobj.read().decode("utf-8"))
        records = payload["records"]
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise TypeError("records")
    except (ValueError, KeyError, TypeError) as exc:
        raise IngestFileError(_("批次数据不是有效的 JSON 记录列表，请重新提交。")) from exc
    keys = list(dict.fromkeys(key for record in records for key in record))
    columns = match_header(tuple(keys))
    raw = (
        (number, tuple(record.get(key) for key in keys))
        for number, record in enumerate(records, start=1)
    )
    yield Table(header_row=0, columns=columns, estimated_rows=len(records), _raw=raw)
