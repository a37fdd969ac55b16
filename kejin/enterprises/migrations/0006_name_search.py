"""Indexes for searching enterprises by any part of their name (kejin/enterprises/search.py).

SQLite: an FTS5 table with the ``trigram`` tokenizer, external content (rowid = enterprise
id), kept in step with ``enterprises_enterprise`` by three triggers, filled from the rows
already there. Skipped when this SQLite lacks FTS5 or the trigram tokenizer (3.34+): search
then scans, which is correct but slow.

PostgreSQL: the ``pg_trgm`` extension and a GIN trigram index on ``UPPER(name)``, the
expression Django's ``name__icontains`` compares, so the planner can use it.

Warning for later migrations: when Django has to rebuild ``enterprises_enterprise`` on SQLite
(most AlterField/RemoveField operations copy it into a new table), the triggers are dropped
with the old table. Such a migration must call :func:`sqlite_install` again afterwards
(``importlib.import_module("kejin.enterprises.migrations.0006_name_search")``); the
trigger tests in ``kejin/enterprises/tests/test_search.py`` fail until it does.
"""

import sqlite3

from django.db import migrations

FTS_TABLE = "enterprises_enterprise_name_fts"
TRIGGERS = {
    "insert": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON enterprises_enterprise
        BEGIN
            INSERT INTO {FTS_TABLE}(rowid, name) VALUES (new.id, new.name);
        END
    """,
    "delete": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON enterprises_enterprise
        BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name) VALUES ('delete', old.id, old.name);
        END
    """,
    "update": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update
        AFTER UPDATE OF id, name ON enterprises_enterprise
        WHEN old.id IS NOT new.id OR old.name IS NOT new.name
        BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name) VALUES ('delete', old.id, old.name);
            INSERT INTO {FTS_TABLE}(rowid, name) VALUES (new.id, new.name);
        END
    """,
}
PG_INDEX = "enterprises_enterprise_name_trgm"


def sqlite_has_trigram() -> bool:
    """Whether the SQLite library Django uses has FTS5 with the trigram tokenizer."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()
    return True


def sqlite_install(schema_editor) -> None:
    """Create (if missing) the FTS table and its triggers, then rebuild the index from the rows."""
    if not sqlite_has_trigram():
        return
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        "name, content='enterprises_enterprise', content_rowid='id', tokenize='trigram')"
    )
    for sql in TRIGGERS.values():
        schema_editor.execute(sql)
    schema_editor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        sqlite_install(schema_editor)
    elif vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON enterprises_enterprise "
            "USING gin (UPPER(name) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for event in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{event}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif vendor == "postgresql":
        # The extension stays: it is database-wide and other indexes may use it.
        schema_editor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0005_import_batches"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
