"""Credit ingestion: data providers deliver records of a catalogue category as xlsx/csv or a
JSON list; each batch is checked row by row against the category (``validation``), upserted
by (category, source record id) with versions (``services``), and summarised for quality
(``kejin.credit.quality``). A client of the shared framework :mod:`kejin.ingest`."""
