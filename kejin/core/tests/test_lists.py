"""CappedCountPaginator: exact counts below its limit, "more than the limit" above it."""

import pytest

from kejin.core.models import Region
from kejin.core.tests.factories import RegionFactory
from kejin.core.ui.lists import CappedCountPaginator


@pytest.mark.parametrize(
    ("rows", "count", "capped", "num_pages"),
    [(0, 0, False, 1), (9, 9, False, 3), (10, 10, False, 3), (11, 11, True, 3), (50, 11, True, 3)],
)
def test_the_count_is_exact_up_to_the_limit_and_limit_plus_one_above(
    rows, count, capped, num_pages
):
    paginator = CappedCountPaginator(list(range(rows)), 4, count_limit=10)

    assert paginator.count == count
    assert paginator.count_capped is capped
    assert paginator.num_pages == num_pages


def test_above_the_limit_the_pages_end_at_the_limit():
    paginator = CappedCountPaginator(list(range(50)), 4, count_limit=10)

    last = paginator.get_page(99)

    assert last.number == 3
    assert list(last.object_list) == [8, 9]
    assert not last.has_next()


@pytest.mark.django_db
def test_a_queryset_is_counted_by_one_bounded_query(django_assert_num_queries):
    for n in range(5):
        RegionFactory(code=f"33049{n}", name=f"区{n}")
    paginator = CappedCountPaginator(
        Region.objects.filter(code__startswith="33049").order_by("code"), 2, count_limit=3
    )

    with django_assert_num_queries(1) as captured:
        assert paginator.count == 4

    sql = captured.captured_queries[0]["sql"]
    assert "LIMIT 4" in sql and "ORDER BY" not in sql
    assert paginator.count_capped
    assert [r.code for r in paginator.page(2).object_list] == ["330492"]


@pytest.mark.django_db
def test_the_count_source_is_what_is_counted():
    RegionFactory(code="330490", name="区0")
    RegionFactory(code="330491", name="区1")

    paginator = CappedCountPaginator(
        Region.objects.filter(code__startswith="33049").order_by("code"),
        10,
        count_limit=5,
        count_source=Region.objects.filter(code="330491"),
    )

    assert paginator.count == 1
    assert [r.code for r in paginator.page(1).object_list] == ["330490"]


@pytest.mark.django_db
def test_a_page_is_read_by_its_ids_with_the_querysets_joins_and_order(
    django_assert_num_queries,
):
    city = RegionFactory(code="330400", name="嘉兴市", level="city")
    for n in range(5):
        RegionFactory(code=f"33049{n}", name=f"区{n}", parent=city)
    queryset = (
        Region.objects.filter(code__startswith="33049").select_related("parent").order_by("-code")
    )
    expected = [(r.code, r.parent.code) for r in queryset[2:4]]
    paginator = CappedCountPaginator(queryset, 2, count_limit=10)
    assert paginator.count == 5

    with django_assert_num_queries(1) as captured:
        rows = [(r.code, r.parent.code) for r in paginator.page(2).object_list]

    assert rows == expected == [("330492", "330400"), ("330491", "330400")]
    sql = captured.captured_queries[0]["sql"]
    assert "IN (SELECT" in sql and "LIMIT 2 OFFSET 2" in sql
