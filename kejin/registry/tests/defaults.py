"""The published stages and labels, as the data migration creates them, for tests whose
database was flushed (transactional and browser tests)."""

import importlib

from django.db import connection
from django.db.migrations.loader import MigrationLoader

#: The data migration that publishes the default stages and labels (from before the list
#: moved to the registry app: it runs with its own historical models, on the same tables).
MIGRATION = ("enterprises", "0004_default_stages_and_labels")


#: The data migration that makes each stage's and label's rule its version 1.
VERSIONS_MIGRATION = ("registry", "0004_rule_versions_from_criteria")


def default_stages_and_labels_load() -> None:
    """Create the default stages and labels if missing (the migration's own ``load``), and
    their rules' version 1 (the versions migration's ``load``)."""
    loader = MigrationLoader(connection)
    module = importlib.import_module(f"kejin.enterprises.migrations.{MIGRATION[1]}")
    module.load(loader.project_state(MIGRATION).apps, None)
    versions = importlib.import_module(f"kejin.registry.migrations.{VERSIONS_MIGRATION[1]}")
    versions.load(loader.project_state(VERSIONS_MIGRATION).apps, None)
