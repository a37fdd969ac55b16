"""Name search: the same rows as a scan for every query, indexed where it can be, scoped always."""

import pytest
from django.db import connection

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.core.ui.lists import CappedCountPaginator
from kejin.enterprises import search
from kejin.enterprises.models import Enterprise
from kejin.enterprises.search import (
    FTS_TABLE,
    GRAM_TABLE,
    enterprise_name_search,
    sqlite_has_trigram,
)
from kejin.enterprises.selectors import enterprise_list
from kejin.enterprises.services import enterprise_update
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

NAMES = [
    "嘉兴华鑫科技有限公司",
    "海宁华鑫电子科技有限公司",
    "桐乡鑫华新材料有限公司",
    "华鑫",
    "嘉兴华",
    "嘉兴ABC电子有限公司",
    "嘉兴abc智能科技有限公司",
    "嘉兴AbCd传感技术有限公司",
    "平湖3D打印科技有限公司",
    "嘉善100%纯净科技有限公司",
    "嘉善100元科技有限公司",
    "南湖a_b软件有限公司",
    "秀洲ab软件有限公司",
    '海盐"星光"照明有限公司',
    "嘉兴 星光 传感技术有限公司",
    "嘉兴AND OR NOT NEAR科技有限公司",
    "浙江华(嘉兴)电气有限公司",
    "华鑫（嘉兴）电子有限公司",
    "嘉兴反斜杠\\科技有限公司",
    "嘉兴O'Neil生物科技有限公司",
    "嘉兴*星^号-科技有限公司",
    "嘉兴\u212aTV科技有限公司",  # KELVIN SIGN: FTS5 folds it to "k", LIKE does not
]

QUERIES = [
    # one and two characters: the gram posting list, re-checked by LIKE
    "华",
    "鑫",
    "科",
    "3",
    "a",
    "B",
    "%",
    "_",
    '"',
    " ",
    "\\",
    "华鑫",
    "有限",
    "3D",
    "ab",
    "Ab",
    "a_",
    "0%",
    "(嘉",
    # three characters and more: the index, re-checked by LIKE
    "嘉兴华",
    "华鑫科",
    "鑫华新",
    "华鑫电子",
    "嘉兴华鑫科技有限公司",
    "海宁华鑫电子科技有限公司",
    "电子有限公司",
    "abc",
    "ABC",
    "aBc",
    "abcd",
    "3D打",
    "3D打印科技",
    "100",
    "100%",
    "0%纯",
    "a_b",
    "_b软",
    '"星光"',
    '星光"',
    '"""',
    " 星光 ",
    "兴 星",
    "AND",
    "AND OR",
    "NEAR科技",
    "NOT",
    "(嘉兴)",
    "（嘉兴）",
    "杠\\科",
    "O'Neil",
    "*星^",
    "-科技",
    "ktv",
    "KTV科",
    "有限公司有限公司",
    "不存在的名称",
    "zzz",
]


def ascii_folded(text: str) -> str:
    """Lower-case A-Z only: the case rule both engines' search follows."""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def expected_names(query: str) -> set[str]:
    return {name for name in NAMES if ascii_folded(query) in ascii_folded(name)}


@pytest.fixture
def named_enterprises():
    return [EnterpriseFactory(name=name) for name in NAMES]


def searched_names(text: str, queryset=None) -> set[str]:
    queryset = Enterprise.objects.all() if queryset is None else queryset
    return set(enterprise_name_search(queryset, text).values_list("name", flat=True))


def fts_integrity_check() -> None:
    """Raises if the FTS index differs from the enterprise table (SQLite only)."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")


def uses_trigram_index() -> bool:
    return connection.vendor == "sqlite" and sqlite_has_trigram()


@pytest.mark.parametrize("query", QUERIES)
def test_search_returns_the_rows_of_a_scan(named_enterprises, query):
    scan = set(Enterprise.objects.filter(name__icontains=query).values_list("name", flat=True))

    found = searched_names(query)

    assert found == expected_names(query)
    assert found == scan
    if connection.vendor == "sqlite":  # there contains and icontains are the same LIKE
        assert found == set(
            Enterprise.objects.filter(name__contains=query).values_list("name", flat=True)
        )


def test_the_expected_rows_are_not_trivial(named_enterprises):
    assert expected_names("华") == {
        "嘉兴华鑫科技有限公司",
        "海宁华鑫电子科技有限公司",
        "桐乡鑫华新材料有限公司",
        "华鑫",
        "嘉兴华",
        "浙江华(嘉兴)电气有限公司",
        "华鑫（嘉兴）电子有限公司",
    }
    assert expected_names("abc") == {
        "嘉兴ABC电子有限公司",
        "嘉兴abc智能科技有限公司",
        "嘉兴AbCd传感技术有限公司",
    }
    assert expected_names("a_b") == {"南湖a_b软件有限公司"}
    assert expected_names("100%") == {"嘉善100%纯净科技有限公司"}
    assert expected_names("ktv") == set()


@pytest.mark.parametrize(("query", "indexed"), [("华", False), ("华鑫", False), ("华鑫科", True)])
def test_queries_of_three_characters_or_more_go_through_the_trigram_index(query, indexed):
    if not uses_trigram_index():
        pytest.skip("the trigram index exists only on SQLite with FTS5 trigram")

    sql = str(enterprise_name_search(Enterprise.objects.all(), query).query)

    assert (f"{FTS_TABLE} MATCH" in sql) is indexed


@pytest.mark.parametrize(("query", "indexed"), [("华", True), ("华鑫", True), ("华鑫科", False)])
def test_queries_of_one_or_two_characters_go_through_the_gram_table(query, indexed):
    sql = str(enterprise_name_search(Enterprise.objects.all(), query).query)

    # On PostgreSQL longer ones do too (their rarest pair); SQLite has FTS5 for them.
    assert (f"FROM {GRAM_TABLE} WHERE gram" in sql) is (
        indexed or connection.vendor == "postgresql"
    )


@pytest.mark.parametrize("query", ["华", "华鑫", "a", "ab", "科技有", "有限公司"])
def test_broad_queries_read_their_page_by_walking_names_routed_by_a_quick_count(
    named_enterprises, monkeypatch, query
):
    # Given a bound of 3 candidates, every query below finds more than that through its index.
    set_page_route_rows(monkeypatch, 3)
    assert len(expected_names(query)) > 3

    queryset = enterprise_name_search(Enterprise.objects.all(), query)

    sql = str(queryset.query)
    assert GRAM_TABLE not in sql and FTS_TABLE not in sql
    assert set(queryset.values_list("name", flat=True)) == expected_names(query)
    scan = Enterprise.objects.filter(name__icontains=query)
    assert list(queryset[:2]) == list(scan[:2])


@pytest.mark.parametrize("query", ["华", "华鑫", "华鑫科"])
def test_below_the_broad_bound_the_index_is_used(named_enterprises, monkeypatch, query):
    set_page_route_rows(monkeypatch, len(expected_names(query)))

    queryset = enterprise_name_search(Enterprise.objects.all(), query)

    sql = str(queryset.query)
    if connection.vendor == "postgresql":
        # Candidates first, as an array the planner cannot walk the name index around; for
        # three characters and more, the posting list of the text's rarest pair.
        assert "unnest(ARRAY(SELECT" in sql
        assert GRAM_TABLE in sql
    else:
        expect_index = len(query) <= 2 or uses_trigram_index()
        assert (GRAM_TABLE in sql or FTS_TABLE in sql) is expect_index
    assert set(queryset.values_list("name", flat=True)) == expected_names(query)


@pytest.mark.parametrize("query", QUERIES)
def test_the_plan_for_counting_returns_the_rows_of_a_scan(named_enterprises, monkeypatch, query):
    monkeypatch.setitem(
        search.PAGE_ROUTE_ROWS, connection.vendor, 3
    )  # counting ignores the page route
    scan = Enterprise.objects.filter(name__icontains=query)

    counted = enterprise_name_search(Enterprise.objects.all(), query, for_count=True)

    assert set(counted.values_list("name", flat=True)) == expected_names(query)
    assert counted.count() == scan.count()
    sql = str(counted.query)
    if connection.vendor == "sqlite" and (len(query) <= 2 or uses_trigram_index()):
        # SQLite: always through the index, however broad (a rowid lookup per candidate).
        assert GRAM_TABLE in sql or FTS_TABLE in sql
    if connection.vendor == "postgresql":
        # PostgreSQL: broad candidates would first be fetched whole into an array, so a
        # broad count takes the LIKE (a scan that stops at the bound).
        assert GRAM_TABLE not in sql or len(expected_names(query)) <= 3


@pytest.mark.parametrize("limit", [1, 3, 6, 7, 100])
@pytest.mark.parametrize("query", ["华", "华鑫", "嘉兴", "科技有", "有限公司", "a", "zzz"])
@pytest.mark.parametrize("page_route_rows", [1, 3000])
def test_the_capped_count_and_first_page_are_those_of_a_scan(
    named_enterprises, monkeypatch, query, limit, page_route_rows
):
    # The directory page: a count capped at limit + 1 (planned for counting) and the first
    # page in name order (planned for the page), broad or not: as a scan's, exactly.
    set_page_route_rows(monkeypatch, page_route_rows)
    scan = Enterprise.objects.filter(name__icontains=query)
    base = Enterprise.objects.select_related("county", "industry", "zone")

    paginator = CappedCountPaginator(
        enterprise_name_search(base, query),
        3,
        count_limit=limit,
        count_source=enterprise_name_search(Enterprise.objects.all(), query, for_count=True),
    )
    expected = CappedCountPaginator(scan, 3, count_limit=limit)

    assert paginator.count == expected.count == min(len(expected_names(query)), limit + 1)
    assert paginator.count_capped is (len(expected_names(query)) > limit)
    for number in paginator.page_range:
        assert list(paginator.page(number)) == list(expected.page(number))


def set_page_route_rows(monkeypatch, rows: int) -> None:
    """The candidate count above which the page walks the name index, for every text."""
    monkeypatch.setitem(search.PAGE_ROUTE_ROWS, connection.vendor, rows)
    monkeypatch.setattr(search, "LONG_TEXT_PAGE_ROUTE_ROWS", rows)


def python_grams(name: str) -> set[str]:
    """The grams migration 0012 keeps for ``name``, computed independently in Python."""
    folded = ascii_folded(name) if connection.vendor == "sqlite" else name.upper()
    return {folded[i : i + width] for width in (1, 2) for i in range(len(folded) - width + 1)}


def assert_gram_table_in_step() -> None:
    """The gram table holds exactly the grams of every enterprise's current name."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT gram, enterprise_id FROM {GRAM_TABLE}")
        stored = set(cursor.fetchall())
    expected = {
        (gram, pk)
        for pk, name in Enterprise.objects.values_list("pk", "name")
        for gram in python_grams(name)
    }
    assert stored == expected


def test_the_gram_table_holds_exactly_each_names_grams(named_enterprises):
    assert_gram_table_in_step()


def test_renamed_enterprise_is_found_by_its_new_short_name_and_not_its_old_one():
    officer = UserFactory()
    enterprise = EnterpriseFactory(name="甲乙")
    EnterpriseFactory(name="嘉兴其他科技有限公司")
    assert searched_names("甲") == {"甲乙"}
    assert searched_names("甲乙") == {"甲乙"}

    enterprise_update(actor=officer, enterprise=enterprise, data={"name": "丙丁"})

    for old in ("甲", "乙", "甲乙"):
        assert searched_names(old) == set()
    assert searched_names("丙") == {"丙丁"}
    assert searched_names("丁") == {"丙丁"}
    assert searched_names("丙丁") == {"丙丁"}
    assert_gram_table_in_step()


def test_the_fts_index_alone_misses_short_queries_which_is_why_they_use_grams(
    named_enterprises,
):
    if not uses_trigram_index():
        pytest.skip("the trigram index exists only on SQLite with FTS5 trigram")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH '\"华鑫\"'")
        assert cursor.fetchone() == (0,)

    assert len(searched_names("华鑫")) == 4


def test_the_like_recheck_drops_what_the_index_folds_wider(named_enterprises):
    if not uses_trigram_index():
        pytest.skip("the trigram index exists only on SQLite with FTS5 trigram")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH '\"ktv\"'")
        assert cursor.fetchone() == (1,)

    assert searched_names("ktv") == set()


def test_full_width_letters_are_the_one_case_difference_between_engines():
    EnterpriseFactory(name="嘉兴ＡＢＣ科技有限公司")

    found = searched_names("ａｂｃ科")

    # PostgreSQL's UPPER folds every script; SQLite's LIKE only A-Z (documented in search.py).
    assert found == ({"嘉兴ＡＢＣ科技有限公司"} if connection.vendor == "postgresql" else set())
    assert searched_names("ＡＢＣ科") == {"嘉兴ＡＢＣ科技有限公司"}


def test_empty_text_narrows_nothing(named_enterprises):
    assert searched_names("") == set(NAMES)


def test_renamed_enterprise_is_found_by_its_new_name_only():
    enterprise = EnterpriseFactory(name="嘉兴旧名称科技有限公司")
    assert searched_names("旧名称") == {"嘉兴旧名称科技有限公司"}

    enterprise.name = "嘉兴新名称科技有限公司"
    enterprise.save()

    assert searched_names("旧名称") == set()
    assert searched_names("新名称") == {"嘉兴新名称科技有限公司"}
    assert searched_names("旧") == set()
    assert searched_names("新名") == {"嘉兴新名称科技有限公司"}
    assert_gram_table_in_step()
    if uses_trigram_index():
        fts_integrity_check()


def test_queryset_update_and_bulk_create_are_indexed_too():
    first = EnterpriseFactory(name="嘉兴甲乙丙科技有限公司")
    Enterprise.objects.filter(pk=first.pk).update(name="嘉兴丁戊己科技有限公司")
    Enterprise.objects.bulk_create(
        [
            EnterpriseFactory.build(
                name="嘉兴庚辛壬科技有限公司", county=first.county, industry=first.industry
            )
        ]
    )

    assert searched_names("甲乙丙") == set()
    assert searched_names("丁戊己") == {"嘉兴丁戊己科技有限公司"}
    assert searched_names("庚辛壬") == {"嘉兴庚辛壬科技有限公司"}
    assert searched_names("甲乙") == set()
    assert searched_names("戊") == {"嘉兴丁戊己科技有限公司"}
    assert searched_names("辛壬") == {"嘉兴庚辛壬科技有限公司"}
    assert_gram_table_in_step()
    if uses_trigram_index():
        fts_integrity_check()


def test_deleted_enterprise_is_no_longer_found():
    kept = EnterpriseFactory(name="嘉兴留下科技有限公司")
    gone = EnterpriseFactory(name="嘉兴删除科技有限公司")

    gone.delete()

    assert searched_names("删除科技") == set()
    assert searched_names("科技有限") == {kept.name}
    assert searched_names("删") == set()
    assert_gram_table_in_step()
    if uses_trigram_index():
        fts_integrity_check()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH '\"科技有\"'")
            assert cursor.fetchone() == (1,)


def test_a_changed_field_other_than_the_name_keeps_the_index_in_step():
    enterprise = EnterpriseFactory(name="嘉兴地址科技有限公司")

    enterprise.address = "浙江省嘉兴市南湖区中山路1号"
    enterprise.save()

    assert searched_names("地址科技") == {"嘉兴地址科技有限公司"}
    assert searched_names("地址") == {"嘉兴地址科技有限公司"}
    assert_gram_table_in_step()
    if uses_trigram_index():
        fts_integrity_check()


def test_the_index_triggers_exist():
    """A later migration that makes Django rebuild the table on SQLite drops them (see 0006)."""
    if not uses_trigram_index():
        pytest.skip("the triggers exist only on SQLite with FTS5 trigram")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'enterprises_enterprise' ORDER BY name"
        )
        triggers = [row[0] for row in cursor.fetchall()]

    assert triggers == [
        f"{FTS_TABLE}_delete",
        f"{FTS_TABLE}_insert",
        f"{FTS_TABLE}_update",
        f"{GRAM_TABLE}_delete",
        f"{GRAM_TABLE}_insert",
        f"{GRAM_TABLE}_update",
    ], (
        "the name-search triggers are missing: a migration rebuilt enterprises_enterprise; "
        "call sqlite_install() of migrations 0006 and 0012 at its end"
    )


def test_postgresql_keeps_the_gram_table_by_a_trigger():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'enterprises_enterprise'::regclass "
            "AND NOT tgisinternal"
        )
        assert (f"{GRAM_TABLE}_sync",) in cursor.fetchall()


def test_postgresql_has_a_trigram_index_the_icontains_lookup_uses():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    EnterpriseFactory(name="嘉兴华鑫科技有限公司")
    # The scan side of a broad search (and the API's plain icontains) can use it.
    queryset = Enterprise.objects.order_by().filter(name__icontains="华鑫科")
    sql, params = queryset.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "enterprises_enterprise_name_trgm" in plan


@pytest.fixture
def two_counties():
    nanhu = RegionFactory()
    xiuzhou = RegionFactory(code="330411", name="秀洲区")
    in_county = EnterpriseFactory(county=nanhu, name="南湖华鑫科技有限公司")
    other = EnterpriseFactory(county=xiuzhou, name="秀洲华鑫科技有限公司")
    return in_county, other


@pytest.mark.parametrize(
    "query", ["华", "华鑫", "华鑫科", "华鑫科技有限公司", "秀洲华鑫", "秀", "秀洲"]
)
def test_county_officer_never_finds_another_countys_enterprise(two_counties, query):
    in_county, other = two_counties
    officer = UserFactory(county_officer=True)
    assert officer.county_id == in_county.county_id

    found = list(enterprise_list(user=officer, filters={"q": query}))

    assert found == ([] if "秀" in query else [in_county])
    assert other not in found


@pytest.mark.parametrize("query", ["华", "华鑫", "华鑫科", "华鑫科技有限公司"])
def test_city_officer_finds_both_counties_in_name_order(two_counties, query):
    in_county, other = two_counties

    found = list(enterprise_list(user=UserFactory(), filters={"q": query}))

    assert found == [in_county, other]


def test_enterprise_user_finds_only_itself(two_counties):
    in_county, _ = two_counties
    user = UserFactory(enterprise_admin=True, enterprise=in_county)

    assert list(enterprise_list(user=user, filters={"q": "华鑫科技"})) == [in_county]
    assert list(enterprise_list(user=user, filters={"q": "秀洲"})) == []


def test_q_with_a_uscc_matches_exactly_that_code(two_counties):
    in_county, other = two_counties
    pasted = f" {other.uscc[:6].lower()}-{other.uscc[6:]} "

    assert list(enterprise_list(user=UserFactory(), filters={"q": pasted})) == [other]
    assert list(enterprise_list(user=UserFactory(), filters={"q": other.uscc[:17]})) == []


def test_q_with_another_countys_uscc_finds_nothing_for_a_county_officer(two_counties):
    _, other = two_counties
    officer = UserFactory(county_officer=True)

    assert list(enterprise_list(user=officer, filters={"q": other.uscc})) == []


def test_q_combines_with_the_other_filters(two_counties):
    in_county, other = two_counties

    found = list(enterprise_list(user=UserFactory(), filters={"q": "华鑫科", "county": "330411"}))

    assert found == [other]


def test_postgresql_reads_longer_text_from_the_posting_list_of_its_rarest_pair():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has the FTS5 trigram index")
    for n in range(4):
        EnterpriseFactory(name=f"华{n}（嘉兴）电子有限公司")
    EnterpriseFactory(name="诚信（嘉兴）电子有限公司")

    queryset = enterprise_name_search(Enterprise.objects.all(), "信（嘉")

    sql, params = queryset.query.sql_with_params()
    assert GRAM_TABLE in sql
    assert "信（" in params and "（嘉" not in params  # one name has 信（, five have （嘉
    assert set(queryset.values_list("name", flat=True)) == {"诚信（嘉兴）电子有限公司"}


def test_postgresql_counts_common_pairs_one_by_one_and_keeps_the_rarest(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has the FTS5 trigram index")
    monkeypatch.setattr(search, "PAIR_FIRST_BOUND", 0)  # every pair counts as common
    search.route_memo_clear()
    for n in range(4):
        EnterpriseFactory(name=f"华{n}（嘉兴）电子有限公司")
    EnterpriseFactory(name="诚信（嘉兴）电子有限公司")

    queryset = enterprise_name_search(Enterprise.objects.all(), "信（嘉")

    sql, params = queryset.query.sql_with_params()
    assert GRAM_TABLE in sql  # punctuation: pg_trgm would drop it, so the pair's list
    assert "信（" in params and "（嘉" not in params
    assert set(queryset.values_list("name", flat=True)) == {"诚信（嘉兴）电子有限公司"}


def test_postgresql_reads_a_one_word_text_of_common_pairs_through_its_trigrams(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has the FTS5 trigram index")
    monkeypatch.setattr(search, "PAIR_FIRST_BOUND", 0)
    search.route_memo_clear()
    for name in ["嘉兴信息技术有限公司", "海宁信息技术有限公司", "嘉兴技术信息有限公司", "信息"]:
        EnterpriseFactory(name=name)

    queryset = enterprise_name_search(Enterprise.objects.all(), "信息技术")

    sql, params = queryset.query.sql_with_params()
    if search.postgresql_trigrams_see_letters(queryset.db):
        assert GRAM_TABLE not in sql and "%信息技术%" in params
    else:  # a C-locale database: pg_trgm sees no letters in Chinese, so the pair's list
        assert GRAM_TABLE in sql
    assert set(queryset.values_list("name", flat=True)) == {
        "嘉兴信息技术有限公司",
        "海宁信息技术有限公司",
    }
    assert list(queryset.order_by("name")) == list(
        Enterprise.objects.filter(name__icontains="信息技术").order_by("name")
    )


def test_a_page_and_its_count_plan_a_text_once(django_assert_num_queries):
    EnterpriseFactory(name="华鑫科技有限公司")
    search.route_memo_clear()
    with django_assert_num_queries(1):  # the bounded count of the candidates
        enterprise_name_search(Enterprise.objects.all(), "华鑫")

    with django_assert_num_queries(0):
        enterprise_name_search(Enterprise.objects.all(), "华鑫")

    search.route_memo_clear()
    with django_assert_num_queries(1):
        enterprise_name_search(Enterprise.objects.all(), "华鑫")


def test_a_remembered_plan_still_finds_a_name_added_after_it(monkeypatch):
    monkeypatch.setitem(search.PAGE_ROUTE_ROWS, connection.vendor, 1)
    EnterpriseFactory(name="华鑫科技有限公司")
    search.route_memo_clear()
    assert enterprise_name_search(Enterprise.objects.all(), "华鑫").count() == 1

    EnterpriseFactory(name="桐乡华鑫电子有限公司")  # now 2 candidates: over the bound of 1

    found = enterprise_name_search(Enterprise.objects.all(), "华鑫")  # the remembered plan
    assert set(found.values_list("name", flat=True)) == {"华鑫科技有限公司", "桐乡华鑫电子有限公司"}


def test_a_plan_is_remembered_only_for_a_moment(monkeypatch, django_assert_num_queries):
    EnterpriseFactory(name="华鑫科技有限公司")
    search.route_memo_clear()
    monkeypatch.setattr(search, "ROUTE_MEMO_SECONDS", 0)
    enterprise_name_search(Enterprise.objects.all(), "华鑫")

    with django_assert_num_queries(1):
        enterprise_name_search(Enterprise.objects.all(), "华鑫")
