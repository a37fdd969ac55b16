"""Demo users for ``manage.py demo_data``: one per role, all with one shared, printed password.

This module holds what accounts knows about them (:data:`DEMO_USERS`, :data:`DEMO_PASSWORD`,
the departments officers work in); ``kejin.web.demo.demo_users`` writes them, since the
enterprise and institution users belong to organisations of a higher layer. Departments are
the reference data's (``kejin/core/reference/departments.json``); a department it lacks is
created minimally (see :func:`demo_departments`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kejin.accounts.choices import Role
from kejin.core.choices import DepartmentKind
from kejin.core.demo import demo_regions
from kejin.core.models import Department, Region

# Passes Django's validators as configured: 14 characters, not common, not numeric.
DEMO_PASSWORD = "Kejin@2026demo"


@dataclass(frozen=True)
class _DemoDepartment:
    code: str  # the code in kejin/core/reference/departments.json, or ours if it has none
    name: str
    short_name: str
    kind: str
    region_code: str
    # Used when neither the code nor the name is found: any department matching this.
    fallback: tuple[tuple[str, str], ...]


_DEPARTMENTS = {
    "city": _DemoDepartment(
        "jx-science-technology",
        "嘉兴市科学技术局",
        "市科技局",
        DepartmentKind.GOVERNMENT,
        "330400",
        (("region__code", "330400"), ("kind", DepartmentKind.GOVERNMENT)),
    ),
    "tax": _DemoDepartment(
        "jx-tax",
        "国家税务总局嘉兴市税务局",
        "市税务局",
        DepartmentKind.DATA_PROVIDER,
        "330400",
        (("kind", DepartmentKind.DATA_PROVIDER), ("name__contains", "税务")),
    ),
    # The data-provider departments of the credit catalogue (kejin/credit/reference), one
    # demo login each, so that every category has a demo batch from its source department.
    **{
        key: _DemoDepartment(
            code,
            name,
            short,
            DepartmentKind.DATA_PROVIDER,
            "330400",
            (("code", code),),
        )
        for key, code, name, short in (
            ("market", "jx-market-supervision", "嘉兴市市场监督管理局", "市市场监管局"),
            ("court", "jx-intermediate-court", "嘉兴市中级人民法院", "嘉兴中院"),
            ("hrss", "jx-hrss", "嘉兴市人力资源和社会保障局", "市人力社保局"),
            ("housing_fund", "jx-housing-fund", "嘉兴市住房公积金管理中心", "市公积金中心"),
            ("ecology", "jx-ecology-environment", "嘉兴市生态环境局", "市生态环境局"),
            ("safety", "jx-emergency-management", "嘉兴市应急管理局", "市应急管理局"),
            ("grid", "jx-state-grid", "国网浙江省电力有限公司嘉兴供电公司", "国网嘉兴供电公司"),
            ("water", "jx-water", "嘉兴市水务投资集团有限公司", "嘉兴水务集团"),
            ("gas", "jx-gas", "嘉兴市燃气集团股份有限公司", "嘉兴燃气集团"),
            ("pbc", "jx-pbc", "中国人民银行嘉兴市分行", "人行嘉兴市分行"),
        )
    },
    # The reference data has no county science bureaus; a county officer works in the
    # county's bureau if it exists, else in any government department of the county.
    "330402": _DemoDepartment(
        "nanhu-science-technology",
        "嘉兴市南湖区科学技术局",
        "南湖区科技局",
        DepartmentKind.GOVERNMENT,
        "330402",
        (("region__code", "330402"), ("kind", DepartmentKind.GOVERNMENT)),
    ),
    "330481": _DemoDepartment(
        "haining-science-technology",
        "海宁市科学技术局",
        "海宁市科技局",
        DepartmentKind.GOVERNMENT,
        "330481",
        (("region__code", "330481"), ("kind", DepartmentKind.GOVERNMENT)),
    ),
}


def _department(spec: _DemoDepartment, *, regions: dict[str, Region]) -> Department:
    """The department with ``spec``'s code or name, else one matching its fallback, else created."""
    found = (
        Department.objects.filter(code=spec.code).first()
        or Department.objects.filter(name=spec.name).order_by("code").first()
        or Department.objects.filter(**dict(spec.fallback)).order_by("code").first()
    )
    if found:
        return found
    return Department.objects.create(
        code=spec.code,
        name=spec.name,
        short_name=spec.short_name,
        kind=spec.kind,
        region=regions[spec.region_code],
    )


def demo_departments() -> dict[str, Department]:
    """The departments demo officers work in, keyed ``city``, ``tax`` and by county code.

    Reference-data rows are used as they are; only a department with no counterpart there
    (today the county science bureau of 南湖区) is created, minimally.
    """
    regions = demo_regions()
    return {key: _department(spec, regions=regions) for key, spec in _DEPARTMENTS.items()}


# The demo logins, also listed on the login page of a development checkout
# (``kejin.accounts.views.demo_users_hint`` reads ``username``, ``role`` and ``note``).
# ``organisation`` names what the user belongs to: the demo enterprise, tech sub-branch or
# insurer passed to ``kejin.web.demo.demo_users``, or a key of :func:`demo_departments`.
DEMO_USERS: tuple[dict, ...] = (
    {"username": "enterprise_admin", "full_name": "沈嘉禾", "role": Role.ENTERPRISE_ADMIN,
     "organisation": "enterprise", "note": "南湖区演示企业的管理员"},
    {"username": "enterprise_staff", "full_name": "陆晓雯", "role": Role.ENTERPRISE_STAFF,
     "organisation": "enterprise", "note": "同一企业的员工"},
    {"username": "bank_manager", "full_name": "周立群", "role": Role.INSTITUTION_MANAGER,
     "organisation": "institution", "note": "科技支行管理员"},
    {"username": "bank_officer", "full_name": "钱思远", "role": Role.INSTITUTION_OFFICER,
     "organisation": "institution", "note": "同一科技支行的业务员"},
    {"username": "insurer_officer", "full_name": "顾明轩", "role": Role.INSTITUTION_OFFICER,
     "organisation": "insurer", "note": "人保财险嘉兴分公司：科技保险保单、统保承保确认"},
    {"username": "city_officer", "full_name": "朱海峰", "role": Role.CITY_OFFICER,
     "organisation": "city", "note": "嘉兴市科学技术局，全市"},
    {"username": "county_nanhu", "full_name": "褚建国", "role": Role.COUNTY_OFFICER,
     "organisation": "330402", "note": "南湖区，只见本区数据"},
    {"username": "county_haining", "full_name": "许文静", "role": Role.COUNTY_OFFICER,
     "organisation": "330481", "note": "海宁市，只见本市数据"},
    {"username": "data_tax", "full_name": "范立新", "role": Role.DATA_PROVIDER,
     "organisation": "tax", "note": "国家税务总局嘉兴市税务局"},
    {"username": "data_market", "full_name": "王建明", "role": Role.DATA_PROVIDER,
     "organisation": "market", "note": "市市场监管局：处罚、经营异常、失信名单、专利商标"},
    {"username": "data_court", "full_name": "李雪梅", "role": Role.DATA_PROVIDER,
     "organisation": "court", "note": "嘉兴中院：裁判文书、失信被执行人"},
    {"username": "data_hrss", "full_name": "陈国栋", "role": Role.DATA_PROVIDER,
     "organisation": "hrss", "note": "市人力社保局：社会保险"},
    {"username": "data_housing_fund", "full_name": "吴晓燕", "role": Role.DATA_PROVIDER,
     "organisation": "housing_fund", "note": "市公积金中心：住房公积金"},
    {"username": "data_ecology", "full_name": "孙立伟", "role": Role.DATA_PROVIDER,
     "organisation": "ecology", "note": "市生态环境局：环境行政处罚"},
    {"username": "data_safety", "full_name": "郑海波", "role": Role.DATA_PROVIDER,
     "organisation": "safety", "note": "市应急管理局：安全生产行政处罚"},
    {"username": "data_grid", "full_name": "冯志刚", "role": Role.DATA_PROVIDER,
     "organisation": "grid", "note": "国网嘉兴供电公司：电费欠费"},
    {"username": "data_water", "full_name": "蒋丽华", "role": Role.DATA_PROVIDER,
     "organisation": "water", "note": "嘉兴水务集团：水费欠费"},
    {"username": "data_gas", "full_name": "韩文涛", "role": Role.DATA_PROVIDER,
     "organisation": "gas", "note": "嘉兴燃气集团：燃气费欠费"},
    {"username": "data_pbc", "full_name": "杨振宇", "role": Role.DATA_PROVIDER,
     "organisation": "pbc", "note": "人行嘉兴市分行：金融机构报送的贷款还款记录"},
    {"username": "data_science", "full_name": "何嘉怡", "role": Role.DATA_PROVIDER,
     "organisation": "city", "note": "市科技局：荣誉与资质证书"},
    {"username": "admin", "full_name": "平台管理员", "role": Role.PLATFORM_ADMIN,
     "organisation": None, "note": "用户、参考数据与审计"},
)  # fmt: skip
