"""Reference data: what the data migration loads, the shared loader, the reference_load
command and the city/county helpers."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from kejin.core.models import AuditEvent, Department, Industry, Region
from kejin.core.reference.loader import (
    BUNDLED_FILES,
    REFERENCE_DIR,
    reference_bundled_load,
    reference_data_load,
)
from kejin.core.regions import city_counties, city_region, county_for

pytestmark = pytest.mark.django_db

JIAXING_COUNTIES = [
    ("330402", "南湖区"),
    ("330411", "秀洲区"),
    ("330421", "嘉善县"),
    ("330424", "海盐县"),
    ("330481", "海宁市"),
    ("330482", "平湖市"),
    ("330483", "桐乡市"),
]
SECTION_DIVISIONS = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}


def _table_snapshot():
    """Every reference row as plain values, to compare before and after."""
    return (
        list(
            Region.objects.order_by("code").values_list(
                "code", "name", "level", "parent__code", "reports_to__code"
            )
        ),
        list(
            Industry.objects.order_by("code").values_list("code", "name", "level", "parent__code")
        ),
        list(
            Department.objects.order_by("code").values_list(
                "code",
                "name",
                "short_name",
                "kind",
                "region__code",
                "former_names",
                "provides_data",
            )
        ),
    )


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return str(path)


# --------------------------------------------------------------------------- regions


def test_zhejiang_contains_jiaxing():
    jiaxing = Region.objects.get(code="330400")
    assert (jiaxing.name, jiaxing.level) == ("嘉兴市", "city")
    assert (jiaxing.parent.code, jiaxing.parent.name, jiaxing.parent.level) == (
        "330000",
        "浙江省",
        "province",
    )
    assert jiaxing.parent.parent is None


def test_jiaxing_has_exactly_its_seven_counties_with_gbt2260_codes():
    counties = Region.objects.filter(parent__code="330400", level="county").order_by("code")
    assert list(counties.values_list("code", "name")) == JIAXING_COUNTIES
    assert not counties.filter(reports_to__isnull=False).exists()


def test_every_zone_reports_to_a_county_of_jiaxing():
    zones = Region.objects.filter(level="zone").select_related("parent", "reports_to")
    assert {z.code: (z.name, z.reports_to.code) for z in zones} == {
        "330400Z01": ("嘉兴经济技术开发区", "330402"),
        "330400Z02": ("嘉兴港区", "330482"),
        "330400Z03": ("嘉兴秀洲高新技术产业开发区", "330411"),
        "330400Z04": ("嘉兴科技城", "330402"),
        "330400Z05": ("嘉善经济技术开发区", "330421"),
        "330400Z06": ("平湖经济技术开发区", "330482"),
        "330400Z07": ("海宁经济开发区", "330481"),
        "330400Z08": ("海盐经济开发区", "330424"),
        "330400Z09": ("桐乡经济开发区", "330483"),
    }
    for zone in zones:
        assert zone.parent.code == "330400"
        assert zone.reports_to.level == "county"
        assert zone.reports_to.parent_id == zone.parent_id


def test_every_zone_in_the_file_documents_its_mapping():
    data = json.loads((REFERENCE_DIR / "regions.json").read_text(encoding="utf-8"))
    assert data["source"].startswith("GB/T 2260")
    zones = [e for e in data["entries"] if e["level"] == "zone"]
    assert len(zones) == 9
    assert all(e["basis"] for e in zones)


# --------------------------------------------------------------------------- industries


def test_all_twenty_sections_a_to_t():
    sections = Industry.objects.filter(level="section").order_by("code")
    assert list(sections.values_list("code", flat=True)) == list("ABCDEFGHIJKLMNOPQRST")
    assert not sections.filter(parent__isnull=False).exists()
    assert Industry.objects.get(code="C").name == "制造业"
    assert Industry.objects.get(code="I").name == "信息传输、软件和信息技术服务业"
    assert Industry.objects.get(code="M").name == "科学研究和技术服务业"


def test_all_ninety_seven_divisions_each_under_its_section():
    divisions = Industry.objects.filter(level="division").select_related("parent")
    assert sorted(d.code for d in divisions) == [f"{n:02d}" for n in range(1, 98)]
    parent_of = {d.code: (d.parent.code, d.parent.level) for d in divisions}
    for section, (first, last) in SECTION_DIVISIONS.items():
        for n in range(first, last + 1):
            assert parent_of[f"{n:02d}"] == (section, "section")


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("05", "农、林、牧、渔专业及辅助性活动"),
        ("39", "计算机、通信和其他电子设备制造业"),
        ("58", "多式联运和运输代理业"),
        ("65", "软件和信息技术服务业"),
        ("73", "研究和试验发展"),
        ("96", "基层群众自治组织及其他组织"),
    ],
)
def test_division_official_names(code, name):
    assert Industry.objects.get(code=code).name == name


# --------------------------------------------------------------------------- departments


def test_merged_tax_bureau_under_todays_name_with_both_former_names():
    tax = Department.objects.get(code="jx-tax")
    assert tax.name == "国家税务总局嘉兴市税务局"
    assert tax.kind == "data_provider"
    assert tax.region.code == "330400"
    assert tax.former_names.split("、") == ["嘉兴市地方税务局", "嘉兴市国家税务局"]
    assert "纳税信用等级" in tax.provides_data.split("、")


@pytest.mark.parametrize(
    ("code", "name", "kind", "former"),
    [
        ("jx-pbc", "中国人民银行嘉兴市分行", "regulator", "中国人民银行嘉兴市中心支行"),
        (
            "jx-nfra",
            "国家金融监督管理总局嘉兴监管分局",
            "regulator",
            "中国银行业监督管理委员会嘉兴监管分局",
        ),
        ("jx-ecology-environment", "嘉兴市生态环境局", "data_provider", "嘉兴市环境保护局"),
        ("jx-market-supervision", "嘉兴市市场监督管理局", "data_provider", "嘉兴市质量技术监督局"),
        (
            "jx-emergency-management",
            "嘉兴市应急管理局",
            "data_provider",
            "嘉兴市安全生产监督管理局",
        ),
        ("jx-economy-it", "嘉兴市经济和信息化局", "government", "嘉兴市经济和信息化委员会"),
    ],
)
def test_renamed_departments(code, name, kind, former):
    department = Department.objects.get(code=code)
    assert (department.name, department.kind) == (name, kind)
    assert former in department.former_names.split("、")


def test_city_departments_the_plan_leads_with():
    names = set(Department.objects.filter(region__code="330400").values_list("name", flat=True))
    assert {
        "嘉兴市科学技术局",
        "嘉兴市财政局",
        "嘉兴市中级人民法院",
        "国网浙江省电力有限公司嘉兴供电公司",
    } <= names


def test_every_data_provider_says_what_it_delivers():
    providers = Department.objects.filter(kind="data_provider")
    assert providers.count() == 9
    assert not providers.filter(provides_data="").exists()


# --------------------------------------------------------------------------- loader


def test_loading_the_bundled_files_again_changes_nothing():
    before = _table_snapshot()

    results = reference_bundled_load(Region=Region, Industry=Industry, Department=Department)

    assert [(r.source, r.created, r.updated, len(r.unchanged)) for r in results] == [
        ("regions.json", [], [], 18),
        ("industries.json", [], [], 117),
        ("departments.json", [], [], 23),
    ]
    assert _table_snapshot() == before
    assert BUNDLED_FILES == ("regions.json", "industries.json", "departments.json")


def test_loader_restores_an_edited_row_and_reports_the_change():
    Industry.objects.filter(code="65").update(name="软件业")
    changes = []

    result = reference_data_load(
        data=json.loads((REFERENCE_DIR / "industries.json").read_text(encoding="utf-8")),
        source="industries.json",
        Region=Region,
        Industry=Industry,
        Department=Department,
        on_change=lambda action, instance, before, after: changes.append(
            (action, instance.code, before, after)
        ),
    )

    assert (result.created, result.updated, len(result.unchanged)) == ([], ["65"], 116)
    assert Industry.objects.get(code="65").name == "软件和信息技术服务业"
    assert changes == [("update", "65", {"name": "软件业"}, {"name": "软件和信息技术服务业"})]


# --------------------------------------------------------------------------- reference_load


HUZHOU = {
    "kind": "regions",
    "source": "GB/T 2260（测试用）",
    "entries": [
        {"code": "330502", "name": "吴兴区", "level": "county", "parent": "330500"},
        {
            "code": "330500Z01",
            "name": "湖州经济技术开发区",
            "level": "zone",
            "parent": "330500",
            "reports_to": "330502",
        },
        {"code": "330500", "name": "湖州市", "level": "city", "parent": "330000"},
    ],
}


def test_reference_load_configures_another_city_parents_first(tmp_path, settings, capsys):
    path = _write(tmp_path, "huzhou.json", HUZHOU)

    call_command("reference_load", path)

    assert capsys.readouterr().out == "huzhou.json（regions）：新建 3 条，更新 0 条，0 条不变。\n"
    zone = Region.objects.get(code="330500Z01")
    assert (zone.parent.name, zone.parent.parent.name, zone.reports_to.name) == (
        "湖州市",
        "浙江省",
        "吴兴区",
    )
    created = AuditEvent.objects.filter(object_type="core.region", action="create")
    assert sorted(created.values_list("object_repr", flat=True)) == [
        "吴兴区",
        "湖州市",
        "湖州经济技术开发区",
    ]
    assert created.get(object_repr="吴兴区").after == {
        "code": "330502",
        "name": "吴兴区",
        "level": "county",
        "parent": "330500",
        "reports_to": None,
    }
    settings.KEJIN_CITY = "330500"
    assert city_region().name == "湖州市"
    assert list(city_counties().values_list("code", flat=True)) == ["330502"]


def test_reference_load_dry_run_writes_nothing(tmp_path, capsys):
    path = _write(tmp_path, "huzhou.json", HUZHOU)
    before = _table_snapshot()

    call_command("reference_load", path, "--dry-run")

    assert capsys.readouterr().out == (
        "huzhou.json（regions）：将新建 3 条，更新 0 条，0 条不变（试运行，未写入）。\n"
    )
    assert _table_snapshot() == before
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            [
                {"code": "330500", "name": "湖州市", "level": "city", "parent": "330000"},
                {"code": "330502", "name": "吴兴区", "level": "district", "parent": "330500"},
            ],
            "bad.json：第 2 条（代码 330502），字段 “level”：取值 “district” 无效，"
            "可选值：province、city、county、zone。",
        ),
        (
            [
                {"code": "330500", "name": "湖州市", "level": "city", "parent": "330000"},
                {
                    "code": "330500Z01",
                    "name": "湖州经济技术开发区",
                    "level": "zone",
                    "parent": "330500",
                },
            ],
            "bad.json：第 2 条（代码 330500Z01），字段 “reports_to”：功能区必须写明统计归属的县（市、区）代码。",
        ),
        (
            [
                {"code": "330500", "name": "湖州市", "level": "city", "parent": "330000"},
                {
                    "code": "330500Z01",
                    "name": "湖州经济技术开发区",
                    "level": "zone",
                    "parent": "330500",
                    "reports_to": "330402",
                },
            ],
            "bad.json：第 2 条（代码 330500Z01），字段 “reports_to”：县（市、区）“330402” 不属于上级 “330500”；"
            "功能区只能归属本市的县（市、区）。",
        ),
        (
            [
                {"code": "330500", "name": "湖州市", "level": "city", "parent": "330000"},
                {"code": "330502", "name": "吴兴区", "level": "county", "parnet": "330500"},
            ],
            "bad.json：第 2 条（代码 330502），字段 “parnet”：不认识的字段；regions 文件允许的字段是 "
            "code、name、level、parent、reports_to、basis、note，请检查拼写。",
        ),
        (
            [
                {"code": "330500", "name": "湖州市", "level": "city", "parent": "330000"},
                {"code": "3305020000001", "name": "吴兴区", "level": "county", "parent": "330500"},
            ],
            "bad.json：第 2 条（代码 3305020000001），字段 “code”：长度 13 超过上限 12，请缩短。",
        ),
        (
            [
                {"code": "330500", "name": "湖州市", "level": "city", "parent": "330000"},
                {"code": "330502", "name": "吴兴区", "level": "county", "parent": "339900"},
            ],
            "bad.json：第 2 条（代码 330502），字段 “parent”：上级 “339900” 既不在本文件里，也不在数据库里；"
            "请先加载它，或在本文件中加上这一条。",
        ),
        (
            [
                {"code": "330500", "name": "湖州市", "level": "city", "parent": "330000"},
                {"code": "330500", "name": "湖州", "level": "city", "parent": "330000"},
            ],
            "bad.json：第 2 条（代码 330500），字段 “code”：代码与第 1 条重复，每个代码只能出现一次。",
        ),
    ],
    ids=[
        "bad-level",
        "zone-without-county",
        "zone-of-other-city",
        "misspelt-field",
        "code-too-long",
        "unknown-parent",
        "duplicate",
    ],
)
def test_reference_load_bad_regions_file_names_entry_and_field_and_writes_nothing(
    tmp_path, entries, message
):
    path = _write(tmp_path, "bad.json", {"kind": "regions", "source": "测试", "entries": entries})
    before = _table_snapshot()

    with pytest.raises(CommandError) as excinfo:
        call_command("reference_load", path)

    assert str(excinfo.value) == message + "\n未写入任何数据，请修改文件后重试。"
    assert _table_snapshot() == before
    assert not Region.objects.filter(code="330500").exists()
    assert not AuditEvent.objects.exists()


def test_reference_load_bad_departments_file(tmp_path):
    path = _write(
        tmp_path,
        "departments.json",
        {
            "kind": "departments",
            "source": "测试",
            "entries": [
                {
                    "code": "jx-new",
                    "name": "嘉兴市新部门",
                    "kind": "government",
                    "region": "330400",
                },
                {
                    "code": "jx-tax",
                    "name": "国家税务总局嘉兴市税务局",
                    "kind": "data_provider",
                    "region": "330400",
                },
            ],
        },
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("reference_load", path)

    assert str(excinfo.value) == (
        "departments.json：第 2 条（代码 jx-tax），字段 “provides_data”：数据源部门必须写明报送哪些信用记录（以顿号分隔）。"
        "\n未写入任何数据，请修改文件后重试。"
    )
    assert not Department.objects.filter(code="jx-new").exists()
    assert Department.objects.get(code="jx-tax").provides_data.startswith("纳税信用等级")


def test_reference_load_department_code_must_be_a_slug(tmp_path):
    path = _write(
        tmp_path,
        "departments.json",
        {
            "kind": "departments",
            "source": "测试",
            "entries": [
                {
                    "code": "嘉兴 新部门",
                    "name": "嘉兴市新部门",
                    "kind": "government",
                    "region": "330400",
                }
            ],
        },
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("reference_load", path)

    assert str(excinfo.value) == (
        "departments.json：第 1 条（代码 嘉兴 新部门），字段 “code”：只能由英文字母、数字、连字符和下划线组成（例如 jx-tax）。"
        "\n未写入任何数据，请修改文件后重试。"
    )
    assert not Department.objects.filter(name="嘉兴市新部门").exists()


def test_reference_load_department_of_an_unloaded_region(tmp_path):
    path = _write(
        tmp_path,
        "huzhou-departments.json",
        {
            "kind": "departments",
            "source": "测试",
            "entries": [
                {
                    "code": "hz-tax",
                    "name": "国家税务总局湖州市税务局",
                    "kind": "data_provider",
                    "region": "330500",
                    "provides_data": "纳税信用等级",
                }
            ],
        },
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("reference_load", path)

    assert str(excinfo.value) == (
        "huzhou-departments.json：第 1 条（代码 hz-tax），字段 “region”：区划 “330500” 不在数据库里；"
        "请先用 reference_load 加载包含它的区划文件。\n未写入任何数据，请修改文件后重试。"
    )
    assert not Department.objects.filter(code="hz-tax").exists()


def test_reference_load_industry_group_must_extend_its_division(tmp_path):
    path = _write(
        tmp_path,
        "industries.json",
        {
            "kind": "industries",
            "source": "测试",
            "entries": [{"code": "651", "name": "软件开发", "level": "group", "parent": "64"}],
        },
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("reference_load", path)

    assert str(excinfo.value) == (
        "industries.json：第 1 条（代码 651），字段 “code”：代码 “651” 应以上级代码 “64” 开头。"
        "\n未写入任何数据，请修改文件后重试。"
    )
    assert not Industry.objects.filter(code="651").exists()


def test_reference_load_file_that_is_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"kind": "regions", "entries": [}', encoding="utf-8")

    with pytest.raises(CommandError) as excinfo:
        call_command("reference_load", str(path))

    assert str(excinfo.value) == (
        "broken.json：不是有效的 JSON（第 1 行第 33 列：Expecting value），请修正格式。"
        "\n未写入任何数据，请修改文件后重试。"
    )


def test_reference_load_file_without_source(tmp_path):
    path = _write(tmp_path, "nosource.json", {"kind": "regions", "entries": HUZHOU["entries"]})

    with pytest.raises(CommandError) as excinfo:
        call_command("reference_load", path)

    assert str(excinfo.value) == (
        "nosource.json：缺少 “source”：请写明数据出处（标准号、文件名或发布机关）。"
        "\n未写入任何数据，请修改文件后重试。"
    )
    assert not Region.objects.filter(code="330500").exists()


# --------------------------------------------------------------------------- helpers


def test_city_region_and_counties_follow_kejin_city(settings):
    settings.KEJIN_CITY = "330400"
    assert city_region().code == "330400"
    assert [(c.code, c.name) for c in city_counties()] == JIAXING_COUNTIES


def test_city_region_not_loaded_says_what_to_do(settings):
    settings.KEJIN_CITY = "330500"

    with pytest.raises(ImproperlyConfigured) as excinfo:
        city_region()

    assert str(excinfo.value) == (
        "KEJIN_CITY=330500 不在区划数据中：请先运行 `manage.py reference_load <区划文件>` 加载该市，"
        "或把 KEJIN_CITY 设为已加载的市级区划代码。"
    )
    assert list(city_counties()) == []


def test_county_for_zone_county_and_city():
    port = Region.objects.get(code="330400Z02")
    pinghu = Region.objects.get(code="330482")

    assert county_for(port) == pinghu
    assert county_for(pinghu) == pinghu
    assert county_for(Region.objects.get(code="330400")) is None
    assert county_for(None) is None
