"""The enterprises' fact source: annual facts, derived facts and certificates, as columns.

``CATALOGUE`` documents the facts this app contributes to the facts catalogue
(``kejin.facts``): type, unit, where each comes from, what it means. ``iter_facts_frames``
reads the database in bounded chunks (keyset pagination by enterprise id, one query per
table per chunk) and yields polars frames with one row per enterprise; it gives the rows of
the whole facts frame (``kejin.facts.frame``), which joins the other sources in.
``ENTERPRISE_SOURCE`` is this app's entry in ``kejin.facts.sources.SOURCES``. Recognition
evaluates its rules over these frames.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import replace

import polars as pl
from django.db import connection

from kejin.enterprises.choices import CertificateKind
from kejin.facts.catalogue import AS_OF_DAY, Fact, FactSource
from kejin.facts.periods import years_before, years_between_series

__all__ = [
    "ANNUAL_FACTS",
    "CATALOGUE",
    "DERIVED_FACTS",
    "ENTERPRISE_SOURCE",
    "Fact",
    "build_facts_frame",
    "iter_facts_frames",
]


_ANNUAL = "企业年度数据（企业自报、部门数据或批量导入，逐项记录来源与时点）"
_COUNT, _MONEY, _FLAG = pl.Int64, pl.Float64, pl.Boolean

#: Facts stored per enterprise and year in AnnualFacts, read for the evaluation year.
ANNUAL_FACTS: tuple[Fact, ...] = (
    Fact(
        "employees",
        "职工总数",
        _COUNT,
        "人",
        _ANNUAL,
        "当年职工总数（含兼职、临时聘用人员，全年累计工作183天以上）",
    ),
    Fact(
        "tech_staff",
        "科技人员数",
        _COUNT,
        "人",
        _ANNUAL,
        "直接从事研发和相关技术创新活动及专门从事上述活动管理和提供直接技术服务的人员",
    ),
    Fact("revenue", "销售收入", _MONEY, "元", _ANNUAL, "主营业务收入与其他业务收入之和"),
    Fact("total_income", "总收入", _MONEY, "元", _ANNUAL, "收入总额减去不征税收入"),
    Fact("total_assets", "资产总额", _MONEY, "元", _ANNUAL, "年末资产总额"),
    Fact(
        "total_cost",
        "成本费用总额",
        _MONEY,
        "元",
        _ANNUAL,
        "主营业务成本、其他业务成本、销售费用、管理费用、财务费用之和",
    ),
    Fact("rd_expense", "研发费用", _MONEY, "元", _ANNUAL, "按研发费用归集口径的研究开发费用总额"),
    Fact("rd_expense_domestic", "境内研发费用", _MONEY, "元", _ANNUAL, "在中国境内发生的研发费用"),
    Fact(
        "high_tech_income",
        "高新技术产品(服务)收入",
        _MONEY,
        "元",
        _ANNUAL,
        "技术性收入与高新技术产品(服务)收入之和",
    ),
    Fact(
        "ip_class1",
        "Ⅰ类知识产权",
        _COUNT,
        "项",
        _ANNUAL,
        "有效的发明专利、植物新品种、国家新药、国家一级中药保护品种、集成电路布图设计专有权等",
    ),
    Fact(
        "ip_class2",
        "Ⅱ类知识产权",
        _COUNT,
        "项",
        _ANNUAL,
        "有效的实用新型专利、外观设计专利、软件著作权等（不含商标）",
    ),
    Fact("exports", "出口额", _MONEY, "元", _ANNUAL, "当年出口交货值"),
    Fact("tax_paid", "纳税额", _MONEY, "元", _ANNUAL, "当年实缴税金总额"),
    Fact(
        "key_field",
        "属于重点支持领域",
        _FLAG,
        "",
        _ANNUAL,
        "主要产品(服务)的核心技术属于《国家重点支持的高新技术领域》",
    ),
    Fact(
        "innovation_score",
        "创新能力评价得分",
        _COUNT,
        "分",
        _ANNUAL,
        "高新技术企业认定的专家创新能力评价（满分100）",
    ),
    Fact(
        "prohibited_industry",
        "属于禁止限制淘汰类",
        _FLAG,
        "",
        _ANNUAL,
        "产品和服务属于国家规定的禁止、限制和淘汰类",
    ),
    Fact(
        "major_accident",
        "重大安全质量事故",
        _FLAG,
        "",
        _ANNUAL,
        "上一年及当年内发生重大安全、重大质量事故（无记录视为未发生）",
    ),
    Fact(
        "serious_env_violation",
        "严重环境违法",
        _FLAG,
        "",
        _ANNUAL,
        "上一年及当年内有严重环境违法行为（无记录视为未发生）",
    ),
    Fact(
        "research_misconduct",
        "科研严重失信",
        _FLAG,
        "",
        _ANNUAL,
        "上一年及当年内有科研严重失信行为（无记录视为未发生）",
    ),
    Fact("abnormal_operations_list", "经营异常名录", _FLAG, "", _ANNUAL, "列入经营异常名录"),
    Fact(
        "serious_dishonesty_list",
        "严重违法失信名单",
        _FLAG,
        "",
        _ANNUAL,
        "列入严重违法失信企业名单",
    ),
)

#: Facts derived from the enterprise record, several years of facts, or certificates.
DERIVED_FACTS: tuple[Fact, ...] = (
    Fact(
        "resident_enterprise",
        "境内居民企业",
        _FLAG,
        "",
        "企业登记信息",
        "在中国境内注册（平台登记的企业均为境内注册）",
    ),
    Fact(
        "years_registered",
        "成立年限",
        pl.Float64,
        "年",
        "企业登记信息",
        "评价日距成立日期的年数（按日历计：满周年之日恰为整数年，2月29日成立的以2月28日为周年日）",
    ),
    Fact(
        "core_ip_owned",
        "拥有核心知识产权",
        _FLAG,
        "",
        "企业年度数据",
        "当年有效的Ⅰ类或Ⅱ类知识产权至少一项",
    ),
    Fact(
        "rd_expense_3y",
        "近三年研发费用",
        _MONEY,
        "元",
        "企业年度数据",
        "评价年度及前两年研发费用之和（成立不足三年的按实际年数；缺任一所需年度则未知）",
    ),
    Fact(
        "revenue_3y", "近三年销售收入", _MONEY, "元", "企业年度数据", "评价年度及前两年销售收入之和"
    ),
    Fact(
        "rd_expense_domestic_3y",
        "近三年境内研发费用",
        _MONEY,
        "元",
        "企业年度数据",
        "评价年度及前两年境内研发费用之和",
    ),
    Fact(
        "fiscal_years_3y",
        "近三年计算年数",
        _COUNT,
        "年",
        "企业登记信息",
        "近三年合计所用的会计年度数：3，成立不足三年的为实际经营的年度数",
    ),
    Fact(
        "high_tech_certificate_valid",
        "有效高新技术企业证书",
        _FLAG,
        "",
        "证书与资质",
        "评价日在有效期内的高新技术企业证书",
    ),
    Fact(
        "national_st_award_5y",
        "近五年国家级科技奖励",
        _FLAG,
        "",
        "证书与资质",
        "近五年获国家级科技奖励并在获奖单位中排前三",
    ),
    Fact(
        "provincial_rd_institution",
        "省部级以上研发机构",
        _FLAG,
        "",
        "证书与资质",
        "拥有经认定的省部级以上研发机构",
    ),
    Fact(
        "led_standard_5y",
        "近五年主导制定标准",
        _FLAG,
        "",
        "证书与资质",
        "近五年主导制定过国际、国家或行业标准",
    ),
)

_LABELS_EN = {
    "employees": "Employees",
    "tech_staff": "Science and technology staff",
    "revenue": "Sales revenue",
    "total_income": "Total income",
    "total_assets": "Total assets",
    "total_cost": "Total costs and expenses",
    "rd_expense": "R&D expenses",
    "rd_expense_domestic": "R&D expenses in China",
    "high_tech_income": "High-tech products (services) income",
    "ip_class1": "Class I intellectual property",
    "ip_class2": "Class II intellectual property",
    "exports": "Exports",
    "tax_paid": "Taxes paid",
    "key_field": "In a key supported high-tech field",
    "innovation_score": "Innovation capability score",
    "prohibited_industry": "In a prohibited, restricted or obsolete category",
    "major_accident": "Major safety or quality accident",
    "serious_env_violation": "Serious environmental violation",
    "research_misconduct": "Serious research misconduct",
    "abnormal_operations_list": "On the list of abnormal operations",
    "serious_dishonesty_list": "On the list of serious dishonesty",
    "resident_enterprise": "Resident enterprise in China",
    "years_registered": "Years since registration",
    "core_ip_owned": "Owns core intellectual property",
    "rd_expense_3y": "R&D expenses, last three years",
    "revenue_3y": "Sales revenue, last three years",
    "rd_expense_domestic_3y": "R&D expenses in China, last three years",
    "fiscal_years_3y": "Fiscal years in the three-year sums",
    "high_tech_certificate_valid": "Valid high-tech enterprise certificate",
    "national_st_award_5y": "National S&T award in the last five years",
    "provincial_rd_institution": "Provincial or higher R&D institution",
    "led_standard_5y": "Led a standard in the last five years",
}
_AS_OF_DAY = {
    "years_registered",
    "high_tech_certificate_valid",
    "national_st_award_5y",
    "provincial_rd_institution",
    "led_standard_5y",
}
ANNUAL_FACTS = tuple(replace(f, label_en=_LABELS_EN[f.name]) for f in ANNUAL_FACTS)
DERIVED_FACTS = tuple(
    replace(f, label_en=_LABELS_EN[f.name], as_of=AS_OF_DAY if f.name in _AS_OF_DAY else f.as_of)
    for f in DERIVED_FACTS
)
CATALOGUE: dict[str, Fact] = {f.name: f for f in (*ANNUAL_FACTS, *DERIVED_FACTS)}
_SUMMED_3Y = {
    "rd_expense": "rd_expense_3y",
    "revenue": "revenue_3y",
    "rd_expense_domestic": "rd_expense_domestic_3y",
}
_CERTIFICATE_FACTS = {
    CertificateKind.HIGH_TECH: ("high_tech_certificate_valid", None),
    CertificateKind.NATIONAL_AWARD: ("national_st_award_5y", 5),
    CertificateKind.RD_INSTITUTION: ("provincial_rd_institution", None),
    CertificateKind.STANDARD: ("led_standard_5y", 5),
}
_ENTERPRISE_SCHEMA = {"enterprise_id": pl.Int64, "county_id": pl.Int64, "founded_on": pl.Date}


def _sql_value(fact: Fact, table: str) -> str:
    # Money is NUMERIC in the database; read it as a double so no Decimal objects are made.
    # Flags as integers (cast to booleans in polars): no per-value conversion in Python.
    if fact.dtype is _MONEY:
        return f"CAST({table}.{fact.name} AS DOUBLE PRECISION)"
    if fact.dtype is _FLAG:
        return f"CAST({table}.{fact.name} AS INTEGER)"
    return f"{table}.{fact.name}"


def _sql_date(expression: str) -> str:
    # SQLite hands a DATE column to Django's per-value converter; cast to text it comes back
    # as the ISO string, which polars parses for the whole column at once.
    return f"CAST({expression} AS TEXT)" if connection.vendor == "sqlite" else expression


def iter_facts_frames(
    *,
    year: int,
    as_of: datetime.date | None = None,
    county_id: int | None = None,
    chunk_size: int = 50_000,
    enterprise_id: int | None = None,
) -> Iterator[pl.DataFrame]:
    """Facts frames of at most ``chunk_size`` enterprises each, for evaluation year ``year``.

    ``as_of`` (default: the end of ``year``) dates the certificate and age facts. Memory is
    bounded by the chunk: three queries per chunk, no per-enterprise queries.
    ``enterprise_id`` restricts every query to that one enterprise (a one-row frame, or none
    if it does not exist), for explaining a single result.
    """
    as_of = as_of or datetime.date(year, 12, 31)
    last_id = 0
    while True:
        enterprises = _fetch_enterprises(
            after_id=last_id, county_id=county_id, enterprise_id=enterprise_id, limit=chunk_size
        )
        if enterprises.height == 0:
            return
        first, last_id = enterprises["enterprise_id"][0], enterprises["enterprise_id"][-1]
        annual = _fetch_annual(first_id=first, last_id=last_id, year=year, county_id=county_id)
        certificates = _fetch_certificates(
            first_id=first, last_id=last_id, as_of=as_of, county_id=county_id
        )
        yield _assemble(enterprises, annual, certificates, year=year, as_of=as_of)
        if enterprises.height < chunk_size:
            return


def build_facts_frame(
    *,
    year: int,
    as_of: datetime.date | None = None,
    county_id: int | None = None,
    chunk_size: int = 50_000,
    enterprise_id: int | None = None,
) -> pl.DataFrame:
    """The whole facts frame (all enterprises, one county, or one enterprise) for evaluation
    year ``year``."""
    frames = list(
        iter_facts_frames(
            year=year,
            as_of=as_of,
            county_id=county_id,
            chunk_size=chunk_size,
            enterprise_id=enterprise_id,
        )
    )
    if frames:
        return pl.concat(frames, how="vertical")
    return _assemble(
        pl.DataFrame(schema=_ENTERPRISE_SCHEMA),
        pl.DataFrame(schema=_annual_schema()),
        pl.DataFrame(schema={"enterprise_id": pl.Int64, "kind": pl.Utf8, "valid_from": pl.Date}),
        year=year,
        as_of=as_of or datetime.date(year, 12, 31),
    )


def fetch_enterprise_facts(
    *, first_id: int, last_id: int, as_of: datetime.date, year: int
) -> pl.DataFrame:
    """The enterprises with ids in [first_id, last_id] and their facts (three queries)."""
    enterprises = _fetch(
        f"SELECT id, county_id, {_sql_date('founded_on')} FROM enterprises_enterprise "
        "WHERE id BETWEEN %s AND %s ORDER BY id",
        [first_id, last_id],
        _ENTERPRISE_SCHEMA,
    )
    annual = _fetch_annual(first_id=first_id, last_id=last_id, year=year, county_id=None)
    certificates = _fetch_certificates(
        first_id=first_id, last_id=last_id, as_of=as_of, county_id=None
    )
    return _assemble(enterprises, annual, certificates, year=year, as_of=as_of)


def _fetch(sql: str, params: list, schema: dict) -> pl.DataFrame:
    """Rows of ``sql`` as a frame of ``schema``; dates may come as ISO text, flags as 0/1."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # What the database hands over (see _sql_value and _sql_date), cast below.
    fetched: dict[pl.DataType | type[pl.DataType], pl.DataType | type[pl.DataType]] = {
        pl.Boolean: pl.Int64
    }
    if connection.vendor == "sqlite":
        fetched[pl.Date] = pl.Utf8
    frame = pl.DataFrame(
        rows,
        schema={name: fetched.get(dtype, dtype) for name, dtype in schema.items()},
        orient="row",
    )
    casts = []
    for name, dtype in schema.items():
        if dtype == pl.Date and frame.schema[name] == pl.Utf8:
            casts.append(pl.col(name).str.to_date("%Y-%m-%d"))
        elif frame.schema[name] != dtype:
            casts.append(pl.col(name).cast(dtype))
    return frame.with_columns(casts) if casts else frame


def _county_clause(county_id: int | None, column: str, params: list) -> str:
    if county_id is None:
        return ""
    params.append(county_id)
    return f" AND {column} = %s"


def _county_join(county_id: int | None, table: str) -> str:
    # The enterprise is joined only to filter by county (the foreign key guarantees it exists).
    if county_id is None:
        return ""
    return f" JOIN enterprises_enterprise e ON e.id = {table}.enterprise_id"


def _fetch_enterprises(
    *, after_id: int, county_id: int | None, enterprise_id: int | None, limit: int
) -> pl.DataFrame:
    params: list = [after_id]
    where = _county_clause(county_id, "county_id", params)
    if enterprise_id is not None:
        # The annual and certificate queries read ids between the chunk's first and last,
        # which are then both this id.
        params.append(enterprise_id)
        where += " AND id = %s"
    params.append(limit)
    sql = (
        f"SELECT id, county_id, {_sql_date('founded_on')} FROM enterprises_enterprise "
        f"WHERE id > %s{where} ORDER BY id LIMIT %s"
    )
    return _fetch(sql, params, _ENTERPRISE_SCHEMA)


def _annual_schema() -> dict:
    """One row per enterprise with facts in the three years: the evaluation year's facts
    and the three-year sums."""
    return {
        "enterprise_id": pl.Int64,
        **{f.name: f.dtype for f in ANNUAL_FACTS},
        **dict.fromkeys(_SUMMED_3Y.values(), _MONEY),
        **dict.fromkeys(_YEARS_3Y.values(), pl.Int64),
    }


#: How many of the three years had each summed fact (a sum with a needed year missing is
#: unknown, see _assemble).
_YEARS_3Y = {target: f"{target}_years" for target in _SUMMED_3Y.values()}


def _fetch_annual(*, first_id: int, last_id: int, year: int, county_id: int | None) -> pl.DataFrame:
    # One row per enterprise with facts in the three years: the database sums the three
    # years (missing when no year has the value) and joins the evaluation year's row, so a
    # third of the values of every year's row cross into Python.
    sums = ", ".join(
        f"SUM(CAST(s.{source} AS DOUBLE PRECISION)) AS {target}, "
        f"COUNT(s.{source}) AS {target}_years"
        for source, target in _SUMMED_3Y.items()
    )
    # In the order of _annual_schema: the sums, then how many years each had.
    counted = ", ".join([*_SUMMED_3Y.values(), *_YEARS_3Y.values()])
    columns = ", ".join(_sql_value(f, "a") for f in ANNUAL_FACTS)
    params: list = [first_id, last_id, year - 2, year]
    where = _county_clause(county_id, "e.county_id", params)
    params.append(year)
    sql = (
        f"SELECT w.enterprise_id, {columns}, {counted} FROM ("
        f"SELECT s.enterprise_id, {sums} FROM enterprises_annualfacts s"
        f"{_county_join(county_id, 's')} "
        f"WHERE s.enterprise_id BETWEEN %s AND %s AND s.year BETWEEN %s AND %s{where} "
        "GROUP BY s.enterprise_id) w "
        "LEFT JOIN enterprises_annualfacts a ON a.enterprise_id = w.enterprise_id AND a.year = %s"
    )
    return _fetch(sql, params, _annual_schema())


def _fetch_certificates(
    *, first_id: int, last_id: int, as_of: datetime.date, county_id: int | None
) -> pl.DataFrame:
    params: list = [first_id, last_id, as_of, as_of]
    where = _county_clause(county_id, "e.county_id", params)
    sql = (
        f"SELECT c.enterprise_id, c.kind, {_sql_date('c.valid_from')} "
        f"FROM enterprises_certificate c{_county_join(county_id, 'c')} "
        "WHERE c.enterprise_id BETWEEN %s AND %s AND c.valid_from <= %s "
        f"AND (c.valid_to IS NULL OR c.valid_to >= %s){where}"
    )
    return _fetch(sql, params, {"enterprise_id": pl.Int64, "kind": pl.Utf8, "valid_from": pl.Date})


def _assemble(
    enterprises: pl.DataFrame,
    annual: pl.DataFrame,
    certificates: pl.DataFrame,
    *,
    year: int,
    as_of: datetime.date,
) -> pl.DataFrame:
    # The fiscal years a three-year sum needs: three, or those since the founding year.
    fiscal_years = (
        (pl.lit(year, dtype=pl.Int64) - pl.col("founded_on").dt.year().cast(pl.Int64) + 1)
        .clip(1, 3)
        .alias("fiscal_years_3y")
    )
    frame = enterprises.join(
        annual, on="enterprise_id", how="left", maintain_order="left"
    ).with_columns(fiscal_years)
    frame = frame.with_columns(
        # A sum with a needed year missing is unknown (not a smaller sum).
        *(
            pl.when(pl.col(count) >= pl.col("fiscal_years_3y"))
            .then(pl.col(target))
            .otherwise(None)
            .alias(target)
            for target, count in _YEARS_3Y.items()
        ),
        pl.lit(True).alias("resident_enterprise"),
        years_between_series(enterprises["founded_on"], as_of).alias("years_registered"),
        # Missing when neither IP count is known.
        pl.when(pl.col("ip_class1").is_null() & pl.col("ip_class2").is_null())
        .then(None)
        .otherwise(pl.col("ip_class1").fill_null(0) + pl.col("ip_class2").fill_null(0) > 0)
        .alias("core_ip_owned"),
    ).drop(list(_YEARS_3Y.values()))
    flags = []
    for kind, (name, within_years) in _CERTIFICATE_FACTS.items():
        held = certificates.filter(pl.col("kind") == kind.value)
        if within_years:
            # Within the last N years: from the same calendar day N years before.
            held = held.filter(pl.col("valid_from") >= years_before(as_of, within_years))
        ids = held["enterprise_id"].unique()
        flags.append(pl.col("enterprise_id").is_in(ids.implode()).alias(name))
    return frame.with_columns(flags)


#: This app's entry in the facts catalogue (kejin.facts.sources.SOURCES).
ENTERPRISE_SOURCE = FactSource(
    name="enterprises", facts=(*ANNUAL_FACTS, *DERIVED_FACTS), fetch=fetch_enterprise_facts
)
