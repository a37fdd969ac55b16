from django.apps import AppConfig


class IngestConfig(AppConfig):
    """Installed for its management command and Celery task (the dead-work sweep); the
    framework owns no table (``IngestBatch`` is abstract)."""

    name = "kejin.ingest"
    label = "ingest"
    verbose_name = "数据导入"
