"""A posting list of every 1- and 2-character piece of each enterprise name (search.py).

The trigram index of migration 0006 cannot answer queries of one or two characters, which
therefore scanned all names (~0.15–0.3 s at 10⁶ enterprises). This table holds, for each
enterprise, each distinct character and each distinct pair of adjacent characters of its
name, folded the way the engine's ``icontains`` folds (SQLite ``lower``: A–Z only;
PostgreSQL ``upper``), keyed ``(gram, enterprise_id)``: a 1–2 character query is one range
of the primary key.

It is kept in step by triggers on ``enterprises_enterprise`` (insert, delete, update of the
name), like the FTS table of 0006, so that every writer maintains it: services, ``save()``,
``QuerySet.update()``, ``bulk_create``, the demo data and the raw bulk inserts of the
benchmarks. The search re-checks every candidate with ``LIKE``, so a stale extra row (e.g.
after PostgreSQL's ``TRUNCATE``, which fires no row triggers) can never add a result; a
missing one would lose results, which the triggers prevent.

Warning for later migrations (as for 0006): when Django rebuilds ``enterprises_enterprise``
on SQLite, the triggers go with the old table; call :func:`sqlite_install` again afterwards.
"""

from django.db import migrations

GRAM_TABLE = "enterprises_enterprise_name_gram"

# SQLite triggers may not use WITH, so the positions 0..n-1 of a name of n characters come
# from json_each over a JSON array of n zeros built from zeroblob(n): '[0,0,…]'.
_SQLITE_GRAMS = """
    SELECT DISTINCT lower(substr({name}, p.key + 1, w.value)) AS gram, {id} AS enterprise_id
    FROM {table}json_each('[' || substr(replace(hex(zeroblob(length({name}))), '00', ',0'), 2) || ']') AS p,
         json_each('[1,2]') AS w
    WHERE p.key + w.value <= length({name})
"""
_SQLITE_INSERT = (
    f"INSERT OR IGNORE INTO {GRAM_TABLE}(gram, enterprise_id) "
    + _SQLITE_GRAMS.format(name="new.name", id="new.id", table="")
    + ";"
)
_SQLITE_DELETE = (
    f"DELETE FROM {GRAM_TABLE} WHERE enterprise_id = old.id AND gram IN "
    f"(SELECT gram FROM ({_SQLITE_GRAMS.format(name='old.name', id='old.id', table='')}));"
)
SQLITE_TRIGGERS = {
    "insert": f"""
        CREATE TRIGGER IF NOT EXISTS {GRAM_TABLE}_insert AFTER INSERT ON enterprises_enterprise
        BEGIN {_SQLITE_INSERT} END
    """,
    "delete": f"""
        CREATE TRIGGER IF NOT EXISTS {GRAM_TABLE}_delete AFTER DELETE ON enterprises_enterprise
        BEGIN {_SQLITE_DELETE} END
    """,
    "update": f"""
        CREATE TRIGGER IF NOT EXISTS {GRAM_TABLE}_update
        AFTER UPDATE OF id, name ON enterprises_enterprise
        WHEN old.id IS NOT new.id OR old.name IS NOT new.name
        BEGIN {_SQLITE_DELETE} {_SQLITE_INSERT} END
    """,
}

PG_FUNCTION = f"{GRAM_TABLE}_sync"
_PG_GRAMS = """
    SELECT DISTINCT upper(substr({name}, i, w)), {id}
    FROM generate_series(1, length({name})) AS i, (VALUES (1), (2)) AS widths(w)
    WHERE i + w - 1 <= length({name})
"""
PG_INSTALL = [
    f"""
    CREATE TABLE IF NOT EXISTS {GRAM_TABLE} (
        gram varchar(2) NOT NULL,
        enterprise_id bigint NOT NULL,
        PRIMARY KEY (gram, enterprise_id)
    )
    """,
    f"""
    CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.id = NEW.id AND OLD.name IS NOT DISTINCT FROM NEW.name THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM {GRAM_TABLE} WHERE enterprise_id = OLD.id AND gram IN (
                SELECT g.gram FROM ({_PG_GRAMS.format(name="OLD.name", id="OLD.id")}) AS g(gram, id)
            );
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {GRAM_TABLE}(gram, enterprise_id)
            {_PG_GRAMS.format(name="NEW.name", id="NEW.id")}
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    f"DROP TRIGGER IF EXISTS {GRAM_TABLE}_sync ON enterprises_enterprise",
    f"""
    CREATE TRIGGER {GRAM_TABLE}_sync
    AFTER INSERT OR DELETE OR UPDATE OF id, name ON enterprises_enterprise
    FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()
    """,
    f"""
    INSERT INTO {GRAM_TABLE}(gram, enterprise_id)
    SELECT DISTINCT upper(substr(e.name, i, w)), e.id
    FROM enterprises_enterprise AS e,
         generate_series(1, length(e.name)) AS i, (VALUES (1), (2)) AS widths(w)
    WHERE i + w - 1 <= length(e.name)
    ON CONFLICT DO NOTHING
    """,
]


def sqlite_install(schema_editor) -> None:
    """Create (if missing) the gram table and its triggers, then fill it from the names."""
    schema_editor.execute(
        f"CREATE TABLE IF NOT EXISTS {GRAM_TABLE} (gram TEXT NOT NULL, "
        "enterprise_id INTEGER NOT NULL, PRIMARY KEY (gram, enterprise_id)) WITHOUT ROWID"
    )
    for sql in SQLITE_TRIGGERS.values():
        schema_editor.execute(sql)
    schema_editor.execute(f"DELETE FROM {GRAM_TABLE}")
    schema_editor.execute(
        f"INSERT OR IGNORE INTO {GRAM_TABLE}(gram, enterprise_id) "
        + _SQLITE_GRAMS.format(name="e.name", id="e.id", table="enterprises_enterprise AS e, ")
    )


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        sqlite_install(schema_editor)
    elif vendor == "postgresql":
        for sql in PG_INSTALL:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for event in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {GRAM_TABLE}_{event}")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {GRAM_TABLE}_sync ON enterprises_enterprise")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    if vendor in ("sqlite", "postgresql"):
        schema_editor.execute(f"DROP TABLE IF EXISTS {GRAM_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0011_input_bounds"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
