"""``manage.py reference_load <file.json>``: load or update regions, industries or departments.

This is how another city is configured: load its regions file (province → city → counties →
zones), then its departments file, and set ``KEJIN_CITY`` to the city's code. The file format
is the one of the bundled files in ``kejin/core/reference/``. A bad file loads nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record
from kejin.core.models import Department, Industry, Region
from kejin.core.reference.loader import (
    LoadResult,
    ReferenceDataError,
    reference_data_load,
    reference_file_read,
)


class _DryRunRollback(Exception):
    """Raised to roll back a dry run once everything has been checked and counted."""


def _audit_change(action: str, instance, before: dict | None, after: dict) -> None:
    """Record a reference row changed from the command line (actor: the system)."""
    audit_record(actor=None, action=action, instance=instance, before=before, after=after)


class Command(BaseCommand):
    # argparse needs plain strings, so the command's own help text is not translated.
    help = (
        "加载或更新参考数据文件（区划 regions、行业 industries 或部门 departments，JSON 格式同 "
        "kejin/core/reference/ 下的文件）。按代码新建或更新，不删除；文件有误时不写入任何数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="参考数据 JSON 文件的路径")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="只检查并报告将新建、更新多少条，不写入。",
        )

    def handle(self, *args, file: str, dry_run: bool, **options):
        try:
            data = reference_file_read(file)
            with transaction.atomic():
                result = reference_data_load(
                    data=data,
                    source=Path(file).name,
                    Region=Region,
                    Industry=Industry,
                    Department=Department,
                    on_change=_audit_change,
                )
                if dry_run:
                    raise _DryRunRollback
        except ReferenceDataError as exc:
            raise CommandError(
                _("{error}\n未写入任何数据，请修改文件后重试。").format(error=exc)
            ) from exc
        except _DryRunRollback:
            pass
        self._report(result, dry_run=dry_run, verbosity=options["verbosity"])
        if result.kind == "regions" and not dry_run:
            self._check_city()

    def _report(self, result: LoadResult, *, dry_run: bool, verbosity: int) -> None:
        template = (
            _(
                "{source}（{kind}）：将新建 {created} 条，更新 {updated} 条，{unchanged} 条不变（试运行，未写入）。"
            )
            if dry_run
            else _("{source}（{kind}）：新建 {created} 条，更新 {updated} 条，{unchanged} 条不变。")
        )
        self.stdout.write(
            template.format(
                source=result.source,
                kind=result.kind,
                created=len(result.created),
                updated=len(result.updated),
                unchanged=len(result.unchanged),
            )
        )
        if verbosity >= 2:
            for label, codes in ((_("新建"), result.created), (_("更新"), result.updated)):
                if codes:
                    self.stdout.write(f"  {label}：{'、'.join(codes)}")

    def _check_city(self) -> None:
        """Warn when the configured city is still missing or is not a city."""
        city = Region.objects.filter(code=settings.KEJIN_CITY).first()
        if city is None:
            self.stderr.write(
                _(
                    "提醒：KEJIN_CITY={code} 在区划中还不存在；请加载包含该市的区划文件，"
                    "或把 KEJIN_CITY 设为已加载的市级区划代码。"
                ).format(code=settings.KEJIN_CITY)
            )
        elif city.level != "city":
            self.stderr.write(
                _("提醒：KEJIN_CITY={code}（{name}）不是市级区划（level 为 {level}）。").format(
                    code=city.code, name=city.name, level=city.level
                )
            )
