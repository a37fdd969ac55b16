"""``manage.py credit_catalogue_load``: load (or update) the default credit data catalogue,
``kejin/credit/reference/catalogue.json``. Idempotent; never deletes categories or fields."""

from django.core.management.base import BaseCommand, CommandError

from kejin.credit.catalogue import CatalogueError, credit_catalogue_load_default


class Command(BaseCommand):
    help = "加载或更新默认信用数据目录（按代码新建或更新类别和字段，不删除）。"

    def handle(self, *args, **options):
        try:
            result = credit_catalogue_load_default()
        except CatalogueError as exc:
            raise CommandError(f"{exc}\n未写入任何数据。") from exc
        self.stdout.write(
            f"类别：新建 {result.categories_created}，更新 {result.categories_updated}；"
            f"字段：新建 {result.fields_created}，更新 {result.fields_updated}。"
        )
