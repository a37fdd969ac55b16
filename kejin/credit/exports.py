"""Downloads of a credit report: PDF (reportlab, with an embedded Chinese font) and xlsx.

``report_download`` reads the report through the access function and renders it in the same
transaction: if rendering fails (e.g. the font is missing), the read log row is rolled back
with it, so a log row always means a report was delivered.

The PDF embeds WenQuanYi Micro Hei (Debian package ``fonts-wqy-microhei``, installed by
``scripts/ensure-browser.sh``, which ``make test`` and CI run). Another font file can be named
with the setting ``KEJIN_PDF_FONT`` (a .ttf, or a .ttc whose first face is used). Without it
a PDF download answers 503 ``export_unavailable`` saying what to install.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.credit.choices import ReportFormat
from kejin.credit.reports import Report, credit_report_for

DEFAULT_PDF_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
_FONT_NAME = "KejinCJK"
_registered: str | None = None  # the font file registered with reportlab in this process


def pdf_font_path() -> Path:
    """The font file the PDF embeds, or ``export_unavailable`` naming what to install."""
    path = Path(getattr(settings, "KEJIN_PDF_FONT", DEFAULT_PDF_FONT))
    if not path.is_file():
        raise ApplicationError(
            ErrorCode.EXPORT_UNAVAILABLE,
            _(
                "服务器缺少生成PDF所需的中文字体文件 %(path)s，暂时无法下载PDF。"
                "请平台管理员安装 Debian 软件包 fonts-wqy-microhei"
                "（apt-get install fonts-wqy-microhei）后重试；Excel下载不受影响。"
            )
            % {"path": path},
        )
    return path


def _register_font() -> str:
    global _registered
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = pdf_font_path()
    if _registered != str(path):
        pdfmetrics.registerFont(TTFont(_FONT_NAME, str(path), subfontIndex=0))
        _registered = str(path)
    return _FONT_NAME


def _summary(report: Report) -> list[tuple[str, str]]:
    request = report.request
    return [
        (_("被查询企业"), report.enterprise.name),
        (_("统一社会信用代码"), report.enterprise.uscc),
        (_("查询机构"), report.institution.name),
        (_("查询用途"), request.get_purpose_display()),
        (_("授权有效期至"), request.valid_until.isoformat() if request.valid_until else "—"),
        (_("查询时间"), timezone.localtime(report.read.read_at).strftime("%Y-%m-%d %H:%M:%S")),
        (_("查询编号"), str(report.read.pk)),
    ]


def report_pdf(report: Report) -> bytes:
    """The report as a PDF (A4, Chinese text in the embedded font)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _register_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=6)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=18, spaceBefore=8)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=colors.grey)

    def cell(text) -> Paragraph:
        return Paragraph(str(text).replace("&", "&amp;").replace("<", "&lt;"), body)

    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    story: list = [Paragraph(_("企业信用报告"), title)]
    story.append(
        Table([[cell(k), cell(v)] for k, v in _summary(report)], colWidths=[35 * mm, None])
    )
    for section in report.sections:
        story.append(Paragraph(section.category.name, heading))
        if section.masked:
            story.append(Paragraph(_("个人信息已按规定遮蔽。"), small))
        if not section.rows:
            story.append(Paragraph(_("无记录。"), body))
            continue
        header = [cell(_("事件日期")), *(cell(c) for c in section.columns), cell(_("异议"))]
        rows = [
            [cell(row.event_date.isoformat()), *(cell(v) for v in row.values), cell(row.dispute)]
            for row in section.rows
        ]
        table = Table([header, *rows], repeatRows=1)
        table.setStyle(grid)
        story.append(table)
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(
            _("本报告依据企业授权出具，仅限上述用途使用；每次查询均已记录并向企业公开。"), small
        )
    )
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=str(_("企业信用报告")),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    ).build(story)
    return buffer.getvalue()


def report_xlsx(report: Report) -> bytes:
    """The report as a workbook: a summary sheet and one sheet per category. Every value is
    written as text (never a formula)."""
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(str(_("概要")))
    for key, value in _summary(report):
        summary.append([str(key), str(value)])
    used: set[str] = set()
    for section in report.sections:
        name = _sheet_name(section.category.name, used)
        sheet = workbook.create_sheet(name)
        sheet.append([str(_("事件日期")), *section.columns, str(_("异议"))])
        for row in section.rows:
            sheet.append([row.event_date.isoformat(), *map(_text, row.values), row.dispute])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text(value: str) -> str:
    # A leading "=" would make a spreadsheet evaluate the cell; keep it text.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:28] or "sheet"
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base}{number}", number + 1
    used.add(candidate)
    return candidate


def report_download(
    *, user, grant: int, format: str, ip_address: str | None = None
) -> tuple[bytes, str]:
    """The report of ``grant`` as a file (``pdf`` or ``xlsx``) and its file name, read and
    logged through ``credit_report_for``; the log row is rolled back if rendering fails."""
    if format == ReportFormat.PDF:
        pdf_font_path()  # refuse before reading anything
    renderers: dict[str, Callable[[Report], bytes]] = {
        ReportFormat.PDF: report_pdf,
        ReportFormat.XLSX: report_xlsx,
    }
    render = renderers[format]
    with transaction.atomic():
        report = credit_report_for(user=user, grant=grant, format=format, ip_address=ip_address)
        content = render(report)
    day = timezone.localtime(report.read.read_at).strftime("%Y%m%d")
    return content, f"credit-report-{report.enterprise.uscc}-{day}.{format}"
