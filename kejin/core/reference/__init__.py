"""Reference data shipped as JSON (regions, industries, departments) and the loader shared by
the data migration and the ``reference_load`` command."""
