"""``manage.py credit_records_match``: attach unmatched credit records to the enterprises
registered since they arrived (also run nightly by the ``credit.records_match`` task and at
the end of every batch)."""

from django.core.management.base import BaseCommand

from kejin.credit.ingest.services import credit_records_match


class Command(BaseCommand):
    help = "把尚未匹配企业的信用记录与此后登记的企业按统一社会信用代码匹配。"

    def handle(self, *args, **options):
        matched = credit_records_match()
        self.stdout.write(f"已匹配 {matched} 条信用记录。")
