"""The published stages and labels, as the data migration creates them, for tests whose
database was flushed (transactional and browser tests)."""

import importlib

from django.db import connection
from django.db.migrations.loader import MigrationLoader

#: The data migration that publishes the default stages and labels (from before the list
#: moved to the registry app: it runs with its own historical models, on the same tables).
MIGRATION = ("enterprises", "0004_default_stages_and_labels")


def default_stages_and_labels_load() -> None:
    """Create the default stages and labels if missing (the migration's own ``load``)."""
    module = importlib.import_module(f"kejin.enterprises.migrations.{MIGRATION[1]}")
    module.load(MigrationLoader(connection).project_state(MIGRATION).apps, None)
