"""Import of enterprises and their annual facts from xlsx/csv files.

``columns`` names every column a file may have (the Chinese headers are the file format and
are never translated); the batch lifecycle, the tabular reader, leases, per-row audit and
the error report come from the shared ingestion framework (``kejin.ingest``), of which
this import is a client; ``templates`` builds the downloadable templates from them;
``readers`` turns an uploaded file into rows keyed by header; ``validation`` checks each row
and reports ``{"row", "column", "value", "reason"}``; ``services`` creates a batch and runs it
(validate everything, then write every valid row in one transaction); ``tasks`` runs a batch
in Celery; ``reports`` builds the error report. The pages (``views``) and the API (``api``)
only call these.
"""
