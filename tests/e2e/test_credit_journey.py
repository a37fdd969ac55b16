"""The credit journey of issue 7 through every role, each person at their own browser, signing
in and out through the login form:

the market-supervision bureau's data provider uploads an xlsx of administrative penalties
(two good rows for a registered enterprise, one bad row) and sees the batch's counts, quality
report and the reject (row, field, value, reason), and downloads the rejects report → a bank
asks for the enterprise's credit report (penalties and tax rating) → the enterprise's admin,
told on the home page, grants the penalties only → the bank reads the report (the penalties,
personal information masked; not the restricted tax rating) → the enterprise sees the read in
its log and disputes a penalty with a PDF; the record shows as under dispute on its records
page and on the public credit page (which never shows the tax rating) → the bureau corrects
it → the enterprise sees the resolution and the new version, the public page shows it, and
the bank's next read has the corrected amount marked as corrected.

This one journey replaces the two older ones (request → grant → read → log; dispute →
correction) and the public page's own test: it does all they did, with the data uploaded.

The batch runs in the request (Celery eager: no broker in tests). Every page is checked (no
other host, no CSP violation, no script error) and photographed.
"""

from __future__ import annotations

import datetime
import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.core.models import Department, Industry, Region
from kejin.core.reference.loader import reference_bundled_load
from kejin.credit.catalogue import credit_catalogue_load_default
from kejin.credit.models import CreditBatch, CreditRecord, Dispute, RecordCategory, ReportRead
from kejin.credit.tests.dispute_factories import CreditRecordFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.institutions.tests.factories import InstitutionFactory
from tests.e2e.navigation import nav

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PENALTY = "行政处罚（市场监管）"
FINE_ID = "JXSJ-CF-2026-0012"
WARNING_ID = "JXSJ-CF-2026-0031"
BAD_ID = "JXSJ-CF-2026-0047"


@pytest.fixture
def world(settings, tmp_path):
    """Jiaxing's regions and departments and the default credit catalogue (a transactional
    test starts from an empty database), an enterprise, a bank, and the people."""
    settings.MEDIA_ROOT = tmp_path / "media"
    reference_bundled_load(Region=Region, Industry=Industry, Department=Department)
    credit_catalogue_load_default()
    nanhu = Region.objects.get(code="330402")
    enterprise = EnterpriseFactory(name="嘉兴星河智能科技有限公司", county=nanhu)
    bank = InstitutionFactory(name="嘉兴银行科技支行", county=nanhu)
    market = Department.objects.get(code="jx-market-supervision")
    # Already on the platform: the tax bureau's rating of the enterprise (restricted).
    CreditRecordFactory(
        category=RecordCategory.objects.get(code="tax_rating"),
        enterprise=enterprise,
        source_record_id="SW-2025-00001",
    )
    UserFactory(username="market_provider", data_provider=True, department=market)
    UserFactory(username="bank_officer", institution_officer=True, institution=bank)
    UserFactory(username="xinghe_admin", enterprise_admin=True, enterprise=enterprise)
    return {"enterprise": enterprise, "bank": bank, "market": market}


def penalties_xlsx(path, uscc: str):
    """The bureau's export, with the catalogue's Chinese column names: a fine and a warning
    for the enterprise, and a row whose amount is negative."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "来源记录编号", "统一社会信用代码", "处罚决定书文号", "处罚决定日期", "违法行为",
            "处罚种类", "罚没金额", "严重程度", "处罚机关", "法定代表人姓名",
        ]
    )  # fmt: skip
    authority = "嘉兴市南湖区市场监督管理局"
    sheet.append(
        [
            FINE_ID, uscc, "嘉南市监罚〔2026〕12号", datetime.date(2026, 3, 2),
            "产品标签标注不规范", "罚款", 20000, "general", authority, "沈建华",
        ]
    )  # fmt: skip
    sheet.append(
        [
            WARNING_ID, uscc, "嘉南市监罚〔2026〕31号", datetime.date(2026, 5, 18),
            "未按规定公示年度报告", "警告", None, "general", authority, "沈建华",
        ]
    )  # fmt: skip
    sheet.append(
        [
            BAD_ID, uscc, "嘉南市监罚〔2026〕47号", datetime.date(2026, 6, 9),
            "虚假宣传", "罚款", -500, "general", authority, "沈建华",
        ]
    )  # fmt: skip
    workbook.save(path)
    return path


def sign_in(someone, live_server, username: str) -> None:
    page = someone.page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/")


def sign_out(someone, live_server) -> None:
    page = someone.page
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")


def test_provider_uploads_bank_asks_enterprise_grants_bank_reads_enterprise_disputes_bureau_corrects(  # noqa: E501
    person, live_server, world, tmp_path
):
    enterprise = world["enterprise"]
    provider, bank, admin, visitor = (
        person("provider"), person("bank"), person("enterprise"), person("visitor")
    )  # fmt: skip

    # 1. The bureau's data provider uploads the xlsx through the upload form.
    sign_in(provider, live_server, "market_provider")
    page = provider.page
    nav(page, "信用数据报送")
    expect(
        page.get_by_test_id("provider-categories").locator("[data-category='penalty_market']")
    ).to_contain_text(PENALTY)
    page.get_by_label("数据类别").select_option(label=PENALTY)
    page.get_by_label("文件").set_input_files(
        penalties_xlsx(tmp_path / "市场监管行政处罚.xlsx", enterprise.uscc)
    )
    provider.check("journey-provider-upload")
    page.get_by_test_id("upload-submit").click()

    # It ran at once: counts, the quality report, the reject with row, field, value, reason.
    expect(page).to_have_url(re.compile(r"/credit/ingest/batches/\d+/$"))
    expect(page.get_by_test_id("batch-phase")).to_have_text("处理完成。")
    counters = page.get_by_test_id("batch-counters")
    for counter, value in {
        "received": "3",
        "accepted": "2",
        "created": "2",
        "updated": "0",
        "rejected": "1",
        "unmatched": "0",
    }.items():
        expect(counters.locator(f"[data-counter='{counter}']")).to_have_text(value)
    quality = page.get_by_test_id("quality-rule")
    expect(quality).to_have_count(1)
    expect(quality.get_by_test_id("quality-rule-label")).to_have_text("金额或数量为负")
    expect(quality.get_by_test_id("quality-rule-count")).to_have_text("1")
    reject = page.get_by_test_id("reject-row")
    expect(reject).to_have_count(1)
    expect(reject.get_by_test_id("reject-line")).to_have_text("4")
    expect(reject.get_by_test_id("reject-field")).to_have_text("罚没金额")
    expect(reject.get_by_test_id("reject-value")).to_have_text("-500")
    expect(reject.get_by_test_id("reject-reason")).to_have_text(
        "“罚没金额”不能为负数，当前为-500元。"
    )
    expect(page.get_by_test_id("reject-count")).to_have_text("共 1 条问题，当前显示第 1–1 条。")
    provider.check("journey-provider-batch")
    batch = CreditBatch.objects.get()
    assert (batch.department, batch.accepted_count, batch.error_count) == (world["market"], 2, 1)
    with page.expect_download() as download:
        page.get_by_test_id("rejects-xlsx").click()
    assert download.value.suggested_filename == f"credit-batch-{batch.pk}-rejects.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert list(sheet.iter_rows(values_only=True)) == [
        ("行号", "列", "值", "原因"),
        (4, "罚没金额", "-500", "“罚没金额”不能为负数，当前为-500元。"),
    ]
    # The month's line of the bureau's quality dashboard counts the batch.
    nav(page, "信用数据报送")
    page.get_by_test_id("quality-link").click()
    month = page.get_by_test_id("quality-month")
    expect(month).to_have_count(1)
    expect(month.get_by_test_id("quality-month-received")).to_have_text("3")
    expect(month.get_by_test_id("quality-month-rejected")).to_have_text("1")
    expect(month.get_by_test_id("quality-month-rate")).to_have_text("66.7%")
    provider.check("journey-provider-quality")
    sign_out(provider, live_server)

    # 2. The bank asks for the report: penalties and the tax rating, for a loan pre-review.
    sign_in(bank, live_server, "bank_officer")
    page = bank.page
    nav(page, "信用报告授权")
    page.get_by_test_id("new-request").click()
    page.get_by_label("被查询企业的统一社会信用代码").fill(enterprise.uscc)
    page.get_by_label("查询用途").select_option("loan_pre_review")
    page.get_by_label("纳税信用等级", exact=True).check()
    page.get_by_label(PENALTY, exact=True).check()
    bank.check("journey-bank-request-form")
    page.get_by_test_id("submit-request").click()
    expect(page.get_by_test_id("request-state")).to_have_text("待授权")
    expect(page.get_by_test_id("requested-categories")).to_have_text(f"纳税信用等级、{PENALTY}")
    bank.check("journey-bank-request-pending")
    request_url = page.url
    sign_out(bank, live_server)

    # 3. The enterprise's admin is told on the home page, and grants the penalties only.
    sign_in(admin, live_server, "xinghe_admin")
    page = admin.page
    expect(page.get_by_test_id("reports-pending")).to_contain_text(
        "有1件信用报告查询申请等待您授权"
    )
    page.get_by_test_id("reports-pending").get_by_role("link").click()
    page.get_by_test_id("request-row").get_by_role("link").click()
    expect(page.get_by_test_id("institution")).to_have_text("嘉兴银行科技支行")
    expect(page.get_by_test_id("purpose")).to_have_text("贷前审查")
    grant = page.get_by_test_id("grant-form")
    grant.get_by_label("纳税信用等级", exact=True).uncheck()
    expect(grant.get_by_label(PENALTY, exact=True)).to_be_checked()
    admin.check("journey-enterprise-grant")
    page.get_by_test_id("grant-submit").click()
    expect(page.get_by_test_id("request-state")).to_have_text("已授权")
    expect(page.get_by_test_id("granted-categories")).to_have_text(PENALTY)
    admin.check("journey-enterprise-granted")
    sign_out(admin, live_server)

    # 4. The bank reads the report: the granted category only, the name masked.
    sign_in(bank, live_server, "bank_officer")
    page = bank.page
    page.goto(request_url)
    expect(page.get_by_test_id("request-state")).to_have_text("已授权")
    expect(page.get_by_test_id("granted-categories")).to_have_text(PENALTY)
    page.get_by_test_id("read-report").click()
    expect(page.get_by_test_id("report-heading")).to_have_text(
        "企业信用报告：嘉兴星河智能科技有限公司"
    )
    expect(page.get_by_test_id("report-section")).to_have_count(1)  # not the tax rating
    section = page.locator("[data-testid='report-section'][data-category='penalty_market']")
    rows = section.get_by_test_id("report-row")
    expect(rows).to_have_count(2)
    fine = rows.filter(has_text="嘉南市监罚〔2026〕12号")
    expect(fine).to_contain_text("产品标签标注不规范")
    expect(fine).to_contain_text("2.00 万元")
    expect(fine).to_contain_text("沈**")
    expect(section).not_to_contain_text("沈建华")
    expect(section).not_to_contain_text("嘉南市监罚〔2026〕47号")  # the rejected row
    expect(fine.get_by_test_id("dispute")).to_have_count(0)
    bank.check("journey-bank-report")
    sign_out(bank, live_server)

    # 5. The enterprise sees the read in its log, and disputes the fine with a PDF.
    sign_in(admin, live_server, "xinghe_admin")
    page = admin.page
    nav(page, "信用报告授权")
    page.get_by_test_id("read-log-link").click()
    reads = page.get_by_test_id("read-row")
    expect(reads).to_have_count(1)
    expect(reads.get_by_test_id("read-institution")).to_have_text("嘉兴银行科技支行")
    expect(reads.get_by_test_id("read-purpose")).to_have_text("贷前审查")
    expect(reads.get_by_test_id("read-format")).to_have_text("网页")
    expect(reads.get_by_test_id("read-categories")).to_have_text(PENALTY)
    admin.check("journey-enterprise-read-log")

    nav(page, "信用异议")
    page.get_by_role("link", name="本企业信用记录").click()
    row = page.get_by_test_id("record-row").filter(has_text=FINE_ID)
    expect(row.locator('[data-field="amount"]')).to_have_text("2.00 万元")
    admin.check("journey-enterprise-records")
    row.get_by_test_id("dispute-record").click()
    page.get_by_label("异议理由").fill("罚款金额应为2000元，录入时多写了一个0。")
    page.get_by_label("证明材料").set_input_files(
        files=[{"name": "行政处罚决定书.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    admin.check("journey-enterprise-dispute-form")
    page.get_by_role("button", name="提交异议").click()
    expect(page).to_have_url(re.compile(r"/credit/disputes/\d+/$"))
    expect(page.get_by_test_id("dispute-status")).to_have_text("处理中")
    expect(page.get_by_test_id("days-left")).to_have_text("剩余 20 个工作日")
    expect(page.get_by_test_id("attachments-filing")).to_contain_text("行政处罚决定书.pdf")
    admin.check("journey-enterprise-dispute-filed")
    nav(page, "信用异议")
    page.get_by_role("link", name="本企业信用记录").click()
    row = page.get_by_test_id("record-row").filter(has_text=FINE_ID)
    expect(row.get_by_test_id("record-dispute-state")).to_have_text("异议处理中")
    expect(row.get_by_test_id("dispute-record")).to_have_count(0)
    expect(
        page.get_by_test_id("record-row")
        .filter(has_text=WARNING_ID)
        .get_by_test_id("record-dispute-state")
    ).to_have_count(0)
    admin.check("journey-enterprise-records-under-dispute")
    sign_out(admin, live_server)

    # Anyone sees the mark on the public credit page, without signing in.
    page = visitor.page
    page.goto(f"{live_server.url}/credit/public/")
    page.get_by_test_id("public-search-input").fill("星河")
    page.get_by_test_id("public-search-submit").click()
    page.get_by_test_id("public-result").first.click()
    expect(page).to_have_url(re.compile(rf"/credit/public/{enterprise.uscc}/$"))
    expect(page.get_by_test_id("public-heading")).to_have_text("嘉兴星河智能科技有限公司")
    expect(page.get_by_test_id("public-section")).to_have_count(1)  # not the tax rating
    public = page.get_by_test_id("public-record")
    expect(public).to_have_count(2)
    expect(public.filter(has_text="嘉南市监罚〔2026〕12号").get_by_test_id("dispute")).to_have_text(
        "异议处理中"
    )
    expect(
        public.filter(has_text="嘉南市监罚〔2026〕31号").get_by_test_id("dispute")
    ).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("沈建华")
    visitor.check("journey-public-under-dispute")

    # 6. The bureau sees the dispute with its deadline and corrects the amount.
    sign_in(provider, live_server, "market_provider")
    page = provider.page
    nav(page, "信用异议")
    dispute_row = page.get_by_test_id("dispute-row").filter(has_text=FINE_ID)
    expect(dispute_row.get_by_test_id("days-left")).to_have_text("剩余 20 个工作日")
    provider.check("journey-provider-disputes")
    dispute_row.get_by_role("link", name="处理").click()
    expect(page.get_by_test_id("dispute-reason")).to_have_text(
        "罚款金额应为2000元，录入时多写了一个0。"
    )
    page.get_by_test_id("resolve-correct").click()
    page.get_by_label("罚没金额（元）").fill("2000")
    page.get_by_label("处理说明").fill("经核对处罚决定书，罚款金额为2000元，已更正。")
    provider.check("journey-provider-correct")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("dispute-status")).to_have_text("已更正")
    provider.check("journey-provider-resolved")
    sign_out(provider, live_server)

    # 7. The enterprise sees the resolution and the record's new version.
    sign_in(admin, live_server, "xinghe_admin")
    page = admin.page
    nav(page, "信用异议")
    page.get_by_test_id("status-closed").click()
    page.get_by_test_id("dispute-row").filter(has_text=FINE_ID).get_by_role(
        "link", name="查看"
    ).click()
    expect(page.get_by_test_id("dispute-status")).to_have_text("已更正")
    expect(page.get_by_test_id("resolution-note")).to_have_text(
        "经核对处罚决定书，罚款金额为2000元，已更正。"
    )
    expect(page.get_by_test_id("new-version").locator('[data-field="amount"]')).to_have_text(
        "2,000.00 元"
    )
    expect(page.get_by_test_id("disputed-record").locator('[data-field="amount"]')).to_have_text(
        "2.00 万元"
    )
    admin.check("journey-enterprise-resolved")
    nav(page, "信用异议")
    page.get_by_role("link", name="本企业信用记录").click()
    current = page.get_by_test_id("record-row").filter(has_text=FINE_ID)
    expect(current).to_contain_text("v2")
    expect(current.locator('[data-field="amount"]')).to_have_text("2,000.00 元")
    expect(current.get_by_test_id("record-dispute-state")).to_have_text("异议：已更正")
    admin.check("journey-enterprise-records-corrected")
    sign_out(admin, live_server)

    # The public page and the bank's next read show the corrected record, marked so.
    page = visitor.page
    page.reload()
    fine = page.get_by_test_id("public-record").filter(has_text="嘉南市监罚〔2026〕12号")
    expect(fine).to_contain_text("2,000.00 元")
    expect(fine.get_by_test_id("dispute")).to_have_text("异议：已更正")
    visitor.check("journey-public-corrected")
    sign_in(bank, live_server, "bank_officer")
    page = bank.page
    page.goto(request_url)
    page.get_by_test_id("read-report").click()
    fine = page.get_by_test_id("report-row").filter(has_text="嘉南市监罚〔2026〕12号")
    expect(fine).to_contain_text("2,000.00 元")
    expect(fine.get_by_test_id("dispute")).to_have_text("异议：已更正")
    bank.check("journey-bank-report-corrected")
    sign_out(bank, live_server)

    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.record.source_record_id) == ("corrected", FINE_ID)
    versions = CreditRecord.objects.filter(source_record_id=FINE_ID).order_by("version")
    assert [(r.version, r.status, r.data["amount"]) for r in versions] == [
        (1, "superseded", "20000.00"),
        (2, "current", "2000.00"),
    ]
    assert ReportRead.objects.filter(institution=world["bank"]).count() == 2
