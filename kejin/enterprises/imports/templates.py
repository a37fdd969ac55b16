"""Downloadable xlsx import templates, built from the column definitions.

Sheet 1 is what is filled in and uploaded: the Chinese headers in row 1 (required ones
highlighted), code columns formatted as text so Excel keeps leading zeros, drop-downs for
size and yes/no columns. Sheet 2 (填写说明) explains every column — meaning, unit, allowed
values, required or not — with an example row. Sheet 3 (代码表) lists the county, zone and
industry codes of this installation. The example row is on sheet 2, never among the data,
so an untouched template imports nothing.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kejin.core.choices import RegionLevel
from kejin.core.models import Industry, Region
from kejin.enterprises.choices import EnterpriseSize, ImportKind
from kejin.enterprises.imports import columns as c
from kejin.enterprises.imports.columns import (
    FACT_COLUMNS,
    YEAR_COLUMN,
    Column,
    column_unit,
    template_columns,
)
from kejin.enterprises.imports.validation import FIRST_YEAR

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BOLD = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")
_TEXT_TYPES = {c.USCC, c.COUNTY, c.ZONE, c.INDUSTRY, c.TEXT, c.NOTE}
_DATA_ROWS = 5000  # how far down formats and drop-downs reach


def template_filename(kind: str) -> str:
    return _("%(kind)s导入模板.xlsx") % {"kind": ImportKind(kind).label}


def allowed_values(column: Column) -> str:
    """What a cell of ``column`` may hold, for the explanation sheet."""
    described = {
        c.USCC: _("18位数字或大写字母（不使用I、O、Z、S、V），须通过校验"),
        c.COUNTY: _("“代码表”页中的县(市、区)代码"),
        c.ZONE: _("“代码表”页中的功能区代码，须属于所在县(市、区)；可留空"),
        c.INDUSTRY: _("“代码表”页中的行业代码（门类字母或两位大类代码）"),
        c.DATE: _("日期，如 2018-05-20、2018/05/20 或 Excel 日期"),
        c.SIZE: "、".join(str(label) for label in EnterpriseSize.labels),
        c.MONEY: _("不小于0的数字，最多两位小数，不带单位和文字"),
        c.COUNT: _("不小于0的整数"),
        c.SCORE: _("0至100的整数"),
        c.FLAG: _("是 或 否"),
        c.YEAR: _("%(first)s至%(last)s之间的四位年份")
        % {"first": FIRST_YEAR, "last": timezone.localdate().year},
        c.NOTE: _("任意（不导入）"),
    }
    if column.type == c.TEXT:
        if column.max_length:
            return _("文本，不超过%(n)s个字") % {"n": column.max_length}
        return _("文本")
    return str(described[column.type])


def import_template_workbook(kind: str) -> bytes:
    """The template of import ``kind`` as xlsx bytes."""
    workbook = Workbook()
    columns = template_columns(kind)
    _data_sheet(workbook.active, kind, columns)
    _explanation_sheet(workbook.create_sheet(_("填写说明")), kind, columns)
    _code_sheet(workbook.create_sheet(_("代码表")))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _data_sheet(sheet, kind: str, columns) -> None:
    sheet.title = str(ImportKind(kind).label)
    sheet.append([column.header for column in columns])
    sheet.freeze_panes = "A2"
    sizes = DataValidation(
        type="list", formula1='"' + ",".join(str(x) for x in EnterpriseSize.labels) + '"'
    )
    flags = DataValidation(type="list", formula1='"是,否"')
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index)
        header.font = _BOLD
        header.fill = _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        header.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.header) * 2 + 4))
        cells = f"{letter}2:{letter}{_DATA_ROWS}"
        # Column styles (no phantom cells): Excel applies them to what is typed in.
        if column.type in _TEXT_TYPES:
            sheet.column_dimensions[letter].number_format = "@"
        elif column.type == c.DATE:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if column.type == c.SIZE:
            sizes.add(cells)
        elif column.type == c.FLAG:
            flags.add(cells)
    for validation in (sizes, flags):
        if validation.sqref:
            sheet.add_data_validation(validation)


def _explanation_sheet(sheet, kind: str, columns) -> None:
    sheet.append([_("填写说明")])
    sheet["A1"].font = Font(bold=True, size=14)
    notes = [
        _(
            "1. 在第一个工作表填写：第1行为列名（请勿修改），第2行起每行一家企业；也可另存为 CSV（UTF-8 或 GBK 编码）上传。"
        ),
        _("2. 橙色列为必填，蓝色列可留空；留空的单元格不会覆盖平台中已有的数据。"),
        _(
            "3. 按统一社会信用代码识别企业（年度数据按代码和年度）：已有的更新，没有的新增；重复导入同一文件不会产生任何变化。"
        ),
        _(
            "4. 有错误的行不导入，其余行正常导入；导入完成后可下载错误报告（行号、列、值、原因），改正后重新导入。"
        ),
    ]
    if kind == ImportKind.ENTERPRISES:
        notes.append(
            _(
                "5. 可在右侧追加“年度”和“企业年度数据”模板中的数据列（如“职工总数(人)”），"
                "登记企业的同时导入该年度数据。"
            )
        )
    else:
        notes.append(_("5. 企业须已在平台登记（可先导入企业名录）；“企业名称”列仅供核对。"))
    for note in notes:
        sheet.append([str(note)])
    sheet.append([])
    table_header = [_("列名"), _("是否必填"), _("含义"), _("单位"), _("可填写的值"), _("示例")]
    sheet.append([str(h) for h in table_header])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = _BOLD
    listed = list(columns)
    if kind == ImportKind.ENTERPRISES:
        listed += [YEAR_COLUMN, *FACT_COLUMNS]
    for column in listed:
        if kind == ImportKind.ENTERPRISES and column in (YEAR_COLUMN, *FACT_COLUMNS):
            required = _("可选（追加年度数据时“年度”必填）")
        else:
            required = _("必填") if column.required else _("可留空")
        sheet.append(
            [
                column.header,
                str(required),
                str(column.meaning),
                column_unit(column),
                allowed_values(column),
                str(column.example or ""),
            ]
        )
    sheet.append([])
    sheet.append([str(_("示例（填写时请从第一个工作表的第2行开始）"))])
    sheet.cell(row=sheet.max_row, column=1).font = _BOLD
    sheet.append([column.header for column in columns])
    sheet.append([str(column.example or "") for column in columns])
    for letter, width in zip("ABCDEF", (26, 22, 60, 8, 44, 24), strict=True):
        sheet.column_dimensions[letter].width = width


def _code_sheet(sheet) -> None:
    sheet.append(
        [
            str(_("县(市、区)代码")),
            str(_("名称")),
            "",
            str(_("功能区代码")),
            str(_("名称")),
            str(_("所属县(市、区)")),
            "",
            str(_("行业代码")),
            str(_("行业名称")),
            str(_("层级")),
        ]
    )
    for cell in sheet[1]:
        cell.font = _BOLD
    counties = list(
        Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").values_list("code", "name")
    )
    zones = list(
        Region.objects.filter(level=RegionLevel.ZONE)
        .order_by("code")
        .values_list("code", "name", "reports_to__name")
    )
    industries = list(
        Industry.objects.filter(level__in=("section", "division"))
        .order_by("code")
        .values_list("code", "name", "level")
    )
    level_names = {"section": _("门类"), "division": _("大类")}
    rows = max(len(counties), len(zones), len(industries))
    for i in range(rows):
        county = counties[i] if i < len(counties) else ("", "")
        zone = zones[i] if i < len(zones) else ("", "", "")
        industry = industries[i] if i < len(industries) else ("", "", "")
        sheet.append(
            [
                county[0],
                county[1],
                "",
                zone[0],
                zone[1],
                zone[2] or "",
                "",
                industry[0],
                industry[1],
                str(level_names.get(industry[2], "")),
            ]
        )
    for letter, width in zip("ABCDEFGHIJ", (16, 12, 3, 14, 28, 14, 3, 10, 40, 8), strict=True):
        sheet.column_dimensions[letter].width = width
