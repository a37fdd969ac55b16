"""``manage.py demo_data``: load seeded, realistic demo data for every module and print the logins.

Idempotent: enterprises and institutions are upserted by USCC, users by username, annual
facts by enterprise and year and certificates by enterprise, kind and number, so a second run
with the same options leaves the same rows and counts (it resets the demo users' passwords,
roles and lock-outs; the list is re-evaluated for the last year only, which records no
change). Seeded: ``--seed`` fixes every generated value. Fast: bulk
upserts in batches. Atomic: all or nothing.

Demo data is written with bulk operations and is **not audited**: it stands for records that
exist before the platform is used, not for changes anyone made. Each row still passes
``full_clean()``. The builders live with their apps (``kejin.<app>.demo``); later modules add
theirs here.
"""

from __future__ import annotations

import random
import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kejin.accounts.models import User
from kejin.core.demo import DemoReferenceMissing
from kejin.core.money import format_yuan
from kejin.credit.demo_disputes import credit_disputes_demo
from kejin.credit.demo_records import credit_records_demo
from kejin.credit.demo_reports import credit_reports_demo, demo_minimal_credit_records
from kejin.credit.demo_scoring import demo_scoring
from kejin.enterprises.demo import demo_enterprises
from kejin.enterprises.demo_facts import demo_annual_facts
from kejin.financing.demo import demo_financing
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.demo import demo_institutions
from kejin.policies.demo import demo_policies
from kejin.registry.demo import demo_list_size, demo_registry_evaluate
from kejin.web.demo import DemoCredential, demo_users

DEFAULT_SEED = 2017  # the year of the Jiaxing sci-tech finance action plan
DEFAULT_ENTERPRISES = 2000


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def credentials_table(credentials: list[DemoCredential]) -> str:
    """The demo logins as an aligned text table (username, password, role, organisation)."""
    rows = [("用户名", "密码", "角色", "所属单位")] + [
        (c.username, c.password, c.role_label, c.organisation) for c in credentials
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "加载演示数据（可重复运行，结果相同）并打印演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"随机种子（默认 {DEFAULT_SEED}）"
        )
        parser.add_argument(
            "--enterprises",
            type=int,
            default=DEFAULT_ENTERPRISES,
            help=f"演示企业数量（默认 {DEFAULT_ENTERPRISES}）",
        )

    def handle(self, *args, seed: int, enterprises: int, **options) -> None:
        if enterprises < 1:
            raise CommandError("--enterprises 至少为 1（演示企业用户需要一家企业）。")
        started = time.monotonic()
        rng = random.Random(seed)
        try:
            with transaction.atomic():
                enterprise_rows = demo_enterprises(rng=rng, count=enterprises)
                institution_rows = demo_institutions(rng=rng)
                credentials = demo_users(
                    enterprise=enterprise_rows[0],  # always in 南湖区
                    institution=next(
                        i for i in institution_rows if i.kind == InstitutionKind.TECH_SUB_BRANCH
                    ),
                    insurer=next(
                        (i for i in institution_rows if i.kind == InstitutionKind.INSURER), None
                    ),
                )
                # Three years of facts, then the list evaluated for 2023 and 2024 (entries
                # and a history of changes); a re-run re-evaluates 2024 only.
                facts = demo_annual_facts(rng_seed=seed, enterprises=enterprise_rows)
                demo_registry_evaluate()
                on_list = demo_list_size()
                # Credit records after the registry: every category, through the ingestion.
                credit = credit_records_demo(enterprises=enterprise_rows, rng=rng)
                # Credit: a few records of the demo enterprise if none are loaded yet, then
                # report requests in every state and reads, and disputes in every state.
                demo_minimal_credit_records(enterprise=enterprise_rows[0])
                reports = credit_reports_demo(
                    enterprises=enterprise_rows[:3],
                    institution=next(
                        i for i in institution_rows if i.kind == InstitutionKind.TECH_SUB_BRANCH
                    ),
                    requester=User.objects.get(username="bank_officer"),
                    admin=User.objects.get(username="enterprise_admin"),
                )
                disputes = credit_disputes_demo()
                # Credit scoring last: it reads every credit record the demo wrote.
                scoring = demo_scoring(rng_seed=seed)
                # Financing: products, demands in every state with their events, and loans.
                financing = demo_financing(
                    rng=random.Random(seed),
                    enterprises=enterprise_rows,
                    institutions=institution_rows,
                )
                # Policies after financing: claims on its defaulted loans, the demo insurer.
                policies = demo_policies(rng=random.Random(seed), enterprises=enterprise_rows)
        except DemoReferenceMissing as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已就绪：企业 {len(enterprise_rows)} 家，金融机构 {len(institution_rows)} 家，"
                f"演示账号 {len(credentials)} 个，企业年度数据 {facts.annual_facts} 条，"
                f"名单库在库企业 {on_list} 家，信用记录批次 {credit.batches} 个"
                f"（{credit.records} 条，{credit.skipped} 个已报送过），信用报告查询申请 {reports.requests} 件、"
                f"查询记录 {reports.reads} 条，新增信用异议 {disputes} 件，"
                f"信用评分 {scoring.counts.scored} 家，金融产品 {financing.products} 个、"
                f"融资需求 {financing.demands.demands} 件、贷款 {financing.demands.loans} 笔，"
                f"已发布政策 {policies.published} 项、政策申报 {policies.records.applications} 件、"
                f"科技保险保单 {policies.records.insurance_policies} 份、"
                f"统保企业 {policies.records.group_members} 户、"
                f"风险补偿资金池余额 {format_yuan(policies.records.fund_balance)}"
                f"（种子 {seed}，用时 {time.monotonic() - started:.1f} 秒）。"
            )
        )
        self.stdout.write(credentials_table(credentials))
